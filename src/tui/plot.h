/* plot.h - the dashboard's pure parts: metric series, axis scaling, the
 * braille and ASCII rasterisers, and the screen layout arithmetic.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here touches the terminal: a series keeps the history, a raster
 * turns it into a grid of cells (a code point and the series that owns it,
 * for its colour), and dash_plot.c puts the cells on the screen. As in htop, the
 * history is kept apart from the drawing, and in braille mode each terminal
 * column shows two samples (the two dot columns of a U+2800 cell).
 */
#ifndef BURBLE_PLOT_H
#define BURBLE_PLOT_H

#include <stddef.h>
#include <stdint.h>

/* ---- series ----------------------------------------------------------- */

/* One stored point; after compaction it stands for n merged points. */
typedef struct {
	double x;		/* mean x of the merged points */
	float y;		/* mean y */
	float lo, hi;		/* min and max y */
	uint32_t n;		/* points merged into it */
} plot_point;

typedef struct {
	plot_point *pts;	/* (npts) x ascending */
	size_t npts, cap;
	size_t max_points;	/* compaction threshold */
	uint32_t stride;	/* appended points per stored point */
	size_t total;		/* points appended since the last clear */
} plot_series;

#define PLOT_SERIES_MAX_POINTS 16384

/* max_points: stored points before neighbours are merged pairwise (keeping
 * mean, min and max); 0 means PLOT_SERIES_MAX_POINTS. The whole history is
 * kept at one resolution, which halves each time the store fills: every
 * stored point then stands for `stride` appended points (the newest one
 * fills up first). */
void plot_series_init(plot_series *s, size_t max_points);
void plot_series_free(plot_series *s);
void plot_series_clear(plot_series *s);
/* Appends (x, y); non-finite y is ignored. x must not go back: points at
 * x or beyond are dropped first (a run restarted from an earlier step). */
void plot_series_append(plot_series *s, double x, float y);
/* x range of the stored points; 0 if empty. */
int plot_series_xrange(const plot_series *s, double *x0, double *x1);
/* min and max y (over lo/hi) of points with x in [x0, x1]; 0 if none. */
int plot_series_yrange(const plot_series *s, double x0, double x1,
    double *ylo, double *yhi);
/* The y of the last point, or NaN. */
float plot_series_last(const plot_series *s);

enum plot_reduce { PLOT_MEAN, PLOT_MINMAX };

typedef struct {
	float mean, lo, hi;	/* NaN where the bucket is empty */
	uint32_t n;		/* points in the bucket (0: empty) */
} plot_bucket;

/* Downsample the points with x in [x0, x1] to nb equal-width buckets
 * (bucket i covers [x0 + i*w, x0 + (i+1)*w), the last one includes x1):
 * the weighted mean, min and max of each. x1 <= x0 puts everything at x0
 * into bucket 0. Returns the number of non-empty buckets. */
size_t plot_downsample(const plot_series *s, double x0, double x1,
    plot_bucket *out, size_t nb);

/* ---- axes ------------------------------------------------------------- */

typedef struct {
	double lo, hi;		/* data values at the ends; lo < hi */
	int log;		/* log10 scale; then 0 < lo */
} plot_axis;

/* Heckbert's nice number: 1, 2, 5 or 10 times a power of ten, rounded
 * (round != 0) or the ceiling. */
double plot_nice_num(double x, int round);
/* The nice step for about maxticks ticks over [lo, hi]: the range over
 * maxticks - 1, rounded to a nice number. */
double plot_nice_step(double lo, double hi, int maxticks);
/* Axis over [dmin, dmax] with pad (a fraction of the range) added on each
 * side, widened to whole nice steps (linear) and never below 0 when the
 * data are not; a log axis pads in log space and clamps to positive data.
 * A flat range is widened around its value. */
void plot_autoscale(plot_axis *a, double dmin, double dmax, double pad,
    int log, int maxticks);
/* Position of v on the axis, 0 at lo and 1 at hi (may be outside 0..1);
 * NaN when v cannot be shown (non-finite, or <= 0 on a log axis). */
double plot_axis_frac(const plot_axis *a, double v);
/* Tick values inside [lo, hi], at most max of them, for about maxticks
 * ticks; a log axis uses 1-2-5 per decade when that gives two or more.
 * *step gets the linear step (for plot_format_tick), 0 for 1-2-5 ticks. */
int plot_ticks(const plot_axis *a, int maxticks, double *out, int max,
    double *step);
/* A short label for tick v: as many decimals as step needs ("0.25", "1.5k",
 * "2e-05"). */
void plot_format_tick(double v, double step, char *buf, size_t size);

/* The x window of a view: the stored range of the series, or its last
 * last_n units when last_n > 0. Returns 0 if all the series are empty. */
int plot_xwindow(const plot_series *const *s, int ns, double last_n,
    double *x0, double *x1);

/* ---- rasters ---------------------------------------------------------- */

#define PLOT_MAX_SERIES 10
#define PLOT_BRAILLE_BASE 0x2800

typedef struct {
	uint32_t ch;		/* code point to draw: ' ', a braille cell
				   (U+2800 + dots), a marker, an ASCII glyph */
	uint8_t owner;		/* 0: empty; i + 1: series i of the render */
} plot_cell;

typedef struct {
	const plot_series *s;
	enum plot_reduce reduce;	/* MINMAX draws each column's extent */
	int connect;		/* join points across empty columns (sparse
				   series such as validation loss) */
	uint32_t marker;	/* braille mode: a code point put in the cells
				   that hold a real data point; 0: none */
	char glyph;		/* ASCII mode: the series' glyph */
} plot_spec;

/* Braille dot bit for the dot at (column dx 0..1, row dy 0..3) of a cell,
 * dy 0 at the top: the Unicode dot numbering 1 2 3 7 / 4 5 6 8. */
unsigned plot_braille_bit(int dx, int dy);

/* Render 1..PLOT_MAX_SERIES series into grid (h rows of w cells, row 0 at
 * the top) over x in [x0, x1] and the y axis ya. braille != 0: 2x4 dots per
 * cell, two samples per column; 0: one sample per cell, each series drawn
 * with its glyph. Later series are drawn over earlier ones (a shared
 * braille cell merges the dots and belongs to the later series). Values
 * beyond the axis are clamped to its edge. Returns the number of cells
 * drawn. */
int plot_render(plot_cell *grid, int w, int h, const plot_spec *specs,
    int ns, double x0, double x1, const plot_axis *ya, int braille);

/* ---- layout ----------------------------------------------------------- */

#define PLOT_MIN_ROWS 12
#define PLOT_MIN_COLS 40
#define PLOT_WIDE_COLS 120	/* from here the two plots sit side by side */

typedef struct {
	int y, x, h, w;		/* h == 0: absent */
} plot_rect;

/* Every pane's rectangle. Panes with a title (plot, samples, output) have
 * it on their first row; a plot also has its x labels on its last row. */
typedef struct {
	int rows, cols;
	int too_small;		/* below PLOT_MIN_ROWS x PLOT_MIN_COLS: only
				   the note is drawn */
	int nplots;		/* 0 (model-only), 1 or 2 */
	plot_rect header;
	plot_rect plot[2];	/* plot[1]: accuracy, when wide */
	plot_rect progress;	/* 1 or 2 rows */
	plot_rect samples;
	plot_rect output;	/* prompt output pane, title row included */
	plot_rect prompt;	/* the readline line */
	plot_rect status;
	plot_rect help;		/* absent on short terminals */
} plot_layout;

/* training == 0: model-only screen (header, output, prompt, status, help). */
void plot_layout_compute(plot_layout *l, int rows, int cols, int training);

#endif
