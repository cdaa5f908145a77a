/* kern_avx512.c - the AVX-512 kernels: the packed recurrence GEMM.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenBLAS packs both operands on every call; at the per-step shapes of
 * the recurrence (M = streams per thread, N = G*H or H, K = H or G*H)
 * repacking W_hh each step costs a tenth of the time and more. The forward
 * and backward instead pack W_hh (and W_ih above the first layer) once per
 * layer (kernels_pack) and run this kernel: a tile of up to PK_MR rows by
 * KERN_NR columns kept in registers, A's elements broadcast: 80 -> ~105
 * GFLOP/s per core at 2x256 against OpenBLAS 0.3.21. Each output element
 * is C + the products summed in k order, whatever the tile it falls in:
 * the result does not depend on the thread count.
 */
#include "config.h"

#include "kernels.h"

#ifdef KERN_X86
#include <immintrin.h>

#include "util.h"

#define PK_MR 8
#define PK_MC 64	/* rows of A per block: they stay in L2 while P
			   streams by */

int
kern_avx512_supported(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && kern_avx2_supported();
}

/* C (mr, 32) = [beta] C + A (mr, K) @ P (K, 32), A's element (r, k) at
 * a[r * ars + k * aks], P's rows pks apart; columns masked by m0, m1. */
__attribute__((target("avx512f"), always_inline)) static inline void
pk_tile(int mr, float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *p, size_t pks, size_t K, int beta,
    __mmask16 m0, __mmask16 m1)
{
	__m512 c0[PK_MR], c1[PK_MR];

#pragma GCC unroll 8
	for (int r = 0; r < mr; r++) {
		if (beta) {
			c0[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
			c1[r] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
		} else {
			c0[r] = _mm512_setzero_ps();
			c1[r] = _mm512_setzero_ps();
		}
	}
	for (size_t k = 0; k < K; k++) {
		__m512 w0 = _mm512_loadu_ps(p + k * pks);
		__m512 w1 = _mm512_loadu_ps(p + k * pks + 16);
#pragma GCC unroll 8
		for (int r = 0; r < mr; r++) {
			__m512 x = _mm512_set1_ps(a[r * ars + k * aks]);
			c0[r] = _mm512_fmadd_ps(x, w0, c0[r]);
			c1[r] = _mm512_fmadd_ps(x, w1, c1[r]);
		}
	}
#pragma GCC unroll 8
	for (int r = 0; r < mr; r++) {
		_mm512_mask_storeu_ps(c + r * ldc, m0, c0[r]);
		_mm512_mask_storeu_ps(c + r * ldc + 16, m1, c1[r]);
	}
}

#define PK_TILE(MR) \
__attribute__((target("avx512f"))) static void \
pk_tile##MR(float *c, size_t ldc, const float *a, size_t ars, \
    size_t aks, const float *p, size_t K, int beta, __mmask16 m0, \
    __mmask16 m1) \
{ \
	pk_tile(MR, c, ldc, a, ars, aks, p, KERN_NR, K, beta, m0, m1); \
}
PK_TILE(1) PK_TILE(2) PK_TILE(3) PK_TILE(4)
PK_TILE(5) PK_TILE(6) PK_TILE(7) PK_TILE(8)

typedef void pk_tile_fn(float *, size_t, const float *, size_t, size_t,
    const float *, size_t, int, __mmask16, __mmask16);
static pk_tile_fn *const pk_tiles[PK_MR + 1] = { NULL, pk_tile1, pk_tile2,
    pk_tile3, pk_tile4, pk_tile5, pk_tile6, pk_tile7, pk_tile8 };

void
kern_avx512_pk_gemm(float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *P, size_t M, size_t N, size_t K, int beta)
{
	for (size_t i0 = 0; i0 < M; i0 += PK_MC) {
	size_t M1 = MIN(M, i0 + PK_MC);
	for (size_t j = 0; j < N; j += KERN_NR) {
		size_t nc = MIN(N - j, (size_t)KERN_NR);
		__mmask16 m0 = (__mmask16)(nc >= 16 ? 0xffff :
		    (1u << nc) - 1);
		__mmask16 m1 = (__mmask16)(nc >= 32 ? 0xffff : nc <= 16 ? 0 :
		    (1u << (nc - 16)) - 1);
		const float *p = P + (j / KERN_NR) * K * KERN_NR;
		size_t mb = M1 - i0, nt = (mb + PK_MR - 1) / PK_MR, i = i0;
		for (size_t q = 0; q < nt; i += KERN_TILE_ROWS(mb, nt, q), q++)
			pk_tiles[KERN_TILE_ROWS(mb, nt, q)](c + i * ldc + j,
			    ldc, a + i * ars, ars, aks, p, K, beta, m0, m1);
	}
	}
}

#else
typedef int kern_avx512_none;	/* not an x86-64 build */
#endif
