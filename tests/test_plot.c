/* test_plot.c - series, axes, rasters and layout, without a terminal.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "tap.h"
#include "util.h"

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* The raster's row r as a string of code points, for messages. */
static void
row_hex(const plot_cell *g, int w, int r, char *buf, size_t size)
{
	size_t off = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < w && off + 8 < size; c++)
		off += (size_t)snprintf(buf + off, size - off, "%s%04X",
		    c ? " " : "", (unsigned)g[r * w + c].ch);
}

static void
test_series(void)
{
	plot_series s;
	plot_bucket b[4];
	double x0, x1, lo, hi;
	size_t n;
	int i;

	plot_series_init(&s, 0);
	ok(!plot_series_xrange(&s, &x0, &x1), "empty series has no range");
	ok(isnan(plot_series_last(&s)), "empty series: last is NaN");
	for (i = 0; i < 8; i++)
		plot_series_append(&s, i, (float)i);
	plot_series_append(&s, 8, NAN);
	ok(s.npts == 8, "NaN is not stored (npts %zu)", s.npts);
	ok(plot_series_xrange(&s, &x0, &x1) && x0 == 0 && x1 == 7,
	    "x range 0..7");
	n = plot_downsample(&s, 0, 7, b, 4);
	/* Bucket width 1.75: {0,1}, {2,3}, {4,5}, {6,7}. */
	ok(n == 4, "4 non-empty buckets (%zu)", n);
	ok(near(b[0].mean, 0.5, 1e-6) && near(b[1].mean, 2.5, 1e-6) &&
	    near(b[2].mean, 4.5, 1e-6) && near(b[3].mean, 6.5, 1e-6),
	    "bucket means 0.5 2.5 4.5 6.5 (%g %g %g %g)", b[0].mean,
	    b[1].mean, b[2].mean, b[3].mean);
	ok(b[3].lo == 6 && b[3].hi == 7 && b[3].n == 2,
	    "bucket min/max/count");
	n = plot_downsample(&s, 4, 7, b, 4);
	ok(n == 4 && b[0].mean == 4 && b[3].mean == 7,
	    "window 4..7 over 4 buckets");
	n = plot_downsample(&s, 0, 30, b, 4);
	ok(n == 1 && b[0].n == 8,
	    "sparse: all points fall in the first bucket");
	ok(b[2].n == 0 && isnan(b[2].mean), "empty bucket is NaN");
	ok(plot_series_yrange(&s, 2, 5, &lo, &hi) && lo == 2 && hi == 5,
	    "y range over a window");

	/* Going back in x drops the later points (a restart). */
	plot_series_append(&s, 5, 100);
	ok(s.npts == 6 && plot_series_last(&s) == 100,
	    "append at an earlier x replaces the tail (npts %zu)", s.npts);
	plot_series_free(&s);

	/* Compaction keeps the whole history, with mean and extremes. */
	plot_series_init(&s, 16);
	for (i = 0; i < 1000; i++)
		plot_series_append(&s, i, (float)(i % 10));
	ok(s.npts <= 16, "store bounded (npts %zu)", s.npts);
	ok(s.total == 1000, "1000 points appended");
	plot_series_xrange(&s, &x0, &x1);
	ok(x0 < 100 && x1 > 900, "compacted range still spans the run "
	    "(%g..%g)", x0, x1);
	{
		size_t k;
		int even = 1;
		for (k = 0; k + 1 < s.npts; k++)
			if (s.pts[k].n != s.stride)
				even = 0;
		ok(even && s.stride == 64,
		    "uniform resolution: stride %u", (unsigned)s.stride);
	}
	{
		uint64_t tot = 0;
		size_t k;
		for (k = 0; k < s.npts; k++)
			tot += s.pts[k].n;
		ok(tot == 1000, "merged counts add up (%llu)",
		    (unsigned long long)tot);
	}
	n = plot_downsample(&s, 0, 999, b, 1);
	ok(n == 1 && near(b[0].mean, 4.5, 0.05) && b[0].lo == 0 &&
	    b[0].hi == 9, "compacted mean %g, min %g, max %g", b[0].mean,
	    b[0].lo, b[0].hi);
	plot_series_free(&s);
}

static void
test_axes(void)
{
	plot_axis a;
	double t[16], step;
	char buf[32];
	int n;

	/* 1 is also what bad input gives: 7.3 -> 10 shows the rounding ran */
	ok(near(plot_nice_num(0.73, 1), 1, 1e-12) &&
	    near(plot_nice_num(7.3, 1), 10, 1e-12),
	    "nice_num rounds 0.73 to 1 and 7.3 to 10");
	ok(plot_nice_num(3.2, 0) == 5, "nice_num ceiling of 3.2 is 5");
	ok(near(plot_nice_num(0.013, 1), 0.01, 1e-12),
	    "nice_num rounds 0.013 to 0.01");
	ok(plot_nice_step(0, 100, 6) == 20, "step for 0..100, 6 ticks is 20");

	plot_autoscale(&a, 1.23, 4.17, 0.05, 0, 5);
	ok(!a.log && a.lo <= 1.23 - 0.1 && a.hi >= 4.17 + 0.1 && a.lo >= 0,
	    "autoscale 1.23..4.17 padded: %g..%g", a.lo, a.hi);
	ok(near(a.lo, 1.0, 1e-9) && near(a.hi, 5, 1e-9),
	    "autoscale snaps to nice steps: %g..%g", a.lo, a.hi);
	n = plot_ticks(&a, 5, t, 16, &step);
	ok(n == 5 && near(t[0], 1.0, 1e-9) && near(t[4], 5, 1e-9) &&
	    step == 1, "ticks 1, 2, ... 5 (n %d, step %g)", n, step);
	plot_autoscale(&a, 1.23, 4.17, 0.05, 0, 10);
	n = plot_ticks(&a, 10, t, 16, &step);
	ok(near(a.lo, 1.0, 1e-9) && near(a.hi, 4.5, 1e-9) && step == 0.5 &&
	    n == 8, "10 ticks: 1..4.5 by 0.5 (%g..%g, n %d)", a.lo, a.hi, n);
	/* The axis and its ticks agree: the ticks of an autoscaled axis start
	 * and end on its ends. */
	plot_autoscale(&a, 2.44, 4.2, 0.05, 0, 4);
	n = plot_ticks(&a, 4, t, 16, &step);
	ok(n >= 3 && near(t[0], a.lo, 1e-9) && near(t[n - 1], a.hi, 1e-9),
	    "ticks span the axis %g..%g (n %d, step %g)", a.lo, a.hi, n, step);
	plot_autoscale(&a, 0.01, 0.4, 0.1, 0, 5);
	ok(a.lo == 0, "autoscale does not go below 0 for positive data");
	plot_autoscale(&a, 2, 2, 0.05, 0, 5);
	ok(a.lo < 2 && a.hi > 2, "flat data widened: %g..%g", a.lo, a.hi);
	plot_autoscale(&a, -3, 7, 0, 0, 5);
	ok(a.lo <= -3 && a.hi >= 7, "negative data: %g..%g", a.lo, a.hi);
	ok(near(plot_axis_frac(&a, a.lo), 0, 1e-12) &&
	    near(plot_axis_frac(&a, a.hi), 1, 1e-12), "frac at the ends");

	/* Log scale. */
	plot_autoscale(&a, 0.1, 10, 0, 1, 5);
	ok(a.log && near(a.lo, 0.1, 1e-9) && near(a.hi, 10, 1e-9),
	    "log autoscale without pad: %g..%g", a.lo, a.hi);
	ok(near(plot_axis_frac(&a, 1), 0.5, 1e-9), "log: 1 is mid-way");
	ok(isnan(plot_axis_frac(&a, 0)) && isnan(plot_axis_frac(&a, -1)),
	    "log: non-positive values are not shown");
	n = plot_ticks(&a, 10, t, 16, &step);
	ok(n == 7 && near(t[0], 0.1, 1e-12) && near(t[1], 0.2, 1e-12) &&
	    near(t[6], 10, 1e-9) && step == 0,
	    "log ticks 1-2-5 per decade (n %d)", n);
	n = plot_ticks(&a, 4, t, 16, &step);
	ok(n == 3 && near(t[1], 1, 1e-12), "log ticks: decades when crowded");
	plot_autoscale(&a, 1.5, 2.2, 0.05, 1, 5);
	n = plot_ticks(&a, 5, t, 16, &step);
	ok(n >= 2 && step > 0, "narrow log axis falls back to linear ticks");
	plot_autoscale(&a, 0, 4, 0.05, 1, 5);
	ok(a.log && a.lo > 0, "log axis with a zero: lo %g", a.lo);

	/* Labels. */
	plot_format_tick(1.5, 0.5, buf, sizeof(buf));
	ok(strcmp(buf, "1.5") == 0, "label 1.5 (%s)", buf);
	plot_format_tick(2, 0.25, buf, sizeof(buf));
	ok(strcmp(buf, "2.00") == 0, "label with step 0.25 (%s)", buf);
	plot_format_tick(500, 100, buf, sizeof(buf));
	ok(strcmp(buf, "500") == 0, "label 500 (%s)", buf);
	plot_format_tick(25000, 5000, buf, sizeof(buf));
	ok(strcmp(buf, "25k") == 0, "label 25k (%s)", buf);
	plot_format_tick(0.2, 0, buf, sizeof(buf));
	ok(strcmp(buf, "0.2") == 0, "log label 0.2 (%s)", buf);
}

static void
test_window(void)
{
	plot_series a, b;
	const plot_series *v[2] = { &a, &b };
	double x0 = 0, x1 = 0;
	int i;

	plot_series_init(&a, 0);
	plot_series_init(&b, 0);
	ok(!plot_xwindow(v, 2, 0, &x0, &x1), "no window while empty");
	for (i = 10; i <= 1000; i += 10)
		plot_series_append(&a, i, 1);
	plot_series_append(&b, 500, 1);
	plot_series_append(&b, 1100, 1);
	i = plot_xwindow(v, 2, 0, &x0, &x1);
	ok(i && x0 == 10 && x1 == 1100, "window spans all series: %g..%g",
	    x0, x1);
	i = plot_xwindow(v, 2, 200, &x0, &x1);
	ok(i && x0 == 900 && x1 == 1100, "last 200 steps: %g..%g", x0, x1);
	ok(plot_xwindow(v, 2, 5000, &x0, &x1) && x0 == 10,
	    "last N longer than the run: the whole run");
	plot_series_free(&a);
	plot_series_free(&b);
}

static void
test_braille(void)
{
	plot_series s, t;
	plot_spec sp[2];
	plot_axis a = { 0, 2, 0 };
	plot_cell g[4 * 3];
	char hex[64];
	int i, n;

	ok(plot_braille_bit(0, 0) == 0x01 && plot_braille_bit(0, 3) == 0x40 &&
	    plot_braille_bit(1, 0) == 0x08 && plot_braille_bit(1, 3) == 0x80,
	    "braille dot numbering");

	/* A flat line at mid-height: rows 0..3, value 1 of 0..2 -> row 2
	 * (round(1.5)), dots 3 and 6 in both columns: U+2824. */
	plot_series_init(&s, 0);
	for (i = 0; i < 4; i++)
		plot_series_append(&s, i, 1);
	memset(sp, 0, sizeof(sp));
	sp[0].s = &s;
	sp[0].reduce = PLOT_MEAN;
	n = plot_render(g, 2, 1, sp, 1, 0, 3, &a, 1);
	row_hex(g, 2, 0, hex, sizeof(hex));
	ok(n == 2 && g[0].ch == 0x2824 && g[1].ch == 0x2824,
	    "flat line: U+2824 U+2824 (%s)", hex);
	ok(g[0].owner == 1 && g[1].owner == 1, "cells owned by series 1");

	/* A rising diagonal over one row of two cells: pixel rows 3,2,1,0
	 * -> U+2860 (dots 7, 6) then U+280A (dots 2, 4). */
	plot_series_clear(&s);
	for (i = 0; i < 4; i++)
		plot_series_append(&s, i, (float)i);
	a.lo = 0;
	a.hi = 3;
	n = plot_render(g, 2, 1, sp, 1, 0, 3, &a, 1);
	row_hex(g, 2, 0, hex, sizeof(hex));
	ok(g[0].ch == 0x2860 && g[1].ch == 0x280A,
	    "diagonal: U+2860 U+280A (%s)", hex);

	/* A steep step joins with a vertical run in the later column:
	 * 0 then 3 on a 1x1 grid (rows 3 then 0): column 1 filled rows 0..2.
	 * Dots: (0,3)=0x40, (1,0)=0x08, (1,1)=0x10, (1,2)=0x20 -> U+2878. */
	plot_series_clear(&s);
	plot_series_append(&s, 0, 0);
	plot_series_append(&s, 1, 3);
	n = plot_render(g, 1, 1, sp, 1, 0, 1, &a, 1);
	ok(n == 1 && g[0].ch == 0x2878, "step joined: U+2878 (%04X)",
	    (unsigned)g[0].ch);

	/* Two rows: a descending line over 2x2 cells (8 dot rows). */
	plot_series_clear(&s);
	for (i = 0; i < 4; i++)
		plot_series_append(&s, i, (float)(7 - i * 7.0 / 3));
	a.lo = 0;
	a.hi = 7;
	plot_render(g, 2, 2, sp, 1, 0, 3, &a, 1);
	/* rows: 0, round(7/3)=2, round(14/3)=5, 7.
	 * col0 row0; col1 rows 1..2; col2 rows 3..5; col3 rows 6..7.
	 * cell(0,0): (0,0) (1,1) (1,2) = 01|10|20 = 0x31 -> U+2831
	 * cell(0,1): (0,3) = 0x40 -> U+2840
	 * cell(1,0): nothing
	 * cell(1,1): (0,0) (0,1) (1,2) (1,3) = 01|02|20|80 = 0xA3 */
	ok(g[0].ch == 0x2831 && g[1].ch == 0x2840 && g[2].ch == ' ' &&
	    g[3].ch == 0x28A3, "descending over 2 rows: %04X %04X / %04X %04X",
	    (unsigned)g[0].ch, (unsigned)g[1].ch, (unsigned)g[2].ch,
	    (unsigned)g[3].ch);

	/* Two series: val (sparse, connected, with markers) over train. */
	plot_series_init(&t, 0);
	plot_series_clear(&s);
	for (i = 0; i <= 12; i++)
		plot_series_append(&s, i, 1);
	plot_series_append(&t, 0, 2);
	plot_series_append(&t, 12, 2);
	sp[1].s = &t;
	sp[1].connect = 1;
	sp[1].marker = 0x2022;
	a.lo = 0;
	a.hi = 2;
	plot_render(g, 4, 1, sp, 2, 0, 12, &a, 1);
	ok(g[0].ch == 0x2022 && g[0].owner == 2 && g[3].ch == 0x2022,
	    "markers at the data points of series 2 (%04X %04X)",
	    (unsigned)g[0].ch, (unsigned)g[3].ch);
	/* Middle cells: train at row 2 (0x24) and val joined at row 0
	 * (0x09): both series' dots merged, the later one owns it. */
	ok(g[1].ch == 0x282D && g[1].owner == 2,
	    "shared cell merges dots: %04X owner %d", (unsigned)g[1].ch,
	    g[1].owner);
	sp[1].connect = 0;
	plot_render(g, 4, 1, sp, 2, 0, 12, &a, 1);
	ok(g[1].ch == 0x2824 && g[1].owner == 1,
	    "without connect, gaps stay open");

	/* Values beyond the axis clamp to its edge. */
	plot_series_clear(&s);
	plot_series_append(&s, 0, 50);
	plot_series_append(&s, 1, -50);
	n = plot_render(g, 1, 2, sp, 1, 0, 1, &a, 1);
	ok(n == 2 && (g[0].ch & 0x01) && (g[1].ch & 0x80),
	    "out-of-range values clamp (%04X %04X)", (unsigned)g[0].ch,
	    (unsigned)g[1].ch);

	/* MINMAX draws each column's extent. */
	plot_series_clear(&s);
	plot_series_append(&s, 0, 0);
	plot_series_append(&s, 0.2, 2);
	sp[0].reduce = PLOT_MINMAX;
	n = plot_render(g, 1, 1, sp, 1, 0, 1, &a, 1);
	ok(g[0].ch == 0x2847, "min/max column: U+2847 (%04X)",
	    (unsigned)g[0].ch);
	sp[0].reduce = PLOT_MEAN;

	/* Nothing to draw. */
	plot_series_clear(&s);
	n = plot_render(g, 3, 2, sp, 1, 0, 1, &a, 1);
	ok(n == 0 && g[0].ch == ' ' && g[5].owner == 0, "empty raster");
	plot_series_free(&s);
	plot_series_free(&t);
}

static void
test_ascii(void)
{
	plot_series s, t;
	plot_spec sp[2];
	plot_axis a = { 0, 3, 0 };
	plot_cell g[4 * 4];
	char rows[4][5];
	int i, r, c;

	plot_series_init(&s, 0);
	plot_series_init(&t, 0);
	for (i = 0; i < 4; i++)
		plot_series_append(&s, i, (float)i);
	plot_series_append(&t, 0, 3);
	plot_series_append(&t, 3, 3);
	memset(sp, 0, sizeof(sp));
	sp[0].s = &s;
	sp[0].glyph = '*';
	sp[1].s = &t;
	sp[1].glyph = 'o';
	plot_render(g, 4, 4, sp, 2, 0, 3, &a, 0);
	for (r = 0; r < 4; r++) {
		for (c = 0; c < 4; c++)
			rows[r][c] = (char)g[r * 4 + c].ch;
		rows[r][4] = '\0';
	}
	ok(strcmp(rows[0], "o  o") == 0 && strcmp(rows[1], "  * ") == 0 &&
	    strcmp(rows[2], " *  ") == 0 && strcmp(rows[3], "*   ") == 0,
	    "ASCII: diagonal '*' and val 'o': [%s|%s|%s|%s]", rows[0],
	    rows[1], rows[2], rows[3]);
	ok(g[0].owner == 2 && g[15 - 3].owner == 1, "ASCII owners");
	sp[1].connect = 1;
	plot_render(g, 4, 4, sp, 2, 0, 3, &a, 0);
	for (c = 0; c < 4; c++)
		rows[0][c] = (char)g[c].ch;
	ok(memcmp(rows[0], "oooo", 4) == 0 && g[3].owner == 2,
	    "ASCII: connected val over the diagonal's end");
	for (i = 0; i < 16; i++)
		if (g[i].ch > 0x7f)
			break;
	ok(i == 16, "ASCII raster has only ASCII");
	plot_series_free(&s);
	plot_series_free(&t);
}

static int
inside(const plot_rect *r, int rows, int cols)
{
	return r->h == 0 || (r->y >= 0 && r->x >= 0 && r->y + r->h <= rows &&
	    r->x + r->w <= cols);
}

static int
overlap(const plot_rect *a, const plot_rect *b)
{
	if (a->h == 0 || b->h == 0)
		return 0;
	return a->y < b->y + b->h && b->y < a->y + a->h &&
	    a->x < b->x + b->w && b->x < a->x + a->w;
}

/* All panes inside the screen, none overlapping, every row used once
 * across the full-width column. */
static int
layout_sane(const plot_layout *l)
{
	const plot_rect *r[] = { &l->header, &l->plot[0], &l->plot[1],
	    &l->progress, &l->samples, &l->output, &l->prompt, &l->status,
	    &l->help };
	size_t i, j;
	int rowsum = 0;

	for (i = 0; i < NELEMS(r); i++) {
		if (!inside(r[i], l->rows, l->cols))
			return 0;
		for (j = i + 1; j < NELEMS(r); j++)
			if (overlap(r[i], r[j]))
				return 0;
		if (r[i] != &l->plot[1])
			rowsum += r[i]->h;
	}
	return rowsum == l->rows;
}

static void
test_layout(void)
{
	plot_layout l;

	plot_layout_compute(&l, 24, 80, 1);
	ok(!l.too_small && l.nplots == 1, "80x24: one plot");
	ok(layout_sane(&l), "80x24: panes tile the screen");
	ok(l.header.y == 0 && l.header.h == 1 && l.help.y == 23 &&
	    l.status.y == 22 && l.prompt.y == 21,
	    "80x24: header on top; prompt, status, help at the bottom");
	ok(l.plot[0].h >= 8 && l.plot[0].w == 80, "80x24: plot %dx%d",
	    l.plot[0].w, l.plot[0].h);
	ok(l.progress.h == 2 && l.samples.h >= 4 && l.output.h >= 3,
	    "80x24: progress %d, samples %d, output %d rows",
	    l.progress.h, l.samples.h, l.output.h);
	ok(l.plot[0].y < l.progress.y && l.progress.y < l.samples.y &&
	    l.samples.y < l.output.y && l.output.y < l.prompt.y,
	    "80x24: order plot, progress, samples, output, prompt");

	plot_layout_compute(&l, 60, 200, 1);
	ok(!l.too_small && l.nplots == 2, "200x60: two plots side by side");
	ok(layout_sane(&l), "200x60: panes tile the screen");
	ok(l.plot[0].w + l.plot[1].w == 200 && l.plot[1].x == l.plot[0].w &&
	    l.plot[0].y == l.plot[1].y && l.plot[0].h == l.plot[1].h,
	    "200x60: plots split the width");
	ok(l.plot[0].h >= 20, "200x60: tall plot (%d)", l.plot[0].h);

	plot_layout_compute(&l, 12, 40, 1);
	ok(!l.too_small && layout_sane(&l) && l.plot[0].h >= 4 &&
	    l.samples.h >= 2 && l.output.h >= 2, "40x12: the minimum fits");
	plot_layout_compute(&l, 11, 80, 1);
	ok(l.too_small, "80x11: too small");
	plot_layout_compute(&l, 24, 39, 1);
	ok(l.too_small, "39x24: too small");
	plot_layout_compute(&l, 10, 40, 1);
	ok(l.too_small && l.header.h == 0 && l.prompt.h == 0,
	    "40x10: too small, no panes");
	plot_layout_compute(&l, 0, 0, 1);
	ok(l.too_small, "0x0: too small");

	plot_layout_compute(&l, 24, 80, 0);
	ok(!l.too_small && l.nplots == 0 && l.plot[0].h == 0 &&
	    l.progress.h == 0 && l.samples.h == 0, "model-only: no plot");
	ok(layout_sane(&l) && l.output.h == 20, "model-only 80x24: output %d",
	    l.output.h);

	{
		int rows, cols, bad = 0;
		for (rows = 12; rows <= 80; rows++)
			for (cols = 40; cols <= 260; cols += 7) {
				plot_layout_compute(&l, rows, cols, 1);
				if (l.too_small || !layout_sane(&l) ||
				    l.plot[0].h < 4 || l.samples.h < 2 ||
				    l.output.h < 2)
					bad++;
			}
		ok(bad == 0, "every size from 40x12 to 260x80 tiles (%d bad)",
		    bad);
	}
}

int
main(void)
{
	test_series();
	test_axes();
	test_window();
	test_braille();
	test_ascii();
	test_layout();
	return tap_done();
}
