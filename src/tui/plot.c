/* plot.c - metric series, axis scaling, braille/ASCII rasters and layout.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no curses, no I/O. See plot.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "util.h"

/* ---- series ----------------------------------------------------------- */

void
plot_series_init(plot_series *s, size_t max_points)
{
	memset(s, 0, sizeof(*s));
	s->max_points = max_points >= 2 ? max_points : PLOT_SERIES_MAX_POINTS;
	s->stride = 1;
}

void
plot_series_free(plot_series *s)
{
	free(s->pts);
	s->pts = NULL;
	s->npts = s->cap = s->total = 0;
	s->stride = 1;
}

void
plot_series_clear(plot_series *s)
{
	s->npts = 0;
	s->total = 0;
	s->stride = 1;
}

static plot_point
point_merge(const plot_point *a, const plot_point *b)
{
	plot_point m;
	double na = a->n, nb = b->n;

	m.n = a->n + b->n;
	m.x = (a->x * na + b->x * nb) / (na + nb);
	m.y = (float)(((double)a->y * na + (double)b->y * nb) / (na + nb));
	m.lo = MIN(a->lo, b->lo);
	m.hi = MAX(a->hi, b->hi);
	return m;
}

/* Halve the store: merge neighbours pairwise (the newest point kept as it
 * is when the count is odd) and double the stride. */
static void
series_compact(plot_series *s)
{
	size_t i, j = 0;

	for (i = 0; i + 1 < s->npts; i += 2)
		s->pts[j++] = point_merge(&s->pts[i], &s->pts[i + 1]);
	if (i < s->npts)
		s->pts[j++] = s->pts[i];
	s->npts = j;
	if (s->stride <= UINT32_MAX / 2)
		s->stride *= 2;
}

void
plot_series_append(plot_series *s, double x, float y)
{
	plot_point p;

	if (!isfinite(y) || !isfinite(x))
		return;
	while (s->npts > 0 && s->pts[s->npts - 1].x >= x)
		s->npts--;
	p.x = x;
	p.y = p.lo = p.hi = y;
	p.n = 1;
	s->total++;
	for (;;) {
		if (s->npts > 0 && s->pts[s->npts - 1].n < s->stride) {
			plot_point *last = &s->pts[s->npts - 1];
			*last = point_merge(last, &p);
			return;
		}
		if (s->npts < s->max_points)
			break;
		series_compact(s);
	}
	if (s->npts == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if (s->cap > s->max_points)
			s->cap = s->max_points;
		s->pts = xreallocarray(s->pts, s->cap, sizeof(*s->pts));
	}
	s->pts[s->npts++] = p;
}

int
plot_series_xrange(const plot_series *s, double *x0, double *x1)
{
	if (s->npts == 0)
		return 0;
	*x0 = s->pts[0].x;
	*x1 = s->pts[s->npts - 1].x;
	return 1;
}

/* Index of the first point with x >= x0. */
static size_t
series_lower_bound(const plot_series *s, double x0)
{
	size_t lo = 0, hi = s->npts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->pts[mid].x < x0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
plot_series_yrange(const plot_series *s, double x0, double x1, double *ylo,
    double *yhi)
{
	size_t i;
	int any = 0;

	for (i = series_lower_bound(s, x0); i < s->npts; i++) {
		const plot_point *p = &s->pts[i];
		if (p->x > x1)
			break;
		if (!any || p->lo < *ylo)
			*ylo = p->lo;
		if (!any || p->hi > *yhi)
			*yhi = p->hi;
		any = 1;
	}
	return any;
}

float
plot_series_last(const plot_series *s)
{
	return s->npts ? s->pts[s->npts - 1].y : NAN;
}

size_t
plot_downsample(const plot_series *s, double x0, double x1, plot_bucket *out,
    size_t nb)
{
	size_t i, k, nonempty = 0;
	double span = x1 - x0;

	for (k = 0; k < nb; k++) {
		out[k].mean = out[k].lo = out[k].hi = NAN;
		out[k].n = 0;
	}
	if (nb == 0)
		return 0;
	for (i = series_lower_bound(s, x0); i < s->npts; i++) {
		const plot_point *p = &s->pts[i];
		plot_bucket *b;

		if (p->x > x1 && span > 0)
			break;
		if (span > 0) {
			double f = (p->x - x0) / span * (double)nb;
			k = f >= (double)nb ? nb - 1 : (size_t)f;
		} else {
			if (p->x != x0)
				break;
			k = 0;
		}
		b = &out[k];
		if (b->n == 0) {
			b->mean = p->y;
			b->lo = p->lo;
			b->hi = p->hi;
			b->n = p->n;
			nonempty++;
		} else {
			double n = (double)b->n + p->n;
			b->mean = (float)(b->mean +
			    ((double)p->y - b->mean) * p->n / n);
			b->lo = MIN(b->lo, p->lo);
			b->hi = MAX(b->hi, p->hi);
			b->n += p->n;
		}
	}
	return nonempty;
}

/* ---- axes ------------------------------------------------------------- */

double
plot_nice_num(double x, int round)
{
	double e, f, nf;

	if (!(x > 0) || !isfinite(x))
		return 1;
	e = floor(log10(x));
	f = x / pow(10, e);
	if (round)
		nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	else
		nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	return nf * pow(10, e);
}

double
plot_nice_step(double lo, double hi, int maxticks)
{
	if (maxticks < 2)
		maxticks = 2;
	return plot_nice_num((hi - lo) / (maxticks - 1), 1);
}

void
plot_autoscale(plot_axis *a, double dmin, double dmax, double pad, int log,
    int maxticks)
{
	double lo, hi, step;
	int i;

	if (!isfinite(dmin) || !isfinite(dmax)) {
		a->lo = log ? 0.1 : 0;
		a->hi = 1;
		a->log = log;
		return;
	}
	if (dmax < dmin) {
		double t = dmin;
		dmin = dmax;
		dmax = t;
	}
	if (log && dmax > 0) {
		double l0, l1, r;

		if (dmin <= 0)
			dmin = dmax * 1e-3;
		l0 = log10(dmin);
		l1 = log10(dmax);
		if (l1 - l0 < 1e-6) {
			l0 -= 0.05;
			l1 += 0.05;
		}
		r = l1 - l0;
		a->lo = pow(10, l0 - pad * r);
		a->hi = pow(10, l1 + pad * r);
		a->log = 1;
		return;
	}
	a->log = 0;
	if (dmax - dmin <= fabs(dmax) * 1e-6 || dmax - dmin < 1e-12) {
		double d = fabs(dmin) * 0.05;
		if (d < 1e-6)
			d = 0.5;
		lo = dmin - d;
		hi = dmax + d;
		if (dmin >= 0 && lo < 0)
			lo = 0;
	} else {
		double r = dmax - dmin;
		lo = dmin - pad * r;
		hi = dmax + pad * r;
		if (dmin >= 0 && lo < 0)
			lo = 0;
	}
	/* Snap the ends to whole steps; widening may change the step that
	 * plot_ticks() picks, so snap again until both agree. */
	step = plot_nice_step(lo, hi, maxticks);
	for (i = 0; i < 4; i++) {
		double next;
		lo = floor(lo / step + 1e-9) * step;
		hi = ceil(hi / step - 1e-9) * step;
		if (hi <= lo)
			hi = lo + step;
		next = plot_nice_step(lo, hi, maxticks);
		if (fabs(next - step) <= step * 1e-9)
			break;
		step = next;
	}
	a->lo = lo;
	a->hi = hi;
}

double
plot_axis_frac(const plot_axis *a, double v)
{
	if (!isfinite(v))
		return NAN;
	if (a->log) {
		if (v <= 0 || a->lo <= 0 || a->hi <= a->lo)
			return NAN;
		return (log10(v) - log10(a->lo)) /
		    (log10(a->hi) - log10(a->lo));
	}
	if (a->hi <= a->lo)
		return 0.5;
	return (v - a->lo) / (a->hi - a->lo);
}

static int
linear_ticks(double lo, double hi, int maxticks, double *out, int max,
    double *step)
{
	double st = plot_nice_step(lo, hi, maxticks);
	double first = ceil(lo / st - 1e-9) * st;
	int n = 0, i;

	for (i = 0; n < max; i++) {
		double v = first + i * st;
		if (v > hi + st * 1e-9)
			break;
		if (fabs(v) < st * 1e-9)
			v = 0;
		out[n++] = v;
	}
	if (step != NULL)
		*step = st;
	return n;
}

int
plot_ticks(const plot_axis *a, int maxticks, double *out, int max,
    double *step)
{
	static const double mant[] = { 1, 2, 5 };
	int pass;

	if (max <= 0)
		return 0;
	if (maxticks < 2)
		maxticks = 2;
	if (!a->log)
		return linear_ticks(a->lo, a->hi, maxticks, out, max, step);
	/* 1-2-5 per decade, then decades only, then linear. */
	for (pass = 0; pass < 2; pass++) {
		int n = 0, e, m, e0 = (int)floor(log10(a->lo)) - 1;
		int e1 = (int)ceil(log10(a->hi)) + 1;
		for (e = e0; e <= e1; e++) {
			for (m = 0; m < (pass == 0 ? 3 : 1); m++) {
				double v = mant[m] * pow(10, e);
				if (v < a->lo * (1 - 1e-9) ||
				    v > a->hi * (1 + 1e-9))
					continue;
				if (n < max)
					out[n] = v;
				n++;
			}
		}
		if (n >= 2 && n <= maxticks && n <= max) {
			if (step != NULL)
				*step = 0;
			return n;
		}
		if (n < 2)
			break;
	}
	return linear_ticks(a->lo, a->hi, maxticks, out, max, step);
}

void
plot_format_tick(double v, double step, char *buf, size_t size)
{
	const char *suffix = "";
	int d = 0;

	if (size == 0)
		return;
	if (step <= 0) {
		snprintf(buf, size, "%g", v);
		return;
	}
	if (v != 0 && fabs(v) < 1e-3 && step < 1e-3) {
		snprintf(buf, size, "%.0e", v);
		return;
	}
	if (fabs(v) >= 1e6 && step >= 1e5) {
		v /= 1e6;
		step /= 1e6;
		suffix = "M";
	} else if (fabs(v) >= 1e4 && step >= 100) {
		v /= 1e3;
		step /= 1e3;
		suffix = "k";
	}
	/* As many decimals as make the step a whole number. */
	for (d = 0; d < 6; d++) {
		double s = step * pow(10, d);
		if (fabs(s - round(s)) <= 1e-6 * s)
			break;
	}
	snprintf(buf, size, "%.*f%s", d, v, suffix);
}

int
plot_xwindow(const plot_series *const *s, int ns, double last_n, double *x0,
    double *x1)
{
	int i, any = 0;

	for (i = 0; i < ns; i++) {
		double a, b;
		if (s[i] == NULL || !plot_series_xrange(s[i], &a, &b))
			continue;
		if (!any || a < *x0)
			*x0 = a;
		if (!any || b > *x1)
			*x1 = b;
		any = 1;
	}
	if (any && last_n > 0 && *x1 - last_n > *x0)
		*x0 = *x1 - last_n;
	return any;
}

/* ---- rasters ---------------------------------------------------------- */

unsigned
plot_braille_bit(int dx, int dy)
{
	static const unsigned bits[2][4] = {
		{ 0x01, 0x02, 0x04, 0x40 },
		{ 0x08, 0x10, 0x20, 0x80 },
	};
	return bits[dx & 1][dy & 3];
}

/* A column of the raster: the extent of rows it covers (top <= bot, row 0
 * at the top), whether it holds data or was interpolated. */
typedef struct {
	int top, bot, mid;
	int state;		/* 0 none, 1 data, 2 interpolated */
} raster_col;

static int
value_row(const plot_axis *ya, double v, int H)
{
	double f = plot_axis_frac(ya, v);

	if (isnan(f))
		return -1;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return (int)lround((1 - f) * (H - 1));
}

static int
is_braille(uint32_t ch)
{
	return ch >= PLOT_BRAILLE_BASE && ch <= PLOT_BRAILLE_BASE + 0xff;
}

static void
set_dot(plot_cell *grid, int w, int c, int r, int braille, uint32_t glyph,
    int owner)
{
	plot_cell *cell;

	if (braille) {
		cell = &grid[(r / 4) * w + c / 2];
		unsigned bit = plot_braille_bit(c % 2, r % 4);
		if (is_braille(cell->ch))
			cell->ch |= bit;
		else
			cell->ch = PLOT_BRAILLE_BASE | bit;
	} else {
		cell = &grid[r * w + c];
		cell->ch = glyph;
	}
	cell->owner = (uint8_t)owner;
}

static void
raster_columns(raster_col *col, const plot_bucket *b, int W, int H,
    const plot_spec *sp, const plot_axis *ya)
{
	int c, prev = -1;

	for (c = 0; c < W; c++) {
		col[c].state = 0;
		if (b[c].n == 0)
			continue;
		double lo = sp->reduce == PLOT_MINMAX ? b[c].lo : b[c].mean;
		double hi = sp->reduce == PLOT_MINMAX ? b[c].hi : b[c].mean;
		int rt = value_row(ya, hi, H), rb = value_row(ya, lo, H);
		int rm = value_row(ya, b[c].mean, H);
		if (rt < 0 || rb < 0 || rm < 0)
			continue;
		col[c].top = MIN(rt, rb);
		col[c].bot = MAX(rt, rb);
		col[c].mid = rm;
		col[c].state = 1;
		if (sp->connect && prev >= 0 && c > prev + 1) {
			int j;
			for (j = prev + 1; j < c; j++) {
				double t = (double)(j - prev) / (c - prev);
				int r = (int)lround(col[prev].mid +
				    (rm - col[prev].mid) * t);
				col[j].top = col[j].bot = col[j].mid = r;
				col[j].state = 2;
			}
		}
		prev = c;
	}
}

int
plot_render(plot_cell *grid, int w, int h, const plot_spec *specs, int ns,
    double x0, double x1, const plot_axis *ya, int braille)
{
	int W, H, k, c, i, drawn = 0;
	plot_bucket *b;
	raster_col *col;

	if (w <= 0 || h <= 0)
		return 0;
	for (i = 0; i < w * h; i++) {
		grid[i].ch = ' ';
		grid[i].owner = 0;
	}
	if (ns > PLOT_MAX_SERIES)
		ns = PLOT_MAX_SERIES;
	W = braille ? 2 * w : w;
	H = braille ? 4 * h : h;
	b = xcalloc((size_t)W, sizeof(*b));
	col = xcalloc((size_t)W, sizeof(*col));
	for (k = 0; k < ns; k++) {
		const plot_spec *sp = &specs[k];
		char glyph = sp->glyph ? sp->glyph : "*o+"[k % 3];

		if (sp->s == NULL)
			continue;
		plot_downsample(sp->s, x0, x1, b, (size_t)W);
		raster_columns(col, b, W, H, sp, ya);
		for (c = 0; c < W; c++) {
			int top, bot, r;

			if (col[c].state == 0)
				continue;
			top = col[c].top;
			bot = col[c].bot;
			/* Join the previous column: the vertical run goes in
			 * this one, stopping short of the previous rows. */
			if (c > 0 && col[c - 1].state != 0) {
				if (col[c - 1].bot < top)
					top = col[c - 1].bot + 1;
				else if (col[c - 1].top > bot)
					bot = col[c - 1].top - 1;
			}
			for (r = top; r <= bot; r++)
				set_dot(grid, w, c, r, braille,
				    (uint32_t)(unsigned char)glyph, k + 1);
		}
		if (braille && sp->marker) {
			for (c = 0; c < W; c++) {
				if (col[c].state != 1)
					continue;
				plot_cell *cell =
				    &grid[(col[c].mid / 4) * w + c / 2];
				cell->ch = sp->marker;
				cell->owner = (uint8_t)(k + 1);
			}
		}
	}
	free(b);
	free(col);
	for (i = 0; i < w * h; i++)
		drawn += grid[i].owner != 0;
	return drawn;
}

/* ---- layout ----------------------------------------------------------- */

static plot_rect
rect(int y, int x, int h, int w)
{
	plot_rect r;

	r.y = y;
	r.x = x;
	r.h = h > 0 && w > 0 ? h : 0;
	r.w = h > 0 && w > 0 ? w : 0;
	return r;
}

void
plot_layout_compute(plot_layout *l, int rows, int cols, int training)
{
	int y, avail, help, nplot, nsamp, nout, nprog;

	memset(l, 0, sizeof(*l));
	l->rows = rows;
	l->cols = cols;
	if (rows < PLOT_MIN_ROWS || cols < PLOT_MIN_COLS) {
		l->too_small = 1;
		return;
	}
	help = rows >= 16 ? 1 : 0;
	l->header = rect(0, 0, 1, cols);
	if (help)
		l->help = rect(rows - 1, 0, 1, cols);
	l->status = rect(rows - 1 - help, 0, 1, cols);
	l->prompt = rect(rows - 2 - help, 0, 1, cols);
	if (!training) {
		l->output = rect(1, 0, rows - 3 - help, cols);
		return;
	}
	nprog = rows >= 20 ? 2 : 1;
	avail = rows - 3 - help - nprog;	/* header, prompt, status */
	/* Half to the plot, a quarter to the samples, the rest to the
	 * prompt's output; each keeps its title and at least one line. */
	nplot = MAX(avail / 2, 4);
	nsamp = MAX(avail / 4, 2);
	nout = avail - nplot - nsamp;
	if (nout < 2) {
		nplot -= 2 - nout;
		nout = 2;
	}
	y = 1;
	if (cols >= PLOT_WIDE_COLS) {
		l->nplots = 2;
		l->plot[0] = rect(y, 0, nplot, cols / 2);
		l->plot[1] = rect(y, cols / 2, nplot, cols - cols / 2);
	} else {
		l->nplots = 1;
		l->plot[0] = rect(y, 0, nplot, cols);
	}
	y += nplot;
	l->progress = rect(y, 0, nprog, cols);
	y += nprog;
	l->samples = rect(y, 0, nsamp, cols);
	y += nsamp;
	l->output = rect(y, 0, nout, cols);
}
