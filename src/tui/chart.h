/* chart.h - a line chart in a curses window: the y axis and its ticks,
 * the curves (braille, or one ASCII glyph a cell), the x axis and its
 * name; the colour pairs and the marks that tell runs apart. The
 * dashboard's plot panes (dash_plot.c) and `burble plot` (plotview.c)
 * draw with it; plot.c does the arithmetic.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_CHART_H
#define BURBLE_CHART_H

#include <curses.h>
#include <stdint.h>

#include "curves.h"
#include "plot.h"

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
	C_RUN0,		/* C_RUN0 + i: run i of a comparison */
};

/* Runs on one chart: `burble plot`'s files, or the training run and the
 * runs it is compared with (--compare). */
#define CHART_MAX_RUNS (CURVE_MAX_COMPARE + 1)

/* start_color and the pairs above unless no_color or the terminal has no
 * colour; returns whether colour is on. */
int chart_colors_init(int no_color);

/* A horizontal line of n columns from (y, x): U+2500, or '-'. */
void chart_hline(WINDOW *w, int y, int x, int n, int utf8);

/* The mark of run i on its validation curve (the cells that hold an
 * evaluation): U+2022 or o, then x + # %: distinct without colour. */
uint32_t chart_mark(int i, int utf8);
/* The glyph of run i's training curve in ASCII mode: * . : ~ =. */
char chart_glyph(int i);

typedef struct {
	const plot_series *s;
	attr_t attr;		/* attributes with the colour pair */
	uint32_t mark;		/* put in the cells of real data points;
				   0: none */
	char glyph;		/* ASCII mode: the curve's glyph */
} chart_curve;

typedef struct {
	int utf8;		/* box drawing */
	int braille;		/* curves in braille; 0: a glyph a cell */
	int color;
	int log;		/* log y axis */
	double last_n;		/* show the last last_n x units; 0: all */
	const char *xname;	/* the x axis' name: "step" */
} chart_style;

/* Draw curves c[0..n) into w below its title row: the chart fills rows
 * 1 .. h - 2 of a width-column window, the x labels and xname row h - 1.
 * Returns 0 (nothing drawn) when no curve has a point to show. */
int chart_draw(WINDOW *w, int h, int width, const chart_curve *c, int n,
    const chart_style *st);

#endif
