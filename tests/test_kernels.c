/* test_kernels.c - every SIMD kernel of every set this CPU runs against the
 * plain-C one (kern_generic.c), and the plain-C ones against a reference
 * in double.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shapes hit every remainder path: N and H not multiples of the panel
 * widths (KERN_NR = 32 columns, KERN_PANEL = 16 rows, 8 and 16 lanes),
 * odd, M (the batch B) from 1 to 9 and past a row block (64), K = 1.
 * The kernels sum each output in k order with fused multiply-adds, as the
 * plain-C ones do with fmaf, so the results must be the same bits; a
 * sentinel past each row's end must stay untouched. A NaN fails every
 * comparison here (bits differ from a finite oracle's, and outputs must be
 * finite).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "kernels.h"
#include "rng.h"
#include "tap.h"
#include "util.h"

#define SENTINEL 12345.0f

static float
uniform(rng_t *r)
{
	return 2.0f * rng_float(r) - 1.0f;
}

/* Equal bits and finite, both; counts the elements that are not. */
static size_t
count_differ(const float *a, const float *b, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (memcmp(&a[i], &b[i], sizeof(float)) != 0 ||
		    !isfinite(a[i]) || !isfinite(b[i]))
			bad++;
	}
	return bad;
}

/* |got - want| <= tol * scale, NaN failing; counts the elements not. */
static size_t
count_far(const float *got, const double *want, const double *scale,
    size_t n, double tol)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(fabs((double)got[i] - want[i]) <= tol * scale[i]))
			bad++;
	}
	return bad;
}

/* ---- the packed recurrence GEMM --------------------------------------- */

typedef struct {
	size_t M, N, K, lda, ldc;
	float *a, *w, *P, *c0;	/* A (M, lda), W (K, N), P packed, C before */
} gemm_case;

static void
gemm_case_make(gemm_case *g, size_t M, size_t N, size_t K, rng_t *r)
{
	g->M = M;
	g->N = N;
	g->K = K;
	g->lda = K + 3;
	g->ldc = N + 5;
	g->a = xalloc_floats(M * g->lda);
	g->w = xalloc_floats(K * N);
	g->P = xalloc_floats(kernels_pack_size(K, N));
	g->c0 = xalloc_floats(M * g->ldc);
	for (size_t i = 0; i < M * g->lda; i++)
		g->a[i] = uniform(r);
	for (size_t i = 0; i < K * N; i++)
		g->w[i] = uniform(r);
	for (size_t i = 0; i < M; i++) {
		for (size_t j = 0; j < g->ldc; j++)
			g->c0[i * g->ldc + j] = j < N ? uniform(r) : SENTINEL;
	}
	/* half the cases pack W (K, N), half W^T stored (N, K) */
	if ((M + N + K) % 2)
		kernels_pack(g->P, g->w, K, N, N, 1, 0, N);
	else {
		float *wt = xalloc_floats(K * N);
		for (size_t k = 0; k < K; k++)
			for (size_t n = 0; n < N; n++)
				wt[n * K + k] = g->w[k * N + n];
		kernels_pack(g->P, wt, K, N, 1, K, 0, N);
		free(wt);
	}
}

static void
gemm_case_free(gemm_case *g)
{
	free(g->a);
	free(g->w);
	free(g->P);
	free(g->c0);
}

static void
gemm_run(kern_gemm_fn *fn, const gemm_case *g, int beta, float *c)
{
	memcpy(c, g->c0, g->M * g->ldc * sizeof(float));
	fn(c, g->ldc, g->a, g->lda, 1, g->P, g->M, g->N, g->K, beta);
}

static const size_t gemm_M[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 67, 100 };
static const size_t gemm_N[] = { 1, 7, 16, 17, 31, 32, 33, 50, 96, 100 };
static const size_t gemm_K[] = { 1, 2, 16, 31, 50 };

/* want (M, ldc) = C + A W in double, and the sums of |terms| (a scale
 * for the tolerance); the sentinels past N. */
static void
gemm_reference(const gemm_case *g, int beta, double *want, double *scale)
{
	for (size_t i = 0; i < g->M; i++) {
		for (size_t j = 0; j < g->ldc; j++) {
			double s = j < g->N && beta ? g->c0[i * g->ldc + j] :
			    0.0, sa = fabs(s);
			for (size_t k = 0; j < g->N && k < g->K; k++) {
				double p = (double)g->a[i * g->lda + k] *
				    g->w[k * g->N + j];
				s += p;
				sa += fabs(p);
			}
			want[i * g->ldc + j] = j < g->N ? s : SENTINEL;
			scale[i * g->ldc + j] = j < g->N ? sa : 0.0;
		}
	}
}

/* pk_gemm of set ks against the generic one, bit for bit (NULL: the
 * generic one against double) over every shape, beta 0 and 1; returns
 * the elements off. */
static size_t
gemm_check(const kernels *ks, size_t *cases)
{
	size_t bad = 0;
	rng_t r;

	rng_seed(&r, 2);
	for (size_t mi = 0; mi < NELEMS(gemm_M); mi++)
	for (size_t ni = 0; ni < NELEMS(gemm_N); ni++)
	for (size_t ki = 0; ki < NELEMS(gemm_K); ki++) {
		gemm_case g;
		gemm_case_make(&g, gemm_M[mi], gemm_N[ni], gemm_K[ki], &r);
		size_t nc = g.M * g.ldc, d;
		float *c = xalloc_floats(nc), *o = xalloc_floats(nc);
		double *want = xreallocarray(NULL, nc, sizeof *want);
		double *scale = xreallocarray(NULL, nc, sizeof *scale);
		for (int beta = 0; beta <= 1; beta++, (*cases)++) {
			gemm_run(kern_generic_pk_gemm, &g, beta, o);
			if (ks == NULL) {
				gemm_reference(&g, beta, want, scale);
				d = count_far(o, want, scale, nc, 1e-6);
			} else {
				gemm_run(ks->pk_gemm, &g, beta, c);
				d = count_differ(c, o, nc);
			}
			if (d != 0 && bad == 0)
				diag("%s pk_gemm M %zu N %zu K %zu beta %d: "
				    "%zu off", ks ? ks->name : "generic", g.M,
				    g.N, g.K, beta, d);
			bad += d;
		}
		free(c);
		free(o);
		free(want);
		free(scale);
		gemm_case_free(&g);
	}
	return bad;
}

static void
test_gemm(const kernels *ks)
{
	size_t cases = 0, bad = gemm_check(ks, &cases);

	if (ks == NULL)
		ok(bad == 0, "pk_gemm generic = double reference within 1e-6 "
		    "of sum |a w|, columns past N untouched: %zu cases, %zu "
		    "elements off", cases, bad);
	else
		ok(bad == 0, "pk_gemm %s = generic, bit for bit, M 1..9 and "
		    "64..100, N and K odd and past the panels, beta 0 and 1: %zu "
		    "cases, %zu elements differ", ks->name, cases, bad);
}

/* ---- weight gradients: kernels_gemm_tn --------------------------------- */

static const size_t tn_M[] = { 1, 5, 9, 64, 65, 130 };
static const size_t tn_N[] = { 1, 17, 33, 64 };
static const size_t tn_K[] = { 1, 7, 256, 300, 600 };	/* chunks of 256 */

typedef struct {
	size_t M, N[2], K, lda, ldb[2], ldc[2];
	float *a, *b[2], *c0[2], *bias0;
} tn_case;

static float *
tn_random(size_t n, rng_t *r)
{
	float *p = xalloc_floats(n);

	for (size_t i = 0; i < n; i++)
		p[i] = uniform(r);
	return p;
}

static void
tn_case_make(tn_case *t, size_t M, size_t N, size_t K, rng_t *r)
{
	t->M = M;
	t->K = K;
	t->lda = M + 3;
	t->a = tn_random(K * t->lda, r);
	t->bias0 = tn_random(M, r);
	for (int o = 0; o < 2; o++) {
		t->N[o] = o == 0 ? N : N + 7;
		t->ldb[o] = t->N[o] + 2;
		t->ldc[o] = t->N[o] + 5;
		t->b[o] = tn_random(K * t->ldb[o], r);
		t->c0[o] = tn_random(M * t->ldc[o], r);
		for (size_t i = 0; i < M; i++)
			for (size_t j = t->N[o]; j < t->ldc[o]; j++)
				t->c0[o][i * t->ldc[o] + j] = SENTINEL;
	}
}

static void
tn_case_free(tn_case *t)
{
	free(t->a);
	free(t->bias0);
	for (int o = 0; o < 2; o++) {
		free(t->b[o]);
		free(t->c0[o]);
	}
}

/* The promise, written out: C plus the products in k order, one fmaf
 * each; the bias plus A's rows in k order. */
static void
tn_oracle(const tn_case *t, float *c[2], float *bias)
{
	for (int o = 0; o < 2; o++) {
		memcpy(c[o], t->c0[o], t->M * t->ldc[o] * sizeof(float));
		for (size_t i = 0; i < t->M; i++)
			for (size_t j = 0; j < t->N[o]; j++) {
				float s = c[o][i * t->ldc[o] + j];
				for (size_t k = 0; k < t->K; k++)
					s = fmaf(t->a[k * t->lda + i],
					    t->b[o][k * t->ldb[o] + j], s);
				c[o][i * t->ldc[o] + j] = s;
			}
	}
	memcpy(bias, t->bias0, t->M * sizeof(float));
	for (size_t k = 0; k < t->K; k++)
		for (size_t i = 0; i < t->M; i++)
			bias[i] += t->a[k * t->lda + i];
}

/* kernels_gemm_tn through ks's pk_gemm on rows [i0, i1) and columns
 * [j0, j1) of both products (columns clipped to each product's N). */
static void
tn_part(const kernels *ks, const tn_case *t, float *c[2], float *bias,
    size_t i0, size_t i1, size_t j0, size_t j1, float *scratch)
{
	kernels_tn_out out[2];

	for (int o = 0; o < 2; o++) {
		size_t jb = MIN(j0, t->N[o]), je = MIN(j1, t->N[o]);
		out[o] = (kernels_tn_out){ t->b[o] + jb, t->ldb[o], je - jb,
		    c[o] + i0 * t->ldc[o] + jb, t->ldc[o] };
	}
	kernels_gemm_tn(ks, t->a + i0, t->lda, i1 - i0, t->K, out, 2,
	    bias != NULL ? bias + i0 : NULL, scratch);
}

/* Whole, then split in three along M, then in two along N (bias only
 * with the first column part): each the oracle's bits. */
static size_t
tn_check_case(const kernels *ks, const tn_case *t, float *scratch)
{
	float *want[2], *got[2], *wb = xalloc_floats(t->M);
	float *gb = xalloc_floats(t->M);
	size_t bad = 0, nc[2];

	for (int o = 0; o < 2; o++) {
		nc[o] = t->M * t->ldc[o];
		want[o] = xalloc_floats(nc[o]);
		got[o] = xalloc_floats(nc[o]);
	}
	tn_oracle(t, want, wb);
	for (int split = 0; split < 3; split++) {
		for (int o = 0; o < 2; o++)
			memcpy(got[o], t->c0[o], nc[o] * sizeof(float));
		memcpy(gb, t->bias0, t->M * sizeof(float));
		size_t m3 = (t->M + 2) / 3, h = (t->N[0] + 1) / 2;
		if (split == 0)
			tn_part(ks, t, got, gb, 0, t->M, 0, SIZE_MAX, scratch);
		for (size_t i = 0; split == 1 && i < t->M; i += m3)
			tn_part(ks, t, got, gb, i, MIN(i + m3, t->M), 0,
			    SIZE_MAX, scratch);
		if (split == 2) {
			tn_part(ks, t, got, gb, 0, t->M, 0, h, scratch);
			tn_part(ks, t, got, NULL, 0, t->M, h, SIZE_MAX,
			    scratch);
		}
		for (int o = 0; o < 2; o++)
			bad += count_differ(got[o], want[o], nc[o]);
		bad += count_differ(gb, wb, t->M);
	}
	for (int o = 0; o < 2; o++) {
		free(want[o]);
		free(got[o]);
	}
	free(wb);
	free(gb);
	return bad;
}

static void
test_gemm_tn(const kernels *ks)
{
	size_t cases = 0, bad = 0;
	float *scratch = xalloc_floats(kernels_tn_scratch(2 * 64 + 7));
	rng_t r;

	rng_seed(&r, 4);
	for (size_t mi = 0; mi < NELEMS(tn_M); mi++)
	for (size_t ni = 0; ni < NELEMS(tn_N); ni++)
	for (size_t ki = 0; ki < NELEMS(tn_K); ki++, cases++) {
		tn_case t;
		tn_case_make(&t, tn_M[mi], tn_N[ni], tn_K[ki], &r);
		size_t d = tn_check_case(ks, &t, scratch);
		if (d != 0 && bad == 0)
			diag("%s gemm_tn M %zu N %zu K %zu: %zu off", ks->name,
			    t.M, t.N[0], t.K, d);
		bad += d;
		tn_case_free(&t);
	}
	ok(bad == 0, "gemm_tn through %s's pk_gemm = C plus fmaf in k order, "
	    "bias sums in k order, bit for bit, whole or split along M or N, "
	    "K past the 256-row chunks, columns past N untouched: %zu cases, "
	    "%zu elements differ", ks->name, cases, bad);
	free(scratch);
}

/* ---- the batch-1 panels ----------------------------------------------- */

static const size_t mv_n[] = { 1, 5, 8, 15, 16, 17, 31, 33, 48, 63, 64, 65,
    80, 100 };
static const size_t mv_K[] = { 1, 3, 8, 16, 50 };

/* Panels for n rows of K: random values, as floats and as halves (the
 * floats then hold the halves' values). */
static void
panels_make(float **pf, uint16_t **ph, size_t n, size_t K, rng_t *r)
{
	size_t np = (n + KERN_PANEL - 1) / KERN_PANEL * KERN_PANEL * K;

	*pf = xalloc_floats(np);
	*ph = xreallocarray(NULL, np, sizeof **ph);
	for (size_t i = 0; i < np; i++) {
		(*ph)[i] = half_from_float(uniform(r));
		(*pf)[i] = half_to_float((*ph)[i]);
	}
}

static void
mv_reference(double *want, double *scale, const float *P, const float *x,
    size_t n, size_t K)
{
	for (size_t r = 0; r < n + 4; r++) {
		const float *p = P + r / KERN_PANEL * KERN_PANEL * K +
		    r % KERN_PANEL;
		double s = 0.0, sa = 0.0;
		for (size_t k = 0; r < n && k < K; k++) {
			s += (double)p[k * KERN_PANEL] * x[k];
			sa += fabs((double)p[k * KERN_PANEL] * x[k]);
		}
		want[r] = r < n ? s : SENTINEL;
		scale[r] = sa;
	}
}

/* mv_panels_f and mv_panels_h of set ks (NULL: the generic ones against
 * double) over every shape; returns the elements that differ. */
static size_t
mv_check(const kernels *ks, int half, size_t *cases)
{
	size_t bad = 0;
	rng_t r;

	rng_seed(&r, 3);
	for (size_t ni = 0; ni < NELEMS(mv_n); ni++)
	for (size_t ki = 0; ki < NELEMS(mv_K); ki++, (*cases)++) {
		size_t n = mv_n[ni], K = mv_K[ki];
		float *pf, *x = xalloc_floats(K), y[104], o[104];
		uint16_t *ph;
		double want[104], scale[104];
		panels_make(&pf, &ph, n, K, &r);
		for (size_t k = 0; k < K; k++)
			x[k] = uniform(&r);
		for (size_t i = 0; i < n + 4; i++)
			y[i] = o[i] = SENTINEL;
		if (half)
			kern_generic_mv_panels_h(o, ph, x, n, K);
		else
			kern_generic_mv_panels_f(o, pf, x, n, K);
		if (ks == NULL) {
			mv_reference(want, scale, pf, x, n, K);
			bad += count_far(o, want, scale, n + 4, 1e-6);
		} else {
			if (half)
				ks->mv_panels_h(y, ph, x, n, K);
			else
				ks->mv_panels_f(y, pf, x, n, K);
			bad += count_differ(y, o, n + 4);
		}
		free(pf);
		free(ph);
		free(x);
	}
	return bad;
}

static void
test_mv(const kernels *ks)
{
	for (int half = 0; half <= 1; half++) {
		size_t cases = 0, bad = mv_check(ks, half, &cases);
		const char *what = half ? "mv_panels_h" : "mv_panels_f";
		if (ks == NULL)
			ok(bad == 0, "%s generic = double reference within "
			    "1e-6, rows past n untouched: %zu cases, %zu off",
			    what, cases, bad);
		else
			ok(bad == 0, "%s %s = generic, bit for bit, n and K "
			    "odd and past the panels: %zu cases, %zu differ",
			    what, ks->name, cases, bad);
	}
}

/* ---- widening halves -------------------------------------------------- */

/* Every half (NaNs included: the bits must match) at every offset and
 * length up to 40, so both the vector body and the tail run. */
static void
test_widen(const kernels *ks)
{
	uint16_t *h = xreallocarray(NULL, 65536 + 64, sizeof *h);
	float *y = xalloc_floats(65536 + 64), *o = xalloc_floats(65536 + 64);
	size_t bad = 0;

	for (uint32_t i = 0; i < 65536; i++)
		h[i] = (uint16_t)i;
	for (size_t n = 0; n <= 40; n++) {
		for (size_t i = 0; i < n + 1; i++)
			y[i] = o[i] = SENTINEL;
		ks->widen_halves(y, h + 0x7bf0 + n, n);
		kern_generic_widen_halves(o, h + 0x7bf0 + n, n);
		bad += memcmp(y, o, (n + 1) * sizeof(float)) != 0;
	}
	ks->widen_halves(y, h, 65536);
	kern_generic_widen_halves(o, h, 65536);
	bad += memcmp(y, o, 65536 * sizeof(float)) != 0;
	for (uint32_t i = 0; i < 65536; i++) {
		float f = half_to_float((uint16_t)i);
		bad += memcmp(&f, &o[i], sizeof f) != 0;
	}
	ok(bad == 0, "widen_halves %s = generic = half_to_float on all 65536 "
	    "halves and lengths 0..40 (%zu differ)", ks->name, bad);
	free(h);
	free(y);
	free(o);
}

/* ---- the table -------------------------------------------------------- */

static void
test_select(void)
{
	char *cause = NULL;
	const char *best = kernels_name();
	int rc;

	rc = kernels_select("generic", &cause);
	ok(rc == 0 && strcmp(kernels_name(), "generic") == 0 &&
	    kernels_active()->pk_gemm == NULL, "select generic: active, "
	    "no kernel of its own");
	rc = kernels_select("sse9", &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, "sse9") != NULL &&
	    strcmp(kernels_name(), "generic") == 0,
	    "select sse9: refused (%s), generic still active",
	    cause ? cause : "no cause");
	free(cause);
	cause = NULL;
#if defined(__aarch64__)
	rc = kernels_select("avx2", &cause);
#else
	rc = kernels_select("neon", &cause);
#endif
	ok(rc == -1 && cause != NULL && strstr(cause, "not built") != NULL,
	    "select another machine's set: refused (%s)",
	    cause ? cause : "no cause");
	free(cause);
	cause = NULL;
	rc = kernels_select("auto", &cause);
	ok(rc == 0 && strcmp(kernels_name(), best) == 0 &&
	    kernels_active()->supported(), "select auto: back to %s, the "
	    "best this CPU runs", best);
	diag("kernel sets: active %s", best);
}

int
main(void)
{
	test_select();
	test_gemm(NULL);
	test_mv(NULL);
	/* the driver on the plain-C kernel, as a set that had only it */
	kernels oracle = { .name = "plain-C", .pk_gemm = kern_generic_pk_gemm };
	test_gemm_tn(&oracle);
	for (size_t i = 0; kernels_at(i) != NULL; i++) {
		const kernels *ks = kernels_at(i);
		if (!ks->supported()) {
			char why[64];
			snprintf(why, sizeof why, "%s: this CPU cannot run it",
			    ks->name);
			skip(why);
			continue;
		}
		if (ks->pk_gemm != NULL) {
			test_gemm(ks);
			test_gemm_tn(ks);
		}
		if (ks->mv_panels_f != NULL)
			test_mv(ks);
		if (ks->widen_halves != NULL)
			test_widen(ks);
		if (ks->pk_gemm == NULL && ks->mv_panels_f == NULL)
			diag("%s: no kernel of its own", ks->name);
	}
	return tap_done();
}
