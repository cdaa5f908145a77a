/* test_gradcheck.c - model_backward against central finite differences.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every cell type x {1, 2} layers x {one-hot, embedding}, plus dropout runs,
 * on a tiny model (V 7, H 5, B 3, T 4). For each parameter tensor and for
 * the carried-in state (h, and c for the LSTM) a random subset of entries
 * (all of them when the tensor is small) is perturbed by +-EPS and
 *     num = (loss(p + EPS) - loss(p - EPS)) / (2 EPS)
 * is compared with the analytic gradient g by
 *     err = |g - num| / max(|g| + |num|, FLOOR).
 * Why these numbers: EPS = 1e-2 and FLOOR = 1e-3. The forward runs in
 * float, so the loss carries a rounding noise of ~1e-8, i.e. ~1e-6 in num,
 * and the truncation error of the central difference, O(EPS^2 f'''), is of
 * the same order. FLOOR keeps entries whose gradient is itself ~1e-6 (noise
 * against noise) from failing, yet any absolute error above ~1e-5 still
 * fails. A correct backward scores at most ~2.5e-3 here, a wrong one ~1.
 * All of it runs once with each kernel set this CPU runs (kernels.h).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "rng.h"
#include "tap.h"
#include "util.h"

#define NV 7
#define NH 5
#define NB 3
#define NT 4
#define EPS 1e-2f
#define FLOOR 1e-3
#define TOL 1e-2
#define SAMPLES 20

typedef struct {
	model *m;
	model_ws *ws;
	uint16_t x[NB * NT], y[NB * NT];
	float *state0;		/* the carried-in state, restored before each
				   forward */
	size_t nstate;
	uint64_t drop_seed;
} gc;

static double
loss_of(gc *g)
{
	rng_t r;

	rng_seed(&r, g->drop_seed);	/* the same dropout masks each time */
	memcpy(model_ws_state(g->ws, NULL), g->state0,
	    g->nstate * sizeof(float));
	return model_forward(g->m, g->ws, g->x, g->y, 1, &r, NULL);
}

static double
numeric(gc *g, float *p)
{
	float p0 = *p;

	*p = p0 + EPS;
	float up = *p;
	double lp = loss_of(g);
	*p = p0 - EPS;
	float dn = *p;
	double lm = loss_of(g);
	*p = p0;
	return (lp - lm) / ((double)up - (double)dn);
}

/* Check n entries of p against the analytic gradient an; returns the
 * largest error. */
static double
check_block(gc *g, float *p, const float *an, size_t n, rng_t *pick,
    double *maxg)
{
	double worst = 0.0;
	size_t k = n <= 2 * SAMPLES ? n : SAMPLES;

	for (size_t s = 0; s < k; s++) {
		size_t i = k == n ? s : (size_t)rng_below(pick, n);
		double num = numeric(g, p + i), a = an[i];
		double err = fabs(a - num) / fmax(fabs(a) + fabs(num), FLOOR);
		worst = tap_worst(worst, err);
		if (fabs(a) > *maxg)
			*maxg = fabs(a);
	}
	return worst;
}

static void
run(int cell, int L, int E, float dropout)
{
	model_config c = { .cell = cell, .L = L, .H = NH, .V = NV, .E = E,
	    .dropout = dropout };
	gc g;
	rng_t r, pick;
	char what[96];

	snprintf(what, sizeof what, "%s: %s L=%d %s%s", kernels_name(),
	    cell_name(cell), L, E ? "embedding" : "one-hot",
	    dropout > 0 ? " dropout" : "");
	rng_seed(&r, 1000 + 100 * (uint64_t)cell + 10 * (uint64_t)L +
	    (uint64_t)E);
	rng_seed(&pick, 77);
	g.m = model_create(&c);
	if (g.m == NULL) {
		ok(0, "%s: model_create", what);
		return;
	}
	model_init(g.m, &r);
	g.ws = model_ws_create(g.m, NB, NT);
	for (int i = 0; i < NB * NT; i++) {
		g.x[i] = (uint16_t)rng_below(&r, NV);
		g.y[i] = (uint16_t)rng_below(&r, NV);
	}
	model_ws_state(g.ws, &g.nstate);
	g.state0 = xalloc_floats(g.nstate);
	for (size_t i = 0; i < g.nstate; i++)
		g.state0[i] = 0.8f * (2.0f * rng_float(&r) - 1.0f);
	g.drop_seed = 4242;

	/* The analytic gradients. */
	loss_of(&g);
	model_backward(g.m, g.ws, g.x, g.y);
	float *an = xalloc_floats(g.m->nparams);
	float *dst = xalloc_floats(g.nstate);
	memcpy(an, g.m->grads, g.m->nparams * sizeof(float));
	memcpy(dst, model_ws_dstate(g.ws), g.nstate * sizeof(float));

	for (int t = 0; t < g.m->ntensors; t++) {
		const model_tensor *mt = &g.m->tensors[t];
		double maxg = 0.0;
		double err = check_block(&g, g.m->params + mt->offset,
		    an + mt->offset, mt->size, &pick, &maxg);
		ok(err < TOL, "%s: %s max rel err %.2e (max |g| %.2e)", what,
		    mt->name, err, maxg);
	}
	size_t nh = (size_t)L * NB * NH;
	double maxg = 0.0;
	double err = check_block(&g, g.state0, dst, nh, &pick, &maxg);
	ok(err < TOL, "%s: carried-in h max rel err %.2e (max |g| %.2e)",
	    what, err, maxg);
	if (cell == CELL_LSTM) {
		maxg = 0.0;
		err = check_block(&g, g.state0 + nh, dst + nh, nh, &pick,
		    &maxg);
		ok(err < TOL,
		    "%s: carried-in c max rel err %.2e (max |g| %.2e)", what,
		    err, maxg);
	}

	free(an);
	free(dst);
	free(g.state0);
	model_ws_free(g.ws);
	model_free(g.m);
}

static void
run_all(void)
{
	static const int cells[] = { CELL_LSTM, CELL_GRU, CELL_RNN };

	for (size_t ci = 0; ci < NELEMS(cells); ci++) {
		for (int L = 1; L <= 2; L++) {
			run(cells[ci], L, 0, 0.0f);
			run(cells[ci], L, 4, 0.0f);
		}
	}
	/* Dropout between the layers and before fc, masks repeated. */
	for (size_t ci = 0; ci < NELEMS(cells); ci++)
		run(cells[ci], 2, 0, 0.3f);
}

int
main(void)
{
	for (size_t i = 0; kernels_at(i) != NULL; i++) {
		char *cause = NULL;
		if (kernels_select(kernels_at(i)->name, &cause) != 0) {
			char why[160];
			snprintf(why, sizeof why, "%s", cause);
			skip(why);
			free(cause);
			continue;
		}
		run_all();
	}
	kernels_select("auto", NULL);
	return tap_done();
}
