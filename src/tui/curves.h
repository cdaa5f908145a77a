/* curves.h - the arithmetic of runs compared on one plot: where a history
 * point stands on the x axis (steps, characters seen, seconds of training),
 * the debiased exponential moving average that smooths a training curve,
 * a history turned into a plot series, and the settings that tell two runs
 * apart for the legend.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no curses, no I/O (tests/test_curves.c). The series it fills are
 * plot.c's, which does the resampling to columns (plot_downsample).
 */
#ifndef BURBLE_CURVES_H
#define BURBLE_CURVES_H

#include <stddef.h>

#include "model.h"
#include "plot.h"
#include "train.h"

/* Runs on one plot besides the training run (train --compare), and
 * files on one plot (burble plot). */
#define CURVE_MAX_COMPARE 4

/* A run as a plot compares it: what its checkpoint says. */
typedef struct curve_run {
	char name[64];		/* the file's base name */
	model_config mc;
	train_settings set;
	hist_point *hist;	/* (nhist) owned */
	size_t nhist, cap;
} curve_run;

/* Append h to r's history (the training run, as it goes). */
void curve_run_push(curve_run *r, const hist_point *h);
void curve_run_free(curve_run *r);

/* The x axis, cycled by a key. Characters seen (step x B x T) and seconds
 * line up runs with different batch sizes or speeds honestly. */
enum curve_xaxis { CURVE_X_STEP, CURVE_X_CHARS, CURVE_X_TIME, CURVE_NX };

/* The metric a series shows; accuracies in percent, as the dashboard
 * plots them. */
enum curve_metric { CURVE_TRAIN_LOSS, CURVE_VAL_LOSS, CURVE_TRAIN_ACC,
    CURVE_VAL_ACC };

/* Characters one optimizer step reads: B x T. */
double curve_chars_per_step(const train_settings *s);
/* The x of h on axis xaxis; chars_per_step as above. */
double curve_x(const hist_point *h, int xaxis, double chars_per_step);
/* The axis label: "step", "chars", "seconds". */
const char *curve_x_name(int xaxis);

/* The smoothing weights a key cycles through: 0 (off), 0.6, 0.9, 0.99,
 * then off again. */
double curve_smooth_next(double w);

/* TensorBoard's smoothing: an exponential moving average with weight w in
 * [0, 1), debiased at the start (divided by 1 - w^k after k finite
 * points), so the first point is y[0] itself rather than (1 - w) y[0].
 * out[i] is NaN where y[i] is not finite; such points leave the average
 * as it was. w == 0 copies y. out may be y. */
void curve_ema(float *out, const float *y, size_t n, double w);

/* Fill s (cleared first) with metric of h[0..n) against x axis xaxis, the
 * training loss smoothed with weight smooth (0: raw). Points whose metric
 * is NaN (the validation loss between evaluations) are left out. */
void curve_series(plot_series *s, const hist_point *h, size_t n, int metric,
    int xaxis, double chars_per_step, double smooth);

/* The settings in which run b differs from run a, for the legend:
 * "gru, hidden 128, dropout 0.5" (at most size - 1 bytes, cut at a
 * comma); "" when none differ. Returns the length written. */
size_t curve_diff(char *buf, size_t size, const model_config *a,
    const train_settings *sa, const model_config *b,
    const train_settings *sb);

#endif
