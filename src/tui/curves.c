/* curves.c - x axes, smoothing, series and legends of compared runs.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no curses, no I/O. See curves.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "curves.h"
#include "optim.h"
#include "util.h"

void
curve_run_push(curve_run *r, const hist_point *h)
{
	if (r->nhist == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->hist = xreallocarray(r->hist, r->cap, sizeof(*r->hist));
	}
	r->hist[r->nhist++] = *h;
}

void
curve_run_free(curve_run *r)
{
	free(r->hist);
	r->hist = NULL;
	r->nhist = r->cap = 0;
}

double
curve_chars_per_step(const train_settings *s)
{
	return (double)s->B * (double)s->T;
}

double
curve_x(const hist_point *h, int xaxis, double chars_per_step)
{
	switch (xaxis) {
	case CURVE_X_CHARS:
		return (double)h->step * chars_per_step;
	case CURVE_X_TIME:
		return h->elapsed;
	default:
		return (double)h->step;
	}
}

const char *
curve_x_name(int xaxis)
{
	static const char *const names[CURVE_NX] = { "step", "chars",
	    "seconds" };

	return xaxis >= 0 && xaxis < CURVE_NX ? names[xaxis] : names[0];
}

double
curve_smooth_next(double w)
{
	static const double cycle[] = { 0, 0.6, 0.9, 0.99 };

	for (size_t i = 0; i + 1 < NELEMS(cycle); i++)
		if (w < cycle[i + 1])
			return cycle[i + 1];
	return 0;
}

/* One step of the debiased average: the average of k finite points so far
 * in *last, w^k in *wk. */
static float
ema_step(double *last, double *wk, float y, double w)
{
	if (!isfinite(y))
		return NAN;
	if (w <= 0)
		return y;
	*last = *last * w + (1 - w) * (double)y;
	*wk *= w;
	return (float)(*last / (1 - *wk));
}

void
curve_ema(float *out, const float *y, size_t n, double w)
{
	double last = 0, wk = 1;

	for (size_t i = 0; i < n; i++)
		out[i] = ema_step(&last, &wk, y[i], w);
}

static float
metric_of(const hist_point *h, int metric)
{
	switch (metric) {
	case CURVE_VAL_LOSS: return h->val_loss;
	case CURVE_TRAIN_ACC: return h->train_acc * 100;
	case CURVE_VAL_ACC:	/* only where there was an evaluation */
		return isnan(h->val_loss) ? NAN : h->val_acc * 100;
	default: return h->train_loss;
	}
}

void
curve_series(plot_series *s, const hist_point *h, size_t n, int metric,
    int xaxis, double chars_per_step, double smooth)
{
	double last = 0, wk = 1;

	plot_series_clear(s);
	for (size_t i = 0; i < n; i++) {
		float y = metric_of(&h[i], metric);
		if (!isfinite(y))
			continue;
		y = ema_step(&last, &wk, y, smooth);
		plot_series_append(s, curve_x(&h[i], xaxis, chars_per_step),
		    y);
	}
}

enum { SET_CELL, SET_LAYERS, SET_HIDDEN, SET_EMBED, SET_DROPOUT, SET_BATCH,
    SET_SEQ, SET_OPTIM, SET_LR, SET_SCHEDULE, SET_WARMUP, SET_CLIP, NSET };

/* Setting i of a run as the legend shows it: "hidden 128". */
static void
setting(char *buf, size_t size, int i, const model_config *m,
    const train_settings *s)
{
	switch (i) {
	case SET_CELL: snprintf(buf, size, "%s", cell_name(m->cell)); break;
	case SET_LAYERS: snprintf(buf, size, "layers %d", m->L); break;
	case SET_HIDDEN: snprintf(buf, size, "hidden %d", m->H); break;
	case SET_EMBED:
		if (m->E > 0)
			snprintf(buf, size, "embed %d", m->E);
		else
			snprintf(buf, size, "one-hot");
		break;
	case SET_DROPOUT:
		snprintf(buf, size, "dropout %g", (double)m->dropout);
		break;
	case SET_BATCH: snprintf(buf, size, "batch %d", s->B); break;
	case SET_SEQ: snprintf(buf, size, "seq %d", s->T); break;
	case SET_OPTIM: snprintf(buf, size, "%s", optim_name(s->opt.kind)); break;
	case SET_LR: snprintf(buf, size, "lr %g", (double)s->opt.lr); break;
	case SET_SCHEDULE:
		snprintf(buf, size, "%s", train_schedule_name(s->schedule));
		break;
	case SET_WARMUP: snprintf(buf, size, "warmup %ld", s->warmup); break;
	default: snprintf(buf, size, "clip %g", (double)s->clip); break;
	}
}

size_t
curve_diff(char *buf, size_t size, const model_config *a,
    const train_settings *sa, const model_config *b,
    const train_settings *sb)
{
	size_t len = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (int i = 0; i < NSET; i++) {
		char x[48], y[48];
		setting(x, sizeof(x), i, a, sa);
		setting(y, sizeof(y), i, b, sb);
		if (strcmp(x, y) == 0)
			continue;
		size_t need = strlen(y) + (len > 0 ? 2 : 0);
		if (len + need >= size)
			break;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? ", " : "", y);
	}
	return len;
}
