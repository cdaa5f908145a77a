/* train.h - training settings and progress: everything a resume needs.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_TRAIN_H
#define BURBLE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "rng.h"

#define TRAIN_MAX_SAMPLE_TEMPS 8

/* One point of the metric history (a report or an evaluation). */
typedef struct {
	long step;		/* optimizer steps done at this point */
	double epoch;		/* fractional epochs done */
	float train_loss;	/* mean over the steps since the last point */
	float train_acc;
	float val_loss;		/* NaN where no evaluation happened */
	float val_acc;
	float lr;
	double elapsed;		/* seconds of training so far */
} hist_point;

typedef struct {
	int B, T;		/* streams, steps per batch: 64, 100 */
	float val_frac;		/* 0.1: the last 10% */
	optim_config opt;	/* opt.lr is the initial rate: 2e-3 */
	float lr_decay;		/* lr *= lr_decay at each epoch end ... */
	int lr_decay_after;	/* ... once this many epochs are done; 1.0/0 */
	float clip;		/* global-norm clip: 5; 0 = off */
	int epochs;		/* 0 = until max_steps */
	long max_steps;		/* 0 = until epochs */
	int patience;		/* early stopping: evaluations without a new
				   best before stopping; 0 = off */
	long eval_every;	/* steps; 0 = at each epoch end */
	long report_every;	/* steps between reports; 0 = automatic */
	uint64_t seed;
	int sample_len;		/* characters per epoch sample: 200 */
	int nsample_temps;
	float sample_temps[TRAIN_MAX_SAMPLE_TEMPS];	/* 0.2, 0.5, 1.0 */
} train_settings;

typedef struct {
	long step;		/* optimizer steps done */
	long epoch;		/* epochs completed */
	size_t batch;		/* next batch index within the epoch */
	rng_t rng;		/* dropout masks */
	float lr;		/* current learning rate */
	float best_val;		/* INFINITY until the first evaluation */
	long best_step;
	int stale;		/* evaluations since the best */
	double elapsed;		/* seconds of training */
	hist_point *hist;	/* (nhist) owned */
	size_t nhist, cap;
	float *state;		/* (nstate) carried hidden state, see
				   model_ws_state(); owned; may be NULL */
	size_t nstate;
} train_progress;

void train_settings_default(train_settings *s);
void train_progress_init(train_progress *p, const train_settings *s);
void train_progress_free(train_progress *p);
void train_progress_copy(train_progress *dst, const train_progress *src);
void hist_push(train_progress *p, const hist_point *h);

#endif
