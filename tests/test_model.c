/* test_model.c - the model's forward, state and sampling step, and the
 * optimizers.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "kernels.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "tap.h"
#include "util.h"

static const int cells[] = { CELL_LSTM, CELL_GRU, CELL_RNN };

static model *
make(int cell, int L, int H, int V, int E, float dropout, uint64_t seed)
{
	model_config c = { .cell = cell, .L = L, .H = H, .V = V, .E = E,
	    .dropout = dropout };
	rng_t r;
	model *m = model_create(&c);

	rng_seed(&r, seed);
	model_init(m, &r);
	return m;
}

static void
random_ids(uint16_t *x, size_t n, int V, rng_t *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (uint16_t)rng_below(r, (uint64_t)V);
}

static int
close_rel(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) + 1e-12;
}

/* ---- configuration, names, layout ------------------------------------- */

static void
test_config(void)
{
	model_config good = { .cell = CELL_LSTM, .L = 2, .H = 256, .V = 65,
	    .E = 0, .dropout = 0.2f };
	struct {
		const char *what;
		model_config c;
	} bad[] = {
		{ "0 layers", { CELL_LSTM, 0, 8, 10, 0, 0 } },
		{ "17 layers", { CELL_LSTM, 17, 8, 10, 0, 0 } },
		{ "hidden 0", { CELL_GRU, 1, 0, 10, 0, 0 } },
		{ "hidden 8193", { CELL_GRU, 1, 8193, 10, 0, 0 } },
		{ "vocabulary 1", { CELL_RNN, 1, 8, 1, 0, 0 } },
		{ "vocabulary 65536", { CELL_RNN, 1, 8, 65536, 0, 0 } },
		{ "embedding -1", { CELL_LSTM, 1, 8, 10, -1, 0 } },
		{ "embedding 4097", { CELL_LSTM, 1, 8, 10, 4097, 0 } },
		{ "dropout 1", { CELL_LSTM, 1, 8, 10, 0, 1.0f } },
		{ "dropout -0.1", { CELL_LSTM, 1, 8, 10, 0, -0.1f } },
		{ "dropout NaN", { CELL_LSTM, 1, 8, 10, 0, NAN } },
		{ "cell 7", { 7, 1, 8, 10, 0, 0 } },
	};
	char *cause = NULL;

	ok(model_config_check(&good, &cause) == 0 && cause == NULL,
	    "config: 2x256 lstm accepted");
	for (size_t i = 0; i < NELEMS(bad); i++) {
		cause = NULL;
		int rc = model_config_check(&bad[i].c, &cause);
		ok(rc == -1 && cause != NULL && *cause != '\0',
		    "config: %s rejected: %s", bad[i].what,
		    cause ? cause : "(no message)");
		free(cause);
	}
	ok(model_create(&bad[0].c) == NULL, "config: model_create refuses");

	int names = 1;
	for (size_t i = 0; i < NELEMS(cells); i++)
		names &= cell_parse(cell_name(cells[i])) == cells[i];
	ok(names && cell_parse("LSTM") == CELL_LSTM && cell_parse("x") == -1,
	    "config: cell_name/cell_parse round trip");
	names = 1;
	for (int k = OPTIM_ADAM; k <= OPTIM_SGD; k++)
		names &= optim_parse(optim_name(k)) == k;
	ok(names && optim_parse("adamw") == -1,
	    "config: optim_name/optim_parse round trip");
}

static void
test_layout(void)
{
	model *m = make(CELL_LSTM, 2, 6, 11, 3, 0, 1);
	static const char *names[] = { "embedding.weight",
	    "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
	    "lstm.bias_hh_l0", "lstm.weight_ih_l1", "lstm.weight_hh_l1",
	    "lstm.bias_ih_l1", "lstm.bias_hh_l1", "fc.weight", "fc.bias" };
	static const size_t shapes[][2] = { { 11, 3 }, { 24, 3 }, { 24, 6 },
	    { 24, 0 }, { 24, 0 }, { 24, 6 }, { 24, 6 }, { 24, 0 },
	    { 24, 0 }, { 11, 6 }, { 11, 0 } };
	int good = m->ntensors == (int)NELEMS(names);
	size_t off = 0;

	for (int i = 0; good && i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		good &= strcmp(t->name, names[i]) == 0;
		good &= t->shape[0] == shapes[i][0];
		good &= t->ndim == (shapes[i][1] ? 2 : 1);
		good &= t->ndim == 1 || t->shape[1] == shapes[i][1];
		good &= t->offset == off;
		off += t->size;
	}
	ok(good && off == m->nparams, "layout: tensor names, shapes, order");
	ok(model_tensor_find(m, "lstm.weight_hh_l1") == &m->tensors[6] &&
	    m->params + m->tensors[6].offset == m->w_hh[1] &&
	    m->params + m->tensors[0].offset == m->emb &&
	    m->params + m->tensors[10].offset == m->fc_b &&
	    model_tensor_find(m, "lstm.weight_hh_l2") == NULL,
	    "layout: model_tensor_find and the views agree");

	/* init: U(-1/sqrt(H), 1/sqrt(H)), forget bias of bias_ih = 1 */
	float k = 1.0f / sqrtf(6.0f);
	int inrange = 1, forget = 1;
	for (int i = 1; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		for (size_t j = 0; j < t->size; j++) {
			float v = m->params[t->offset + j];
			int fg = (i == 3 || i == 7) && j >= 6 && j < 12;
			if (fg)
				forget &= v == 1.0f;
			else
				inrange &= fabsf(v) <= k;
		}
	}
	ok(inrange && forget, "init: uniform bound 1/sqrt(H), LSTM forget "
	    "bias 1");
	model_free(m);

	model *g = make(CELL_GRU, 1, 4, 5, 0, 0, 1);
	ok(g->G == 3 && strcmp(g->tensors[0].name, "gru.weight_ih_l0") == 0 &&
	    g->tensors[0].shape[0] == 12 && g->tensors[0].shape[1] == 5,
	    "layout: gru one-hot weight_ih_l0 is (3H, V)");
	model_free(g);
}

/* ---- forward ---------------------------------------------------------- */

static void
test_init_loss(void)
{
	enum { B = 4, T = 32, V = 65 };
	uint16_t x[B * T], y[B * T];
	rng_t r;

	rng_seed(&r, 5);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	for (size_t i = 0; i < NELEMS(cells); i++) {
		model *m = make(cells[i], 2, 64, V, 0, 0.0f, 10 + i);
		model_ws *ws = model_ws_create(m, B, T);
		size_t correct = 0;
		double loss = model_forward(m, ws, x, y, 0, &r, &correct);
		ok(fabs(loss - log((double)V)) < 0.1 && correct <= B * T,
		    "init loss %s: %.4f vs ln(V) %.4f", cell_name(cells[i]),
		    loss, log((double)V));
		model_ws_free(ws);
		model_free(m);
	}
}

/* The batch-1 step gives the training forward's logits: the summed
 * -log softmax of stepping equals k * (mean loss of a T = k forward). */
static void
test_step_matches_forward(int cell, int E)
{
	enum { K = 12, V = 9 };
	model *m = make(cell, 2, 16, V, E, 0.0f, 77 + cell);
	model_state *s = model_state_create(m);
	uint16_t x[K + 1];
	rng_t r;
	double worst = 0.0, sum = 0.0;

	rng_seed(&r, 3);
	random_ids(x, K + 1, V, &r);
	model_state_reset(s);
	for (int k = 1; k <= K; k++) {
		const float *z = model_step(m, s, x[k - 1]);
		double mx = z[0], se = 0.0;
		for (int v = 1; v < V; v++)	/* not fmax: see softmax */
			mx = z[v] > mx ? z[v] : mx;
		for (int v = 0; v < V; v++)
			se += exp((double)z[v] - mx);
		sum += log(se) + mx - z[x[k]];

		model_ws *ws = model_ws_create(m, 1, k);
		double loss = model_forward(m, ws, x, x + 1, 0, &r, NULL);
		double rel = fabs(loss * k - sum) / fabs(sum);
		worst = tap_worst(worst, rel);
		model_ws_free(ws);
	}
	ok(worst < 1e-4, "step = forward %s %s: worst relative difference "
	    "%.2e over %d positions", cell_name(cell),
	    E ? "embedding" : "one-hot", worst, K);
	model_state_free(s);
	model_free(m);
}

/* Two forwards of T = 5 with the state carried equal one of T = 10. */
static void
test_carry(int cell)
{
	enum { B = 3, T = 10, V = 11 };
	model *m = make(cell, 2, 8, V, 0, 0.0f, 200 + cell);
	model_ws *w10 = model_ws_create(m, B, T);
	model_ws *w5 = model_ws_create(m, B, T / 2);
	uint16_t x[B * T], y[B * T], xa[B * T / 2], ya[B * T / 2];
	uint16_t xb[B * T / 2], yb[B * T / 2];
	rng_t r;
	size_t n10, n5;

	rng_seed(&r, 9);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	for (int b = 0; b < B; b++) {
		for (int t = 0; t < T / 2; t++) {
			xa[b * T / 2 + t] = x[b * T + t];
			ya[b * T / 2 + t] = y[b * T + t];
			xb[b * T / 2 + t] = x[b * T + T / 2 + t];
			yb[b * T / 2 + t] = y[b * T + T / 2 + t];
		}
	}
	/* A nonzero starting state, the same in both. */
	float *s10 = model_ws_state(w10, &n10), *s5 = model_ws_state(w5, &n5);
	for (size_t i = 0; i < n10; i++)
		s10[i] = s5[i] = 0.5f * (2.0f * rng_float(&r) - 1.0f);

	double l10 = model_forward(m, w10, x, y, 0, &r, NULL);
	double la = model_forward(m, w5, xa, ya, 0, &r, NULL);
	double lb = model_forward(m, w5, xb, yb, 0, &r, NULL);
	double dmax = 0.0;
	for (size_t i = 0; i < n10; i++)
		dmax = tap_worst(dmax, fabs((double)s10[i] - s5[i]));
	ok(n5 == n10 && close_rel(l10, (la + lb) / 2, 1e-6) && dmax < 1e-6,
	    "carried state %s: T=10 loss %.6f = mean of two T=5 %.6f, final "
	    "state diff %.1e", cell_name(cell), l10, (la + lb) / 2, dmax);

	model_ws_reset(w5);
	int zero = 1;
	for (size_t i = 0; i < n5; i++)
		zero &= s5[i] == 0.0f;
	ok(zero && n10 == (cell == CELL_LSTM ? 2u : 1u) * 2 * B * 8,
	    "carried state %s: size and model_ws_reset", cell_name(cell));
	model_ws_free(w10);
	model_ws_free(w5);
	model_free(m);
}

/* Dropout acts in training only, and masks come from the rng. */
static void
test_dropout(void)
{
	enum { B = 4, T = 8, V = 13 };
	model *m = make(CELL_LSTM, 2, 32, V, 0, 0.5f, 31);
	model_ws *ws = model_ws_create(m, B, T);
	uint16_t x[B * T], y[B * T];
	rng_t r, r1, r2;

	rng_seed(&r, 1);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	double e1 = model_forward(m, ws, x, y, 0, &r, NULL);
	model_ws_reset(ws);
	double e2 = model_forward(m, ws, x, y, 0, &r, NULL);
	model_ws_reset(ws);
	rng_seed(&r1, 8);
	rng_seed(&r2, 8);
	double t1 = model_forward(m, ws, x, y, 1, &r1, NULL);
	model_ws_reset(ws);
	double t2 = model_forward(m, ws, x, y, 1, &r2, NULL);
	model_ws_reset(ws);
	double t3 = model_forward(m, ws, x, y, 1, &r1, NULL);
	ok(e1 == e2 && t1 == t2 && t1 != e1 && t3 != t1,
	    "dropout: eval deterministic (%.5f), train masks from the rng "
	    "(%.5f, %.5f)", e1, t1, t3);

	/* An id outside the vocabulary: NaN, and nothing to back-propagate. */
	size_t correct = 1;
	x[3] = V;
	double bad = model_forward(m, ws, x, y, 1, &r1, &correct);
	model_backward(m, ws, x, y);
	int zero = 1;
	for (size_t i = 0; i < m->nparams; i++)
		zero &= m->grads[i] == 0.0f;
	ok(isnan(bad) && correct == 0 && zero,
	    "forward: an id >= V gives NaN, zero gradients");
	model_ws_free(ws);
	model_free(m);
}

/* One train forward and backward with the active kernel set on nt
 * threads: the loss and the count of right guesses, then the gradients,
 * d state and the carried state after it, into out (2 + nparams +
 * 2 nstate). */
static void
train_once(model *m, const uint16_t *x, const uint16_t *y, int B, int T,
    int nt, float *out)
{
	model_ws *ws = model_ws_create(m, B, T);
	int saved = openblas_get_num_threads();
	size_t ns, correct;
	rng_t d;

	rng_seed(&d, 6);
	openblas_set_num_threads(nt);
	out[0] = (float)model_forward(m, ws, x, y, 1, &d, &correct);
	out[1] = (float)correct;
	model_backward(m, ws, x, y);
	openblas_set_num_threads(saved);
	const float *st = model_ws_state(ws, &ns);
	memcpy(out + 2, m->grads, m->nparams * sizeof(float));
	memcpy(out + 2 + m->nparams, model_ws_dstate(ws), ns * sizeof(float));
	memcpy(out + 2 + m->nparams + ns, st, ns * sizeof(float));
	model_ws_free(ws);
}

/* Floats of train_once's output for m. */
static size_t
train_once_size(const model *m, int B, int T)
{
	model_ws *probe = model_ws_create(m, B, T);
	size_t ns;

	model_ws_state(probe, &ns);
	model_ws_free(probe);
	return 2 + m->nparams + 2 * ns;
}

/* Largest difference between two train_once outputs a and b (n), relative
 * to the loss for the loss and to the largest gradient for the rest; a
 * NaN or a different count of right guesses gives infinity. */
static double
train_once_diff(const float *a, const float *b, size_t n)
{
	double gmax = 0.0, worst = fabs(a[0] - b[0]) / fabs(a[0]);

	if (a[1] != b[1])
		return INFINITY;
	for (size_t i = 2; i < n; i++)
		gmax = fmax(gmax, fabs(a[i]));
	for (size_t i = 2; i < n; i++)
		worst = tap_worst(worst, fabs(a[i] - b[i]) / gmax);
	return gmax > 0.0 ? worst : INFINITY;
}

/*
 * The forward and backward split their work over as many threads as
 * OpenBLAS is set to (fb.c: streams for the recurrence, rows for the
 * rest). With a kernel set's own kernels every product sums each element
 * in k order wherever the split puts it, so 2, 3 and 5 threads give the
 * same bits as one: the loss, the right guesses, every gradient, d state
 * and the carried state. The generic set's products are OpenBLAS's, whose
 * sums depend on the shape of the call: there the promise is float
 * rounding (1e-5 of the largest gradient). B = 9 streams over 3 threads
 * (3 each), 5 threads (2, 2, 2, 2, 1), on a machine of any core count.
 */
static void
test_threads(int cell, int E)
{
	enum { B = 9, T = 64, V = 23, H = 96 };	/* above threads_for's cut */
	static const int counts[] = { 2, 3, 5 };
	model *m = make(cell, 2, H, V, E, 0.25f, 300 + cell);
	uint16_t x[B * T], y[B * T];
	size_t n = train_once_size(m, B, T);
	float *one = xalloc_floats(n), *got = xalloc_floats(n);
	rng_t r;

	rng_seed(&r, 17);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	for (size_t k = 0; kernels_at(k) != NULL; k++) {
		const kernels *ks = kernels_at(k);
		double worst = 0.0;
		int bits = 1;
		if (kernels_select(ks->name, NULL) != 0)
			continue;
		train_once(m, x, y, B, T, 1, one);
		for (size_t c = 0; c < NELEMS(counts); c++) {
			train_once(m, x, y, B, T, counts[c], got);
			bits &= memcmp(one, got, n * sizeof(float)) == 0;
			worst = tap_worst(worst, train_once_diff(one, got, n));
		}
		if (ks->pk_gemm != NULL)
			ok(bits && isfinite(one[0]), "threads %s %s %s: 2, 3 "
			    "and 5 threads give the bits of one (loss, "
			    "guesses, gradients, d state, state)", ks->name,
			    cell_name(cell), E ? "embedding" : "one-hot");
		else
			ok(worst < 1e-5, "threads %s %s %s: 2, 3 and 5 "
			    "threads agree with one to %.1e of the largest "
			    "gradient (OpenBLAS's sums)", ks->name,
			    cell_name(cell), E ? "embedding" : "one-hot",
			    worst);
	}
	kernels_select("auto", NULL);
	free(one);
	free(got);
	model_free(m);
}

/*
 * Training with each kernel set this CPU runs agrees with the generic set
 * (OpenBLAS for the recurrence): to float rounding, relative to the
 * largest gradient. The SIMD sets run the same packed kernel, each
 * element summed in k order with FMAs, so among themselves they agree bit
 * for bit. H = 50 and 2H = 100 are no multiples of any panel width.
 */
static void
test_kernel_sets(int cell, int E)
{
	enum { B = 9, T = 13, V = 19, H = 50 };
	model *m = make(cell, 2, H, V, E, 0.2f, 900 + cell);
	size_t n = train_once_size(m, B, T);
	uint16_t x[B * T], y[B * T];
	int nsets = 0, bits = 1;
	double worst = 0.0;
	rng_t r;

	float *ref = xalloc_floats(n), *simd = NULL, *got = xalloc_floats(n);
	rng_seed(&r, 23);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	kernels_select("generic", NULL);
	train_once(m, x, y, B, T, 1, ref);
	for (size_t k = 0; kernels_at(k) != NULL; k++) {
		const kernels *ks = kernels_at(k);
		if (ks->pk_gemm == NULL || kernels_select(ks->name, NULL) != 0)
			continue;
		train_once(m, x, y, B, T, 1, got);
		worst = tap_worst(worst, train_once_diff(ref, got, n));
		if (simd == NULL) {
			simd = xalloc_floats(n);
			memcpy(simd, got, n * sizeof(float));
		} else
			bits &= memcmp(simd, got, n * sizeof(float)) == 0;
		nsets++;
	}
	kernels_select("auto", NULL);
	ok(worst < 1e-5 && bits, "kernel sets %s %s: %d SIMD set(s) = "
	    "generic to %.1e of the largest gradient, the same bits among "
	    "themselves", cell_name(cell), E ? "embedding" : "one-hot",
	    nsets, worst);
	free(ref);
	free(simd);
	free(got);
	model_free(m);
}

/* A tiny LSTM learns a sentence by heart; greedy stepping recites it. */
static void
test_memorise(void)
{
	static const char text[] =
	    "a heron counts the reeds at dusk, and loses count at seven.";
	enum { N = sizeof text - 1 };
	int vocab[256], V = 0;
	char chars[256];
	uint16_t ids[N];

	memset(vocab, -1, sizeof vocab);
	for (int i = 0; i < N; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (vocab[ch] < 0) {
			vocab[ch] = V;
			chars[V++] = (char)ch;
		}
		ids[i] = (uint16_t)vocab[ch];
	}

	model *m = make(CELL_LSTM, 1, 48, V, 0, 0.0f, 2024);
	model_ws *ws = model_ws_create(m, 1, N - 1);
	optim_config oc;
	optim_defaults(&oc, OPTIM_ADAM);
	oc.lr = 1e-2f;
	optim *o = optim_create(&oc, m->nparams);
	rng_t r;
	double loss = 0.0;
	int steps;

	rng_seed(&r, 0);
	for (steps = 1; steps <= 400; steps++) {
		model_ws_reset(ws);
		loss = model_forward(m, ws, ids, ids + 1, 1, &r, NULL);
		model_backward(m, ws, ids, ids + 1);
		grad_clip(m->grads, m->nparams, 5.0f);
		optim_step(o, m->params, m->grads);
		if (loss < 0.01)
			break;
	}

	char out[N + 1];
	model_state *s = model_state_create(m);
	model_state_reset(s);
	out[0] = text[0];
	int tok = ids[0];
	for (int i = 1; i < N; i++) {
		const float *z = model_step(m, s, tok);
		int best = 0;
		for (int v = 1; v < V; v++) {
			if (z[v] > z[best])
				best = v;
		}
		out[i] = chars[best];
		tok = best;
	}
	out[N] = '\0';
	ok(strcmp(out, text) == 0, "memorise: loss %.4f after %d Adam steps, "
	    "greedy recital \"%s\"", loss, steps, out);
	model_state_free(s);
	optim_free(o);
	model_ws_free(ws);
	model_free(m);
}

/* ---- the batch-1 step on two threads ---------------------------------- */

enum { SH = 50, SV = 37, SK = 60 };

static int
token_at(int k)
{
	return k == 7 ? -1 : (k * 5 + k / 3) % SV;	/* -1: no input */
}

static int
states_equal(const model_state *a, const model_state *b)
{
	size_t n = (size_t)a->L * a->H * sizeof(float);

	return memcmp(a->logits, b->logits, (size_t)a->V * sizeof(float)) ==
	    0 && memcmp(a->h, b->h, n) == 0 &&
	    (a->c == NULL || memcmp(a->c, b->c, n) == 0);
}

/* Two threads (the caller and the helper) give the same bits as one,
 * whatever the split: H = 50 splits 32 + 18 units (a partial block of
 * rows), K = 50 is no multiple of 16, V = 37 splits 32 + 5, an embedding,
 * an invalid token. precision -1: no packed copy (params). */
static void
test_step_threads(int cell, int E, int precision)
{
	model *m = make(cell, 3, SH, SV, E, 0.0f, 91 + cell);
	model_state *a = model_state_create(m), *b = model_state_create(m);
	int same = 1;

	if (precision >= 0 && model_set_precision(m, precision) != precision) {
		skip("step threads: no fp16 step on this CPU");
		model_state_free(a);
		model_state_free(b);
		model_free(m);
		return;
	}
	model_state_reset(a);
	model_state_reset(b);
	model_state_set_threads(a, 1);
	model_state_set_threads(b, 2);
	for (int k = 0; k < SK; k++) {
		model_step(m, a, token_at(k));
		model_step(m, b, token_at(k));
		same &= states_equal(a, b);
	}
	ok(same, "step threads %s %s %s: one and two threads give the same "
	    "bits over %d steps", cell_name(cell), E ? "embedding" : "one-hot",
	    precision < 0 ? "params" : precision_name(precision), SK);
	model_state_free(a);
	model_state_free(b);
	model_free(m);
}

typedef struct {
	const model *m;
	model_state *s;
} stepper;

static void *
stepper_main(void *arg)
{
	stepper *st = arg;

	for (int k = 0; k < SK; k++)
		model_step(st->m, st->s, token_at(k));
	return NULL;
}

/* Several threads stepping at once (one holds the helper of their pool,
 * the others run alone) while another model trains in the same pool: each
 * state ends as when stepped alone. */
static void
test_step_concurrent(void)
{
	enum { NS = 3, B = 8, T = 16, V = 12 };
	model *m = make(CELL_LSTM, 2, SH, SV, 0, 0.0f, 17);
	model *tm = make(CELL_GRU, 2, 64, V, 0, 0.3f, 18);
	model_ws *ws = model_ws_create(tm, B, T);
	model_state *ref = model_state_create(m), *s[NS];
	pool *p = pool_create();
	stepper st[NS];
	pthread_t tid[NS];
	uint16_t x[B * T], y[B * T];
	rng_t r;
	int same = 1, started = 1;

	rng_seed(&r, 4);
	random_ids(x, B * T, V, &r);
	random_ids(y, B * T, V, &r);
	model_ws_set_pool(ws, p);
	model_state_set_threads(ref, 1);
	model_state_reset(ref);
	for (int k = 0; k < SK; k++)
		model_step(m, ref, token_at(k));
	for (int i = 0; i < NS; i++) {
		s[i] = model_state_create(m);
		model_state_set_pool(s[i], p);
		model_state_set_threads(s[i], 2);
		model_state_reset(s[i]);
		st[i] = (stepper){ m, s[i] };
		started &= pthread_create(&tid[i], NULL, stepper_main,
		    &st[i]) == 0;
	}
	for (int k = 0; k < 4; k++) {
		model_forward(tm, ws, x, y, 1, &r, NULL);
		model_backward(tm, ws, x, y);
	}
	for (int i = 0; i < NS; i++) {
		if (started)
			pthread_join(tid[i], NULL);
		same &= states_equal(ref, s[i]);
		model_state_free(s[i]);
	}
	ok(started && same, "step threads: %d threads stepping at once beside "
	    "a training run end as one alone", NS);
	model_state_free(ref);
	model_ws_free(ws);
	pool_free(p);
	model_free(tm);
	model_free(m);
}

/* ---- half-precision weights ------------------------------------------- */

static void
test_half_convert(void)
{
	static const struct {
		float f;
		uint16_t h;
	} known[] = {
		{ 0.0f, 0x0000 }, { -0.0f, 0x8000 }, { 1.0f, 0x3c00 },
		{ -2.0f, 0xc000 }, { 0.333333343f, 0x3555 },
		{ 65504.0f, 0x7bff }, { 65519.0f, 0x7bff }, { 65520.0f, 0x7c00 },
		{ -1e6f, 0xfc00 }, { INFINITY, 0x7c00 }, { NAN, 0x7e00 },
		{ 0x1p-14f, 0x0400 }, { 0x1.ff8p-15f, 0x03ff },	/* the largest */
		{ 0x1.ffcp-15f, 0x0400 },	/* subnormal; a tie above it */
		{ 0x1p-24f, 0x0001 }, { 0x1p-25f, 0x0000 },	/* tie: even */
		{ 0x1.8p-25f, 0x0001 }, { 0x1.8p-24f, 0x0002 },	/* tie: up */
		{ 0x1.4p-23f, 0x0002 },				/* tie: down */
		{ 0x1.002p+0f, 0x3c00 }, { 0x1.006p+0f, 0x3c02 },	/* ties */
		{ 0x1.0021p+0f, 0x3c01 },
	};
	int bad = 0;

	for (size_t i = 0; i < NELEMS(known); i++) {
		uint16_t h = half_from_float(known[i].f);
		if (h != known[i].h) {
			diag("half_from_float(%a) = %04x, want %04x",
			    (double)known[i].f, h, known[i].h);
			bad++;
		}
	}
	ok(bad == 0, "half: %zu known values round to nearest, ties to even",
	    NELEMS(known));

	/* every half widens exactly and comes back */
	bad = 0;
	for (uint32_t h = 0; h < 65536; h++) {
		float f = half_to_float((uint16_t)h);
		int nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
		if (nan ? !isnan(f) : half_from_float(f) != h)
			bad++;
	}
	ok(bad == 0 && half_to_float(0x0001) == 0x1p-24f &&
	    half_to_float(0x7bff) == 65504.0f && half_to_float(0xc000) == -2.0f,
	    "half: all 65536 values widen and narrow back unchanged (%d not)",
	    bad);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("f16c"))) static uint16_t
f16c_narrow(float f)
{
	__m128i h = _mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT);
	return (uint16_t)_mm_extract_epi16(h, 0);
}

__attribute__((target("f16c"))) static float
f16c_widen(uint16_t h)
{
	return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

/* The software conversion is the instruction's, bit for bit: random bit
 * patterns over every exponent, and every half widened. */
static void
test_half_hardware(void)
{
	rng_t r;
	int bad = 0;

	if (!half_cpu_f16c()) {
		skip("half: no F16C on this CPU to compare with");
		return;
	}
	rng_seed(&r, 16);
	for (int i = 0; i < 1000000; i++) {
		uint32_t x = (uint32_t)rng_u64(&r);
		float f;
		memcpy(&f, &x, sizeof f);
		if (half_from_float(f) != f16c_narrow(f))
			bad++;
	}
	for (uint32_t h = 0; h < 65536; h++) {
		float a = half_to_float((uint16_t)h), b = f16c_widen((uint16_t)h);
		if (memcmp(&a, &b, sizeof a) != 0)
			bad++;
	}
	ok(bad == 0, "half: software conversion = VCVTPS2PH/VCVTPH2PS on 10^6 "
	    "random floats and all halves (%d differ)", bad);
}
#else
static void
test_half_hardware(void)
{
	skip("half: not an x86-64 build");
}
#endif

/* Probabilities after a step. */
static void
softmax(const float *z, int V, double *p)
{
	double mx = z[0], se = 0.0;

	/* Not fmax: GCC 12 for aarch64 fails (an internal compiler error)
	 * vectorizing an fmax reduction here. */
	for (int v = 1; v < V; v++)
		mx = z[v] > mx ? z[v] : mx;
	for (int v = 0; v < V; v++)
		se += (p[v] = exp((double)z[v] - mx));
	for (int v = 0; v < V; v++)
		p[v] /= se;
}

/* A model whose weight matrices are those of m rounded to half: what the
 * fp16 step must compute (up to the order of its sums). */
static model *
rounded_copy(const model *m)
{
	model *r = model_create(&m->cfg);

	memcpy(r->params, m->params, m->nparams * sizeof(float));
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		float *p = r->params + t->offset;
		if (t->ndim != 2 || strcmp(t->name, "embedding.weight") == 0)
			continue;
		for (size_t k = 0; k < t->size; k++)
			p[k] = half_to_float(half_from_float(p[k]));
	}
	return r;
}

/*
 * The fp16 step computes with the weights rounded to half and nothing
 * else: it matches a float step on a rounded copy to float rounding, and
 * differs from the float step on the original by what rounding the
 * weights does (a little, not nothing: the half path ran). Gated cells'
 * weights scaled x3 give peaked distributions, as a trained model's are;
 * a tanh RNN scaled so turns chaotic and amplifies any difference.
 */
static void
test_step_half(int cell, int E)
{
	model *m = make(cell, 2, SH, SV, E, 0.0f, 300 + cell);
	float scale = cell == CELL_RNN ? 1.0f : 3.0f;

	for (size_t k = 0; k < m->nparams; k++)
		m->params[k] *= scale;
	model *r = rounded_copy(m);
	model_state *a = model_state_create(m), *b = model_state_create(m),
	    *c = model_state_create(r);
	double pa[SV], pb[SV], pc[SV], vs_float = 0.0, vs_rounded = 0.0;
	const char *what = E ? "embedding" : "one-hot";

	if (model_set_precision(m, MODEL_FP16) != MODEL_FP16) {
		skip("fp16 step: the CPU has no half conversion");
		goto out;
	}
	model_state_reset(a);
	model_state_reset(b);
	model_state_reset(c);
	for (int k = 0; k < SK; k++) {
		model_set_precision(m, MODEL_FP32);
		softmax(model_step(m, a, token_at(k)), SV, pa);
		model_set_precision(m, MODEL_FP16);
		softmax(model_step(m, b, token_at(k)), SV, pb);
		softmax(model_step(r, c, token_at(k)), SV, pc);
		for (int v = 0; v < SV; v++) {
			vs_float = tap_worst(vs_float, fabs(pa[v] - pb[v]));
			vs_rounded = tap_worst(vs_rounded,
			    fabs(pc[v] - pb[v]));
		}
	}
	ok(vs_rounded < 1e-5, "fp16 step %s %s = float step on weights rounded "
	    "to half: max |dp| %.2e over %d steps", cell_name(cell), what,
	    vs_rounded, SK);
	ok(vs_float > 1e-7 && vs_float < 5e-3, "fp16 step %s %s vs float "
	    "weights: max |dp| %.2e (rounding shows, barely)", cell_name(cell),
	    what, vs_float);
out:
	model_state_free(a);
	model_state_free(b);
	model_state_free(c);
	model_free(r);
	model_free(m);
}

/* The float copy laid out in panels computes what params do, up to the
 * order of the sums. */
static void
test_step_pack32(int cell, int E)
{
	model *m = make(cell, 2, SH, SV, E, 0.0f, 600 + cell);
	model *p = make(cell, 2, SH, SV, E, 0.0f, 600 + cell);
	model_state *a = model_state_create(m), *b = model_state_create(p);
	double pa[SV], pb[SV], worst = 0.0;

	model_set_precision(p, MODEL_FP32);
	model_state_reset(a);
	model_state_reset(b);
	for (int k = 0; k < SK; k++) {
		softmax(model_step(m, a, token_at(k)), SV, pa);
		softmax(model_step(p, b, token_at(k)), SV, pb);
		for (int v = 0; v < SV; v++)
			worst = tap_worst(worst, fabs(pa[v] - pb[v]));
	}
	ok(worst < 1e-6, "fp32 packed step %s %s = step on params: max |dp| "
	    "%.2e over %d steps", cell_name(cell), E ? "embedding" : "one-hot",
	    worst, SK);
	model_state_free(a);
	model_state_free(b);
	model_free(p);
	model_free(m);
}

/* Weights beyond half's range keep the float step; the copy is made by
 * each call, so a second call follows changed weights. */
static void
test_half_range(void)
{
	model *m = make(CELL_GRU, 1, 40, SV, 0, 0.0f, 505);
	model *fresh = make(CELL_GRU, 1, 40, SV, 0, 0.0f, 506);
	model_state *a = model_state_create(m), *b = model_state_create(m);

	if (model_set_precision(m, MODEL_FP16) != MODEL_FP16) {
		skip("fp16 step: the CPU has no half conversion");
		goto out;
	}
	m->w_hh[0][17] = 1e5f;
	ok(model_set_precision(m, MODEL_FP16) == MODEL_FP32,
	    "fp16: a weight of 1e5 (past 65504) keeps the float step");
	memcpy(m->params, fresh->params, m->nparams * sizeof(float));
	model_set_precision(m, MODEL_FP16);
	model_set_precision(fresh, MODEL_FP16);
	model_state_reset(a);
	model_state_reset(b);
	for (int k = 0; k < 10; k++) {
		model_step(m, a, token_at(k));
		model_step(fresh, b, token_at(k));
	}
	ok(states_equal(a, b), "fp16: set again after the weights change, the "
	    "step follows them");
out:
	model_state_free(a);
	model_state_free(b);
	model_free(fresh);
	model_free(m);
}

/* ---- optimizers ------------------------------------------------------- */

static const float grads3[3][3] = {
	{ 0.1f, -0.2f, 0.3f }, { -0.05f, 0.4f, 0.3f }, { 0.2f, 0.0f, -0.1f }
};

/* Three steps from p = (1, -2, 0.5); returns the largest deviation from
 * want[step][i]. */
static double
run_optim(const optim_config *c, const double want[3][3])
{
	float p[3] = { 1.0f, -2.0f, 0.5f };
	optim *o = optim_create(c, 3);
	double worst = 0.0;

	for (int s = 0; s < 3; s++) {
		optim_step(o, p, grads3[s]);
		for (int i = 0; i < 3; i++)
			worst = tap_worst(worst, fabs(p[i] - want[s][i]));
	}
	optim_free(o);
	return worst;
}

static void
test_optim(void)
{
	optim_config c;
	/* Reference values: torch 1.13, torch.optim with the same settings
	 * and gradients (see the step-1 formulas checked below). */
	static const double adam[3][3] = {
		{ 0.998000026, -1.99800003, 0.497999996 },
		{ 0.997467339, -1.99873221, 0.495999992 },
		{ 0.99615109, -1.99929821, 0.494788587 } };
	static const double rms[3][3] = {
		{ 0.980000019, -1.98000002, 0.480000019 },
		{ 0.988980293, -1.99790645, 0.465822399 },
		{ 0.971485496, -1.99790645, 0.470443547 } };
	static const double rms_m[3][3] = {
		{ 0.980000019, -1.98000002, 0.480000019 },
		{ 0.970980287, -1.97990644, 0.447822392 },
		{ 0.945367754, -1.97982228, 0.4234837 } };
	static const double sgd[3][3] = {
		{ 0.99000001, -1.98000002, 0.469999999 },
		{ 0.986000001, -2.00200009, 0.412999988 },
		{ 0.962400019, -2.02180004, 0.371699989 } };

	/* Step 1 by hand. Adam: m^ = g, v^ = g^2, so p -= lr g/(|g| + eps).
	 * RMSprop: v = 0.01 g^2, p -= lr g/(0.1|g| + eps). SGD: buf = g. */
	optim_defaults(&c, OPTIM_ADAM);
	ok(c.lr == 2e-3f && c.beta1 == 0.9f && c.beta2 == 0.999f &&
	    c.eps == 1e-8f, "optim: adam defaults");
	float p[3] = { 1.0f, -2.0f, 0.5f };
	optim *o = optim_create(&c, 3);
	optim_step(o, p, grads3[0]);
	double w = 0.0;
	for (int i = 0; i < 3; i++) {
		double g = grads3[0][i], p0 = i == 0 ? 1 : i == 1 ? -2 : 0.5;
		w = tap_worst(w, fabs(p[i] - (p0 - 2e-3 * g /
		    (fabs(g) + 1e-8))));
	}
	ok(w < 1e-6 && o->t == 1, "optim: adam step 1 by hand (%.1e)", w);
	optim_free(o);
	w = run_optim(&c, adam);
	ok(w < 5e-7, "optim: adam 3 steps = torch.optim.Adam (%.1e)", w);

	optim_defaults(&c, OPTIM_RMSPROP);
	ok(c.alpha == 0.99f && c.eps == 1e-8f && c.momentum == 0.0f,
	    "optim: rmsprop defaults");
	float q[3] = { 1.0f, -2.0f, 0.5f };
	o = optim_create(&c, 3);
	optim_step(o, q, grads3[0]);
	w = 0.0;
	for (int i = 0; i < 3; i++) {
		double g = grads3[0][i], p0 = i == 0 ? 1 : i == 1 ? -2 : 0.5;
		w = tap_worst(w, fabs(q[i] - (p0 - c.lr * g /
		    (sqrt(0.01 * g * g) + 1e-8))));
	}
	ok(w < 1e-6, "optim: rmsprop step 1 by hand (%.1e)", w);
	optim_free(o);
	w = run_optim(&c, rms);
	ok(w < 5e-7, "optim: rmsprop 3 steps = torch.optim.RMSprop (%.1e)", w);
	c.momentum = 0.9f;
	w = run_optim(&c, rms_m);
	ok(w < 5e-7, "optim: rmsprop momentum 0.9, 3 steps = torch (%.1e)", w);

	optim_defaults(&c, OPTIM_SGD);
	ok(c.lr == 0.1f && c.momentum == 0.9f, "optim: sgd defaults");
	w = run_optim(&c, sgd);
	ok(w < 5e-7, "optim: sgd momentum 0.9, 3 steps = torch.optim.SGD "
	    "(first buf = g) (%.1e)", w);

	/* clip_grad_norm_ */
	float g[3] = { 3.0f, 4.0f, 0.0f };
	float n = grad_clip(g, 3, 1.0f);
	double after = sqrt((double)g[0] * g[0] + (double)g[1] * g[1]);
	ok(n == 5.0f && fabs(g[0] - 0.599999905) < 1e-7 &&
	    fabs(g[1] - 0.799999833) < 1e-7 && fabs(after - 1.0) < 1e-6,
	    "grad_clip: norm 5 returned, scaled to %.7f (torch: 0.6, 0.8 "
	    "times 5/(5+1e-6))", after);
	float h[2] = { 0.3f, 0.4f };
	n = grad_clip(h, 2, 1.0f);
	ok(fabsf(n - 0.5f) < 1e-7f && h[0] == 0.3f && h[1] == 0.4f,
	    "grad_clip: under the limit, untouched");
	float k[3] = { 1.0f, NAN, 2.0f };
	ok(isnan(grad_clip(k, 3, 1.0f)), "grad_clip: NaN norm returned");
	float inf[2] = { INFINITY, 1.0f };
	ok(isinf(grad_clip(inf, 2, 1.0f)), "grad_clip: Inf norm returned");
}

int
main(void)
{
	test_config();
	test_layout();
	test_init_loss();
	for (size_t i = 0; i < NELEMS(cells); i++) {
		test_step_matches_forward(cells[i], 0);
		test_step_matches_forward(cells[i], 5);
	}
	for (size_t i = 0; i < NELEMS(cells); i++)
		test_carry(cells[i]);
	test_dropout();
	for (size_t i = 0; i < NELEMS(cells); i++) {
		test_threads(cells[i], 0);
		test_threads(cells[i], 12);
	}
	for (size_t i = 0; i < NELEMS(cells); i++) {
		test_kernel_sets(cells[i], 0);
		test_kernel_sets(cells[i], 12);
	}
	test_memorise();
	for (size_t i = 0; i < NELEMS(cells); i++) {
		test_step_threads(cells[i], 0, -1);
		test_step_threads(cells[i], 20, -1);
		test_step_threads(cells[i], 0, MODEL_FP32);
		test_step_threads(cells[i], 20, MODEL_FP32);
		test_step_threads(cells[i], 0, MODEL_FP16);
		test_step_threads(cells[i], 20, MODEL_FP16);
	}
	test_step_concurrent();
	test_half_convert();
	test_half_hardware();
	for (size_t i = 0; i < NELEMS(cells); i++) {
		test_step_half(cells[i], 0);
		test_step_half(cells[i], 20);
		test_step_pack32(cells[i], 0);
		test_step_pack32(cells[i], 20);
	}
	test_half_range();
	test_optim();
	return tap_done();
}
