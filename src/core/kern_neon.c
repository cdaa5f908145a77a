/* kern_neon.c - the ARM64 Advanced SIMD (NEON) kernels: the packed
 * recurrence GEMM and the batch-1 step's panels.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every ARM64 CPU has them (AdvSIMD and half conversion are part of
 * ARMv8-A). Thirty-two 4-float registers: the recurrence tile is
 * NEON_MR = 6 rows by 16 columns (half a KERN_NR panel) in 24
 * accumulators, four for the panel's row k and one for A's element; the
 * step's panels go two at a time (eight FMA chains). Each output is the
 * products summed in k order, one fused multiply-add each (vfmaq_f32):
 * the same bits as the plain-C kernels. Speed on ARM is not measured (no
 * machine here; the tests run under qemu-user): correctness only.
 */
#include "config.h"

#include "kernels.h"

#ifdef KERN_NEON
#include <arm_neon.h>
#include <string.h>

#include "util.h"

#define NEON_MR 6
#define NEON_MC 96	/* rows of A per block, kept in L2 */

int
kern_neon_supported(void)
{
	return 1;
}

/* The tile of kernels.h's kern_tile16_fn, for mr rows. */
__attribute__((always_inline)) static inline void
neon_tile(int mr, float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *p, size_t K, int beta)
{
	float32x4_t acc[NEON_MR][4];

	for (int r = 0; r < mr; r++) {
		for (int q = 0; q < 4; q++)
			acc[r][q] = beta ? vld1q_f32(c + r * ldc + 4 * q) :
			    vdupq_n_f32(0.0f);
	}
	for (size_t k = 0; k < K; k++) {
		const float *pk = p + k * KERN_NR;
		float32x4_t w0 = vld1q_f32(pk), w1 = vld1q_f32(pk + 4);
		float32x4_t w2 = vld1q_f32(pk + 8), w3 = vld1q_f32(pk + 12);
		for (int r = 0; r < mr; r++) {
			float32x4_t x = vld1q_dup_f32(a + r * ars +
			    k * aks);
			acc[r][0] = vfmaq_f32(acc[r][0], w0, x);
			acc[r][1] = vfmaq_f32(acc[r][1], w1, x);
			acc[r][2] = vfmaq_f32(acc[r][2], w2, x);
			acc[r][3] = vfmaq_f32(acc[r][3], w3, x);
		}
	}
	for (int r = 0; r < mr; r++) {
		for (int q = 0; q < 4; q++)
			vst1q_f32(c + r * ldc + 4 * q, acc[r][q]);
	}
}

#define NEON_TILE(MR) \
static void \
neon_tile##MR(float *c, size_t ldc, const float *a, size_t ars, \
    size_t aks, const float *p, size_t K, int beta) \
{ \
	neon_tile(MR, c, ldc, a, ars, aks, p, K, beta); \
}
NEON_TILE(1) NEON_TILE(2) NEON_TILE(3) NEON_TILE(4) NEON_TILE(5)
NEON_TILE(6)

static kern_tile16_fn *const neon_tiles[NEON_MR + 1] = { NULL, neon_tile1,
    neon_tile2, neon_tile3, neon_tile4, neon_tile5, neon_tile6 };

void
kern_neon_pk_gemm(float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *P, size_t M, size_t N, size_t K, int beta)
{
	kernels_gemm16(neon_tiles, NEON_MR, NEON_MC, c, ldc, a, ars, aks, P,
	    M, N, K, beta);
}

/* ---- the batch-1 panels ----------------------------------------------- */

static inline float32x4_t
neon_load4f(const float *p)
{
	return vld1q_f32(p);
}

static inline float32x4_t
neon_load4h(const uint16_t *p)
{
	return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

/*
 * y[0..n) = the first n rows of panels P (K columns) times x, for panels
 * of type T read 4 at a time by LOAD4: panels np at a time (2, then 1),
 * a partial last one through a copy.
 */
#define NEON_MV(NAME, T, LOAD4) \
__attribute__((always_inline)) static inline void \
NAME##_n(int np, float *y, const T *P, const float *x, size_t K) \
{ \
	float32x4_t acc[2][4]; \
	size_t ps = KERN_PANEL * K; \
 \
	for (int b = 0; b < np; b++) \
		for (int q = 0; q < 4; q++) \
			acc[b][q] = vdupq_n_f32(0.0f); \
	for (size_t k = 0; k < K; k++) { \
		float32x4_t xk = vld1q_dup_f32(x + k); \
		for (int b = 0; b < np; b++) { \
			const T *pk = P + b * ps + k * KERN_PANEL; \
			for (int q = 0; q < 4; q++) \
				acc[b][q] = vfmaq_f32(acc[b][q], \
				    LOAD4(pk + 4 * q), xk); \
		} \
	} \
	for (int b = 0; b < np; b++) \
		for (int q = 0; q < 4; q++) \
			vst1q_f32(y + b * KERN_PANEL + 4 * q, acc[b][q]); \
} \
 \
void \
NAME(float *restrict y, const T *restrict P, const float *restrict x, \
    size_t n, size_t K) \
{ \
	size_t full = n / KERN_PANEL, p = 0, ps = KERN_PANEL * K; \
	float t[KERN_PANEL]; \
 \
	for (; p + 2 <= full; p += 2) \
		NAME##_n(2, y + p * KERN_PANEL, P + p * ps, x, K); \
	if (p < full) \
		NAME##_n(1, y + p * KERN_PANEL, P + p * ps, x, K); \
	p = full; \
	if (p * KERN_PANEL < n) { \
		NAME##_n(1, t, P + p * ps, x, K); \
		memcpy(y + p * KERN_PANEL, t, (n - p * KERN_PANEL) * \
		    sizeof(float)); \
	} \
}
NEON_MV(kern_neon_mv_panels_f, float, neon_load4f)
NEON_MV(kern_neon_mv_panels_h, uint16_t, neon_load4h)

/* Eight at a time; the rest (n mod 8) by the plain-C kernel. */
void
kern_neon_widen_halves(float *restrict y, const uint16_t *restrict h,
    size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		vst1q_f32(y + i, neon_load4h(h + i));
		vst1q_f32(y + i + 4, neon_load4h(h + i + 4));
	}
	kern_generic_widen_halves(y + i, h + i, n - i);
}

#else
typedef int kern_neon_none;	/* not an ARM64 build */
#endif
