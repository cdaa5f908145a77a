/* kern_avx2.c - the AVX2+FMA kernels (with F16C for halves): the packed
 * recurrence GEMM and the batch-1 step's panels.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recurrence (kernels.h, kern_avx512.c): sixteen 8-float registers
 * hold a tile of PK2_MR = 6 rows by 16 columns (half a KERN_NR panel) in
 * 12 accumulators, two for the panel's row k and one for A's element
 * broadcast: per k two loads and six broadcasts feed twelve FMAs, so the
 * tile runs at the FMA rate from L1. Each element is C + the products
 * summed in k order, as on AVX-512: the two sets give the same bits.
 *
 * A step's panel is KERN_PANEL = 16 rows of a matrix stored (K, 16): a
 * row's dot product is then one lane of a vector accumulator (no
 * horizontal sums, which cost as much as the products at K = 256), x[k]
 * is broadcast, and four panels in flight give eight independent FMA
 * chains.
 */
#include "config.h"

#include "kernels.h"

#ifdef KERN_X86
#include <immintrin.h>
#include <string.h>

#include "half.h"
#include "util.h"

#define PACK_TARGET __attribute__((target("avx2,fma")))
#define HALF_TARGET __attribute__((target("avx2,fma,f16c")))

/* Every CPU with AVX2 has F16C (it came first, on both vendors'): the set
 * asks for all three. */
int
kern_avx2_supported(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
	    && half_cpu_f16c();
}

#define PK2_MR 6
#define PK2_MC 96	/* rows of A per block, kept in L2 */

/* C (mr, 16) ldc = [beta] C + A (mr, K) @ the 16 columns at p of a
 * packed panel (rows KERN_NR apart), A's element (r, k) at
 * a[r * ars + k * aks]. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
pk2_tile(int mr, float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *p, size_t K, int beta)
{
	__m256 c0[PK2_MR], c1[PK2_MR];

#pragma GCC unroll 6
	for (int r = 0; r < mr; r++) {
		if (beta) {
			c0[r] = _mm256_loadu_ps(c + r * ldc);
			c1[r] = _mm256_loadu_ps(c + r * ldc + 8);
		} else {
			c0[r] = _mm256_setzero_ps();
			c1[r] = _mm256_setzero_ps();
		}
	}
#pragma GCC unroll 4
	for (size_t k = 0; k < K; k++) {
		__m256 w0 = _mm256_loadu_ps(p + k * KERN_NR);
		__m256 w1 = _mm256_loadu_ps(p + k * KERN_NR + 8);
#pragma GCC unroll 6
		for (int r = 0; r < mr; r++) {
			__m256 x = _mm256_broadcast_ss(a + r * ars +
			    k * aks);
			c0[r] = _mm256_fmadd_ps(x, w0, c0[r]);
			c1[r] = _mm256_fmadd_ps(x, w1, c1[r]);
		}
	}
#pragma GCC unroll 6
	for (int r = 0; r < mr; r++) {
		_mm256_storeu_ps(c + r * ldc, c0[r]);
		_mm256_storeu_ps(c + r * ldc + 8, c1[r]);
	}
}

#define PK2_TILE(MR) \
__attribute__((target("avx2,fma"))) static void \
pk2_tile##MR(float *c, size_t ldc, const float *a, size_t ars, \
    size_t aks, const float *p, size_t K, int beta) \
{ \
	pk2_tile(MR, c, ldc, a, ars, aks, p, K, beta); \
}
PK2_TILE(1) PK2_TILE(2) PK2_TILE(3) PK2_TILE(4) PK2_TILE(5) PK2_TILE(6)

static kern_tile16_fn *const pk2_tiles[PK2_MR + 1] = { NULL, pk2_tile1,
    pk2_tile2, pk2_tile3, pk2_tile4, pk2_tile5, pk2_tile6 };

void
kern_avx2_pk_gemm(float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *P, size_t M, size_t N, size_t K, int beta)
{
	kernels_gemm16(pk2_tiles, PK2_MR, PK2_MC, c, ldc, a, ars, aks, P, M,
	    N, K, beta);
}

HALF_TARGET static inline __m256
widen8(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

PACK_TARGET static inline __m256
load8(const float *p)
{
	return _mm256_loadu_ps(p);
}

/*
 * y[0..n) = the first n rows of panels P (K columns) times x, for panels
 * of type T read 8 at a time by LOAD8. Four panels at a time, then the
 * remaining 1-3, the last maybe partial (through a copy).
 */
#define MV_PANELS(NAME, TGT, T, LOAD8) \
TGT void \
NAME(float *restrict y, const T *restrict P, const float *restrict x, \
    size_t n, size_t K) \
{ \
	size_t full = n / KERN_PANEL, p = 0, ps = KERN_PANEL * K; \
 \
	for (; p + 4 <= full; p += 4) { \
		const T *a = P + p * ps, *b = a + ps, *c = b + ps, *d = c + ps; \
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0; \
		__m256 c0 = a0, c1 = a0, d0 = a0, d1 = a0; \
		for (size_t k = 0; k < K; k++) { \
			__m256 xk = _mm256_broadcast_ss(x + k); \
			size_t o = k * KERN_PANEL; \
			a0 = _mm256_fmadd_ps(LOAD8(a + o), xk, a0); \
			a1 = _mm256_fmadd_ps(LOAD8(a + o + 8), xk, a1); \
			b0 = _mm256_fmadd_ps(LOAD8(b + o), xk, b0); \
			b1 = _mm256_fmadd_ps(LOAD8(b + o + 8), xk, b1); \
			c0 = _mm256_fmadd_ps(LOAD8(c + o), xk, c0); \
			c1 = _mm256_fmadd_ps(LOAD8(c + o + 8), xk, c1); \
			d0 = _mm256_fmadd_ps(LOAD8(d + o), xk, d0); \
			d1 = _mm256_fmadd_ps(LOAD8(d + o + 8), xk, d1); \
		} \
		float *yp = y + p * KERN_PANEL; \
		_mm256_storeu_ps(yp, a0); \
		_mm256_storeu_ps(yp + 8, a1); \
		_mm256_storeu_ps(yp + 16, b0); \
		_mm256_storeu_ps(yp + 24, b1); \
		_mm256_storeu_ps(yp + 32, c0); \
		_mm256_storeu_ps(yp + 40, c1); \
		_mm256_storeu_ps(yp + 48, d0); \
		_mm256_storeu_ps(yp + 56, d1); \
	} \
	for (; p * KERN_PANEL < n; p++) { \
		const T *a = P + p * ps; \
		__m256 a0 = _mm256_setzero_ps(), a1 = a0; \
		for (size_t k = 0; k < K; k++) { \
			__m256 xk = _mm256_broadcast_ss(x + k); \
			a0 = _mm256_fmadd_ps(LOAD8(a + k * KERN_PANEL), xk, \
			    a0); \
			a1 = _mm256_fmadd_ps(LOAD8(a + k * KERN_PANEL + 8), \
			    xk, a1); \
		} \
		float t[KERN_PANEL]; \
		_mm256_storeu_ps(t, a0); \
		_mm256_storeu_ps(t + 8, a1); \
		memcpy(y + p * KERN_PANEL, t, MIN(n - p * KERN_PANEL, \
		    (size_t)KERN_PANEL) * sizeof(float)); \
	} \
}
MV_PANELS(kern_avx2_mv_panels_h, HALF_TARGET, uint16_t, widen8)
MV_PANELS(kern_avx2_mv_panels_f, PACK_TARGET, float, load8)

/* Eight at a time; the rest (n mod 8) by the plain-C kernel. */
HALF_TARGET void
kern_avx2_widen_halves(float *restrict y, const uint16_t *restrict h,
    size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, widen8(h + i));
	kern_generic_widen_halves(y + i, h + i, n - i);
}

#else
typedef int kern_avx2_none;	/* not an x86-64 build */
#endif
