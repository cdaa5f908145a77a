/* compare.c - runs compared on one chart: keys, curves and legend.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See compare.h; curves.c does the arithmetic, chart.c the drawing.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "compare.h"
#include "util.h"

static void
legend_for(cmp_view *v, int i)
{
	const curve_run *r = v->run[i];
	const curve_run *ref = v->run[i == 0 ? 1 : 0];
	char diff[128] = "";

	if (v->n > 1)
		curve_diff(diff, sizeof(diff), &ref->mc, &ref->set, &r->mc,
		    &r->set);
	snprintf(v->legend[i], sizeof(v->legend[i]), "%s%s%s", r->name,
	    diff[0] ? "  " : "", diff);
}

void
cmp_view_init(cmp_view *v, curve_run *const *runs, int n, int live)
{
	memset(v, 0, sizeof(*v));
	v->n = MIN(n, CHART_MAX_RUNS);
	v->live = live;
	v->stale = 1;
	for (int i = 0; i < v->n; i++) {
		v->run[i] = runs[i];
		plot_series_init(&v->val[i], 0);
		plot_series_init(&v->train[i], 0);
	}
	for (int i = 0; i < v->n; i++)
		legend_for(v, i);
}

void
cmp_view_free(cmp_view *v)
{
	for (int i = 0; i < v->n; i++) {
		plot_series_free(&v->val[i]);
		plot_series_free(&v->train[i]);
	}
	v->n = 0;
}

int
cmp_view_key(cmp_view *v, int key)
{
	switch (key) {
	case CMP_KEY_XAXIS:
		v->xaxis = (v->xaxis + 1) % CURVE_NX;
		break;
	case CMP_KEY_ALL:
		v->all = !v->all;
		break;
	case CMP_KEY_SMOOTH:
		v->smooth = curve_smooth_next(v->smooth);
		break;
	default:
		return 0;
	}
	v->stale = 1;
	return 1;
}

void
cmp_view_update(cmp_view *v, int acc)
{
	if (!v->stale && v->acc == acc)
		return;
	for (int i = 0; i < v->n; i++) {
		const curve_run *r = v->run[i];
		double cps = curve_chars_per_step(&r->set);
		curve_series(&v->val[i], r->hist, r->nhist, acc ?
		    CURVE_VAL_ACC : CURVE_VAL_LOSS, v->xaxis, cps, 0);
		curve_series(&v->train[i], r->hist, r->nhist, acc ?
		    CURVE_TRAIN_ACC : CURVE_TRAIN_LOSS, v->xaxis, cps,
		    v->smooth);
	}
	v->acc = acc;
	v->stale = 0;
}

void
cmp_view_suffix(const cmp_view *v, char *buf, size_t size)
{
	int n = 0;

	if (size > 0)
		buf[0] = '\0';
	if (v->xaxis != CURVE_X_STEP)
		n = snprintf(buf, size, ", x: %s", curve_x_name(v->xaxis));
	if (n >= 0 && (size_t)n < size && v->smooth > 0)
		snprintf(buf + n, size - (size_t)n, ", smoothed %g", v->smooth);
}

void
cmp_view_title(const cmp_view *v, char *buf, size_t size)
{
	char suffix[64];

	cmp_view_suffix(v, suffix, sizeof(suffix));
	snprintf(buf, size, "%s%s", v->live ? "loss" : v->all ?
	    "validation loss (training dimmed)" : "validation loss", suffix);
}

int
cmp_view_active(const cmp_view *v)
{
	return v->n > 1 || v->xaxis != CURVE_X_STEP || v->smooth > 0;
}

/* The attributes of run i's curves. */
static attr_t
run_attr(const cmp_view *v, int i, int train, int color)
{
	int pair = C_RUN0 + i;

	if (v->live && i == 0)
		return color ? COLOR_PAIR(train ? C_TRAIN : C_VAL) |
		    (train ? 0 : A_BOLD) : (train ? 0 : A_BOLD);
	if (v->live || train)
		return (color ? COLOR_PAIR(pair) : 0) | A_DIM;
	return (color ? COLOR_PAIR(pair) : 0) | A_BOLD;
}

int
cmp_view_curves(const cmp_view *v, chart_curve *c, int braille, int color)
{
	int k = 0;

	/* Training curves first: the validation curves are drawn over them. */
	for (int i = 0; i < v->n; i++) {
		if (!(v->all || (v->live && i == 0)))
			continue;
		c[k].s = &v->train[i];
		c[k].attr = run_attr(v, i, 1, color);
		c[k].mark = 0;
		c[k].glyph = chart_glyph(i);
		k++;
	}
	/* The reference's validation curve last: on top. */
	for (int i = v->n - 1; i >= 0; i--) {
		c[k].s = &v->val[i];
		c[k].attr = run_attr(v, i, 0, color);
		c[k].mark = chart_mark(i, braille);
		c[k].glyph = (char)chart_mark(i, 0);
		k++;
	}
	return k;
}

void
cmp_view_legend(const cmp_view *v, WINDOW *w, int y, int x, int width,
    int braille, int color)
{
	for (int i = 0; i < v->n && width > 6; i++) {
		wchar_t mark[3] = { (wchar_t)chart_mark(i, braille), ' ', 0 };
		int train = !braille && (v->all || (v->live && i == 0));
		if (train)
			mark[1] = (wchar_t)chart_glyph(i);
		wattrset(w, run_attr(v, i, 0, color) & ~A_DIM);
		mvwaddnwstr(w, y + i, x, mark, 2);
		wattrset(w, A_NORMAL);
		mvwaddnstr(w, y + i, x + 3, v->legend[i], width - 3);
	}
}
