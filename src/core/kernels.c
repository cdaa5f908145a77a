/* kernels.c - the table of kernel sets, the choice of one, and the packing
 * that the recurrence kernels read.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "kernels.h"
#include "util.h"
#include "vec.h"

static int
kernels_always(void)
{
	return 1;
}

/*
 * Best first. Each x86 set has its own recurrence kernel; both share the
 * eight-wide batch-1 panels, the fast width even where AVX-512 exists (on
 * Zen 4 the 256-bit half conversion has the higher rate, and float gains
 * nothing from 512 bits there).
 */
static const kernels sets[] = {
#ifdef KERN_X86
	{ "avx512", kern_avx512_supported, kern_avx512_pk_gemm,
	    kern_avx2_mv_panels_f, kern_avx2_mv_panels_h,
	    kern_avx2_widen_halves },
	{ "avx2", kern_avx2_supported, kern_avx2_pk_gemm,
	    kern_avx2_mv_panels_f, kern_avx2_mv_panels_h,
	    kern_avx2_widen_halves },
#endif
#ifdef KERN_NEON
	{ "neon", kern_neon_supported, kern_neon_pk_gemm,
	    kern_neon_mv_panels_f, kern_neon_mv_panels_h,
	    kern_neon_widen_halves },
#endif
	{ "generic", kernels_always, NULL, NULL, NULL, NULL },
};

/* Every name a build may have, to tell "not built here" from unknown. */
static const char *const known[] = { "avx512", "avx2", "neon", "generic" };

/* The active set: process-wide on purpose (kernels.h). NULL until the
 * first kernels_active. */
static _Atomic(const kernels *) active;

static const kernels *
kernels_best(void)
{
	for (size_t i = 0; i < NELEMS(sets); i++) {
		if (sets[i].supported())
			return &sets[i];
	}
	return &sets[NELEMS(sets) - 1];
}

const kernels *
kernels_active(void)
{
	const kernels *k = atomic_load_explicit(&active, memory_order_acquire);

	if (k == NULL) {
		const kernels *none = NULL;
		k = kernels_best();
		if (!atomic_compare_exchange_strong(&active, &none, k))
			k = none;	/* another thread chose first */
	}
	return k;
}

const char *
kernels_name(void)
{
	return kernels_active()->name;
}

const kernels *
kernels_at(size_t i)
{
	return i < NELEMS(sets) ? &sets[i] : NULL;
}

int
kernels_select(const char *name, char **cause)
{
	const kernels *k = NULL;

	if (strcasecmp(name, "auto") == 0)
		k = kernels_best();
	for (size_t i = 0; k == NULL && i < NELEMS(sets); i++) {
		if (strcasecmp(name, sets[i].name) == 0)
			k = &sets[i];
	}
	if (k == NULL) {
		for (size_t i = 0; i < NELEMS(known); i++) {
			if (strcasecmp(name, known[i]) == 0)
				return set_cause(cause, "the %s kernels are "
				    "not built for this machine", known[i]);
		}
		return set_cause(cause, "unknown kernel set '%s' (avx512, "
		    "avx2, neon, generic or auto)", name);
	}
	if (!k->supported())
		return set_cause(cause, "this CPU cannot run the %s kernels",
		    k->name);
	atomic_store_explicit(&active, k, memory_order_release);
	return 0;
}

size_t
kernels_pack_size(size_t K, size_t N)
{
	return (N + KERN_NR - 1) / KERN_NR * KERN_NR * K;
}

void
kernels_pack(float *P, const float *w, size_t K, size_t N, size_t ks,
    size_t ns, size_t j0, size_t j1)
{
	for (size_t j = j0; j < MIN(j1, N); j += KERN_NR) {
		float *p = P + (j / KERN_NR) * K * KERN_NR;
		size_t nc = MIN(N - j, (size_t)KERN_NR);
		for (size_t k = 0; k < K; k++) {
			const float *wk = w + k * ks + j * ns;
			if (ns == 1 && nc == KERN_NR)	/* a row: one copy */
				memcpy(p + k * KERN_NR, wk,
				    KERN_NR * sizeof(float));
			else
				for (size_t q = 0; q < nc; q++)
					p[k * KERN_NR + q] = wk[q * ns];
			for (size_t q = nc; q < KERN_NR; q++)
				p[k * KERN_NR + q] = 0.0f;
		}
	}
}

/* Rows of C's columns j..j+nc (nc <= 16) from the 16 columns at p, by
 * tiles of up to mr rows, as even as kernels.h's KERN_TILE_ROWS makes them:
 * in place, or for nc < 16 through a copy of C's rows 16 wide (a tile
 * writes 16 columns). */
static void
kernels_strip16(kern_tile16_fn *const *tiles, size_t mr, float *c,
    size_t ldc, const float *a, size_t ars, size_t aks, const float *p,
    size_t M, size_t nc, size_t K, int beta)
{
	float t[16 * 16];
	size_t nt = (M + mr - 1) / mr, i = 0;

	for (size_t q = 0; q < nt; i += KERN_TILE_ROWS(M, nt, q), q++) {
		size_t n = KERN_TILE_ROWS(M, nt, q);
		float *ci = c + i * ldc;
		if (nc == 16) {
			tiles[n](ci, ldc, a + i * ars, ars, aks, p, K, beta);
			continue;
		}
		for (size_t r = 0; r < n && beta; r++)
			memcpy(t + r * 16, ci + r * ldc, nc * sizeof(float));
		tiles[n](t, 16, a + i * ars, ars, aks, p, K, beta);
		for (size_t r = 0; r < n; r++)
			memcpy(ci + r * ldc, t + r * 16, nc * sizeof(float));
	}
}

void
kernels_gemm16(kern_tile16_fn *const *tiles, size_t mr, size_t mc, float *c,
    size_t ldc, const float *a, size_t ars, size_t aks, const float *P,
    size_t M, size_t N, size_t K, int beta)
{
	for (size_t i0 = 0; i0 < M; i0 += mc) {
		size_t mb = MIN(M - i0, mc);
		for (size_t j = 0; j < N; j += 16) {
			const float *p = P + (j / KERN_NR) * K * KERN_NR +
			    j % KERN_NR;
			kernels_strip16(tiles, mr, c + i0 * ldc + j, ldc,
			    a + i0 * ars, ars, aks, p, mb, MIN(N - j,
			    (size_t)16), K, beta);
		}
	}
}

/* ---- weight gradients ------------------------------------------------- */

/*
 * kernels_gemm_tn's blocks: TN_KC rows of A and B at a time, B's chunk
 * packed (TN_KC, N) and kept in L2 while A's columns pass TN_MC at a time,
 * copied k-major: row k of the copy holds A's row k's TN_MC columns, rows
 * TN_AS floats apart. TN_AS is an odd number of cache lines, so the
 * TN_KC rows a register tile reads spread over the L1's sets (A's own
 * rows, G*H floats apart, would all fall in one). Copying rows is a plain
 * memcpy; a transpose would cost a third of the product.
 */
#define TN_KC 128
#define TN_MC 96
#define TN_AS (TN_MC + 16)

size_t
kernels_tn_scratch(size_t nsum)
{
	return TN_KC * TN_AS + kernels_pack_size(TN_KC, nsum) +
	    2 * TN_KC * KERN_NR;	/* two products' rounding */
}

void
kernels_gemm_tn(const kernels *k, const float *a, size_t lda, size_t M,
    size_t K, const kernels_tn_out *out, size_t nout, float *bsum,
    float *scratch)
{
	float *at = scratch, *bp[2];

	bp[0] = scratch + TN_KC * TN_AS;
	for (size_t o = 1; o < nout; o++)
		bp[o] = bp[o - 1] + kernels_pack_size(TN_KC, out[o - 1].N);
	for (size_t k0 = 0; k0 < K; k0 += TN_KC) {
		size_t kc = MIN(K - k0, (size_t)TN_KC);
		for (size_t o = 0; o < nout; o++)
			kernels_pack(bp[o], out[o].b + k0 * out[o].ldb, kc,
			    out[o].N, out[o].ldb, 1, 0, out[o].N);
		for (size_t i0 = 0; i0 < M; i0 += TN_MC) {
			size_t mc = MIN(M - i0, (size_t)TN_MC);
			for (size_t r = 0; r < kc; r++) {
				const float *ar = a + (k0 + r) * lda + i0;
				if (mc == TN_MC)	/* a copy of known size */
					memcpy(at + r * TN_AS, ar,
					    TN_MC * sizeof(float));
				else
					memcpy(at + r * TN_AS, ar,
					    mc * sizeof(float));
				if (bsum != NULL)
					vec_add(bsum + i0, ar, mc);
			}
			for (size_t o = 0; o < nout; o++)
				k->pk_gemm(out[o].c + i0 * out[o].ldc,
				    out[o].ldc, at, 1, TN_AS, bp[o], mc,
				    out[o].N, kc, 1);
		}
	}
}
