/*
 * plan.c - the model for the time budget and the corpus: time the sizes
 * on a ladder, then choose (plan.h says how).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell.h"
#include "optim.h"
#include "plan.h"
#include "rng.h"
#include "train.h"
#include "util.h"

/* The sizes tried, smallest first: two layers, as char-rnn's and the
 * PyTorch tutorial's models, then a third once the width is large. */
static const int ladder[][2] = {
	{ 2, 128 }, { 2, 192 }, { 2, 256 }, { 2, 384 }, { 2, 512 }, { 3, 512 },
};
static const int widths[] = { 128, 192, 256, 384, 512, 768 };
static const int depths[] = { 1, 2, 3 };

static void
add(const plan_input *in, plan_candidate *c, int *n, int L, int H)
{
	model_config mc = in->base;

	mc.L = L;
	mc.H = H;
	if (*n >= PLAN_MAX_CANDIDATES || model_config_check(&mc, NULL) != 0)
		return;
	c[*n] = (plan_candidate){ .L = L, .H = H,
	    .params = model_param_count(&mc) };
	(*n)++;
}

int
plan_candidates(const plan_input *in, plan_candidate *c)
{
	int n = 0;

	if (in->what & PLAN_SIZE)
		for (size_t i = 0; i < NELEMS(ladder); i++)
			add(in, c, &n, ladder[i][0], ladder[i][1]);
	else if (in->what & PLAN_WIDTH)
		for (size_t i = 0; i < NELEMS(widths); i++)
			add(in, c, &n, in->base.L, widths[i]);
	else if (in->what & PLAN_DEPTH)
		for (size_t i = 0; i < NELEMS(depths); i++)
			add(in, c, &n, depths[i], in->base.H);
	else
		add(in, c, &n, in->base.L, in->base.H);
	return n;
}

/* The characters c trains in the budget (an --epochs or --steps bound may
 * end it first). */
static double
chars_in_budget(const plan_input *in, const plan_candidate *c)
{
	double chars = c->chars_per_s * in->budget * PLAN_TRAIN_SHARE;

	if (in->max_chars > 0)
		chars = MIN(chars, in->max_chars);
	return chars;
}

static int
budget_feeds(const plan_input *in, const plan_candidate *c)
{
	return c->chars_per_s > 0 &&
	    chars_in_budget(in, c) >= PLAN_CHARS_PER_PARAM * (double)c->params;
}

static int
text_supports(const plan_input *in, const plan_candidate *c)
{
	return (double)c->params <= PLAN_PARAMS_PER_CHAR *
	    (double)in->train_chars;
}

/* r->why: the choice, and which limit made it. */
static void
describe_why(const plan_input *in, const plan_candidate *c, int n, int k,
    plan_result *r)
{
	const char *unit = in->words ? "tokens" : "characters";
	char size[128], drop[48] = "";

	if (!(in->what & (PLAN_SIZE | PLAN_WIDTH | PLAN_DEPTH)))
		snprintf(size, sizeof size, "the size given");
	else if (!budget_feeds(in, &c[k]))
		snprintf(size, sizeof size, "the smallest size: the budget "
		    "cannot give any size %.0f %s a parameter",
		    PLAN_CHARS_PER_PARAM, unit);
	else if (!text_supports(in, &c[k]))
		snprintf(size, sizeof size, "the smallest size: the text is "
		    "short for any");
	else if (k + 1 < n && budget_feeds(in, &c[k + 1]))
		snprintf(size, sizeof size, "the largest the text supports "
		    "(%.0f parameters a training %s)",
		    PLAN_PARAMS_PER_CHAR, in->words ? "token" : "character");
	else if (k + 1 < n)
		snprintf(size, sizeof size, "the largest the budget feeds "
		    "(%.0f %s a parameter)", PLAN_CHARS_PER_PARAM, unit);
	else
		snprintf(size, sizeof size, "the largest size tried");
	if ((in->what & PLAN_DROPOUT) && r->epochs > PLAN_MANY_EPOCHS)
		snprintf(drop, sizeof drop, "; dropout %.1f: more than %.0f "
		    "epochs", (double)r->dropout, PLAN_MANY_EPOCHS);
	snprintf(r->why, sizeof r->why, "sized for %.0f s on this machine: "
	    "%dx%d, dropout %.1f, about %.3g M %s (%.1f epochs) at %.0f k/s; "
	    "%s%s", in->budget, r->L, r->H, (double)r->dropout,
	    r->chars / 1e6, unit, r->epochs, r->chars_per_s / 1e3, size,
	    drop);
}

void
plan_choose(const plan_input *in, const plan_candidate *c, int n,
    plan_result *r)
{
	int k = 0;

	for (int i = 1; i < n; i++)
		if (budget_feeds(in, &c[i]) && text_supports(in, &c[i]))
			k = i;
	r->L = n > 0 ? c[k].L : in->base.L;
	r->H = n > 0 ? c[k].H : in->base.H;
	r->params = n > 0 ? c[k].params : 0;
	r->chars_per_s = n > 0 ? c[k].chars_per_s : 0;
	r->chars = n > 0 ? chars_in_budget(in, &c[k]) : 0;
	r->epochs = in->train_chars > 0 ? r->chars / (double)in->train_chars :
	    0;
	r->dropout = in->base.dropout;
	if (in->what & PLAN_DROPOUT)
		r->dropout = r->epochs > PLAN_MANY_EPOCHS ? PLAN_HIGH_DROPOUT :
		    PLAN_LOW_DROPOUT;
	if (n > 0)
		describe_why(in, c, n, k, r);
	else
		snprintf(r->why, sizeof r->why, "no size to plan");
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double
plan_time(const model_config *mc, const uint16_t *ids, size_t n, int B,
    int T, pool *crew)
{
	model *m = model_create(mc);
	model_ws *ws = model_ws_create(m, B, T);
	optim_config oc;
	optim *opt;
	rng_t rng;
	float lr = 1e-3f;
	size_t bt = (size_t)B * T;
	uint16_t *x = xreallocarray(NULL, bt, sizeof *x);
	uint16_t *y = xreallocarray(NULL, bt, sizeof *y);
	train_step_result res;
	double t0, per_step;
	int steps = 0;

	optim_defaults(&oc, OPTIM_ADAM);
	opt = optim_create(&oc, m->nparams);
	rng_seed(&rng, 1);
	model_init(m, &rng);
	model_ws_set_pool(ws, crew);
	for (size_t i = 0; i < bt; i++) {	/* any text times the same */
		x[i] = ids[i % (n - 1)];
		y[i] = ids[i % (n - 1) + 1];
	}
	/* One step to warm the caches, then at least 3 and 0.25 s. */
	train_step(m, ws, opt, x, y, &rng, &lr, 1.0, 5.0f, 0, NULL, &res);
	t0 = now();
	do {
		train_step(m, ws, opt, x, y, &rng, &lr, 1.0, 5.0f, steps + 1,
		    NULL, &res);
		steps++;
	} while (steps < 50 && (steps < 3 || now() - t0 < 0.25));
	per_step = (now() - t0) / steps;
	free(x);
	free(y);
	optim_free(opt);
	model_ws_free(ws);
	model_free(m);
	return per_step > 0 ? (double)bt / per_step : 0;
}

void
plan_model(const plan_input *in, const uint16_t *ids, size_t n,
    pool *crew, plan_result *r)
{
	plan_candidate c[PLAN_MAX_CANDIDATES];
	int nc = plan_candidates(in, c);

	for (int i = 0; i < nc; i++) {
		model_config mc = in->base;
		mc.L = c[i].L;
		mc.H = c[i].H;
		c[i].chars_per_s = plan_time(&mc, ids, n, in->B, in->T, crew);
		/* Larger ones are slower and larger still: none would do. */
		if (!budget_feeds(in, &c[i]) || !text_supports(in, &c[i]))
			break;
	}
	plan_choose(in, c, nc, r);
}
