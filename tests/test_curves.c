/* test_curves.c - x axes, the debiased moving average, series and legends
 * of compared runs (curves.c), without a terminal.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "compare.h"
#include "curves.h"
#include "tap.h"

static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fmax(1, fabs(b));
}

static void
test_xaxis(void)
{
	hist_point h = { .step = 100, .elapsed = 12.5 };
	train_settings s;

	train_settings_default(&s);
	s.B = 16;
	s.T = 50;
	ok(curve_chars_per_step(&s) == 800, "chars per step = B x T");
	ok(curve_x(&h, CURVE_X_STEP, 800) == 100, "x: the step");
	ok(curve_x(&h, CURVE_X_CHARS, 800) == 80000, "x: the characters seen");
	ok(curve_x(&h, CURVE_X_TIME, 800) == 12.5, "x: the seconds");
	ok(strcmp(curve_x_name(CURVE_X_STEP), "step") == 0 &&
	    strcmp(curve_x_name(CURVE_X_CHARS), "chars") == 0 &&
	    strcmp(curve_x_name(CURVE_X_TIME), "seconds") == 0,
	    "the axis names");
	ok(strcmp(curve_x_name(99), "step") == 0, "an unknown axis: step");
}

static void
test_smooth_cycle(void)
{
	double w = 0, seen[5];

	for (int i = 0; i < 5; i++)
		seen[i] = w = curve_smooth_next(w);
	ok(seen[0] == 0.6 && seen[1] == 0.9 && seen[2] == 0.99 &&
	    seen[3] == 0 && seen[4] == 0.6,
	    "smoothing cycles 0.6, 0.9, 0.99, off, 0.6");
}

static void
test_ema(void)
{
	float y[5] = { 4, 2, NAN, 1, INFINITY }, out[5];

	const double w = 0.9;
	double l1 = (1 - w) * 4, l2 = l1 * w + (1 - w) * 2;
	double l3 = l2 * w + (1 - w) * 1;

	curve_ema(out, y, 5, w);
	ok(out[0] == 4, "debiased: the first point is itself (%g)", out[0]);
	/* (0.9 * 0.4 + 0.1 * 2) / (1 - 0.81) = 0.56 / 0.19 */
	ok(out[1] == (float)(l2 / (1 - w * w)) && near(out[1], 0.56 / 0.19),
	    "the second: %.9g", out[1]);
	ok(isnan(out[2]), "NaN in, NaN out");
	/* the NaN leaves the average: the third finite point has k = 3 */
	ok(out[3] == (float)(l3 / (1 - w * w * w)) &&
	    near(out[3], (0.9 * 0.56 + 0.1 * 1) / (1 - 0.729)),
	    "after a NaN the average goes on: %.9g", out[3]);
	ok(isnan(out[4]), "infinity: NaN out");

	curve_ema(out, y, 2, 0);
	ok(out[0] == 4 && out[1] == 2, "weight 0: the points themselves");

	float c[3] = { 3, 3, 3 };
	curve_ema(c, c, 3, 0.99);
	ok(near(c[0], 3) && near(c[1], 3) && near(c[2], 3),
	    "a constant stays constant, in place");

	float z[2] = { NAN, 5 };
	curve_ema(z, z, 2, 0.6);
	ok(isnan(z[0]) && z[1] == 5, "a leading NaN: the first finite point "
	    "is itself (%g)", z[1]);
}

static void
test_series(void)
{
	hist_point h[4] = {
		{ .step = 10, .elapsed = 1, .train_loss = 4, .val_loss = NAN },
		{ .step = 20, .elapsed = 2, .train_loss = 2, .val_loss = 3 },
		{ .step = 30, .elapsed = 4, .train_loss = NAN, .val_loss = NAN },
		{ .step = 40, .elapsed = 8, .train_loss = 1, .val_loss = 2 },
	};
	plot_series s;

	plot_series_init(&s, 0);
	curve_series(&s, h, 4, CURVE_VAL_LOSS, CURVE_X_STEP, 1, 0);
	ok(s.npts == 2 && s.pts[0].x == 20 && s.pts[0].y == 3 &&
	    s.pts[1].x == 40 && s.pts[1].y == 2,
	    "validation: the evaluations only");
	curve_series(&s, h, 4, CURVE_TRAIN_LOSS, CURVE_X_TIME, 1, 0);
	ok(s.npts == 3 && s.pts[0].x == 1 && s.pts[2].x == 8 &&
	    s.pts[2].y == 1, "training against seconds, NaN left out");
	curve_series(&s, h, 4, CURVE_TRAIN_LOSS, CURVE_X_CHARS, 64, 0.9);
	ok(s.npts == 3 && s.pts[0].x == 640 && s.pts[0].y == 4,
	    "smoothed: the first point is itself, x in characters");
	ok(near(s.pts[1].y, 0.56 / 0.19), "smoothed: the second %g",
	    s.pts[1].y);
	ok(near(s.pts[2].y, (0.9 * 0.56 + 0.1 * 1) / (1 - 0.729)),
	    "smoothed: a NaN between leaves the average");
	h[1].val_acc = 0.25f;
	h[3].train_acc = 0.5f;
	curve_series(&s, h, 4, CURVE_VAL_ACC, CURVE_X_STEP, 1, 0);
	ok(s.npts == 2 && s.pts[0].y == 25 && s.pts[1].y == 0,
	    "validation accuracy in percent, at the evaluations");
	curve_series(&s, h, 4, CURVE_TRAIN_ACC, CURVE_X_STEP, 1, 0);
	ok(s.npts == 4 && s.pts[3].y == 50, "training accuracy in percent");
	curve_series(&s, h, 0, CURVE_TRAIN_LOSS, CURVE_X_STEP, 1, 0);
	ok(s.npts == 0, "no history: an empty series");
	plot_series_free(&s);
}

static void
test_diff(void)
{
	model_config a = { .cell = CELL_LSTM, .L = 2, .H = 256, .V = 60,
	    .dropout = 0.2f }, b = a;
	train_settings sa, sb;
	char buf[128];

	train_settings_default(&sa);
	sb = sa;
	ok(curve_diff(buf, sizeof(buf), &a, &sa, &b, &sb) == 0 &&
	    buf[0] == '\0', "the same settings: nothing");
	b.dropout = 0.5f;
	curve_diff(buf, sizeof(buf), &a, &sa, &b, &sb);
	ok(strcmp(buf, "dropout 0.5") == 0, "dropout: '%s'", buf);
	b.cell = CELL_GRU;
	b.H = 128;
	sb.B = 64;
	sb.seed = 99;
	curve_diff(buf, sizeof(buf), &a, &sa, &b, &sb);
	ok(strcmp(buf, "gru, hidden 128, dropout 0.5, batch 64") == 0,
	    "in a fixed order, the seed left out: '%s'", buf);
	size_t n = curve_diff(buf, 16, &a, &sa, &b, &sb);
	ok(strcmp(buf, "gru, hidden 128") == 0 && n == 15,
	    "cut at a comma where it does not fit: '%s'", buf);
	b.V = 70;
	curve_diff(buf, sizeof(buf), &a, &sa, &b, &sb);
	ok(strcmp(buf, "gru, hidden 128, dropout 0.5, batch 64") == 0,
	    "the vocabulary is not a setting");
}

/* The comparison's keys, title, curves and legends (no terminal). */
static void
test_view(void)
{
	hist_point h[2] = {
		{ .step = 10, .elapsed = 1, .train_loss = 4, .val_loss = NAN },
		{ .step = 20, .elapsed = 3, .train_loss = 2, .val_loss = 3 },
	};
	curve_run a = { .name = "a.safetensors", .hist = h, .nhist = 2 };
	curve_run b = a;
	curve_run *runs[2] = { &a, &b };
	chart_curve c[2 * CHART_MAX_RUNS];
	cmp_view v;
	char t[128];

	train_settings_default(&a.set);
	a.mc.cell = CELL_LSTM;
	a.mc.H = 64;
	b = a;
	snprintf(b.name, sizeof(b.name), "b.safetensors");
	b.mc.H = 128;
	cmp_view_init(&v, runs, 2, 0);
	ok(strcmp(v.legend[0], "a.safetensors  hidden 64") == 0 &&
	    strcmp(v.legend[1], "b.safetensors  hidden 128") == 0,
	    "legends: '%s', '%s'", v.legend[0], v.legend[1]);
	cmp_view_title(&v, t, sizeof(t));
	ok(strcmp(t, "validation loss") == 0, "title: '%s'", t);
	ok(cmp_view_curves(&v, c, 1, 0) == 2 && c[1].s == &v.val[0],
	    "two validation curves, the first run's on top");
	ok(cmp_view_key(&v, CMP_KEY_XAXIS) && cmp_view_key(&v, CMP_KEY_SMOOTH) &&
	    cmp_view_key(&v, CMP_KEY_SMOOTH) && cmp_view_key(&v, CMP_KEY_ALL) &&
	    !cmp_view_key(&v, 'q'), "x, e, e, a are the view's keys, q not");
	cmp_view_title(&v, t, sizeof(t));
	ok(strcmp(t, "validation loss (training dimmed), x: chars, "
	    "smoothed 0.9") == 0, "title: '%s'", t);
	ok(cmp_view_curves(&v, c, 1, 0) == 4 && c[0].s == &v.train[0],
	    "a: the training curves too, under the validation curves");
	cmp_view_update(&v, 0);
	double cps = curve_chars_per_step(&a.set);
	ok(v.val[0].npts == 1 && v.val[0].pts[0].x == 20 * cps &&
	    v.train[1].npts == 2 && v.train[1].pts[0].y == 4,
	    "the series follow the x axis and the smoothing");
	cmp_view_free(&v);
}

int
main(void)
{
	test_xaxis();
	test_smooth_cycle();
	test_ema();
	test_series();
	test_diff();
	test_view();
	return tap_done();
}
