/* chart.c - a line chart in a curses window: axes, ticks, curves.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * plot.c does the arithmetic (axes, ticks, the braille grid); this file
 * puts the result into a window. See chart.h.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "chart.h"
#include "util.h"

int
chart_colors_init(int no_color)
{
	static const short runs[CHART_MAX_RUNS] = { COLOR_YELLOW,
	    COLOR_MAGENTA, COLOR_GREEN, COLOR_RED, COLOR_BLUE };
	short bg = COLOR_BLACK;

	if (no_color || !has_colors() || start_color() == ERR)
		return 0;
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
	for (int i = 0; i < CHART_MAX_RUNS; i++)
		init_pair((short)(C_RUN0 + i), runs[i], bg);
	return 1;
}

uint32_t
chart_mark(int i, int utf8)
{
	static const char marks[CHART_MAX_RUNS] = { 'o', 'x', '+', '#', '%' };

	if (i == 0 && utf8)
		return 0x2022;	/* • */
	return (uint32_t)marks[i >= 0 && i < CHART_MAX_RUNS ? i : 0];
}

char
chart_glyph(int i)
{
	static const char glyphs[CHART_MAX_RUNS] = { '*', '.', ':', '~', '=' };

	return glyphs[i >= 0 && i < CHART_MAX_RUNS ? i : 0];
}

void
chart_hline(WINDOW *w, int y, int x, int n, int utf8)
{
	wchar_t buf[512];

	n = MIN(n, (int)NELEMS(buf) - 1);
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++)
		buf[i] = utf8 ? 0x2500 : '-';
	buf[n] = L'\0';
	mvwaddnwstr(w, y, x, buf, n);
}

/* The x range shown and the y range of the data in it; 0 if there is
 * nothing to plot yet. */
static int
chart_ranges(const chart_curve *c, int n, double last_n, double *x0,
    double *x1, double *ylo, double *yhi)
{
	const plot_series *s[PLOT_MAX_SERIES] = { NULL };
	double a, b;
	int any = 0, ns = MIN(n, PLOT_MAX_SERIES);

	for (int k = 0; k < ns; k++)
		s[k] = c[k].s;
	if (!plot_xwindow(s, ns, last_n, x0, x1))
		return 0;
	for (int k = 0; k < ns; k++) {
		if (s[k] == NULL || !plot_series_yrange(s[k], *x0, *x1, &a, &b))
			continue;
		if (!any || a < *ylo)
			*ylo = a;
		if (!any || b > *yhi)
			*yhi = b;
		any = 1;
	}
	return any;
}

/* The y axis and its labels, right-aligned in lw columns, for bh rows. */
static void
draw_yaxis(WINDOW *w, const chart_style *st, const plot_axis *ya, int nt,
    const double *ticks, char labels[][24], int lw, int bh)
{
	const wchar_t axis = st->utf8 ? 0x2502 : '|';
	const wchar_t tick = st->utf8 ? 0x2524 : '+';
	int dots = st->braille ? 4 * bh : bh, lastrow = -1, row, k;

	for (row = 0; row < bh; row++)
		mvwaddnwstr(w, 1 + row, lw, &axis, 1);
	for (k = 0; k < nt; k++) {
		double f = plot_axis_frac(ya, ticks[k]);
		if (isnan(f))
			continue;
		row = (int)lround((1 - f) * (dots - 1)) / (st->braille ? 4 : 1);
		if (row < 0 || row >= bh || row == lastrow)
			continue;
		lastrow = row;
		wattr_set(w, A_DIM, st->color ? C_DIM : 0, NULL);
		mvwaddstr(w, 1 + row, lw - (int)strlen(labels[k]), labels[k]);
		wattr_set(w, A_NORMAL, 0, NULL);
		mvwaddnwstr(w, 1 + row, lw, &tick, 1);
	}
}

/* Row row of the grid (gw cells) from column x0 of w, in runs of cells
 * of one owner, each with its curve's attributes. */
static void
draw_grid_row(WINDOW *w, const plot_cell *g, int gw, int y, int x0,
    const chart_curve *c)
{
	wchar_t run[512];
	int n = 0, owner = -1, start = 0;

	for (int x = 0; x <= gw; x++) {
		int o = x < gw ? g[x].owner : -2;
		if (o != owner || n >= (int)NELEMS(run) - 1) {
			if (n > 0) {
				run[n] = L'\0';
				wattrset(w, owner > 0 ? c[owner - 1].attr :
				    A_NORMAL);
				mvwaddnwstr(w, y, x0 + start, run, n);
				wattrset(w, A_NORMAL);
			}
			n = 0;
			start = x;
			owner = o;
		}
		if (x < gw)
			run[n++] = (wchar_t)g[x].ch;
	}
}

/* The curves, rendered into a gw x bh grid drawn right of column lw. */
static void
draw_curves(WINDOW *w, const chart_style *st, const chart_curve *c, int n,
    const plot_axis *ya, double x0, double x1, int lw, int gw, int bh)
{
	plot_spec sp[PLOT_MAX_SERIES];
	plot_cell *grid;
	int ns = MIN(n, PLOT_MAX_SERIES);

	memset(sp, 0, sizeof(sp));
	for (int k = 0; k < ns; k++) {
		sp[k].s = c[k].s;
		sp[k].reduce = PLOT_MEAN;
		sp[k].connect = 1;
		sp[k].marker = c[k].mark;
		sp[k].glyph = c[k].mark != 0 && c[k].mark < 0x80 ?
		    (char)c[k].mark : c[k].glyph;
	}
	grid = xcalloc((size_t)gw * (size_t)bh, sizeof(*grid));
	plot_render(grid, gw, bh, sp, ns, x0, x1, ya, st->braille);
	for (int row = 0; row < bh; row++)
		draw_grid_row(w, grid + row * gw, gw, 1 + row, lw + 1, c);
	free(grid);
}

/* The x labels and the axis' name on the last row h - 1. */
static void
draw_xaxis(WINDOW *w, const chart_style *st, double x0, double x1, int lw,
    int gw, int h)
{
	const char *name = st->xname != NULL ? st->xname : "step";
	int nl = (int)strlen(name);
	plot_axis xa;
	double ticks[16], step;
	int nx, k, lastx;

	xa.lo = x0;
	xa.hi = x1 > x0 ? x1 : x0 + 1;
	xa.log = 0;
	nx = plot_ticks(&xa, MAX(2, gw / 12), ticks, 16, &step);
	lastx = lw + 1;
	wattr_set(w, A_DIM, st->color ? C_DIM : 0, NULL);
	for (k = 0; k < nx; k++) {
		char lab[24];
		int col, len;
		plot_format_tick(ticks[k], step, lab, sizeof(lab));
		len = (int)strlen(lab);
		col = lw + 1 + (int)lround(plot_axis_frac(&xa, ticks[k]) *
		    (gw - 1)) - len / 2;
		if (col < lastx)
			col = lastx;
		if (col + len + 2 > lw + 1 + gw - nl)	/* the name's room */
			continue;
		mvwaddstr(w, h - 1, col, lab);
		lastx = col + len + 2;
	}
	if (lw + 1 + gw - nl >= lastx)
		mvwaddstr(w, h - 1, lw + 1 + gw - nl, name);
	wattr_set(w, A_NORMAL, 0, NULL);
}

int
chart_draw(WINDOW *w, int h, int width, const chart_curve *c, int n,
    const chart_style *st)
{
	plot_axis ya;
	double ticks[16], step, x0 = 0, x1 = 0, ylo = 0, yhi = 0;
	char labels[16][24];
	int nt, lw = 0, gw, bh = h - 2, maxt;

	if (bh < 1 || !chart_ranges(c, n, st->last_n, &x0, &x1, &ylo, &yhi))
		return 0;
	maxt = MIN(10, MAX(2, bh / 2 + 1));
	plot_autoscale(&ya, ylo, yhi, 0.05, st->log, maxt);
	nt = plot_ticks(&ya, maxt, ticks, 16, &step);
	for (int k = 0; k < nt; k++) {
		plot_format_tick(ticks[k], step, labels[k], sizeof(labels[k]));
		lw = MAX(lw, (int)strlen(labels[k]));
	}
	gw = width - lw - 2;
	if (gw < 4)
		return 1;
	draw_yaxis(w, st, &ya, nt, ticks, labels, lw, bh);
	draw_curves(w, st, c, n, &ya, x0, x1, lw, gw, bh);
	draw_xaxis(w, st, x0, x1, lw, gw, h);
	return 1;
}
