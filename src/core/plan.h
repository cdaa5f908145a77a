/*
 * plan.h - the model for the time budget and the corpus.
 *
 * Given `--time` and no --hidden/--layers/--dropout, burble times a few
 * training steps of each size on a ladder on this machine, works out how
 * many characters each could train in the budget, and picks:
 *
 *   - the largest size whose budget gives it at least PLAN_CHARS_PER_PARAM
 *     characters per parameter (a bigger model that sees too little text
 *     in the minutes given ends behind a smaller one that sees more), and
 *     no more than PLAN_PARAMS_PER_CHAR parameters per training character
 *     (a bigger model than the text supports learns it by heart);
 *   - dropout 0.2, or PLAN_HIGH_DROPOUT when the budget goes over the text
 *     more than PLAN_MANY_EPOCHS times.
 *
 * The thresholds were measured (doc/recipe.md). An explicit --hidden,
 * --layers or --dropout always wins; the rest is still planned.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_PLAN_H
#define BURBLE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define PLAN_CHARS_PER_PARAM 7.0
#define PLAN_PARAMS_PER_CHAR 10.0
#define PLAN_MANY_EPOCHS 30.0
#define PLAN_LOW_DROPOUT 0.2f
#define PLAN_HIGH_DROPOUT 0.5f
/* The share of the budget left for training after evaluation, samples
 * and saves. */
#define PLAN_TRAIN_SHARE 0.9

/* What session_config.plan asks for. */
#define PLAN_SIZE 1u		/* width and depth (neither was given) */
#define PLAN_WIDTH 2u		/* width only (--layers given) */
#define PLAN_DEPTH 4u		/* depth only (--hidden given) */
#define PLAN_DROPOUT 8u		/* dropout (not given) */

#define PLAN_MAX_CANDIDATES 8

typedef struct {
	int L, H;
	size_t params;
	double chars_per_s;	/* measured; 0 = not timed */
} plan_candidate;

typedef struct {
	unsigned what;		/* PLAN_* */
	double budget;		/* seconds */
	size_t train_chars;	/* the training split, in tokens */
	int words;		/* the tokens are words (messages say so) */
	double max_chars;	/* what --epochs or --steps lets it train,
				   if it ends sooner; 0 = no such bound */
	model_config base;	/* the configuration as given */
	int B, T;
} plan_input;

typedef struct {
	int L, H;
	float dropout;
	size_t params;
	double chars_per_s, chars, epochs;
	char why[320];		/* the first line: the choice and why */
} plan_result;

/* The sizes worth timing for in (ascending parameter count). Returns the
 * count. */
int plan_candidates(const plan_input *in, plan_candidate *c);

/* Choose from candidates whose chars_per_s are filled (the timing stops
 * at the first that the budget cannot feed; those after it have 0). */
void plan_choose(const plan_input *in, const plan_candidate *c, int n,
    plan_result *r);

/* Time a few steps of mc on ids (n >= B*T + 1) with a pool of this
 * process's threads: characters per second. */
double plan_time(const model_config *mc, const uint16_t *ids, size_t n,
    int B, int T, struct pool *crew);

/* plan_candidates, timing each (smallest first, stopping once the budget
 * cannot feed one), then plan_choose. */
void plan_model(const plan_input *in, const uint16_t *ids, size_t n,
    struct pool *crew, plan_result *r);

#endif
