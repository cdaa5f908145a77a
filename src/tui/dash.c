/* dash.c - the full-screen training dashboard (ncursesw).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread (this one) owns the terminal. The loop poll()s the keyboard,
 * the session's event pipe and a signal self-pipe; it drains every event,
 * updates its copy of the metrics (the series in plot.c) and marks panes
 * dirty; it redraws the dirty panes at most FRAME_HZ times a second (at once
 * after a key), each with wnoutrefresh, then one doupdate(). Nothing here
 * blocks except poll(): the trainer and the generator are the session's
 * threads, reached only through session_* calls.
 *
 * Keyboard bytes go to the prompt untouched (readline decodes escape
 * sequences; no keypad()), and the prompt calls back dash_action() for the
 * dashboard's keys.
 *
 * Signals arrive as bytes on sig.c's pipe. The one global, curses_up,
 * lets an atexit() handler restore the terminal if anything exits the
 * process while the screen is up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "dash.h"
#include "fmt.h"
#include "model.h"
#include "plot.h"
#include "prompt.h"
#include "session.h"
#include "sig.h"
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

/* Colour pairs (attributes alone where there is no colour). */
enum {
	C_TRAIN = 1,
	C_VAL,
	C_THIRD,
	C_HEADER,
	C_BAR,
	C_ERROR,
	C_KEY,
	C_TITLE,
	C_DIM,
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

	/* state */
	int started, paused, pause_want, done, quitting;
	int help_shown;
	int exit_now;
	int sig_quit;		/* the signal that asked to quit, 0 if none */
	char status[512];
	int status_error;
	char saved[1024];	/* the last checkpoint written */
	int save_failed;	/* EV_DONE said the last save failed */
	char done_reason[256];

	/* samples */
	sample_group *groups;
	size_t ngroups;
	size_t scroll;		/* 0: newest group */
} dash;

static volatile sig_atomic_t curses_up;

/* ---- the terminal ---------------------------------------------------- */

/* Bracketed paste on or off: pasted text arrives between ESC [ 200 ~ and
 * ESC [ 201 ~, so that the prompt takes a pasted paragraph as one prime
 * (prompt.c). Terminals that do not know the mode ignore it. write(2):
 * also from the second-signal exit. */
static void
paste_mode(int on)
{
	const char *s = on ? "\033[?2004h" : "\033[?2004l";
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));

	(void)r;
}

/* Leave the full screen: the terminal as it was. */
static void
term_leave(void)
{
	paste_mode(0);
	endwin();
	curses_up = 0;
}

static void
restore_at_exit(void)
{
	if (curses_up && !isendwin())
		term_leave();
}

/* ---- text ------------------------------------------------------------- */

/* Decode one code point of UTF-8; returns the bytes used (invalid: 1 byte,
 * U+FFFD). */
static size_t
u8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (n > len) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	*cp = c;
	return n;
}

static size_t
utf8_count(const char *s)
{
	size_t n = 0, len = strlen(s), off = 0;
	uint32_t cp;

	while (off < len) {
		off += u8_next(s + off, len - off, &cp);
		n++;
	}
	return n;
}

/* The character shown for cp and its width (0 for combining marks, -1 for
 * nothing at all). Newlines become a return arrow, tabs and other controls
 * a space; without a UTF-8 locale everything beyond ASCII is '?'. */
static int
disp_char(const dash *d, uint32_t cp, wchar_t *wc)
{
	int w;

	if (cp == '\n') {
		*wc = d->utf8 ? 0x21b5 : '|';
		return 1;
	}
	if (cp == '\r')
		return -1;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
		*wc = ' ';
		return 1;
	}
	if (!d->utf8 && cp >= 0x80) {
		*wc = '?';
		return 1;
	}
	*wc = (wchar_t)cp;
	w = wcwidth(*wc);
	if (w < 0) {
		*wc = 0xfffd;
		w = 1;
	}
	return w;
}

/* Lay out UTF-8 text (len bytes, at most *budget code points) into one line
 * of at most maxw columns: wide characters that do not fit end the line.
 * Fills out[] (NUL-terminated, up to cap - 1), advances *off and *budget,
 * returns the columns used. */
static int
fit_line(const dash *d, const char *s, size_t len, size_t *off,
    size_t *budget, int maxw, wchar_t *out, size_t cap)
{
	size_t n = 0;
	int cols = 0;

	while (*off < len && *budget > 0 && n + 2 < cap) {
		uint32_t cp;
		wchar_t wc;
		size_t k = u8_next(s + *off, len - *off, &cp);
		int w = disp_char(d, cp, &wc);

		if (w > 0 && cols + w > maxw)
			break;
		if (w == 0 && n == 0)
			w = -1;	/* a combining mark with nothing to sit on */
		if (w >= 0) {
			out[n++] = wc;
			cols += w;
		}
		*off += k;
		(*budget)--;
	}
	out[n] = L'\0';
	return cols;
}

/* Draw UTF-8 s at (y, x) in at most maxw columns; returns columns used. */
static int
put_text(const dash *d, WINDOW *w, int y, int x, int maxw, const char *s)
{
	wchar_t buf[512];
	size_t off = 0, budget = SIZE_MAX;
	int cols;

	if (w == NULL || maxw <= 0)
		return 0;
	cols = fit_line(d, s, strlen(s), &off, &budget, MIN(maxw, 500), buf,
	    NELEMS(buf));
	mvwaddnwstr(w, y, x, buf, -1);
	return cols;
}

/* Display columns of UTF-8 s. */
static int
text_cols(const dash *d, const char *s)
{
	size_t len = strlen(s), off = 0;
	int cols = 0;

	while (off < len) {
		uint32_t cp;
		wchar_t wc;
		int w;
		off += u8_next(s + off, len - off, &cp);
		w = disp_char(d, cp, &wc);
		cols += w > 0 ? w : 0;
	}
	return cols;
}

/* Append part to buf (separated by sep) if the result fits in maxw
 * columns; returns 1 if it was appended. */
static int
add_part(const dash *d, char *buf, size_t size, const char *sep,
    const char *part, int maxw)
{
	size_t n = strlen(buf);
	int cols = text_cols(d, buf) + (n ? text_cols(d, sep) : 0) +
	    text_cols(d, part);

	if (cols > maxw || n + strlen(sep) + strlen(part) + 1 > size)
		return 0;
	snprintf(buf + n, size - n, "%s%s", n ? sep : "", part);
	return 1;
}

static void
draw_hline(const dash *d, WINDOW *w, int y, int x, int n)
{
	wchar_t buf[512];
	int i;

	n = MIN(n, (int)NELEMS(buf) - 1);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++)
		buf[i] = d->utf8 ? 0x2500 : '-';
	buf[n] = L'\0';
	mvwaddnwstr(w, y, x, buf, n);
}

static attr_t
pair(const dash *d, int c)
{
	return d->color ? COLOR_PAIR(c) : 0;
}

/* Attributes of series k (0: train, 1: val): colour, and bold for the
 * validation series so it stands out in monochrome too. */
static attr_t
series_attr(const dash *d, int k)
{
	if (k == 1)
		return pair(d, C_VAL) | A_BOLD;
	return pair(d, k == 0 ? C_TRAIN : C_THIRD);
}

/* A pane title: "── text ───────". */
static void
title_bar(const dash *d, WINDOW *w, int y, int width, const char *text)
{
	int x;

	wattr_set(w, A_NORMAL, 0, NULL);
	if (d->color)
		wattron(w, COLOR_PAIR(C_TITLE));
	draw_hline(d, w, y, 0, 2);
	wattron(w, A_BOLD);
	mvwaddstr(w, y, 2, " ");
	x = 3 + put_text(d, w, y, 3, width - 5, text);
	mvwaddstr(w, y, x, " ");
	wattroff(w, A_BOLD);
	draw_hline(d, w, y, x + 1, width - x - 1);
	wattr_set(w, A_NORMAL, 0, NULL);
}

/* "T=0.2", "T=1.0", "T=0.25". */
static void
fmt_temp(char *buf, size_t size, float t)
{
	size_t n;

	snprintf(buf, size, "T=%.2f", (double)t);
	n = strlen(buf);
	if (n > 4 && buf[n - 1] == '0' && buf[n - 3] == '.')
		buf[n - 1] = '\0';
}

/* ---- status ----------------------------------------------------------- */

static void
set_status(dash *d, int error, const char *fmt, ...) BURBLE_PRINTF(3, 4);

static void
set_status(dash *d, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof(d->status), fmt, ap);
	va_end(ap);
	d->status_error = error;
	d->dirty |= D_STATUS;
}

/* ---- layout ----------------------------------------------------------- */

static void
del(WINDOW **w)
{
	if (*w != NULL)
		delwin(*w);
	*w = NULL;
}

static WINDOW *
win(const plot_rect *r)
{
	WINDOW *w;

	if (r->h <= 0 || r->w <= 0)
		return NULL;
	w = newwin(r->h, r->w, r->y, r->x);
	if (w != NULL) {
		keypad(w, FALSE);
		leaveok(w, TRUE);
	}
	return w;
}

static void
dash_layout(dash *d)
{
	WINDOW *old[10] = { d->w_header, d->w_plot[0], d->w_plot[1],
	    d->w_progress, d->w_samples, d->w_otitle, d->w_out, d->w_in,
	    d->w_status, d->w_help };
	size_t i;

	plot_layout_compute(&d->lay, LINES, COLS, d->training);
	d->w_header = d->w_plot[0] = d->w_plot[1] = d->w_progress = NULL;
	d->w_samples = d->w_otitle = d->w_out = d->w_in = NULL;
	d->w_status = d->w_help = NULL;
	if (!d->lay.too_small) {
		plot_rect title = d->lay.output, body = d->lay.output;

		title.h = MIN(title.h, 1);
		body.y++;
		body.h--;
		d->w_header = win(&d->lay.header);
		d->w_plot[0] = win(&d->lay.plot[0]);
		d->w_plot[1] = win(&d->lay.plot[1]);
		d->w_progress = win(&d->lay.progress);
		d->w_samples = win(&d->lay.samples);
		d->w_otitle = win(&title);
		d->w_out = win(&body);
		d->w_in = win(&d->lay.prompt);
		d->w_status = win(&d->lay.status);
		d->w_help = win(&d->lay.help);
		if (d->w_in != NULL)
			leaveok(d->w_in, FALSE);
	}
	prompt_set_windows(d->p, d->w_out, d->w_in);
	for (i = 0; i < NELEMS(old); i++)
		if (old[i] != NULL)
			delwin(old[i]);
	del(&d->w_overlay);
	d->dirty = D_ALL;
}

static void
dash_resize(dash *d)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && is_term_resized(ws.ws_row, ws.ws_col))
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	dash_layout(d);
}

/* ---- panes ------------------------------------------------------------ */

static void
draw_header(dash *d)
{
	const session_info *in = session_get_info(d->s);
	session_info gi;
	WINDOW *w = d->w_header;
	char buf[1024], part[256], cell[16];
	const char *sep = d->utf8 ? " \xc2\xb7 " : " | ";
	const char *tag;
	int width = d->lay.header.w, maxw, taglen;

	if (w == NULL)
		return;
	if (!d->training) {	/* repl: the model :load gave, if any */
		session_gen_info(d->s, &gi);
		in = &gi;
	}
	if (d->quitting)
		tag = "saving...";
	else if (d->done)
		tag = "done";
	else if (d->paused)
		tag = "PAUSED";
	else if (d->training)
		tag = d->started ? "training" : "starting";
	else
		tag = "";
	taglen = (int)strlen(tag);
	maxw = width - 1 - (taglen ? taglen + 3 : 0);
	snprintf(cell, sizeof(cell), "%s", fmt_cell(in->cell));

	snprintf(buf, sizeof(buf), "burble%s", in->training ? "" : " repl");
	add_part(d, buf, sizeof(buf), sep, in->corpus[0] ? in->corpus :
	    "(model)", maxw);
	snprintf(part, sizeof(part), "%s %d%s%d", cell, in->L,
	    d->utf8 ? "\xc3\x97" : "x", in->H);
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	fmt_count(part, sizeof(part), (double)in->nparams, "params");
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	snprintf(part, sizeof(part), "vocab %d", in->V);
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	snprintf(part, sizeof(part), "%d thread%s", in->threads,
	    in->threads == 1 ? "" : "s");
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	if (in->blas[0])
		add_part(d, buf, sizeof(buf), sep, in->blas, maxw);

	wbkgdset(w, ' ' | A_REVERSE | pair(d, C_HEADER));
	werase(w);
	wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_HEADER : 0, NULL);
	put_text(d, w, 0, 1, width - 1, buf);
	if (taglen && taglen + 2 < width)
		mvwaddstr(w, 0, width - taglen - 1, tag);
	wattr_set(w, A_NORMAL, 0, NULL);
	wnoutrefresh(w);
}

/* The series and axis of plot pane i for the current view. */
typedef struct {
	const char *name;
	const plot_series *s[2];
	int log, percent;
	double last_n;
} plot_view;

static void
plot_view_for(const dash *d, int i, plot_view *v)
{
	int view = d->view;
	const session_info *in = session_get_info(d->s);

	memset(v, 0, sizeof(*v));
	if (d->lay.nplots == 2) {
		/* Side by side: loss (or its log or recent view), accuracy. */
		if (i == 1)
			view = view == VIEW_RECENT ? VIEW_RECENT : VIEW_ACC;
		else if (view == VIEW_ACC)
			view = VIEW_LOSS;
	}
	v->last_n = in->nbatches > 0 ? (double)in->nbatches : 1000;
	if (v->last_n < 50)
		v->last_n = 50;
	if (view == VIEW_ACC || (view == VIEW_RECENT && d->lay.nplots == 2 &&
	    i == 1)) {
		v->name = "accuracy %";
		v->s[0] = &d->tr_acc;
		v->s[1] = &d->va_acc;
		v->percent = 1;
	} else {
		v->name = "loss";
		v->s[0] = &d->tr_loss;
		v->s[1] = &d->va_loss;
	}
	v->log = view == VIEW_LOG;
	if (view != VIEW_RECENT)
		v->last_n = 0;
}

/* The plot's title: view, legend with the latest values, bits per char. */
static void
plot_title(dash *d, WINDOW *w, int width, const plot_view *v)
{
	char buf[256], val[96];
	const char *g0 = d->utf8 ? "\xe2\x94\x80" : "*";	/* ─ */
	const char *g1 = d->utf8 ? "\xe2\x80\xa2" : "o";	/* • */
	int x;

	wattr_set(w, A_NORMAL, d->color ? C_TITLE : 0, NULL);
	draw_hline(d, w, 0, 0, 2);
	wattr_set(w, A_BOLD, d->color ? C_TITLE : 0, NULL);
	if (v->last_n > 0)
		snprintf(buf, sizeof(buf), " %s, last %.0f steps ", v->name,
		    v->last_n);
	else
		snprintf(buf, sizeof(buf), " %s%s ", v->name,
		    v->log ? " (log)" : "");
	x = 2 + put_text(d, w, 0, 2, width - 2, buf);
	/* train */
	wattr_set(w, series_attr(d, 0), d->color ? C_TRAIN : 0, NULL);
	x += put_text(d, w, 0, x, width - x, g0);
	wattr_set(w, A_NORMAL, 0, NULL);
	if (v->percent)
		snprintf(buf, sizeof(buf), " train %.1f ", d->last_acc * 100);
	else
		snprintf(buf, sizeof(buf), " train %.3f ", d->last_loss);
	if (!d->have_step)
		snprintf(buf, sizeof(buf), " train ");
	x += put_text(d, w, 0, x, width - x, buf);
	/* val */
	wattr_set(w, series_attr(d, 1), d->color ? C_VAL : 0, NULL);
	x += put_text(d, w, 0, x, width - x, g1);
	wattr_set(w, A_NORMAL, 0, NULL);
	if (isnan(d->val_loss))
		snprintf(val, sizeof(val), " val ");
	else if (v->percent)
		snprintf(val, sizeof(val), " val %.1f ", d->val_acc * 100);
	else
		snprintf(val, sizeof(val), " val %.3f = %.3f bits/char ",
		    d->val_loss, d->val_loss / M_LN2);
	x += put_text(d, w, 0, x, width - x, val);
	if (isnan(d->val_loss) && d->have_step && !v->percent) {
		snprintf(val, sizeof(val), "(train %.3f bits/char) ",
		    d->last_loss / M_LN2);
		x += put_text(d, w, 0, x, width - x, val);
	}
	wattr_set(w, A_NORMAL, d->color ? C_TITLE : 0, NULL);
	draw_hline(d, w, 0, x, width - x);
	wattr_set(w, A_NORMAL, 0, NULL);
}

static void
draw_plot(dash *d, int i)
{
	WINDOW *w = d->w_plot[i];
	const plot_rect *r = &d->lay.plot[i];
	plot_view v;
	plot_axis ya, xa;
	plot_spec sp[2];
	plot_cell *grid;
	double ticks[16], step, x0 = 0, x1 = 0, ylo = 0, yhi = 0, a, b;
	char labels[16][24];
	int nt, k, lw = 0, gw, bh, row, c, nx, lastx, dots, have, maxt;
	const wchar_t axis = d->utf8 ? 0x2502 : '|';
	const wchar_t tick = d->utf8 ? 0x2524 : '+';

	if (w == NULL)
		return;
	werase(w);
	plot_view_for(d, i, &v);
	plot_title(d, w, r->w, &v);
	bh = r->h - 2;
	if (bh < 1)
		goto out;
	have = plot_xwindow(v.s, 2, v.last_n, &x0, &x1);
	if (have) {
		int any = 0;
		for (k = 0; k < 2; k++) {
			if (plot_series_yrange(v.s[k], x0, x1, &a, &b)) {
				if (!any || a < ylo)
					ylo = a;
				if (!any || b > yhi)
					yhi = b;
				any = 1;
			}
		}
		have = any;
	}
	if (!have) {
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		put_text(d, w, 1 + bh / 2, 2, r->w - 4,
		    d->training ? "waiting for the first report..." :
		    "no training");
		wattr_set(w, A_NORMAL, 0, NULL);
		goto out;
	}
	maxt = MIN(10, MAX(2, bh / 2 + 1));
	plot_autoscale(&ya, ylo, yhi, 0.05, v.log, maxt);
	nt = plot_ticks(&ya, maxt, ticks, 16, &step);
	for (k = 0; k < nt; k++) {
		plot_format_tick(ticks[k], step, labels[k], sizeof(labels[k]));
		lw = MAX(lw, (int)strlen(labels[k]));
	}
	gw = r->w - lw - 2;
	if (gw < 4)
		goto out;
	/* y labels */
	dots = d->utf8 ? 4 * bh : bh;
	lastx = -1;
	for (row = 0; row < bh; row++)
		mvwaddnwstr(w, 1 + row, lw, &axis, 1);
	for (k = 0; k < nt; k++) {
		double f = plot_axis_frac(&ya, ticks[k]);
		if (isnan(f))
			continue;
		row = (int)lround((1 - f) * (dots - 1)) / (d->utf8 ? 4 : 1);
		if (row < 0 || row >= bh || row == lastx)
			continue;
		lastx = row;
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		mvwaddstr(w, 1 + row, lw - (int)strlen(labels[k]), labels[k]);
		wattr_set(w, A_NORMAL, 0, NULL);
		mvwaddnwstr(w, 1 + row, lw, &tick, 1);
	}
	/* the curves */
	memset(sp, 0, sizeof(sp));
	sp[0].s = v.s[0];
	sp[0].reduce = PLOT_MEAN;
	sp[0].connect = 1;
	sp[0].glyph = '*';
	sp[1].s = v.s[1];
	sp[1].reduce = PLOT_MEAN;
	sp[1].connect = 1;
	sp[1].marker = 0x2022;
	sp[1].glyph = 'o';
	grid = xcalloc((size_t)gw * (size_t)bh, sizeof(*grid));
	plot_render(grid, gw, bh, sp, 2, x0, x1, &ya, d->utf8);
	for (row = 0; row < bh; row++) {
		wchar_t run[512];
		int n = 0, owner = -1, start = 0;
		for (c = 0; c <= gw; c++) {
			int o = c < gw ? grid[row * gw + c].owner : -2;
			if (o != owner || n >= (int)NELEMS(run) - 1) {
				if (n > 0) {
					run[n] = L'\0';
					if (owner > 0)
						wattr_set(w,
						    series_attr(d, owner - 1),
						    d->color ? (owner == 1 ?
						    C_TRAIN : C_VAL) : 0, NULL);
					mvwaddnwstr(w, 1 + row,
					    lw + 1 + start, run, n);
					wattr_set(w, A_NORMAL, 0, NULL);
				}
				n = 0;
				start = c;
				owner = o;
			}
			if (c < gw)
				run[n++] = (wchar_t)grid[row * gw + c].ch;
		}
	}
	free(grid);
	/* x labels (steps) */
	xa.lo = x0;
	xa.hi = x1 > x0 ? x1 : x0 + 1;
	xa.log = 0;
	nx = plot_ticks(&xa, MAX(2, gw / 12), ticks, 16, &step);
	lastx = lw + 1;
	wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
	for (k = 0; k < nx; k++) {
		char lab[24];
		int col, len;
		plot_format_tick(ticks[k], step, lab, sizeof(lab));
		len = (int)strlen(lab);
		col = lw + 1 + (int)lround(plot_axis_frac(&xa, ticks[k]) *
		    (gw - 1)) - len / 2;
		if (col < lastx)
			col = lastx;
		if (col + len > lw + 1 + gw - 5)
			continue;
		mvwaddstr(w, r->h - 1, col, lab);
		lastx = col + len + 2;
	}
	if (lw + 1 + gw - 4 >= lastx)
		mvwaddstr(w, r->h - 1, lw + 1 + gw - 4, "step");
	wattr_set(w, A_NORMAL, 0, NULL);
out:
	wnoutrefresh(w);
}

static void
draw_progress(dash *d)
{
	WINDOW *w = d->w_progress;
	const session_info *in = session_get_info(d->s);
	const event *e = &d->last;
	char left[96], right[96], line[512], cps[32], el[32], eta[32];
	double frac = 0, remain = NAN;
	int width = d->lay.progress.w, barw, x, filled, k;

	if (w == NULL)
		return;
	werase(w);
	if (!d->have_step) {
		put_text(d, w, 0, 1, width - 2, d->training ?
		    "starting: reading the corpus, building the model..." :
		    "");
		goto out;
	}
	if (e->epochs > 0) {
		long ep = MIN(e->epoch + 1, (long)e->epochs);
		frac = e->nbatches ? (double)e->batch / (double)e->nbatches : 0;
		if (e->epoch >= e->epochs)
			frac = 1;
		snprintf(left, sizeof(left), " epoch %ld/%d ", ep, e->epochs);
	} else {
		frac = e->total_steps > 0 ? (double)e->step /
		    (double)e->total_steps : 0;
		snprintf(left, sizeof(left), " steps ");
	}
	if (e->total_steps > 0)
		snprintf(right, sizeof(right), " %3.0f%%  step %ld/%ld ",
		    frac * 100, e->step, e->total_steps);
	else
		snprintf(right, sizeof(right), " %3.0f%%  step %ld ",
		    frac * 100, e->step);
	fmt_count(cps, sizeof(cps), e->chars_per_s, "chars/s");
	fmt_duration(el, sizeof(el), e->elapsed);
	if (e->total_steps > 0 && e->step < e->total_steps) {
		double steps_per_s = 0;
		if (e->chars_per_s > 0 && in->B > 0 && in->T > 0)
			steps_per_s = e->chars_per_s / ((double)in->B * in->T);
		else if (e->elapsed > 0)
			steps_per_s = (double)e->step / e->elapsed;
		if (steps_per_s > 0)
			remain = (double)(e->total_steps - e->step) /
			    steps_per_s;
	} else if (e->total_steps > 0)
		remain = 0;
	fmt_duration(eta, sizeof(eta), remain);

	/* Line 1: epoch, bar, percent, step. */
	x = put_text(d, w, 0, 0, width, left);
	barw = width - x - (int)strlen(right);
	if (barw >= 8) {
		wchar_t bar[512];
		barw = MIN(barw, 500);
		filled = (int)lround(frac * barw);
		for (k = 0; k < barw; k++)
			bar[k] = k < filled ? (d->utf8 ? 0x2588 : '#') :
			    (d->utf8 ? 0x2591 : '.');
		wattr_set(w, A_NORMAL, d->color ? C_BAR : 0, NULL);
		mvwaddnwstr(w, 0, x, bar, filled);
		wattr_set(w, A_DIM, 0, NULL);
		mvwaddnwstr(w, 0, x + filled, bar + filled, barw - filled);
		wattr_set(w, A_NORMAL, 0, NULL);
		x += barw;
	}
	put_text(d, w, 0, x, width - x, right);

	/* Line 2: speed, time, lr, best. */
	if (d->lay.progress.h >= 2) {
		int x2 = 1;
		char part[128];
		if (d->paused) {
			wattr_set(w, A_REVERSE | A_BOLD, 0, NULL);
			x2 += put_text(d, w, 1, 1, width - 1, " PAUSED ") + 1;
			wattr_set(w, A_NORMAL, 0, NULL);
		}
		line[0] = '\0';
		add_part(d, line, sizeof(line), "  ", cps, width - x2);
		snprintf(part, sizeof(part), "elapsed %s", el);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		snprintf(part, sizeof(part), "ETA %s", eta);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		snprintf(part, sizeof(part), "lr %.2e", (double)e->lr);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		if (isfinite(e->best_val)) {
			snprintf(part, sizeof(part), "best val %.4f (%.3f bpc) "
			    "at step %ld", (double)e->best_val,
			    e->best_val / M_LN2, e->best_step);
			if (!add_part(d, line, sizeof(line), "  ", part,
			    width - x2)) {
				snprintf(part, sizeof(part), "best val %.4f at "
				    "step %ld", (double)e->best_val,
				    e->best_step);
				if (!add_part(d, line, sizeof(line), "  ",
				    part, width - x2)) {
					snprintf(part, sizeof(part),
					    "best %.3f@%ld",
					    (double)e->best_val, e->best_step);
					add_part(d, line, sizeof(line), "  ",
					    part, width - x2);
				}
			}
		}
		put_text(d, w, 1, x2, width - x2, line);
	}
out:
	wnoutrefresh(w);
}

/* Code points of each sample of the newest group revealed so far: all the
 * temperatures stream in side by side. */
static size_t
group_shown(const sample_group *g, double now, int newest)
{
	double t;

	if (!newest)
		return SIZE_MAX;
	t = (now - g->t0) * SAMPLE_CPS;
	return t >= (double)SIZE_MAX / 2 ? SIZE_MAX : (size_t)t;
}

static int
samples_animating(const dash *d)
{
	const sample_group *g;
	size_t shown;
	int i;

	if (d->ngroups == 0 || d->w_samples == NULL || d->scroll != 0)
		return 0;
	g = &d->groups[d->ngroups - 1];
	shown = group_shown(g, now_seconds(), 1);
	for (i = 0; i < g->n; i++)
		if (shown < g->ncp[i])
			return 1;
	return 0;
}

static void
draw_samples(dash *d)
{
	WINDOW *w = d->w_samples;
	int width = d->lay.samples.w, rows = d->lay.samples.h - 1, i, r, y;
	const sample_group *g;
	char title[160];
	size_t shown;

	if (w == NULL)
		return;
	werase(w);
	if (d->ngroups == 0) {
		title_bar(d, w, 0, width, "samples");
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		if (rows > 0)
			put_text(d, w, 1, 1, width - 2, d->training ?
			    "text sampled at several temperatures appears "
			    "here at the end of each epoch (F4: now)" : "");
		wattr_set(w, A_NORMAL, 0, NULL);
		goto out;
	}
	if (d->scroll >= d->ngroups)
		d->scroll = d->ngroups - 1;
	g = &d->groups[d->ngroups - 1 - d->scroll];
	snprintf(title, sizeof(title), "samples %s epoch %ld %s step %ld",
	    d->utf8 ? "\xc2\xb7" : "|", g->epoch, d->utf8 ? "\xc2\xb7" : "|",
	    g->step);
	if (d->ngroups > 1)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    "  [%zu/%zu, PgUp/PgDn]", d->ngroups - d->scroll,
		    d->ngroups);
	title_bar(d, w, 0, width, title);
	shown = group_shown(g, now_seconds(), d->scroll == 0);
	y = 1;
	for (i = 0; i < g->n && y <= rows; i++) {
		int nr = rows >= g->n ? rows / g->n + (i < rows % g->n) : 1;
		size_t off = 0, len = strlen(g->text[i]);
		size_t budget = MIN(shown, g->ncp[i]);

		char pre[24];
		int pw;

		fmt_temp(pre, sizeof(pre), g->temp[i]);
		wattr_set(w, A_BOLD, d->color ? C_TITLE : 0, NULL);
		put_text(d, w, y, 0, width, pre);
		wattr_set(w, A_NORMAL, 0, NULL);
		pw = 7;
		for (r = 0; r < nr && y <= rows; r++, y++) {
			wchar_t buf[512];
			if (off >= len || budget == 0)
				continue;
			fit_line(d, g->text[i], len, &off, &budget,
			    MIN(width - pw, 500), buf, NELEMS(buf));
			mvwaddnwstr(w, y, pw, buf, -1);
		}
	}
out:
	wnoutrefresh(w);
}

static void
draw_otitle(dash *d)
{
	char set[128], title[192];

	if (d->w_otitle == NULL)
		return;
	werase(d->w_otitle);
	set[0] = '\0';
	prompt_settings_line(d->p, set, sizeof(set));
	snprintf(title, sizeof(title), "prompt%s%s", set[0] ?
	    (d->utf8 ? " \xc2\xb7 " : " | ") : "", set);
	title_bar(d, d->w_otitle, 0, d->lay.output.w, title);
	wnoutrefresh(d->w_otitle);
}

static void
draw_status(dash *d)
{
	WINDOW *w = d->w_status;
	int width = d->lay.status.w;

	if (w == NULL)
		return;
	werase(w);
	if (d->status_error)
		wattr_set(w, A_BOLD, d->color ? C_ERROR : 0, NULL);
	put_text(d, w, 0, 1, width - 2, d->status);
	wattr_set(w, A_NORMAL, 0, NULL);
	wnoutrefresh(w);
}

static void
draw_helpline(dash *d)
{
	WINDOW *w = d->w_help;
	const char *keys[][2] = {
		{ "F1", "Help" }, { "F2", d->paused ? "Resume" : "Pause" },
		{ "F3", "Save" }, { "F4", "Sample" }, { "F5", "Plot" },
		{ "PgUp/Dn", "Samples" }, { "F10", "Quit" },
	};
	size_t i, n = NELEMS(keys);
	int x = 0, width = d->lay.help.w;

	if (w == NULL)
		return;
	werase(w);
	if (!d->training)
		n = 0;
	for (i = 0; i < n; i++) {
		int kl = (int)strlen(keys[i][0]), ll = (int)strlen(keys[i][1]);
		if (x + kl + ll + 1 > width)
			break;
		wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_KEY : 0, NULL);
		mvwaddstr(w, 0, x, keys[i][0]);
		wattr_set(w, A_NORMAL, 0, NULL);
		mvwaddstr(w, 0, x + kl, keys[i][1]);
		x += kl + ll + 1;
	}
	if (!d->training) {
		const char *t[][2] = { { "F1", "Help" }, { "F10", "Quit" },
		    { ":help", " commands" } };
		for (i = 0; i < NELEMS(t); i++) {
			int kl = (int)strlen(t[i][0]);
			int ll = (int)strlen(t[i][1]);
			if (x + kl + ll + 1 > width)
				break;
			wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_KEY : 0,
			    NULL);
			mvwaddstr(w, 0, x, t[i][0]);
			wattr_set(w, A_NORMAL, 0, NULL);
			mvwaddstr(w, 0, x + kl, t[i][1]);
			x += kl + ll + 1;
		}
	}
	wnoutrefresh(w);
}

/* The help overlay; lines starting with '+' only for training sessions. */
static const char *const help_text[] = {
	"burble: keys",
	"",
	"F1, ? (empty line)  this help",
	"+F2                  pause / resume training",
	"+F3                  save a checkpoint now",
	"+F4                  sample at each temperature now",
	"+F5                  plot: loss, accuracy, log scale, last N steps",
	"+PgUp / PgDn         samples of earlier / later epochs",
	"F6 / F7             temperature down / up (also Alt-Down / Alt-Up)",
	"F8 / F9             top-k fewer / more (also Alt-PgDn / Alt-PgUp)",
	"F11 / F12           top-p down / up (also Ctrl-Down / Ctrl-Up)",
	"Alt-S               colour text by the model's surprise",
	"Shift-PgUp / PgDn   scroll the prompt's output",
	"Alt-Enter, \\ at end  a newline in the prime",
	"Ctrl-L              redraw the screen",
	"+F10, :quit          quit (training is saved first)",
	"-F10, :quit          quit",
	"",
	"Type text and press Enter: the model continues it.",
	"Ctrl-C stops a continuation; :help lists the commands",
	"(:temp :topk :topp :len :seed :peek :cell :save ...).",
	"",
	"Press any key to close.",
};

static void
draw_overlay(dash *d)
{
	const char *lines[NELEMS(help_text)];
	int n = 0, h, wd = 0, y, x, i;
	size_t k;

	for (k = 0; k < NELEMS(help_text); k++) {
		const char *t = help_text[k];
		if ((t[0] == '+' && !d->training) ||
		    (t[0] == '-' && d->training))
			continue;
		if (t[0] == '+' || t[0] == '-')
			t++;
		lines[n++] = t;
		wd = MAX(wd, (int)strlen(t));
	}
	wd += 4;
	h = MIN(n + 2, LINES);
	wd = MIN(wd, COLS);
	if (d->w_overlay == NULL) {
		y = MAX(0, (LINES - h) / 2);
		x = MAX(0, (COLS - wd) / 2);
		d->w_overlay = newwin(h, wd, y, x);
		if (d->w_overlay == NULL)
			return;
		leaveok(d->w_overlay, TRUE);
	}
	werase(d->w_overlay);
	if (d->utf8)
		wborder_set(d->w_overlay, WACS_VLINE, WACS_VLINE, WACS_HLINE,
		    WACS_HLINE, WACS_ULCORNER, WACS_URCORNER, WACS_LLCORNER,
		    WACS_LRCORNER);
	else
		wborder(d->w_overlay, '|', '|', '-', '-', '+', '+', '+', '+');
	for (i = 0; i < n && i + 1 < h - 1; i++) {
		if (i == 0)
			wattr_set(d->w_overlay, A_BOLD, 0, NULL);
		put_text(d, d->w_overlay, i + 1, 2, wd - 4, lines[i]);
		wattr_set(d->w_overlay, A_NORMAL, 0, NULL);
	}
	touchwin(d->w_overlay);
	wnoutrefresh(d->w_overlay);
}

static void
draw_too_small(dash *d)
{
	char msg[96];
	int n;

	werase(stdscr);
	snprintf(msg, sizeof(msg), "terminal too small (%dx%d, need %dx%d)",
	    COLS, LINES, PLOT_MIN_COLS, PLOT_MIN_ROWS);
	n = (int)strlen(msg);
	if (n > COLS) {
		snprintf(msg, sizeof(msg), "too small");
		n = (int)strlen(msg);
	}
	mvwaddnstr(stdscr, LINES / 2, MAX(0, (COLS - n) / 2), msg, COLS);
	if (LINES > 2 && COLS >= 14)
		mvwaddnstr(stdscr, LINES / 2 + 1, MAX(0, (COLS - 14) / 2),
		    "F10: quit", COLS);
	wnoutrefresh(stdscr);
}

static void
dash_draw(dash *d)
{
	unsigned dirty = d->dirty;
	int i;

	d->dirty = 0;
	d->last_draw = now_seconds();
	d->key_frame = 0;
	if (d->lay.too_small) {
		curs_set(0);
		draw_too_small(d);
		doupdate();
		return;
	}
	if (dirty & D_HEADER)
		draw_header(d);
	if (dirty & D_PLOT)
		for (i = 0; i < d->lay.nplots; i++)
			draw_plot(d, i);
	if (dirty & D_PROGRESS)
		draw_progress(d);
	if (dirty & D_SAMPLES)
		draw_samples(d);
	if (dirty & D_STATUS)
		draw_status(d);
	if (dirty & D_HELPLINE)
		draw_helpline(d);
	if ((dirty & D_OTITLE) || prompt_dirty(d->p))
		draw_otitle(d);
	if ((dirty & D_PROMPT) || prompt_dirty(d->p)) {
		if (dirty & D_PROMPT) {
			if (d->w_out != NULL)
				touchwin(d->w_out);
			if (d->w_in != NULL)
				touchwin(d->w_in);
		}
		prompt_draw(d->p);
	}
	if (d->help_shown) {
		curs_set(0);
		draw_overlay(d);
	} else {
		curs_set(1);
		prompt_place_cursor(d->p);
	}
	doupdate();
}

/* ---- events ----------------------------------------------------------- */

static void
take_progress(dash *d, const event *e)
{
	d->last.step = e->step;
	d->last.total_steps = e->total_steps;
	d->last.epoch = e->epoch;
	d->last.epochs = e->epochs;
	d->last.batch = e->batch;
	d->last.nbatches = e->nbatches;
	d->last.lr = e->lr;
	d->last.elapsed = e->elapsed;
	d->last.best_val = e->best_val;
	d->last.best_step = e->best_step;
	d->have_step = 1;
	d->dirty |= D_PROGRESS;
}

/* The training curve is the mean loss of each report (all the steps since
 * the previous one), averaged again per column when the points outnumber
 * the columns: smoothed without the lag of a running average. */
static void
push_train(dash *d, double x, float loss, float acc)
{
	plot_series_append(&d->tr_loss, x, loss);
	plot_series_append(&d->tr_acc, x, acc * 100);
}

static void
take_history(dash *d, const event *e)
{
	size_t i;

	plot_series_clear(&d->tr_loss);
	plot_series_clear(&d->va_loss);
	plot_series_clear(&d->tr_acc);
	plot_series_clear(&d->va_acc);
	for (i = 0; i < e->nhist; i++) {
		const hist_point *h = &e->hist[i];
		push_train(d, (double)h->step, h->train_loss, h->train_acc);
		if (isfinite(h->val_loss)) {
			plot_series_append(&d->va_loss, (double)h->step,
			    h->val_loss);
			plot_series_append(&d->va_acc, (double)h->step,
			    h->val_acc * 100);
			d->val_loss = h->val_loss;
			d->val_acc = h->val_acc;
		}
		if (isfinite(h->train_loss)) {
			d->last_loss = h->train_loss;
			d->last_acc = h->train_acc;
		}
	}
	d->dirty |= D_PLOT | D_ALL;
}

/* A copy of sample text for the one-line-per-sample view: no leading or
 * trailing line breaks, runs of them shown once. */
static char *
squeeze_lines(const char *t)
{
	char *out = xmalloc(strlen(t) + 1), *o = out;

	while (*t == '\n' || *t == '\r')
		t++;
	for (; *t; t++) {
		if (*t == '\r')
			continue;
		if (*t == '\n' && o > out && o[-1] == '\n')
			continue;
		*o++ = *t;
	}
	while (o > out && o[-1] == '\n')
		o--;
	*o = '\0';
	return out;
}

static void
take_sample(dash *d, const event *e)
{
	sample_group *g = d->ngroups ? &d->groups[d->ngroups - 1] : NULL;

	if (g == NULL || e->sample_index == 0 || g->step != e->step ||
	    g->n >= TRAIN_MAX_SAMPLE_TEMPS) {
		if (d->ngroups == MAX_GROUPS) {
			int i;
			for (i = 0; i < d->groups[0].n; i++)
				free(d->groups[0].text[i]);
			memmove(d->groups, d->groups + 1,
			    (MAX_GROUPS - 1) * sizeof(*d->groups));
			d->ngroups--;
		} else
			d->groups = xreallocarray(d->groups, d->ngroups + 1,
			    sizeof(*d->groups));
		g = &d->groups[d->ngroups++];
		memset(g, 0, sizeof(*g));
		g->epoch = e->epoch;
		g->step = e->step;
		g->t0 = now_seconds();
		if (d->scroll > 0)
			d->scroll = MIN(d->scroll + 1, d->ngroups - 1);
	}
	g->temp[g->n] = e->temp;
	g->text[g->n] = squeeze_lines(e->text ? e->text : "");
	g->ncp[g->n] = utf8_count(g->text[g->n]);
	g->n++;
	d->dirty |= D_SAMPLES;
}

static void
dash_event(dash *d, event *e)
{
	switch (e->type) {
	case EV_GEN:
	case EV_GEN_END:
	case EV_PEEK:
		prompt_handle_event(d->p, e);
		break;
	case EV_ERROR:
		if (!prompt_handle_event(d->p, e))
			set_status(d, 1, "error: %s", e->text ? e->text : "?");
		break;
	case EV_START:
		d->started = 1;
		d->dirty |= D_HEADER | D_PLOT | D_PROGRESS;
		break;
	case EV_HISTORY:
		take_history(d, e);
		take_progress(d, e);
		break;
	case EV_STEP:
		take_progress(d, e);
		d->last.chars_per_s = e->chars_per_s;
		d->last_loss = e->loss;
		d->last_acc = e->acc;
		push_train(d, (double)e->step, e->loss, e->acc);
		d->dirty |= D_PLOT;
		break;
	case EV_EVAL:
		take_progress(d, e);
		d->val_loss = e->loss;
		d->val_acc = e->acc;
		plot_series_append(&d->va_loss, (double)e->step, e->loss);
		plot_series_append(&d->va_acc, (double)e->step, e->acc * 100);
		d->dirty |= D_PLOT;
		break;
	case EV_SAMPLE:
		take_sample(d, e);
		break;
	case EV_STATUS:
		set_status(d, 0, "%s", e->text ? e->text : "");
		d->dirty |= D_HEADER;	/* "loaded X": another model */
		break;
	case EV_SAVED:
		snprintf(d->saved, sizeof(d->saved), "%s",
		    e->text ? e->text : "");
		set_status(d, 0, "saved %s", d->saved);
		break;
	case EV_PAUSED:
		d->paused = d->pause_want = e->paused;
		set_status(d, 0, "%s", e->paused ? "paused (F2 resumes)" :
		    "resumed");
		d->dirty |= D_HEADER | D_PROGRESS | D_HELPLINE;
		break;
	case EV_DONE:
		if (d->training && d->have_step && e->step > 0)
			take_progress(d, e);
		if (!d->done)
			snprintf(d->done_reason, sizeof(d->done_reason), "%s",
			    e->text ? e->text : "done");
		d->done = 1;
		d->save_failed = e->save_failed;
		d->paused = 0;
		if (d->quitting)
			d->exit_now = 1;
		else if (d->training)
			set_status(d, 0, "training %s; the prompt stays until "
			    "you quit (F10)", d->done_reason);
		d->dirty |= D_HEADER | D_PROGRESS | D_HELPLINE;
		break;
	}
}

static int
drain_events(dash *d)
{
	event *e;
	int n;

	for (n = 0; n < EVENTS_PER_TICK; n++) {
		e = session_next_event(d->s);
		if (e == NULL)
			return 0;
		dash_event(d, e);
		event_free(e);
	}
	return 1;	/* more may be waiting */
}

/* ---- actions ---------------------------------------------------------- */

static void
request_quit(dash *d)
{
	if (d->quitting) {
		/* Asked twice: leave without waiting for the save. */
		d->exit_now = 1;
		return;
	}
	if (!d->training || d->done) {
		d->exit_now = 1;
		return;
	}
	session_quit(d->s);
	d->quitting = 1;
	set_status(d, 0, "saving... (quit again to leave at once)");
	d->dirty |= D_HEADER;
}

static void
dash_action(int action, void *ud)
{
	dash *d = ud;

	switch (action) {
	case PA_QUIT:
		request_quit(d);
		break;
	case PA_HELP:
		d->help_shown = !d->help_shown;
		d->dirty |= d->help_shown ? D_OVERLAY : D_ALL;
		if (!d->help_shown)
			del(&d->w_overlay);
		break;
	case PA_PAUSE:
		if (!d->training || d->done || d->quitting)
			break;
		d->pause_want = !d->pause_want;
		session_pause(d->s, d->pause_want);
		set_status(d, 0, "%s", d->pause_want ? "pausing..." :
		    "resuming...");
		break;
	case PA_SAVE:
		if (!d->training)
			break;
		session_save(d->s, NULL);
		set_status(d, 0, "saving...");
		break;
	case PA_SAMPLE:
		if (!d->training)
			break;
		session_sample_now(d->s);
		set_status(d, 0, "sampling...");
		break;
	case PA_PLOT:
		d->view = (d->view + 1) % NVIEWS;
		d->dirty |= D_PLOT;
		break;
	case PA_SCROLL_UP:
		if (d->scroll + 1 < d->ngroups) {
			d->scroll++;
			d->dirty |= D_SAMPLES;
		}
		break;
	case PA_SCROLL_DOWN:
		if (d->scroll > 0) {
			d->scroll--;
			d->dirty |= D_SAMPLES;
		}
		break;
	case PA_REDRAW:
		clearok(curscr, TRUE);
		d->dirty = D_ALL;
		break;
	}
}

/* Bytes of the first key in buf: an escape sequence (ESC [ ... final,
 * ESC O x, ESC x), a UTF-8 character or one byte. */
static size_t
first_key_len(const unsigned char *buf, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if (buf[0] == 0x1b) {
		if (n >= 3 && buf[1] == 'O')
			return 3;
		if (n >= 2 && buf[1] == '[') {
			for (i = 2; i < n; i++)
				if (buf[i] >= 0x40 && buf[i] <= 0x7e)
					return i + 1;
			return n;
		}
		return n >= 2 ? 2 : 1;
	}
	if (buf[0] >= 0xc0) {
		for (i = 1; i < n && (buf[i] & 0xc0) == 0x80; i++)
			;
		return i;
	}
	return 1;
}

static void
read_keys(dash *d)
{
	unsigned char buf[256];
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		/* The terminal is gone: quit (saving). */
		request_quit(d);
		if (d->quitting)
			d->sig_quit = SIGHUP;
		return;
	}
	if (n < 0)
		return;
	d->key_frame = 1;
	i = 0;
	if (d->help_shown) {
		/* Any key closes the overlay, and goes no further. */
		d->help_shown = 0;
		del(&d->w_overlay);
		d->dirty = D_ALL;
		i = (ssize_t)first_key_len(buf, (size_t)n);
	}
	for (; i < n && !d->exit_now; i++)
		prompt_feed(d->p, buf[i]);
}

static void
read_signals(dash *d)
{
	int sig;

	while ((sig = sig_next()) != 0) {
		if (sig == SIGWINCH || sig == SIGCONT) {
			dash_resize(d);
			continue;
		}
		if (d->sig_quit != 0 || d->quitting) {
			/* The second one: leave at once. */
			if (curses_up)
				term_leave();
			_exit(128 + sig);
		}
		d->sig_quit = sig;
		request_quit(d);
	}
}

/* ---- setup ------------------------------------------------------------ */

static void
colors_init(dash *d)
{
	short bg = COLOR_BLACK;

	d->color = !d->o->no_color && has_colors();
	if (!d->color)
		return;
	if (start_color() == ERR) {
		d->color = 0;
		return;
	}
	if (use_default_colors() == OK)
		bg = -1;
	init_pair(C_TRAIN, COLOR_CYAN, bg);
	init_pair(C_VAL, COLOR_YELLOW, bg);
	init_pair(C_THIRD, COLOR_MAGENTA, bg);
	init_pair(C_HEADER, COLOR_BLUE, COLOR_WHITE);
	init_pair(C_BAR, COLOR_GREEN, bg);
	init_pair(C_ERROR, COLOR_RED, bg);
	init_pair(C_KEY, COLOR_BLACK, COLOR_CYAN);
	init_pair(C_TITLE, COLOR_BLUE, bg);
	init_pair(C_DIM, COLOR_WHITE, bg);
}

static void
dash_free_data(dash *d)
{
	size_t i;
	int k;

	plot_series_free(&d->tr_loss);
	plot_series_free(&d->va_loss);
	plot_series_free(&d->tr_acc);
	plot_series_free(&d->va_acc);
	for (i = 0; i < d->ngroups; i++)
		for (k = 0; k < d->groups[i].n; k++)
			free(d->groups[i].text[k]);
	free(d->groups);
}

static void
print_summary(const dash *d, FILE *out)
{
	const session_info *in = session_get_info(d->s);
	const char *path = d->saved[0] ? d->saved : in->output;

	if (out == NULL || !d->training)
		return;
	if (isfinite(d->last.best_val) && d->have_step)
		fprintf(out, "best val loss %.4f (%.4f bpc) at step %ld",
		    (double)d->last.best_val, d->last.best_val / M_LN2,
		    d->last.best_step);
	else if (d->have_step)
		fprintf(out, "no validation loss yet (step %ld)", d->last.step);
	else
		fprintf(out, "training had not started");
	if (d->save_failed && d->saved[0])
		fprintf(out, "; the last save failed; the last written: %s\n",
		    d->saved);
	else if (d->save_failed)
		fprintf(out, "; the last save failed\n");
	else if (d->saved[0])
		fprintf(out, "; saved %s\n", path);
	else if (path[0])
		fprintf(out, "; checkpoint %s\n", path);
	else
		fprintf(out, "\n");
	fflush(out);
}

int
dash_run(session *s, const dash_options *o, FILE *summary)
{
	static int atexit_done;
	struct pollfd pfd[3];
	int sig_fd, status = 0;
	char *cause = NULL;
	const char *cs;
	dash d;

	memset(&d, 0, sizeof(d));
	d.s = s;
	d.o = o;
	d.training = session_get_info(s)->training;
	d.last.best_val = INFINITY;
	d.val_loss = d.val_acc = NAN;
	d.last_loss = d.last_acc = NAN;
	plot_series_init(&d.tr_loss, 0);
	plot_series_init(&d.va_loss, 0);
	plot_series_init(&d.tr_acc, 0);
	plot_series_init(&d.va_acc, 0);
	cs = nl_langinfo(CODESET);
	d.utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);

	/* Our SIGWINCH handler goes in before newterm(), so ncurses leaves
	 * the signal to us (it installs its own only over SIG_DFL). */
	sig_fd = sig_catch(SIG_RESIZE, &cause);
	if (sig_fd < 0) {
		fprintf(stderr, "burble: %s\n", cause);
		free(cause);
		dash_free_data(&d);
		return 1;
	}

	d.scr = newterm(NULL, stdout, stdin);
	if (d.scr == NULL) {
		sig_release();
		fprintf(stderr, "burble: cannot use the terminal (TERM=%s); "
		    "try --headless\n", getenv("TERM") ? getenv("TERM") : "");
		dash_free_data(&d);
		return 1;
	}
	curses_up = 1;
	if (!atexit_done) {
		atexit(restore_at_exit);
		atexit_done = 1;
	}
	raw();			/* prompt.h: Ctrl-C is a byte for the prompt */
	noecho();
	nonl();
	keypad(stdscr, FALSE);
	intrflush(stdscr, FALSE);
	typeahead(-1);
	colors_init(&d);
	fflush(stdout);
	paste_mode(1);

	d.p = prompt_create(s, o->history_path);
	prompt_set_action_handler(d.p, dash_action, &d);
	set_status(&d, 0, "%s", d.training ? "starting..." :
	    "type text and press Enter; F1 for help");
	dash_layout(&d);

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = session_event_fd(s);
	pfd[1].events = POLLIN;
	pfd[2].fd = sig_fd;
	pfd[2].events = POLLIN;

	while (!d.exit_now) {
		double now = now_seconds(), next = -1;
		int timeout = -1, more, anim;

		anim = samples_animating(&d);
		if (anim)
			d.dirty |= D_SAMPLES;
		if (d.dirty || prompt_dirty(d.p)) {
			next = d.key_frame ? now : d.last_draw + 1.0 / FRAME_HZ;
			if (next <= now) {
				dash_draw(&d);
				continue;
			}
			timeout = (int)((next - now) * 1000) + 1;
		}
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		if (pfd[2].revents & POLLIN)
			read_signals(&d);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			read_keys(&d);
		if (d.exit_now)
			break;
		do
			more = drain_events(&d);
		while (more && !d.exit_now && now_seconds() - now < 0.05);
	}

	if (d.sig_quit)
		status = 128 + d.sig_quit;
	else if (status == 0 && d.save_failed)
		status = 1;
	prompt_free(d.p);
	d.p = NULL;
	{
		WINDOW **all[] = { &d.w_header, &d.w_plot[0], &d.w_plot[1],
		    &d.w_progress, &d.w_samples, &d.w_otitle, &d.w_out,
		    &d.w_in, &d.w_status, &d.w_help, &d.w_overlay };
		size_t i;
		for (i = 0; i < NELEMS(all); i++)
			del(all[i]);
	}
	term_leave();
	delscreen(d.scr);
	sig_release();
	print_summary(&d, summary);
	dash_free_data(&d);
	return status;
}
