/* test_beam.c - beam search against exhaustive search, greedy decoding
 * and its own scores, on tiny models.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "model.h"
#include "rng.h"
#include "sampler.h"
#include "tap.h"
#include "util.h"

#define MAXV 8
#define MAXL 8

static const int cells[] = { CELL_LSTM, CELL_GRU, CELL_RNN };

/* A random model; its weights scaled by gain, so that the distributions
 * are peaked enough for greedy and the beam to differ. */
static model *
make(int cell, int V, uint64_t seed, float gain)
{
	model_config c = { .cell = cell, .L = 2, .H = 12, .V = V };
	model *m = model_create(&c);
	rng_t r;

	rng_seed(&r, seed);
	model_init(m, &r);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] *= gain;
	return m;
}

/* A state primed with a few random characters. */
static model_state *
primed(const model *m, uint64_t seed)
{
	model_state *s = model_state_create(m);
	rng_t r;

	rng_seed(&r, seed);
	for (int i = 0; i < 5; i++)
		model_step(m, s, (int)rng_below(&r, (uint64_t)m->cfg.V));
	return s;
}

/* The log-probability of ids[0..n) from s (s is left after them). */
static double
score_of(const model *m, model_state *s, const uint16_t *ids, int n)
{
	double lp[MAXV * 8], sum = 0;

	for (int t = 0; t < n; t++) {
		beam_log_softmax(lp, s->logits, m->cfg.V);
		sum += lp[ids[t]];
		model_step(m, s, ids[t]);
	}
	return sum;
}

struct exhaustive {
	const model *m;
	model_state *st[MAXL + 1];
	int L;
	uint16_t cur[MAXL], best[MAXL];
	double best_lp;
	int end;	/* the id that ends a text, or -1 */
	int best_n;
	long leaves;
};

static void
leaf(struct exhaustive *e, int n, double sum)
{
	e->leaves++;
	if (sum > e->best_lp) {
		e->best_lp = sum;
		e->best_n = n;
		memcpy(e->best, e->cur, sizeof e->cur);
	}
}

static void
dfs(struct exhaustive *e, int d, double sum)
{
	double lp[MAXV];
	int V = e->m->cfg.V;

	if (d == e->L) {
		leaf(e, d, sum);
		return;
	}
	beam_log_softmax(lp, e->st[d]->logits, V);
	for (int v = 0; v < V; v++) {
		e->cur[d] = (uint16_t)v;
		if (v == e->end) {
			leaf(e, d + 1, sum + lp[v]);
			continue;
		}
		if (d + 1 < e->L) {
			model_state_copy(e->st[d + 1], e->st[d]);
			model_step(e->m, e->st[d + 1], v);
		}
		dfs(e, d + 1, sum + lp[v]);
	}
}

/* end >= 0: texts end at that id (the end of record) or at length L. */
static void
test_exhaustive(int cell, int V, int L, uint64_t seed, int end)
{
	model *m = make(cell, V, seed, 3.0f);
	struct exhaustive e = { .m = m, .L = L, .best_lp = -INFINITY,
	    .end = end };
	beam_config bc = { .width = 1, .n = L, .has_end = end >= 0,
	    .end_id = end };
	beam_result r;
	model_state *s = primed(m, seed + 1);
	char *cause = NULL;

	for (int i = 1; i < L; i++)
		bc.width *= V;
	for (int d = 0; d <= L; d++)
		e.st[d] = model_state_create(m);
	model_state_copy(e.st[0], s);
	dfs(&e, 0, 0);
	int rc = beam_search(m, s, &bc, &r, &cause);
	ok(rc == 0 && r.n == e.best_n && fabs(r.logp - e.best_lp) < 1e-12 &&
	    memcmp(r.ids, e.best, (size_t)r.n * sizeof *r.ids) == 0,
	    "%s V=%d L=%d seed %llu%s: width %d finds the best of %ld "
	    "continuations (%.6f, %d long; beam %.6f, %d)", cell_name(cell),
	    V, L, (unsigned long long)seed, end >= 0 ? ", an end id" : "",
	    bc.width, e.leaves, e.best_lp, e.best_n, r.logp, r.n);
	beam_result_free(&r);
	for (int d = 0; d <= L; d++)
		model_state_free(e.st[d]);
	model_state_free(s);
	model_free(m);
}

static void
test_greedy(int cell)
{
	model *m = make(cell, 6, 11, 3.0f);
	model_state *a = primed(m, 5), *b = primed(m, 5);
	beam_config bc = { .width = 1, .n = 40 };
	beam_result r;
	uint16_t g[40];
	int same = 1;

	for (int t = 0; t < 40; t++) {
		g[t] = (uint16_t)argmax(a->logits, 6);
		model_step(m, a, g[t]);
	}
	ok(beam_search(m, b, &bc, &r, NULL) == 0 && r.n == 40 &&
	    memcmp(r.ids, g, sizeof g) == 0, "%s: width 1 is greedy",
	    cell_name(cell));
	for (int v = 0; v < 6; v++)
		same &= a->logits[v] == b->logits[v];
	ok(same, "%s: width 1 leaves the state after the text",
	    cell_name(cell));
	beam_result_free(&r);

	/* With an end id, greedy stops at its first pick of it. */
	model_state *c = primed(m, 5);
	int stop = 0;
	while (stop < 39 && g[stop] != g[5])
		stop++;
	bc.has_end = 1;
	bc.end_id = g[5];
	int rc = beam_search(m, c, &bc, &r, NULL);
	ok(rc == 0 && r.n == stop + 1 &&
	    memcmp(r.ids, g, (size_t)r.n * sizeof *g) == 0,
	    "%s: width 1 with an end id is greedy up to it (%d)",
	    cell_name(cell), r.n);
	bc.width = 4;
	beam_result_free(&r);
	model_state_free(c);
	c = primed(m, 5);
	rc = beam_search(m, c, &bc, &r, NULL);
	ok(rc == 0 && r.n >= 1 && r.n <= 40 &&
	    (r.n == 40 || r.ids[r.n - 1] == g[5]),
	    "%s: width 4 with an end id: ended there or full length (%d)",
	    cell_name(cell), r.n);
	beam_result_free(&r);
	model_state_free(c);
	model_state_free(a);
	model_state_free(b);
	model_free(m);
}

/* The score returned is the score of the text returned, and the state
 * left is the state after it. */
static void
test_rescore(int cell, int width)
{
	model *m = make(cell, 5, 21 + (uint64_t)width, 3.0f);
	model_state *a = primed(m, 9), *b = primed(m, 9);
	beam_config bc = { .width = width, .n = 25 };
	beam_result r;
	double sum = 0;
	int same = 1;

	ok(beam_search(m, b, &bc, &r, NULL) == 0, "%s width %d: searched",
	    cell_name(cell), width);
	double again = score_of(m, a, r.ids, r.n);
	for (int t = 0; t < r.n; t++)
		sum += r.lp[t];
	for (int v = 0; v < 5; v++)
		same &= a->logits[v] == b->logits[v];
	ok(fabs(again - r.logp) < 1e-9 && fabs(sum - r.logp) < 1e-4,
	    "%s width %d: log-probability %.9f is the text's (%.9f)",
	    cell_name(cell), width, r.logp, again);
	ok(same, "%s width %d: the state is the one after the text",
	    cell_name(cell), width);
	beam_result_free(&r);
	model_state_free(a);
	model_state_free(b);
	model_free(m);
}

static double
search_lp(const model *m, const model_state *from, int width, int n,
    int *greedy)
{
	model_state *s = model_state_create(m);
	beam_config bc = { .width = width, .n = n };
	beam_result r;
	double lp = NAN;

	model_state_copy(s, from);
	if (beam_search(m, s, &bc, &r, NULL) == 0)
		lp = r.logp;
	*greedy += r.greedy;
	beam_result_free(&r);
	model_state_free(s);
	return lp;
}

/* How often a wider beam beats greedy, over 24 primes. */
static void
test_wider(int cell)
{
	const int widths[] = { 4, 8 };
	int better[2] = { 0, 0 }, lost[2] = { 0, 0 }, never_worse = 1;
	double gain[2] = { 0, 0 };
	model *m = make(cell, 6, 77, 2.5f);

	for (int k = 0; k < 24; k++) {
		model_state *s = primed(m, 100 + (uint64_t)k);
		int none = 0;
		double g = search_lp(m, s, 1, 30, &none);
		for (int i = 0; i < 2; i++) {
			double b = search_lp(m, s, widths[i], 30, &lost[i]);
			never_worse &= b >= g - 1e-9;
			better[i] += b > g + 1e-9;
			gain[i] += b - g;
		}
		model_state_free(s);
	}
	ok(never_worse, "%s: widths 4 and 8 never less likely than greedy",
	    cell_name(cell));
	diag("%s, 30 characters, 24 primes: width 4 beats greedy %d times "
	    "(mean gain %.3f nats), width 8 %d times (%.3f nats); the beam "
	    "alone lost to greedy %d and %d times", cell_name(cell),
	    better[0], gain[0] / 24, better[1], gain[1] / 24, lost[0],
	    lost[1]);
	ok(better[1] > 0, "%s: width 8 beats greedy at least once",
	    cell_name(cell));
	model_free(m);
}

static int
cancel_after(void *ud)
{
	int *left = ud;
	return (*left)-- <= 0;
}

static void
test_bounds_cancel(void)
{
	beam_config bad[] = { { .width = 0, .n = 10 },
	    { .width = 1001, .n = 10 }, { .width = 4, .n = 0 },
	    { .width = 1000, .n = 10000 } };
	char *cause = NULL;
	int left = 7;

	for (size_t i = 0; i < NELEMS(bad); i++) {
		int rc = beam_config_check(&bad[i], &cause);
		ok(rc == -1 && cause != NULL,
		    "width %d length %d refused: %s", bad[i].width, bad[i].n,
		    cause ? cause : "(no cause)");
		free(cause);
		cause = NULL;
	}
	model *m = make(CELL_LSTM, 5, 3, 1.0f);
	model_state *s = model_state_create(m);
	beam_config bc = { .width = 1, .n = 50, .cancelled = cancel_after,
	    .ud = &left };
	beam_result r;
	int rc = beam_search(m, s, &bc, &r, NULL);
	ok(rc == 0 && r.n == 8, "cancelled at the 8th poll: the best of 8 "
	    "steps (%d)", r.n);
	beam_result_free(&r);
	left = 0;
	bc.width = 3;
	rc = beam_search(m, s, &bc, &r, NULL);
	ok(rc == 0 && r.n == 1 && r.ids[0] < 5, "width 3 cancelled at once: "
	    "one step (%d)", r.n);
	beam_result_free(&r);
	model_state_free(s);
	model_free(m);
}

int
main(void)
{
	for (size_t c = 0; c < NELEMS(cells); c++)
		for (uint64_t seed = 1; seed <= 3; seed++) {
			test_exhaustive(cells[c], 4, 4, seed, -1);
			test_exhaustive(cells[c], 5, 3, seed + 10, -1);
			test_exhaustive(cells[c], 6, 3, seed + 20, -1);
			test_exhaustive(cells[c], 4, 5, seed + 30, 0);
			test_exhaustive(cells[c], 5, 4, seed + 40, 2);
		}
	for (size_t c = 0; c < NELEMS(cells); c++) {
		test_greedy(cells[c]);
		test_rescore(cells[c], 3);
		test_rescore(cells[c], 16);
		test_wider(cells[c]);
	}
	test_bounds_cancel();
	return tap_done();
}
