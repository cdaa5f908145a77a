/* fb.c - forward and backward through time over a training workspace.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward per layer: the input projection of the whole sequence in one GEMM
 * (M = T*B; for one-hot input a copy per character of a row of W_ih^T,
 * transposed once per forward), then per step one GEMM for
 * h W_hh^T and one fused pass over the gates (cell_forward). Backward per
 * layer: per step one fused pass giving the pre-activation gradients dpre
 * (T, B, G*H) (cell_backward) and one GEMM carrying d h back a step; then
 * W_ih and W_hh gradients over the whole sequence with one GEMM each
 * (K = T*B). The workspace's layout: model_int.h.
 *
 * Products. Where the workspace's kernel set has kernels of its own
 * (kernels.h), every product of a pass is theirs: the per-step recurrent
 * products and the input projections (W_hh^T or W_ih^T packed once per
 * layer into ws->wpk by all threads, fb_pack), the output layer and its
 * input gradient (fc.weight packed into ws->fcpk), the weight gradients
 * (kernels_gemm_tn, K = T*B, the bias sums riding along). Each sums every
 * element of its output in k order, one fused multiply-add per term,
 * wherever a split puts it. The generic set runs OpenBLAS instead.
 *
 * Threads: how a step splits over N cores. The forward and backward run
 * their own threads (a crew, pool.h, kept in the workspace), as many as
 * OpenBLAS is set to use (openblas_set_num_threads, the trainer's
 * --threads), with OpenBLAS single-threaded meanwhile. Per layer:
 *   - packing a weight matrix: by panels of 32 columns;
 *   - the input projection (T*B rows), dropout (blocks of 4096), the
 *     output layer with its loss (T*B rows), d input (T*B rows): by rows;
 *   - the weight gradients: by rows of the gradient (G*H, or V for fc);
 *   - the recurrence, forward and backward: by streams. Thread i runs all
 *     T steps of its B/N streams, one GEMM of (B/N, H) x (H, G*H) and one
 *     cell pass per step, with no barrier between steps: the streams do
 *     not depend on each other. What stays serial is each stream's chain
 *     of T steps, so the recurrence's parallel width is B: past N = B/mr
 *     threads (mr = 8 rows per register tile with AVX-512, 6 with AVX2 or
 *     NEON) a thread's per-step product has less than a tile of rows and
 *     runs below the kernel's rate; past N = B threads the rest wait.
 * Between these phases every thread meets the caller (pool_crew_run's
 * join): a dozen times per forward or backward, not per step. Serial
 * besides: turning the ids time-major, summing the loss, clearing the
 * gradients, and (in the caller) clipping and the optimizer step.
 *
 * What threads promise. With a kernel set of its own, every product sums
 * each element in the same order whichever thread computes it, dropout
 * masks are drawn per block from per-layer seeds, the bias sums and the
 * one-hot scatter run in row order per column, so any thread count gives
 * the same bits as one (tests/test_model.c checks 1 against 2, 3 and 5).
 * The generic set's OpenBLAS sums depend on the shape of each call: there
 * thread counts agree to float rounding only. Calls on small workspaces
 * stay on one thread. OpenBLAS's setting is global: no other thread should
 * count on BLAS threads while a forward or backward runs.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "kernels.h"
#include "model.h"
#include "model_int.h"
#include "pool.h"
#include "util.h"
#include "vec.h"

typedef struct {
	const model *m;
	model_ws *ws;
	int l;			/* layer */
	float *dtop, *dnext;	/* backward: d hs[1..T] of layer l, d input */
	const float *onehot;	/* (V, GH) W_ih^T of a one-hot layer 0, or
				   NULL: gather W_ih's columns */
	float *pdst;		/* fb_pack: where, and the matrix to pack, */
	const float *pw;	/* as kernels_pack */
	size_t pK, pN, pks, pns;
} job;

/* ---- small helpers ---------------------------------------------------- */

/* out[c0..c1) += the column sums of a (M, N) there: bias gradients. */
static void
colsum_add(float *out, const float *a, size_t M, size_t N, size_t c0,
    size_t c1)
{
	if (c0 >= c1)
		return;
	for (size_t i = 0; i < M; i++)
		vec_add(out + c0, a + i * N + c0, c1 - c0);
}

/*
 * Softmax cross-entropy of one row of logits z (V) (bias not yet added)
 * against target y. Returns -log p[y]; *hit = (argmax == y). With dz != 0
 * the row becomes d loss / d z = (p - onehot(y)) * scale.
 */
static double
xent_row(float *z, const float *bias, int y, int dz, float scale, int *hit,
    size_t V)
{
	size_t am = 0;

	vec_add(z, bias, V);
	float mx = z[0];
	for (size_t v = 1; v < V; v++) {
		if (z[v] > mx) {
			mx = z[v];
			am = v;
		}
	}
	float zy = z[y];
	float sum = vec_exp_sum(z, mx, V);
	*hit = am == (size_t)y;
	if (dz) {
		vec_scale(z, scale / sum, V);
		z[y] -= scale;
	}
	return log((double)sum) - ((double)zy - mx);
}

/* ---- GEMM wrappers (row-major) ---------------------------------------- */

/* How fb_gemm reads w. */
enum { FB_W, FB_WT };

/*
 * c (M, N) = [beta] c + a (M, K) @ op(w): op(w) = w (K, N) for FB_W,
 * w^T of w (N, K) for FB_WT. From P, op(w) packed by kernels_pack,
 * through ws's packed kernel where P is not NULL; else OpenBLAS.
 */
static void
fb_gemm(const model_ws *ws, const float *P, float *c, const float *a,
    const float *w, int op, size_t M, size_t N, size_t K, int beta)
{
	if (P != NULL)
		ws->kern->pk_gemm(c, N, a, K, 1, P, M, N, K, beta);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, op == FB_WT ?
		    CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, a,
		    (int)K, w, op == FB_WT ? (int)K : (int)N,
		    beta ? 1.0f : 0.0f, c, (int)N);
}

/* c (M, N) += a (K, M)^T @ b (K, N): weight gradients summed over K rows;
 * a's rows are lda apart (a may be a column slice). */
static void
gemm_tn_acc(float *c, const float *a, const float *b, int M, int N, int K,
    int lda)
{
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.0f,
	    a, lda, b, N, 1.0f, c, N);
}

/* ---- threads ---------------------------------------------------------- */

static void
fb_pack_part(void *arg, int i, int n)
{
	job *j = arg;
	size_t j0, j1;

	pool_share(j->pN, i, n, KERN_NR, &j0, &j1);
	kernels_pack(j->pdst, j->pw, j->pK, j->pN, j->pks, j->pns, j0, j1);
}

/* dst (ws->wpk or ws->fcpk) = w packed as kernels_pack, by n threads. */
static void
fb_pack(job *j, int n, float *dst, const float *w, size_t K, size_t N,
    size_t ks, size_t ns)
{
	j->pdst = dst;
	j->pw = w;
	j->pK = K;
	j->pN = N;
	j->pks = ks;
	j->pns = ns;
	pool_crew_run(j->ws->crew, fb_pack_part, j, MAX(1, MIN(n,
	    (int)((N + KERN_NR - 1) / KERN_NR))));
}

/* Threads worth using on ws: a dozen meetings per pass cost more than a
 * second thread saves below some 4e6 multiply-adds of recurrence per
 * layer. */
static int
threads_for(const model_ws *ws, int nt)
{
	double work = (double)ws->T * ws->B * ws->G * ws->cfg.H * ws->cfg.H;

	return work < 4e6 ? 1 : MIN(nt, MODEL_MAX_THREADS);
}

/* Begin a pass on ws: its thread count n (pool_pass_begin's nt, or fewer
 * on a small workspace), a crew of that many, and their scratch. */
static int
fb_begin(model_ws *ws, int nt)
{
	int n = threads_for(ws, nt);

	if (n > 1 && ws->crew_asked != n) {	/* (it may have fewer) */
		pool_crew_free(ws->crew);
		ws->crew = pool_crew_create(n);
		ws->crew_asked = n;
	}
	if (ws->tn_floats > 0 && ws->tn_threads < n) {
		free(ws->tn);
		ws->tn = xalloc_floats((size_t)n * ws->tn_floats);
		ws->tn_threads = n;
	}
	return n;
}

/* ---- forward ---------------------------------------------------------- */

/* act (n, GH) = columns x[0..n) of w (GH, V): the one-hot input projection.
 * Blocks of 64 rows of w (64 V floats) stay in L1 across the n rows. */
static void
onehot_forward(float *act, const float *w, const uint16_t *x, size_t n,
    size_t GH, size_t V)
{
	for (size_t j0 = 0; j0 < GH; j0 += 64) {
		size_t j1 = MIN(j0 + 64, GH);
		for (size_t r = 0; r < n; r++) {
			float *a = act + r * GH;
			const float *wc = w + x[r];
			for (size_t j = j0; j < j1; j++)
				a[j] = wc[j * V];
		}
	}
}

/* Part i of n of ws->wpk (V, GH) = w_ih[0]^T (w_ih[0] (GH, V)): the
 * one-hot input projection's rows, one per character. */
static void
onehot_table_part(void *arg, int i, int n)
{
	job *j = arg;
	size_t GH = (size_t)j->m->G * j->m->cfg.H, V = (size_t)j->m->cfg.V;
	const float *w = j->m->w_ih[0];
	size_t g0, g1;

	pool_share(GH, i, n, 16, &g0, &g1);
	for (size_t g = g0; g < g1; g++)
		for (size_t v = 0; v < V; v++)
			j->ws->wpk[v * GH + g] = w[g * V + v];
}

/* Rows g0..g1 of dw (GH, V): column x[tb] += dpre[tb] (TB, GH), the
 * one-hot weight gradient. Summed into a transposed scratch (V, g1 - g0)
 * a whole row at a time, then added into dw: each element sums in the
 * same order as adding into dw's strided columns directly, which is the
 * fallback when the scratch cannot be had. */
static void
onehot_backward(float *dw, const float *dpre, const uint16_t *x, size_t TB,
    size_t g0, size_t g1, size_t GH, size_t V)
{
	size_t ng = g1 - g0;
	float *wt = ng > 0 ? calloc(V * ng, sizeof(float)) : NULL;

	if (wt != NULL) {
		for (size_t tb = 0; tb < TB; tb++)
			vec_add(wt + (size_t)x[tb] * ng, dpre + tb * GH + g0,
			    ng);
		for (size_t j = 0; j < ng; j++)
			for (size_t v = 0; v < V; v++)
				dw[(g0 + j) * V + v] += wt[v * ng + j];
		free(wt);
		return;
	}
	for (size_t j0 = g0; j0 < g1; j0 += 64) {
		size_t j1 = MIN(j0 + 64, g1);
		for (size_t tb = 0; tb < TB; tb++) {
			const float *d = dpre + tb * GH;
			float *dc = dw + x[tb];
			for (size_t j = j0; j < j1; j++)
				dc[j * V] += d[j];
		}
	}
}

/*
 * Inverted dropout on layer l's output: mask (TB*H) = 0 with probability p,
 * else 1/(1-p), and xd = hs[1..T] * mask. The mask is cut into blocks of
 * DROP_BLOCK, block k drawn from its own generator seeded by (the draw
 * ws->drop_seed[l] from the caller's rng, k): parallel, yet the same masks
 * whatever the thread count. Two 32-bit draws per rng call. The mask is
 * not kept: the backward draws it again from the same seed (a draw costs
 * less than holding (T, B, H) floats per layer).
 */
#define DROP_BLOCK 4096

/* y[lo..hi) = x[lo..hi) * block k of layer l's mask; y may be x. */
static void
drop_block(const model_ws *ws, int l, size_t k, size_t N, float *y,
    const float *x)
{
	float p = ws->cfg.dropout, scale = 1.0f / (1.0f - p);
	uint64_t keep = (uint64_t)((1.0 - (double)p) * 4294967296.0);
	size_t lo = k * DROP_BLOCK, hi = MIN(lo + DROP_BLOCK, N);
	float mask[DROP_BLOCK];
	/* A table, not ?:, which GCC compiles to a branch that the random
	 * bits mispredict half the time (3-4x slower). */
	const float pick[2] = { 0.0f, scale };
	rng_t r;

	rng_seed(&r, ws->drop_seed[l] ^ ((uint64_t)k * 0xd1b54a32d192ed03ULL));
	for (size_t e = 0; e < hi - lo; e += 2) {
		uint64_t u = rng_u64(&r);
		mask[e] = pick[(u & 0xffffffffu) < keep];
		if (lo + e + 1 < hi)
			mask[e + 1] = pick[(u >> 32) < keep];
	}
	if (y == x)
		vec_mul_inplace(y + lo, mask, hi - lo);
	else
		vec_mul(y + lo, x + lo, mask, hi - lo);
}

static void
fwd_dropout(void *arg, int i, int n)
{
	job *j = arg;
	model_ws *ws = j->ws;
	size_t N = (size_t)ws->T * ws->B * ws->cfg.H, BH = (size_t)ws->B *
	    ws->cfg.H, k0, k1;

	pool_share((N + DROP_BLOCK - 1) / DROP_BLOCK, i, n, 1, &k0, &k1);
	for (size_t k = k0; k < k1; k++)
		drop_block(ws, j->l, k, N, ws->xd[j->l], ws->hs[j->l] + BH);
}

/* dtop (T, B, H) *= layer l's mask: the gradient through the dropout. */
static void
bwd_dropout(void *arg, int i, int n)
{
	job *j = arg;
	model_ws *ws = j->ws;
	size_t N = (size_t)ws->T * ws->B * ws->cfg.H, k0, k1;

	pool_share((N + DROP_BLOCK - 1) / DROP_BLOCK, i, n, 1, &k0, &k1);
	for (size_t k = k0; k < k1; k++)
		drop_block(ws, j->l, k, N, j->dtop, j->dtop);
}

/* The input of layer l (T, B, in_l); NULL for one-hot. */
static const float *
layer_input(const model_ws *ws, int l)
{
	size_t BH = (size_t)ws->B * ws->cfg.H;

	if (l == 0)
		return ws->cfg.E > 0 ? ws->embx : NULL;
	return ws->dropped ? ws->xd[l - 1] : ws->hs[l - 1] + BH;
}

/* Input projection of the whole sequence, rows r0..r1 of
 * act (TB, GH) = x W_ih^T: one GEMM, or a column gather for one-hot. */
static void
fwd_input(void *arg, int i, int n)
{
	job *j = arg;
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H, r0, r1;
	size_t in = l > 0 ? H : m->cfg.E > 0 ? (size_t)m->cfg.E :
	    (size_t)m->cfg.V;
	const float *x = layer_input(ws, l);

	pool_share(TB, i, n, 1, &r0, &r1);
	if (r0 == r1)
		return;
	if (x == NULL && j->onehot != NULL) {	/* rows of W_ih^T */
		for (size_t r = r0; r < r1; r++)
			memcpy(ws->act[l] + r * GH, j->onehot +
			    (size_t)ws->xt[r] * GH, GH * sizeof(float));
	} else if (x == NULL)
		onehot_forward(ws->act[l] + r0 * GH, m->w_ih[0], ws->xt + r0,
		    r1 - r0, GH, in);
	else	/* W_ih^T packed (ws->wpk) */
		fb_gemm(ws, ws->wpk, ws->act[l] + r0 * GH, x + r0 * in,
		    m->w_ih[l], FB_WT, r1 - r0, GH, in, 0);
}

/*
 * Part i of n of layer l's recurrence: its streams b0.., r->nb of them
 * (0: none); r gets the layer's shapes and biases.
 */
static size_t
fb_rows_init(const job *j, int i, int n, cell_rows *r)
{
	const model *m = j->m;
	size_t b0, b1;

	pool_share((size_t)j->ws->B, i, n, 1, &b0, &b1);
	*r = (cell_rows){ .nb = b1 - b0, .H = (size_t)m->cfg.H,
	    .GH = (size_t)m->G * (size_t)m->cfg.H, .b_ih = m->b_ih[j->l],
	    .b_hh = m->b_hh[j->l] };
	return b0;
}

/* r's rows of streams b0.. at step t of layer l, where the forward
 * writes them and the backward reads them. */
static void
fb_rows_at(const job *j, cell_rows *r, size_t t, size_t b0)
{
	const model_ws *ws = j->ws;
	int l = j->l;
	size_t B = (size_t)ws->B, H = r->H, GH = r->GH, BH = B * H;

	r->act = ws->act[l] + (t * B + b0) * GH;	/* (nb, GH) */
	r->dpre = ws->dpre + (t * B + b0) * GH;
	r->h_prev = ws->hs[l] + t * BH + b0 * H;	/* (nb, H) */
	r->h = ws->hs[l] + (t + 1) * BH + b0 * H;
	if (ws->cs[l] != NULL) {
		r->c_prev = ws->cs[l] + t * BH + b0 * H;
		r->c = ws->cs[l] + (t + 1) * BH + b0 * H;
		r->c_next = r->c;
	}
	if (ws->hn[l] != NULL) {
		r->hn = ws->hn[l] + t * BH + b0 * H;
		r->dpreh = ws->dpreh + (t * B + b0) * GH;
	}
}

/*
 * The recurrence of layer l for its part of the streams: per step one
 * GEMM for W_hh h (M = the part's streams) and one fused pass over the
 * gates.
 */
static void
fwd_recur(void *arg, int i, int n)
{
	job *j = arg;
	model_ws *ws = j->ws;
	int cell = j->m->cfg.cell, split = cell_split(cell);
	cell_rows r;
	size_t b0 = fb_rows_init(j, i, n, &r);
	float *hp = split ? ws->hp + b0 * r.GH : NULL;	/* (nb, GH) */

	r.hp = hp;
	for (size_t t = 0; r.nb > 0 && t < (size_t)ws->T; t++) {
		fb_rows_at(j, &r, t, b0);
		/* W_hh h, into the pre-activations or apart */
		fb_gemm(ws, ws->wpk, split ? hp : r.act, r.h_prev,
		    j->m->w_hh[j->l], FB_WT, r.nb, r.GH, r.H, !split);
		cell_forward(cell, &r);
	}
}

/* Rows r0..r1: logits = top fc_w^T, then the softmax cross-entropy (and
 * in training d loss / d logits in place). */
static void
fwd_output(void *arg, int i, int n)
{
	job *j = arg;
	const model *m = j->m;
	model_ws *ws = j->ws;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t V = (size_t)m->cfg.V, r0, r1, hits = 0;
	const float *top = layer_input(ws, m->cfg.L);
	float scale = 1.0f / (float)TB;

	pool_share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1)	/* fc_w^T packed (ws->fcpk) */
		fb_gemm(ws, ws->fcpk, ws->logits + r0 * V, top + r0 * H,
		    m->fc_w, FB_WT, r1 - r0, V, H, 0);
	for (size_t r = r0; r < r1; r++) {
		int hit;
		ws->rowloss[r] = xent_row(ws->logits + r * V, m->fc_b,
		    ws->yt[r], ws->ready, scale, &hit, V);
		hits += (size_t)hit;
	}
	ws->hits[i] = hits;
}

double
model_forward(model *m, model_ws *ws, const uint16_t *x, const uint16_t *y,
    int train, rng_t *rng, size_t *correct)
{
	const model_config *c = &m->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t E = (size_t)c->E, L = (size_t)c->L, BH = B * H, TB = T * B;
	int lstm = cell_states(c->cell) == 2;
	job j = { .m = m, .ws = ws };

	ws->ready = train != 0;
	ws->dropped = train != 0 && c->dropout > 0.0f;

	/* (B, T) stream-major ids to (T, B) time-major. An id outside the
	 * vocabulary makes the loss NaN (and the backward a no-op) instead of
	 * reading out of bounds. */
	unsigned bad = 0;
	for (size_t b = 0; b < B; b++) {
		for (size_t t = 0; t < T; t++) {
			uint16_t xi = x[b * T + t], yi = y[b * T + t];
			bad |= (xi >= c->V) | (yi >= c->V);
			ws->xt[t * B + b] = xi;
			ws->yt[t * B + b] = yi;
		}
	}
	if (bad) {
		ws->ready = 0;
		if (correct != NULL)
			*correct = 0;
		return NAN;
	}

	int nt = pool_pass_begin(ws->pool);
	int n = fb_begin(ws, nt);
	if (E > 0) {
		for (size_t r = 0; r < TB; r++)
			memcpy(ws->embx + r * E, m->emb + (size_t)ws->xt[r] * E,
			    E * sizeof(float));
	}

	for (size_t l = 0; l < L; l++) {
		j.l = (int)l;
		memcpy(ws->hs[l], ws->state + l * BH, BH * sizeof(float));
		if (lstm)
			memcpy(ws->cs[l], ws->state + (L + l) * BH,
			    BH * sizeof(float));
		size_t in = l > 0 ? H : E, GH = (size_t)m->G * H;
		if (ws->wpk != NULL && in > 0)	/* W_ih^T (in, GH) */
			fb_pack(&j, n, ws->wpk, m->w_ih[l], in, GH, 1, in);
		j.onehot = NULL;
		if (ws->wpk != NULL && in == 0 && c->V * GH <= ws->wpk_floats) {
			pool_crew_run(ws->crew, onehot_table_part, &j, n);
			j.onehot = ws->wpk;
		}
		pool_crew_run(ws->crew, fwd_input, &j, n);
		if (ws->wpk != NULL)	/* W_hh^T (H, GH) */
			fb_pack(&j, n, ws->wpk, m->w_hh[l], H,
			    (size_t)m->G * H, 1, H);
		pool_crew_run(ws->crew, fwd_recur, &j, MIN(n, ws->B));
		memcpy(ws->state + l * BH, ws->hs[l] + T * BH,
		    BH * sizeof(float));
		if (lstm)
			memcpy(ws->state + (L + l) * BH, ws->cs[l] + T * BH,
			    BH * sizeof(float));
		if (ws->dropped) {
			ws->drop_seed[l] = rng_u64(rng);
			pool_crew_run(ws->crew, fwd_dropout, &j, n);
		}
	}

	/* fc over all T*B rows, with the fused softmax cross-entropy. */
	if (ws->fcpk != NULL)	/* fc_w^T (H, V) */
		fb_pack(&j, n, ws->fcpk, m->fc_w, H, (size_t)c->V, 1, H);
	pool_crew_run(ws->crew, fwd_output, &j, n);
	pool_pass_end(ws->pool, nt);

	double loss = 0.0;
	size_t hits = 0;
	for (size_t r = 0; r < TB; r++)
		loss += ws->rowloss[r];
	for (int i = 0; i < n; i++)
		hits += ws->hits[i];
	if (correct != NULL)
		*correct = hits;
	return loss / (double)TB;
}

/* ---- backward --------------------------------------------------------- */

#define GRAD(m, p) ((m)->grads + ((p) - (m)->params))

/* fc: columns of fc.weight's and fc.bias's gradients, and rows of
 * d top (TB, H) = dlogits (TB, V) fc_w (V, H). */
static void
bwd_output(void *arg, int i, int n)
{
	job *j = arg;
	const model *m = j->m;
	model_ws *ws = j->ws;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t V = (size_t)m->cfg.V, c0, c1, r0, r1;
	const float *top = layer_input(ws, m->cfg.L);

	if (ws->fcpk != NULL) {	/* rows c0..c1 of fc.weight's gradient */
		pool_share(V, i, n, 8, &c0, &c1);
		kernels_tn_out o = { top, H, H, GRAD(m, m->fc_w) + c0 * H, H };
		if (c0 < c1)
			kernels_gemm_tn(ws->kern, ws->logits + c0, V, c1 - c0,
			    TB, &o, 1, GRAD(m, m->fc_b) + c0,
			    ws->tn + (size_t)i * ws->tn_floats);
	} else {
		pool_share(H, i, n, 16, &c0, &c1);
		if (c0 < c1)
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
			    (int)V, (int)(c1 - c0), (int)TB, 1.0f, ws->logits,
			    (int)V, top + c0, (int)H, 1.0f,
			    GRAD(m, m->fc_w) + c0, (int)H);
		pool_share(V, i, n, 16, &c0, &c1);
		colsum_add(GRAD(m, m->fc_b), ws->logits, TB, V, c0, c1);
	}
	pool_share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1)	/* fc_w packed (ws->fcpk) */
		fb_gemm(ws, ws->fcpk, j->dtop + r0 * H, ws->logits + r0 * V,
		    m->fc_w, FB_W, r1 - r0, H, V, 0);
}

/*
 * Backward through the recurrence of layer l for its part of the
 * streams, given dtop (T, B, H) = d loss / d (dropped) hs[1..T] from
 * above. dtop is destroyed: step t adds the recurrent gradient into row
 * t-1 (at t = 0 into dstate). Fills dpre (and for split cells dpreh) for
 * the weight gradients.
 */
static void
bwd_recur(void *arg, int i, int n)
{
	job *j = arg;
	model_ws *ws = j->ws;
	int l = j->l, cell = j->m->cfg.cell, split = cell_split(cell);
	cell_rows r;
	size_t b0 = fb_rows_init(j, i, n, &r);
	size_t BH = (size_t)ws->B * r.H, L = (size_t)ws->cfg.L;

	if (r.nb == 0)
		return;
	float *dh0 = ws->dstate + (size_t)l * BH + b0 * r.H;	/* (nb, H) */
	memset(dh0, 0, r.nb * r.H * sizeof(float));
	if (cell_states(cell) == 2) {
		r.dc = ws->dstate + (L + (size_t)l) * BH + b0 * r.H;
		memset(r.dc, 0, r.nb * r.H * sizeof(float));
	}
	for (size_t t = (size_t)ws->T; t-- > 0;) {
		fb_rows_at(j, &r, t, b0);
		r.dh = j->dtop + t * BH + b0 * r.H;		/* (nb, H) */
		r.dprev = t > 0 ? j->dtop + (t - 1) * BH + b0 * r.H : dh0;
		cell_backward(cell, &r);
		/* d h before the step += d pre-activations (W_hh side) W_hh */
		fb_gemm(ws, ws->wpk, r.dprev, split ? r.dpreh : r.dpre,
		    j->m->w_hh[l], FB_W, r.nb, r.H, r.GH, 1);
	}
}

/* Rows g0..g1 of layer l's weight and bias gradients through OpenBLAS
 * (a set without kernels): W_hh from dq and hs[0..T-1], W_ih from dpre and
 * xin (a scatter for one-hot), the biases as column sums. */
static void
bwd_weights_blas(const job *j, const float *dq, const float *xin,
    size_t in, size_t g0, size_t g1)
{
	const model *m = j->m;
	const model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H;

	gemm_tn_acc(GRAD(m, m->w_hh[l]) + g0 * H, dq + g0, ws->hs[l],
	    (int)(g1 - g0), (int)H, (int)TB, (int)GH);
	if (xin != NULL)
		gemm_tn_acc(GRAD(m, m->w_ih[l]) + g0 * in, ws->dpre + g0, xin,
		    (int)(g1 - g0), (int)in, (int)TB, (int)GH);
	colsum_add(GRAD(m, m->b_hh[l]), dq, TB, GH, g0, g1);
	if (dq != ws->dpre)
		colsum_add(GRAD(m, m->b_ih[l]), ws->dpre, TB, GH, g0, g1);
}

/* The same through the kernel set's own kernels (kernels_gemm_tn, with
 * thread i's scratch): the bias sums ride along with the copies of dq and
 * dpre, and where dq is dpre (LSTM, RNN) one copy of it serves both
 * weights. */
static void
bwd_weights_own(const job *j, int i, const float *dq, const float *xin,
    size_t in, size_t g0, size_t g1)
{
	const model *m = j->m;
	const model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H, no = 1;
	float *scratch = ws->tn + (size_t)i * ws->tn_floats;
	kernels_tn_out o[2] = { { ws->hs[l], H, H,
	    GRAD(m, m->w_hh[l]) + g0 * H, H } };
	kernels_tn_out oi = { xin, in, in, GRAD(m, m->w_ih[l]) + g0 * in, in };

	if (dq == ws->dpre && xin != NULL)
		o[no++] = oi;
	kernels_gemm_tn(ws->kern, dq + g0, GH, g1 - g0, TB, o, no,
	    GRAD(m, m->b_hh[l]) + g0, scratch);
	if (dq == ws->dpre)
		return;
	if (xin != NULL)
		kernels_gemm_tn(ws->kern, ws->dpre + g0, GH, g1 - g0, TB, &oi,
		    1, GRAD(m, m->b_ih[l]) + g0, scratch);
	else
		colsum_add(GRAD(m, m->b_ih[l]), ws->dpre, TB, GH, g0, g1);
}

/*
 * Layer l's weight gradients over the whole sequence (K = T*B), rows
 * g0..g1 of each (bwd_weights_own or _blas; a scatter for a one-hot
 * W_ih), and rows of d input (TB, in) = dpre W_ih, the gradient for the
 * layer below.
 */
static void
bwd_weights(void *arg, int i, int n)
{
	job *j = arg;
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H, V = (size_t)m->cfg.V, g0, g1, r0, r1;
	size_t in = l > 0 ? H : m->cfg.E > 0 ? (size_t)m->cfg.E : V;
	const float *xin = layer_input(ws, l);
	const float *dq = cell_split(m->cfg.cell) ? ws->dpreh : ws->dpre;

	pool_share(GH, i, n, 16, &g0, &g1);
	if (g0 < g1) {
		if (ws->tn != NULL)
			bwd_weights_own(j, i, dq, xin, in, g0, g1);
		else
			bwd_weights_blas(j, dq, xin, in, g0, g1);
		if (xin == NULL)
			onehot_backward(GRAD(m, m->w_ih[0]), ws->dpre, ws->xt,
			    TB, g0, g1, GH, V);
		if (dq == ws->dpre)	/* the same sums: both were zero */
			memcpy(GRAD(m, m->b_ih[l]) + g0,
			    GRAD(m, m->b_hh[l]) + g0,
			    (g1 - g0) * sizeof(float));
	}
	if (xin == NULL)
		return;
	pool_share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1)	/* W_ih packed (ws->wpk) */
		fb_gemm(ws, ws->wpk, j->dnext + r0 * in, ws->dpre + r0 * GH,
		    m->w_ih[l], FB_W, r1 - r0, in, GH, 0);
}

void
model_backward(model *m, model_ws *ws, const uint16_t *x, const uint16_t *y)
{
	const model_config *c = &m->cfg;
	size_t TB = (size_t)ws->T * ws->B, E = (size_t)c->E;

	(void)x;
	(void)y;	/* the forward kept time-major copies */
	memset(m->grads, 0, m->nparams * sizeof(float));
	if (!ws->ready) {
		memset(ws->dstate, 0, ws->nstate * sizeof(float));
		return;
	}

	job j = { .m = m, .ws = ws, .dtop = ws->dbuf[0],
	    .dnext = ws->dbuf[1] };
	int nt = pool_pass_begin(ws->pool);
	int n = fb_begin(ws, nt);
	size_t H = (size_t)c->H, GH = (size_t)m->G * H;

	if (ws->fcpk != NULL)	/* fc_w (V, H) */
		fb_pack(&j, n, ws->fcpk, m->fc_w, (size_t)c->V, H, H, 1);
	pool_crew_run(ws->crew, bwd_output, &j, n);
	for (int l = c->L; l-- > 0;) {
		size_t in = l > 0 ? H : E;
		j.l = l;
		if (ws->dropped)
			pool_crew_run(ws->crew, bwd_dropout, &j, n);
		if (ws->wpk != NULL)	/* W_hh (GH, H) */
			fb_pack(&j, n, ws->wpk, m->w_hh[l], GH, H, H, 1);
		pool_crew_run(ws->crew, bwd_recur, &j, MIN(n, ws->B));
		if (ws->wpk != NULL && in > 0)	/* W_ih (GH, in) */
			fb_pack(&j, n, ws->wpk, m->w_ih[l], GH, in, in, 1);
		pool_crew_run(ws->crew, bwd_weights, &j, n);
		if (l == 0 && E > 0) {
			float *demb = GRAD(m, m->emb);
			for (size_t r = 0; r < TB; r++)
				vec_add(demb + (size_t)ws->xt[r] * E,
				    j.dnext + r * E, E);
		}
		float *tmp = j.dtop;
		j.dtop = j.dnext;
		j.dnext = tmp;
	}
	pool_pass_end(ws->pool, nt);
}
