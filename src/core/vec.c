/* vec.c - elementwise float kernels that the compiler vectorizes (vec.h).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stddef.h>

#include "vec.h"

VEC_KERNEL void
vec_add(float *restrict y, const float *restrict x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

VEC_KERNEL void
vec_mul(float *restrict y, const float *restrict x, const float *restrict m,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] * m[i];
}

VEC_KERNEL void
vec_mul_inplace(float *restrict y, const float *restrict m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] *= m[i];
}

VEC_KERNEL void
vec_scale(float *restrict z, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		z[i] *= a;
}

/* Sixteen partial sums (one AVX-512 register), added up in a fixed
 * order. */
VEC_KERNEL float
vec_exp_sum(float *restrict z, float mx, size_t n)
{
	float acc[16] = { 0 };
	size_t n16 = n & ~(size_t)15, i;

	for (i = 0; i < n16; i += 16) {
		for (int u = 0; u < 16; u++) {
			float e = vec_expf(z[i + u] - mx);
			z[i + u] = e;
			acc[u] += e;
		}
	}
	float s = 0;
	for (int u = 0; u < 16; u++)
		s += acc[u];
	for (; i < n; i++) {
		z[i] = vec_expf(z[i] - mx);
		s += z[i];
	}
	return s;
}
