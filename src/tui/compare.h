/* compare.h - runs compared on one chart: the training run (live) or the
 * first file of `burble plot`, and up to four others. The keys that change
 * the view (the x axis, the others' training curves, smoothing), the
 * curves to draw and the legend. dash_plot.c and plotview.c use it.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_COMPARE_H
#define BURBLE_COMPARE_H

#include <curses.h>
#include <stddef.h>

#include "chart.h"
#include "curves.h"

/* The keys (Alt and the key in the dashboard, where letters are text). */
#define CMP_KEY_XAXIS 'x'	/* step, characters seen, seconds */
#define CMP_KEY_ALL 'a'		/* the training curves of all runs too */
#define CMP_KEY_SMOOTH 'e'	/* smoothing: off, 0.6, 0.9, 0.99 */

typedef struct {
	curve_run *run[CHART_MAX_RUNS];	/* run[0]: the one the others are
					   compared with */
	int n;
	int live;		/* run[0] is the training run: its curves in
				   the dashboard's colours, the others dimmed;
				   its training curve always shown */
	int xaxis;		/* enum curve_xaxis */
	int all;		/* the training curves of every run */
	double smooth;		/* of the training curves; 0: off */
	int stale;		/* the series must be built again */
	int acc;		/* they show accuracy, not loss */
	plot_series val[CHART_MAX_RUNS], train[CHART_MAX_RUNS];
	char legend[CHART_MAX_RUNS][160];
} cmp_view;

/* runs[0..n) stay the caller's; the legends say each run's file name and
 * the settings in which it differs from runs[0] (and runs[0] those in
 * which it differs from runs[1]). */
void cmp_view_init(cmp_view *v, curve_run *const *runs, int n, int live);
void cmp_view_free(cmp_view *v);
/* One of the keys above: 1 (the view changed), else 0. */
int cmp_view_key(cmp_view *v, int key);
/* The series of the loss (acc 0) or the accuracy in percent (acc 1) from
 * the histories, unless built already (stale: a key, a new point). */
void cmp_view_update(cmp_view *v, int acc);
/* "validation loss, x: chars, smoothed 0.9" without the parts at their
 * defaults: "validation loss" ("... (training dimmed)" with the training
 * curves; "loss" live); the suffix alone: ", x: chars, ...". */
void cmp_view_title(const cmp_view *v, char *buf, size_t size);
void cmp_view_suffix(const cmp_view *v, char *buf, size_t size);
/* Anything to compare, or a view other than the plain one (x in steps, no
 * smoothing)? */
int cmp_view_active(const cmp_view *v);
/* The curves to draw (at most 2 * CHART_MAX_RUNS); returns how many. */
int cmp_view_curves(const cmp_view *v, chart_curve *c, int braille,
    int color);
/* The legend, a run a row, rows y .. y + v->n - 1 of w, from column x in
 * width columns: the run's mark (and in ASCII with the training curves,
 * their glyph), then its legend. braille as for the curves. */
void cmp_view_legend(const cmp_view *v, WINDOW *w, int y, int x, int width,
    int braille, int color);

#endif
