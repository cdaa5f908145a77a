/* dash_plot.c - the dashboard's plot panes: loss or accuracy against the
 * step, train and validation, with axes and a legend in the title.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * plot.c does the arithmetic (axes, ticks, the braille grid); this file
 * puts the result into curses windows.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "dash_priv.h"

/* Attributes of series k (0: train, 1: val): colour, and bold for the
 * validation series so it stands out in monochrome too. */
static attr_t
series_attr(const dash *d, int k)
{
	if (k == 1)
		return dash_pair(d, C_VAL) | A_BOLD;
	return dash_pair(d, k == 0 ? C_TRAIN : C_THIRD);
}

/* The series and axis of plot pane i for the current view. */
typedef struct {
	const char *name;
	const plot_series *s[2];
	int log, percent;
	double last_n;
} pane_view;

static void
view_for(const dash *d, int i, pane_view *v)
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
view_title(dash *d, WINDOW *w, int width, const pane_view *v)
{
	const char *unit = session_get_info(d->s)->words ? "token" : "char";
	char buf[256], val[96];
	const char *g0 = d->utf8 ? "\xe2\x94\x80" : "*";	/* ─ */
	const char *g1 = d->utf8 ? "\xe2\x80\xa2" : "o";	/* • */
	int x;

	wattr_set(w, A_NORMAL, d->color ? C_TITLE : 0, NULL);
	dash_hline(d, w, 0, 0, 2);
	wattr_set(w, A_BOLD, d->color ? C_TITLE : 0, NULL);
	if (v->last_n > 0)
		snprintf(buf, sizeof(buf), " %s, last %.0f steps ", v->name,
		    v->last_n);
	else
		snprintf(buf, sizeof(buf), " %s%s ", v->name,
		    v->log ? " (log)" : "");
	x = 2 + dash_put_text(d, w, 0, 2, width - 2, buf);
	/* train */
	wattr_set(w, series_attr(d, 0), d->color ? C_TRAIN : 0, NULL);
	x += dash_put_text(d, w, 0, x, width - x, g0);
	wattr_set(w, A_NORMAL, 0, NULL);
	if (v->percent)
		snprintf(buf, sizeof(buf), " train %.1f ", d->last_acc * 100);
	else
		snprintf(buf, sizeof(buf), " train %.3f ", d->last_loss);
	if (!d->have_step)
		snprintf(buf, sizeof(buf), " train ");
	x += dash_put_text(d, w, 0, x, width - x, buf);
	/* val */
	wattr_set(w, series_attr(d, 1), d->color ? C_VAL : 0, NULL);
	x += dash_put_text(d, w, 0, x, width - x, g1);
	wattr_set(w, A_NORMAL, 0, NULL);
	if (isnan(d->val_loss))
		snprintf(val, sizeof(val), " val ");
	else if (v->percent)
		snprintf(val, sizeof(val), " val %.1f ", d->val_acc * 100);
	else
		snprintf(val, sizeof(val), " val %.3f = %.3f bits/%s ",
		    d->val_loss, d->val_loss / M_LN2, unit);
	x += dash_put_text(d, w, 0, x, width - x, val);
	if (isnan(d->val_loss) && d->have_step && !v->percent) {
		snprintf(val, sizeof(val), "(train %.3f bits/%s) ",
		    d->last_loss / M_LN2, unit);
		x += dash_put_text(d, w, 0, x, width - x, val);
	}
	wattr_set(w, A_NORMAL, d->color ? C_TITLE : 0, NULL);
	dash_hline(d, w, 0, x, width - x);
	wattr_set(w, A_NORMAL, 0, NULL);
}

/* The x range shown and the y range of the data in it; 0 if there is
 * nothing to plot yet. */
static int
view_ranges(const pane_view *v, double *x0, double *x1, double *ylo,
    double *yhi)
{
	double a, b;
	int any = 0;

	if (!plot_xwindow(v->s, 2, v->last_n, x0, x1))
		return 0;
	for (int k = 0; k < 2; k++) {
		if (plot_series_yrange(v->s[k], *x0, *x1, &a, &b)) {
			if (!any || a < *ylo)
				*ylo = a;
			if (!any || b > *yhi)
				*yhi = b;
			any = 1;
		}
	}
	return any;
}

/* The y axis and its labels, right-aligned in lw columns, for bh rows. */
static void
draw_yaxis(dash *d, WINDOW *w, const plot_axis *ya, int nt,
    const double *ticks, char labels[][24], int lw, int bh)
{
	const wchar_t axis = d->utf8 ? 0x2502 : '|';
	const wchar_t tick = d->utf8 ? 0x2524 : '+';
	int dots = d->utf8 ? 4 * bh : bh, lastrow = -1, row, k;

	for (row = 0; row < bh; row++)
		mvwaddnwstr(w, 1 + row, lw, &axis, 1);
	for (k = 0; k < nt; k++) {
		double f = plot_axis_frac(ya, ticks[k]);
		if (isnan(f))
			continue;
		row = (int)lround((1 - f) * (dots - 1)) / (d->utf8 ? 4 : 1);
		if (row < 0 || row >= bh || row == lastrow)
			continue;
		lastrow = row;
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		mvwaddstr(w, 1 + row, lw - (int)strlen(labels[k]), labels[k]);
		wattr_set(w, A_NORMAL, 0, NULL);
		mvwaddnwstr(w, 1 + row, lw, &tick, 1);
	}
}

/* The two curves, rendered into a gw x bh grid drawn right of column lw. */
static void
draw_curves(dash *d, WINDOW *w, const pane_view *v, const plot_axis *ya,
    double x0, double x1, int lw, int gw, int bh)
{
	plot_spec sp[2];
	plot_cell *grid;
	int row, c;

	memset(sp, 0, sizeof(sp));
	sp[0].s = v->s[0];
	sp[0].reduce = PLOT_MEAN;
	sp[0].connect = 1;
	sp[0].glyph = '*';
	sp[1].s = v->s[1];
	sp[1].reduce = PLOT_MEAN;
	sp[1].connect = 1;
	sp[1].marker = 0x2022;
	sp[1].glyph = 'o';
	grid = xcalloc((size_t)gw * (size_t)bh, sizeof(*grid));
	plot_render(grid, gw, bh, sp, 2, x0, x1, ya, d->utf8);
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
}

/* The x labels (steps) on the last row h - 1. */
static void
draw_xaxis(dash *d, WINDOW *w, double x0, double x1, int lw, int gw, int h)
{
	plot_axis xa;
	double ticks[16], step;
	int nx, k, lastx;

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
		mvwaddstr(w, h - 1, col, lab);
		lastx = col + len + 2;
	}
	if (lw + 1 + gw - 4 >= lastx)
		mvwaddstr(w, h - 1, lw + 1 + gw - 4, "step");
	wattr_set(w, A_NORMAL, 0, NULL);
}

void
dash_draw_plot(dash *d, int i)
{
	WINDOW *w = d->w_plot[i];
	const plot_rect *r = &d->lay.plot[i];
	pane_view v;
	plot_axis ya;
	double ticks[16], step, x0 = 0, x1 = 0, ylo = 0, yhi = 0;
	char labels[16][24];
	int nt, k, lw = 0, gw, bh, maxt;

	if (w == NULL)
		return;
	werase(w);
	view_for(d, i, &v);
	view_title(d, w, r->w, &v);
	bh = r->h - 2;
	if (bh < 1)
		goto out;
	if (!view_ranges(&v, &x0, &x1, &ylo, &yhi)) {
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		dash_put_text(d, w, 1 + bh / 2, 2, r->w - 4,
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
	draw_yaxis(d, w, &ya, nt, ticks, labels, lw, bh);
	draw_curves(d, w, &v, &ya, x0, x1, lw, gw, bh);
	draw_xaxis(d, w, x0, x1, lw, gw, r->h);
out:
	wnoutrefresh(w);
}
