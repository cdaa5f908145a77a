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
	int cmp;		/* the comparison's curves (compare.c) */
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
	v->cmp = cmp_view_active(&d->cmp);
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
	if (v->cmp) {
		char suffix[64];
		size_t n = strlen(buf);
		cmp_view_suffix(&d->cmp, suffix, sizeof(suffix));
		snprintf(buf + n - 1, sizeof(buf) - n + 1, "%s ", suffix);
	}
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

/* The last last_n steps in the units of the comparison's x axis. */
static double
cmp_last_n(const dash *d, double last_n)
{
	const curve_run *r = &d->own;
	const hist_point *h = r->nhist > 0 ? &r->hist[r->nhist - 1] : NULL;

	if (last_n <= 0 || h == NULL || h->step <= 0)
		return last_n;
	return last_n * curve_x(h, d->cmp.xaxis,
	    curve_chars_per_step(&r->set)) / (double)h->step;
}

/* The curves of pane view v: this run's two, or the comparison's; the
 * rows the comparison's legend takes (0: none) in *nleg. */
static int
pane_curves(dash *d, const pane_view *v, int h, chart_curve *c,
    chart_style *st, int *nleg)
{
	*nleg = 0;
	if (!v->cmp) {
		for (int k = 0; k < 2; k++) {
			c[k].s = v->s[k];
			c[k].attr = series_attr(d, k);
			c[k].mark = k == 1 ? chart_mark(0, d->utf8) : 0;
			c[k].glyph = chart_glyph(0);
		}
		return 2;
	}
	/* Without colour the runs are told apart by their glyphs. */
	st->braille = d->utf8 && (d->color || d->cmp.n == 1);
	st->xname = curve_x_name(d->cmp.xaxis);
	st->last_n = cmp_last_n(d, v->last_n);
	if (d->cmp.n > 1 && h - d->cmp.n >= 6 && !v->percent)
		*nleg = d->cmp.n;
	cmp_view_update(&d->cmp, v->percent);
	return cmp_view_curves(&d->cmp, c, st->braille, d->color);
}

void
dash_draw_plot(dash *d, int i)
{
	WINDOW *w = d->w_plot[i];
	const plot_rect *r = &d->lay.plot[i];
	pane_view v;
	chart_curve c[2 * CHART_MAX_RUNS];
	chart_style st = { .utf8 = d->utf8, .braille = d->utf8,
	    .color = d->color };
	int n, nleg, h;

	if (w == NULL)
		return;
	werase(w);
	view_for(d, i, &v);
	view_title(d, w, r->w, &v);
	st.log = v.log;
	st.last_n = v.last_n;
	n = pane_curves(d, &v, r->h, c, &st, &nleg);
	h = r->h - nleg;
	if (h > 2 && !chart_draw(w, h, r->w, c, n, &st)) {
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		dash_put_text(d, w, 1 + (h - 2) / 2, 2, r->w - 4,
		    d->training ? "waiting for the first report..." :
		    "no training");
		wattr_set(w, A_NORMAL, 0, NULL);
	}
	if (nleg > 0)
		cmp_view_legend(&d->cmp, w, h, 1, r->w - 2, st.braille,
		    d->color);
	wnoutrefresh(w);
}
