/* kern_generic.c - a plain-C version of every kernel of kernels.h: the
 * oracle the SIMD kernels are tested against.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each computes what kernels.h promises in the most direct way: every
 * output the products summed in k order, one fmaf each, which the fused
 * multiply-adds of the SIMD kernels must reproduce bit for bit. Written
 * for clarity, not speed (fmaf is a library call where the target has no
 * fused multiply-add).
 */
#include "config.h"

#include <math.h>

#include "half.h"
#include "kernels.h"

void
kern_generic_pk_gemm(float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *P, size_t M, size_t N, size_t K, int beta)
{
	for (size_t i = 0; i < M; i++) {
		for (size_t j = 0; j < N; j++) {
			const float *p = P + (j / KERN_NR) * K * KERN_NR +
			    j % KERN_NR;
			float s = beta ? c[i * ldc + j] : 0.0f;
			for (size_t k = 0; k < K; k++)
				s = fmaf(a[i * ars + k * aks], p[k * KERN_NR],
				    s);
			c[i * ldc + j] = s;
		}
	}
}

static inline float
kern_generic_load_f(const float *p)
{
	return *p;
}

static inline float
kern_generic_load_h(const uint16_t *p)
{
	return half_to_float(*p);
}

/* Row r of the panels is lane r % KERN_PANEL of panel r / KERN_PANEL. */
#define KERN_GENERIC_MV(NAME, T, LOAD) \
void \
NAME(float *restrict y, const T *restrict P, const float *restrict x, \
    size_t n, size_t K) \
{ \
	for (size_t r = 0; r < n; r++) { \
		const T *p = P + r / KERN_PANEL * KERN_PANEL * K + \
		    r % KERN_PANEL; \
		float s = 0.0f; \
		for (size_t k = 0; k < K; k++) \
			s = fmaf(LOAD(p + k * KERN_PANEL), x[k], s); \
		y[r] = s; \
	} \
}
KERN_GENERIC_MV(kern_generic_mv_panels_f, float, kern_generic_load_f)
KERN_GENERIC_MV(kern_generic_mv_panels_h, uint16_t, kern_generic_load_h)

void
kern_generic_widen_halves(float *restrict y, const uint16_t *restrict h,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = half_to_float(h[i]);
}
