/* test_plan.c - the model for a time budget (plan.h): which size and
 * dropout the rule picks for given speeds, texts and bounds, and a real
 * timing of a small model.
 *
 * The speeds are made from the rule's own constants, so that each case
 * sits well inside or well outside a limit: a change of a constant moves
 * the figures with it, a change of the rule fails.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "plan.h"
#include "pool.h"
#include "tap.h"
#include "util.h"

static plan_input
input(unsigned what, double budget, size_t train_chars)
{
	plan_input in = { .what = what, .budget = budget,
	    .train_chars = train_chars, .B = 32, .T = 64 };

	in.base = (model_config){ .cell = CELL_LSTM, .L = 2, .H = 256,
	    .V = 65, .dropout = 0.2f };
	return in;
}

/* Speeds giving candidates 0..fed-1 `ratio` x PLAN_CHARS_PER_PARAM
 * characters a parameter in the budget, and the rest a tenth of it. */
static int
candidates(const plan_input *in, plan_candidate *c, int fed, double ratio)
{
	int n = plan_candidates(in, c);

	for (int i = 0; i < n; i++) {
		double per_param = PLAN_CHARS_PER_PARAM *
		    (i < fed ? ratio : 0.1);
		c[i].chars_per_s = per_param * (double)c[i].params /
		    (in->budget * PLAN_TRAIN_SHARE);
	}
	return n;
}

static void
test_ladder(void)
{
	plan_input in = input(PLAN_SIZE | PLAN_DROPOUT, 300, 100000000);
	plan_candidate c[PLAN_MAX_CANDIDATES];
	int n = plan_candidates(&in, c);

	ok(n >= 4, "the ladder has %d sizes", n);
	for (int i = 1; i < n; i++)
		ok(c[i].params > c[i - 1].params, "%dx%d has more parameters "
		    "than %dx%d", c[i].L, c[i].H, c[i - 1].L, c[i - 1].H);
	in = input(PLAN_WIDTH, 300, 100000000);
	in.base.L = 3;
	n = plan_candidates(&in, c);
	int all3 = n > 1;
	for (int i = 0; i < n; i++)
		all3 &= c[i].L == 3;
	ok(all3, "--layers 3 given: only widths vary (%d sizes)", n);
	in = input(PLAN_DEPTH, 300, 100000000);
	in.base.H = 300;
	n = plan_candidates(&in, c);
	int all300 = n > 1;
	for (int i = 0; i < n; i++)
		all300 &= c[i].H == 300;
	ok(all300, "--hidden 300 given: only depths vary (%d sizes)", n);
	in = input(PLAN_DROPOUT, 300, 100000000);
	n = plan_candidates(&in, c);
	ok(n == 1 && c[0].L == 2 && c[0].H == 256,
	    "both given: the one size given");
}

static void
test_budget_limits(void)
{
	plan_input in = input(PLAN_SIZE | PLAN_DROPOUT, 300, 100000000);
	plan_candidate c[PLAN_MAX_CANDIDATES];
	plan_result r;
	int n = candidates(&in, c, 3, 2.0);

	plan_choose(&in, c, n, &r);
	ok(r.L == c[2].L && r.H == c[2].H, "a big text: the largest the "
	    "budget feeds, %dx%d (got %dx%d)", c[2].L, c[2].H, r.L, r.H);
	ok(strstr(r.why, "the budget feeds") != NULL, "and says so: %s",
	    r.why);
	ok(fabs(r.chars - 2 * PLAN_CHARS_PER_PARAM * (double)c[2].params) <
	    1e-6 * r.chars, "characters in the budget: %.0f", r.chars);
	ok(r.dropout == PLAN_LOW_DROPOUT, "few epochs: dropout %.1f",
	    (double)r.dropout);

	n = candidates(&in, c, 0, 1.0);
	plan_choose(&in, c, n, &r);
	ok(r.L == c[0].L && r.H == c[0].H && strstr(r.why, "cannot") != NULL,
	    "a budget too short for any: the smallest (%s)", r.why);

	/* --steps or --epochs would end it first: fewer characters. */
	n = candidates(&in, c, 3, 2.0);
	in.max_chars = PLAN_CHARS_PER_PARAM * (double)c[1].params * 1.5;
	plan_choose(&in, c, n, &r);
	ok(r.L == c[1].L && r.H == c[1].H, "a --steps bound: %dx%d",
	    r.L, r.H);
}

static void
test_text_limits(void)
{
	plan_input in = input(PLAN_SIZE | PLAN_DROPOUT, 300, 0);
	plan_candidate c[PLAN_MAX_CANDIDATES];
	plan_result r;
	int n = candidates(&in, c, 5, 100.0);

	/* A text that supports the second size and not the third. */
	in.train_chars = (size_t)((double)c[1].params / PLAN_PARAMS_PER_CHAR)
	    + 1;
	plan_choose(&in, c, n, &r);
	ok(r.L == c[1].L && r.H == c[1].H, "a short text: %dx%d (got %dx%d)",
	    c[1].L, c[1].H, r.L, r.H);
	ok(strstr(r.why, "the text supports") != NULL, "and says so: %s",
	    r.why);
	ok(r.epochs > PLAN_MANY_EPOCHS && r.dropout == PLAN_HIGH_DROPOUT,
	    "%.0f epochs: dropout %.1f", r.epochs, (double)r.dropout);
	ok(strstr(r.why, "dropout 0.5: more than") != NULL, "says why");

	in.what = PLAN_SIZE;	/* --dropout given */
	in.base.dropout = 0.1f;
	plan_choose(&in, c, n, &r);
	ok(r.dropout == 0.1f, "--dropout given: kept (%.2f)",
	    (double)r.dropout);
	in.what = PLAN_DROPOUT;	/* --hidden and --layers given */
	n = candidates(&in, c, 1, 100.0);
	plan_choose(&in, c, n, &r);
	ok(r.L == 2 && r.H == 256 && r.dropout == PLAN_HIGH_DROPOUT &&
	    strstr(r.why, "the size given") != NULL,
	    "size given: kept, dropout planned (%s)", r.why);
}

static void
test_timing(void)
{
	plan_input in = input(PLAN_SIZE | PLAN_DROPOUT, 2, 20000);
	model_config mc = in.base;
	uint16_t ids[4096];
	pool *p = pool_create();
	plan_result r;

	for (size_t i = 0; i < NELEMS(ids); i++)
		ids[i] = (uint16_t)(i * 7 % 65);
	mc.L = 1;
	mc.H = 32;
	double cps = plan_time(&mc, ids, NELEMS(ids), 8, 16, p);
	ok(isfinite(cps) && cps > 1000, "a 1x32 model times at %.0f "
	    "characters a second", cps);
	in.B = 8;
	in.T = 16;
	plan_model(&in, ids, NELEMS(ids), p, &r);
	ok(r.chars_per_s > 0 && r.L >= 1 && r.H >= 128 && r.why[0] != '\0',
	    "plan_model times and chooses: %s", r.why);
	pool_free(p);
}

int
main(void)
{
	test_ladder();
	test_budget_limits();
	test_text_limits();
	test_timing();
	return tap_done();
}
