/* dash_priv.h - the dashboard's parts, shared by its files: dash.c (the
 * loop, events, actions, the terminal), dash_draw.c (layout and panes),
 * dash_plot.c (the plot panes) and dash_samples.c (the samples pane).
 * Nothing outside them includes this.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_DASH_PRIV_H
#define BURBLE_DASH_PRIV_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "chart.h"
#include "compare.h"
#include "dash.h"
#include "plot.h"
#include "prompt.h"
#include "session.h"
#include "model.h"
#include "util.h"

#define FRAME_HZ 15		/* redraws per second, at most */
#define SAMPLE_CPS 250		/* samples pane: characters per second each
				   sample streams in at */
#define MAX_GROUPS 256		/* sample groups kept for scrolling back */
#define EVENTS_PER_TICK 512

/* Panes to redraw. */
enum {
	D_HEADER = 1 << 0,
	D_PLOT = 1 << 1,
	D_PROGRESS = 1 << 2,
	D_SAMPLES = 1 << 3,
	D_OTITLE = 1 << 4,
	D_STATUS = 1 << 5,
	D_HELPLINE = 1 << 6,
	D_PROMPT = 1 << 7,
	D_OVERLAY = 1 << 8,
	D_ALL = 0xffff,
};

/* Plot views, cycled by F5. */
enum { VIEW_LOSS, VIEW_ACC, VIEW_LOG, VIEW_RECENT, NVIEWS };

typedef struct {
	long epoch, step;
	int n;
	float temp[TRAIN_MAX_SAMPLE_TEMPS];
	char *text[TRAIN_MAX_SAMPLE_TEMPS];
	size_t ncp[TRAIN_MAX_SAMPLE_TEMPS];	/* code points */
	double t0;		/* when it started to stream in */
} sample_group;

typedef struct dash {
	session *s;
	const dash_options *o;
	prompt *p;
	SCREEN *scr;
	int training;
	int color, utf8;
	plot_layout lay;
	WINDOW *w_header, *w_plot[2], *w_progress, *w_samples, *w_otitle,
	    *w_out, *w_in, *w_status, *w_help, *w_overlay;
	unsigned dirty;
	double last_draw;
	int key_frame;		/* a key was read: draw without waiting */

	/* metrics */
	plot_series tr_loss, va_loss, tr_acc, va_acc;
	event last;		/* the latest progress fields (no text) */
	int have_step;
	float last_loss, last_acc;	/* train, latest report */
	float val_loss, val_acc;	/* latest evaluation */
	int view;
	curve_run own;		/* this run's history, for cmp */
	cmp_view cmp;		/* own and --compare's runs; x axis, smoothing */

	/* state */
	int started, paused, pause_want, done, quitting;
	int help_shown;
	int exit_now;
	int sig_quit;		/* the signal that asked to quit, 0 if none */
	char status[512];
	int status_error;
	char saved[1024];	/* the last checkpoint written */
	int save_failed;	/* EV_DONE said the last save failed */
	int metrics_failed;	/* ... or that --metrics could not be written */
	char done_reason[256];

	/* samples */
	sample_group *groups;
	size_t ngroups;
	size_t scroll;		/* 0: newest group */
} dash;



/* dash.c */
void dash_set_status(dash *d, int error, const char *fmt, ...)
    BURBLE_PRINTF(3, 4);

/* dash_draw.c: the layout, the panes, and text in windows. */
void dash_layout(dash *d);
void dash_resize(dash *d);
void dash_draw(dash *d);
void dash_del_window(WINDOW **w);
/* Code points of UTF-8 s. */
size_t dash_text_cps(const char *s);
/* Lay out UTF-8 text (len bytes, at most *budget code points) into one line
 * of at most maxw columns: wide characters that do not fit end the line.
 * Fills out[] (NUL-terminated, up to cap - 1), advances *off and *budget,
 * returns the columns used. */
int dash_fit_line(const dash *d, const char *s, size_t len, size_t *off,
    size_t *budget, int maxw, wchar_t *out, size_t cap);
/* Draw UTF-8 s at (y, x) in at most maxw columns; returns columns used. */
int dash_put_text(const dash *d, WINDOW *w, int y, int x, int maxw,
    const char *s);
void dash_hline(const dash *d, WINDOW *w, int y, int x, int n);
/* A pane title: "── text ───────". */
void dash_title_bar(const dash *d, WINDOW *w, int y, int width,
    const char *text);
attr_t dash_pair(const dash *d, int c);

/* dash_plot.c */
void dash_draw_plot(dash *d, int i);

/* dash_samples.c */
void dash_take_sample(dash *d, const event *e);
int dash_samples_animating(const dash *d);
void dash_draw_samples(dash *d);
void dash_samples_free(dash *d);

#endif
