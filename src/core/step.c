/* step.c - the batch-1 step for sampling: one token in, the logits out,
 * on one core or two; and the step's own copy of the weights.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell.h"
#include "half.h"
#include "kernels.h"
#include "model.h"
#include "pool.h"
#include "util.h"
#include "vec.h"

/*
 * At batch 1 the step is a matrix-vector product per weight matrix: each
 * character streams every weight once (3.1 MB at LSTM 2x256), so its speed
 * is the caches' bandwidth. The step splits the hidden units (and the
 * output rows) of every layer between the calling thread and one
 * persistent helper thread: each core then reads only its half of the
 * weights, always the same half: 1.6 MB at 2x256, or 0.8 MB in half
 * precision (MODEL_FP16), which stays in a 1 MB L2 instead of streaming
 * from the shared L3. The halves meet at a spin barrier after each layer
 * (the next layer needs the whole new h) and at the end. New h goes to
 * scratch (the other half may still be reading the old h) and is copied
 * into s->h once both halves are done; c is updated in place (a unit's c
 * is read only by its own half).
 *
 * Every row is computed by the same code wherever it falls (params: a
 * four-row block, a partial block repeating its last row; the pack: a
 * lane of a 16-row panel, and each part's rows start on a panel), so a
 * step's logits are bitwise the same whether one thread or two computed
 * it: a seeded generation does not depend on whether the helper was free.
 *
 * Who gets the helper (the one of the state's pool, pool.h): one
 * model_step at a time (a trylock; the loser runs alone), never while a
 * training forward or backward of the pool runs (those use both cores; a
 * sampling thread spinning beside them would only slow both), and only
 * when OpenBLAS is allowed two or more threads (the --threads setting).
 * Small models stay on one thread: below STEP_MIN_WORK weights the
 * barriers cost more than the halving saves.
 */
#define STEP_MIN_WORK (48 * 1024)	/* weights (floats) per character */

/*
 * y[r] = W[r] . x for rows r = 0..n-1 of W (n, K), rows K apart. Four rows
 * per pass share each load of x; sixteen partial sums per row (one AVX-512
 * register) summed in a fixed order, without -ffast-math. A last partial
 * block repeats its last row, so each row's result is the same bits
 * wherever it falls. Rows two passes ahead are prefetched (the weights of
 * a big model stream from L3).
 */
KERNEL void
mv_rows(float *restrict y, const float *restrict W, const float *restrict x,
    size_t n, size_t K)
{
	size_t K16 = K & ~(size_t)15;

	for (size_t i = 0; i < n; i += 4) {
		size_t i1 = MIN(i + 1, n - 1), i2 = MIN(i + 2, n - 1),
		    i3 = MIN(i + 3, n - 1);
		const float *w0 = W + i * K, *w1 = W + i1 * K, *w2 = W + i2 * K,
		    *w3 = W + i3 * K;
		const float *pf = i + 12 <= n ? w0 + 8 * K : w0;
		float a0[16] = { 0 }, a1[16] = { 0 }, a2[16] = { 0 },
		    a3[16] = { 0 };
		for (size_t k = 0; k < K16; k += 16) {
			PREFETCH(pf + k);
			PREFETCH(pf + K + k);
			PREFETCH(pf + 2 * K + k);
			PREFETCH(pf + 3 * K + k);
			for (int u = 0; u < 16; u++) {
				float xv = x[k + u];
				a0[u] += w0[k + u] * xv;
				a1[u] += w1[k + u] * xv;
				a2[u] += w2[k + u] * xv;
				a3[u] += w3[k + u] * xv;
			}
		}
		float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		for (int u = 0; u < 16; u++) {
			s0 += a0[u];
			s1 += a1[u];
			s2 += a2[u];
			s3 += a3[u];
		}
		for (size_t k = K16; k < K; k++) {
			s0 += w0[k] * x[k];
			s1 += w1[k] * x[k];
			s2 += w2[k] * x[k];
			s3 += w3[k] * x[k];
		}
		y[i] = s0;
		if (i + 1 < n)
			y[i + 1] = s1;
		if (i + 2 < n)
			y[i + 2] = s2;
		if (i + 3 < n)
			y[i + 3] = s3;
	}
}

/* ---- the step's packed weights ----------------------------------------- */

static const char *const precision_names[] = { "fp32", "fp16" };

const char *
precision_name(int precision)
{
	return precision >= 0 && (size_t)precision < NELEMS(precision_names) ?
	    precision_names[precision] : "?";
}

int
precision_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(precision_names); i++) {
		if (strcasecmp(s, precision_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * model_set_precision makes m->pack, a copy of the weight matrices laid
 * out for the batch-1 step, in float (MODEL_FP32) or in binary16
 * (MODEL_FP16). In half precision a character streams 1.6 MB instead of
 * 3.1 at LSTM 2x256: each core's half (0.8 MB) stays in its own 1 MB L2
 * instead of coming from L3. Only the weights are rounded; x, the products
 * and the sums stay float.
 *
 * Each matrix is stored in panels of 16 rows, a panel (K, 16): column k of
 * the panel's rows is 16 consecutive values. A row's dot product is then
 * one lane of a vector accumulator (no horizontal sums, which cost as much
 * as the products at K = 256), x[k] is broadcast, and four panels in
 * flight give eight independent FMA chains. A gated matrix (G*H, K) is G
 * blocks of H rows, each padded to whole panels, so that the step's
 * per-gate, 16-unit-aligned slices start on a panel. weight_ih_l0 of a
 * one-hot input is stored transposed, (V, G*H), unpadded: a character's
 * input projection is one contiguous row.
 *
 * Each output is the same sequential sum over k whichever thread computes
 * it. The kernels are the kernel set's (kernels.h: x86-64 with AVX2, FMA
 * and F16C, or ARM64's NEON); where the set has none there is no copy and
 * the step reads params (mv_rows).
 */
#define PANEL KERN_PANEL

struct model_pack {
	int precision;	/* MODEL_FP32: f, MODEL_FP16: h */
	const kernels *kern;	/* the kernel set when the copy was made */
	float *f;
	uint16_t *h;
	size_t ih[MODEL_MAX_LAYERS];	/* offsets, in values */
	size_t hh[MODEL_MAX_LAYERS];
	size_t fc;
	size_t block;	/* values per gate block of a recurrent matrix with
			   K = H (w_hh, w_ih above the first layer) */
	size_t block0;	/* ... of w_ih_l0 (K = E; one-hot: unused) */
};

static size_t
panel_rows(size_t R)
{
	return (R + PANEL - 1) / PANEL * PANEL;
}

/* Store w at index i of the pack's buffer. */
static void
pack_put(model_pack *pk, size_t i, float w)
{
	if (pk->precision == MODEL_FP16)
		pk->h[i] = half_from_float(w);
	else
		pk->f[i] = w;
}

/* R rows of W (K apart) into panels at offset off. */
static void
panelize(model_pack *pk, size_t off, const float *W, size_t R, size_t K)
{
	size_t Rp = panel_rows(R);

	for (size_t r = 0; r < Rp; r++) {
		size_t o = off + r / PANEL * PANEL * K + r % PANEL;
		for (size_t k = 0; k < K; k++)
			pack_put(pk, o + k * PANEL, r < R ? W[r * K + k] : 0);
	}
}

/* y = the first n rows of the panels at offset off, times x (K). */
static void
pack_mv(const model_pack *pk, float *y, size_t off, const float *x,
    size_t n, size_t K)
{
	if (pk->precision == MODEL_FP16)
		pk->kern->mv_panels_h(y, pk->h + off, x, n, K);
	else
		pk->kern->mv_panels_f(y, pk->f + off, x, n, K);
}

/* y[i] = the pack's values off + i, i < n (a one-hot input's row). */
static void
pack_row(const model_pack *pk, float *y, size_t off, size_t n)
{
	if (pk->precision == MODEL_FP16)
		pk->kern->widen_halves(y, pk->h + off, n);
	else
		memcpy(y, pk->f + off, n * sizeof(float));
}

/* Do the weight matrices fit binary16 (finite, |w| <= HALF_MAX)? */
static int
fits_half(const model *m)
{
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		if (t->ndim != 2 || m->params + t->offset == m->emb)
			continue;
		const float *p = m->params + t->offset;
		for (size_t k = 0; k < t->size; k++) {
			if (!(fabsf(p[k]) <= HALF_MAX))
				return 0;
		}
	}
	return 1;
}

void
model_unpack(model *m)
{
	if (m->pack != NULL) {
		free(m->pack->f);
		free(m->pack->h);
	}
	free(m->pack);
	m->pack = NULL;
}

/* The layout: offsets of every matrix; returns the values in all. */
static size_t
pack_layout(const model *m, model_pack *pk)
{
	size_t H = (size_t)m->cfg.H, V = (size_t)m->cfg.V,
	    E = (size_t)m->cfg.E, G = (size_t)m->G, off = 0;

	pk->block = panel_rows(H) * H;
	pk->block0 = panel_rows(H) * E;
	for (int l = 0; l < m->cfg.L; l++) {
		pk->ih[l] = off;
		off += l > 0 ? G * pk->block : E > 0 ? G * pk->block0 :
		    G * H * V;
		pk->hh[l] = off;
		off += G * pk->block;
	}
	pk->fc = off;
	return off + panel_rows(V) * H;
}

/* Has the kernel set k the kernels of the step at precision? */
static int
pack_supported(const kernels *k, int precision)
{
	if (precision == MODEL_FP16)
		return k->mv_panels_h != NULL && k->widen_halves != NULL;
	return k->mv_panels_f != NULL;
}

int
model_set_precision(model *m, int precision)
{
	const kernels *k = kernels_active();

	if (precision == MODEL_FP16 && (!pack_supported(k, MODEL_FP16) ||
	    !fits_half(m)))
		precision = MODEL_FP32;
	if (!pack_supported(k, precision)) {
		model_unpack(m);
		return MODEL_FP32;	/* params, through mv_rows */
	}
	if (m->pack != NULL && m->pack->precision != precision)
		model_unpack(m);
	if (m->pack == NULL) {
		model_pack *pk = xcalloc(1, sizeof *pk);
		size_t n = pack_layout(m, pk);
		pk->precision = precision;
		if (precision == MODEL_FP16)
			pk->h = (uint16_t *)xalloc_floats((n + 1) / 2);
		else
			pk->f = xalloc_floats(n);
		m->pack = pk;
	}
	model_pack *pk = m->pack;
	pk->kern = k;
	size_t H = (size_t)m->cfg.H, V = (size_t)m->cfg.V,
	    E = (size_t)m->cfg.E, G = (size_t)m->G, GH = G * H;
	for (int l = 0; l < m->cfg.L; l++) {
		size_t in = l > 0 ? H : E;
		for (size_t g = 0; g < G; g++) {
			if (l > 0 || E > 0)
				panelize(pk, pk->ih[l] + g * (l > 0 ?
				    pk->block : pk->block0),
				    m->w_ih[l] + g * H * in, H, in);
			panelize(pk, pk->hh[l] + g * pk->block,
			    m->w_hh[l] + g * H * H, H, H);
		}
	}
	if (E == 0) {	/* one-hot: weight_ih_l0 transposed */
		for (size_t r = 0; r < GH; r++) {
			for (size_t v = 0; v < V; v++)
				pack_put(pk, pk->ih[0] + v * GH + r,
				    m->w_ih[0][r * V + v]);
		}
	}
	panelize(pk, pk->fc, m->fc_w, V, H);
	return precision;
}

/* scratch: gx (GH), gh (GH), hnew (L*H), tmp (H), each 16-float aligned */
static size_t
round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/*
 * gx = W_ih x and gh = W_hh hold on units j0..j0+n-1 of layer l, gate by
 * gate (gate g's units at g*H + j0 of each): from the pack, or params.
 * x NULL: no input vector (layer 0 of a one-hot model, or no token).
 */
static void
step_products(const model *m, int l, const float *x, int token,
    const float *hold, float *gx, float *gh, size_t j0, size_t n)
{
	size_t H = (size_t)m->cfg.H, V = (size_t)m->cfg.V, E = (size_t)m->cfg.E;
	size_t GH = (size_t)m->G * H, in = l > 0 ? H : E;
	int onehot = l == 0 && E == 0 && token >= 0;
	const model_pack *pk = m->pack;

	for (size_t g = 0; g < (size_t)m->G; g++) {
		size_t r0 = g * H + j0;
		if (pk != NULL) {
			if (x != NULL)
				pack_mv(pk, gx + r0, pk->ih[l] + g *
				    (l > 0 ? pk->block : pk->block0) +
				    j0 * in, x, n, in);
			else if (onehot)
				pack_row(pk, gx + r0, pk->ih[0] +
				    (size_t)token * GH + r0, n);
			else
				memset(gx + r0, 0, n * sizeof(float));
			pack_mv(pk, gh + r0, pk->hh[l] + g * pk->block +
			    j0 * H, hold, n, H);
			continue;
		}
		if (x != NULL)
			mv_rows(gx + r0, m->w_ih[l] + r0 * in, x, n, in);
		else if (onehot) {
			/* one-hot: column `token` of w_ih (GH, V) */
			const float *w = m->w_ih[0] + r0 * V + token;
			for (size_t j = 0; j < n; j++)
				gx[r0 + j] = w[j * V];
		} else
			memset(gx + r0, 0, n * sizeof(float));
		mv_rows(gh + r0, m->w_hh[l] + r0 * H, hold, n, H);
	}
}

/*
 * Part me of nparts (1 or 2) of one step: units share(H) of every
 * layer, then rows share(V) of the output. With two parts (meeting in
 * pool p) the new h of layer l is read by both only after the meeting
 * that ends layer l.
 */
static void
step_part(const model *m, model_state *s, int token, int me, int nparts,
    pool *p)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, V = (size_t)c->V, E = (size_t)c->E;
	size_t L = (size_t)c->L, GH = (size_t)m->G * H, j0, j1, v0, v1;
	float *gx = s->scratch, *gh = gx + round16(GH);
	float *hnew = gh + round16(GH), *tmp = hnew + round16(L * H);
	int valid = token >= 0 && (size_t)token < V;	/* else: no input */
	const model_pack *pk = m->pack;

	/* j0 and v0 start a panel of the pack */
	pool_share(H, me, nparts, PANEL, &j0, &j1);
	size_t n = j1 - j0;
	for (size_t l = 0; l < L; l++) {
		const float *hold = s->h + l * H, *x = NULL;
		if (l > 0)
			x = hnew + (l - 1) * H;
		else if (E > 0 && valid)
			x = m->emb + (size_t)token * E;
		if (n > 0) {
			step_products(m, (int)l, x, valid ? token : -1, hold,
			    gx, gh, j0, n);
			cell_step(c->cell, hnew + l * H + j0, s->c != NULL ?
			    s->c + l * H + j0 : NULL, hold + j0, gx + j0,
			    gh + j0, m->b_ih[l] + j0, m->b_hh[l] + j0,
			    tmp + j0, n, H);
		}
		if (nparts > 1)
			pool_helper_meet(p, me, 1);
	}
	pool_share(V, me, nparts, PANEL, &v0, &v1);
	if (v0 < v1) {
		if (pk != NULL)
			pack_mv(pk, s->logits + v0, pk->fc + v0 * H,
			    hnew + (L - 1) * H, v1 - v0, H);
		else
			mv_rows(s->logits + v0, m->fc_w + v0 * H,
			    hnew + (L - 1) * H, v1 - v0, H);
		for (size_t v = v0; v < v1; v++)
			s->logits[v] = m->fc_b[v] + s->logits[v];
	}
	if (nparts > 1)
		pool_helper_meet(p, me, me == 0);	/* 0 waits for 1 */
}

/* The helper's part of a step. */
typedef struct {
	const model *m;
	model_state *s;
	int token;
	pool *p;
} step_job;

static void
step_helper(void *arg)
{
	step_job *j = arg;

	step_part(j->m, j->s, j->token, 1, 2, j->p);
}

/* The pool whose helper s borrows: its own if it was given none. */
static pool *
step_pool(model_state *s)
{
	if (s->pool != NULL)
		return s->pool;
	if (s->own == NULL)
		s->own = pool_create();
	return s->own;
}

/*
 * May this step use two threads? 0: no (one thread forced, a small model,
 * a training forward or backward of the pool running, OpenBLAS held to one
 * thread); 2: yes, always (model_state_set_threads(s, 2)); 1: yes, if
 * measured faster.
 */
static int
step_allowed(const model *m, model_state *s)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, in0 = c->E > 0 ? (size_t)c->E : 0;
	double work = (double)m->G * H * (in0 + H) + (double)c->V * H +
	    (double)(c->L - 1) * m->G * H * 2.0 * H;

	if (s->threads == 1 || H < 32)
		return 0;
	if (s->threads == 2)
		return 2;
	if (work < STEP_MIN_WORK || pool_passes(s->pool) > 0 ||
	    openblas_get_num_threads() < 2)
		return 0;
	return 1;
}

/*
 * One or two threads, by the smoothed time per step of each on this state.
 * Two threads need the other core: when another process holds it the
 * helper runs in slices and a step can take 10x longer than on one thread.
 * So both are timed: the faster one runs, and after step_every steps the
 * other runs for 4 (the first of a run is not timed: the helper may be
 * waking up, the caches refilling) to notice when the machine changes.
 * While the choice holds, step_every doubles (256 up to 8192): a probe of
 * the slow way costs < 1% of the time.
 */
static int
step_choose(model_state *s)
{
	if (s->step_ns[1] == 0.0f)
		return 2;
	if (s->step_ns[0] == 0.0f)
		return 1;
	int best = s->step_ns[1] <= s->step_ns[0] ? 2 : 1;
	if (s->step_every == 0) {
		s->step_every = 256;
		s->step_best = best;
	}
	unsigned k = s->step_count++;
	if (k < s->step_every)
		return best;
	if (k < s->step_every + 4)
		return 3 - s->step_best;
	s->step_count = 1;
	s->step_every = best == s->step_best ? MIN(2 * s->step_every, 8192) :
	    256;
	s->step_best = best;
	return best;
}

static void
step_record(model_state *s, int n, uint64_t ns)
{
	float t = (float)ns, *e = &s->step_ns[n - 1];

	/* One step preempted by another process says little: a slow step
	 * counts as at most 4x the average so far (a core taken for good
	 * still shows within a few steps). */
	if (s->step_prev == n)
		*e = *e == 0.0f ? t : 0.75f * *e + 0.25f * MIN(t, 4.0f * *e);
	s->step_prev = n;
}

model_state *
model_state_create(const model *m)
{
	model_state *s = xcalloc(1, sizeof *s);
	size_t H = (size_t)m->cfg.H, L = (size_t)m->cfg.L;
	size_t V = (size_t)m->cfg.V, GH = (size_t)m->G * H;
	size_t nh = round16(L * H);
	size_t nc = cell_states(m->cfg.cell) == 2 ? nh : 0;
	size_t nscratch = 2 * round16(GH) + nh + round16(H);
	float *p = xalloc_floats(nh + nc + round16(V) + nscratch);

	s->L = (int)L;
	s->H = (int)H;
	s->V = (int)V;
	s->h = p;
	s->c = nc ? p + nh : NULL;
	s->logits = p + nh + nc;
	s->scratch = s->logits + round16(V);
	return s;
}

void
model_state_free(model_state *s)
{
	if (s == NULL)
		return;
	pool_free(s->own);
	free(s->h);
	free(s);
}

void
model_state_reset(model_state *s)
{
	size_t n = (size_t)s->L * s->H;

	memset(s->h, 0, n * sizeof(float));
	if (s->c != NULL)
		memset(s->c, 0, n * sizeof(float));
	memset(s->logits, 0, (size_t)s->V * sizeof(float));
}

void
model_state_copy(model_state *dst, const model_state *src)
{
	size_t n = (size_t)src->L * src->H;

	memcpy(dst->h, src->h, n * sizeof(float));
	if (src->c != NULL && dst->c != NULL)
		memcpy(dst->c, src->c, n * sizeof(float));
	memcpy(dst->logits, src->logits, (size_t)src->V * sizeof(float));
}

void
model_state_set_pool(model_state *s, pool *p)
{
	s->pool = p;
}

void
model_state_set_threads(model_state *s, int n)
{
	s->threads = n < 0 ? 0 : n > 2 ? 2 : n;
}

const float *
model_step(const model *m, model_state *s, int token)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, GH = (size_t)m->G * H;
	float *hnew = s->scratch + 2 * round16(GH);
	int allowed = step_allowed(m, s), n = 1;
	pool *p = NULL;
	uint64_t t0 = 0;

	if (allowed != 0) {
		n = allowed == 2 ? 2 : step_choose(s);
		if (n == 2 && !pool_helper_take(p = step_pool(s))) {
			n = 1;
			allowed = 0;	/* busy elsewhere: not a fair timing */
		}
	}
	if (allowed == 1)
		t0 = now_ns();
	if (n == 2) {
		step_job j = { m, s, token, p };
		pool_helper_post(p, step_helper, &j);
		step_part(m, s, token, 0, 2, p);
		pool_helper_give(p);
	} else {
		step_part(m, s, token, 0, 1, NULL);
	}
	memcpy(s->h, hnew, (size_t)c->L * H * sizeof(float));
	if (allowed == 1)
		step_record(s, n, now_ns() - t0);
	else
		s->step_prev = 0;
	return s->logits;
}
