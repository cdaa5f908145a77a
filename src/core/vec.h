/* vec.h - elementwise float kernels that the compiler vectorizes: the
 * activations (inline) and a few vector helpers.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These are plain C, not the hand-written SIMD of kernels.h: they must
 * vectorize in a default "-O2" build, which does not vectorize loops with
 * a run-time trip count (GCC 12's very-cheap cost model), and their clamps
 * only if-convert without -ftrapping-math (we never inspect FP exception
 * flags). VEC_KERNEL asks for both, and target_clones builds an AVX-512
 * and an AVX2+FMA copy beside the baseline one and picks at load time, so
 * a portable build runs at full width here. The vector code computes what
 * the scalar code does, in the same order: no -ffast-math.
 */
#ifndef BURBLE_VEC_H
#define BURBLE_VEC_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__)
#define VECTORIZE __attribute__((optimize("tree-vectorize", \
    "vect-cost-model=dynamic", "no-trapping-math")))
/* ThreadSanitizer instruments the ifunc resolvers, which run before it is
 * initialised: no clones there. */
#if defined(__x86_64__) && !defined(BURBLE_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", \
    "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#else
#define VECTORIZE
#define CLONES
#endif
/* A file's own vectorized kernel; VEC_KERNEL without static, for these
 * shared ones. */
#define KERNEL VECTORIZE CLONES static
#define VEC_KERNEL VECTORIZE CLONES

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/*
 * exp(x) in float, branch-free so that loops over it vectorize: Cody-Waite
 * reduction x = n ln2 + r, |r| <= ln2/2, the Cephes expf polynomial, and
 * 2^n assembled in the exponent bits. Within 1 ulp of exp over the clamped
 * range [-87, 88]; beyond it the result saturates (e^-87 ~ 1.6e-38,
 * e^88 ~ 1.7e38), which sigmoid and tanh below do not notice.
 */
VECTORIZE static inline float
vec_expf(float x)
{
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	/* Adding 1.5 * 2^23 rounds x/ln2 to an integer held in the low
	 * mantissa bits. */
	union { float f; uint32_t u; } t = { x * 1.44269504088896341f +
	    12582912.0f };
	float n = t.f - 12582912.0f;
	float r = x - n * 0.693359375f + n * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	union { uint32_t u; float f; } s = { (t.u - 0x4b400000u + 127u) << 23 };
	return p * s.f;
}

VECTORIZE static inline float
vec_sigmoid(float x)
{
	return 1.0f / (1.0f + vec_expf(-x));
}

/* tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is all a
 * network (or a gradient check in float) can see. */
VECTORIZE static inline float
vec_tanh(float x)
{
	return 2.0f / (1.0f + vec_expf(-2.0f * x)) - 1.0f;
}

/* y (n) += x (n) */
void vec_add(float *restrict y, const float *restrict x, size_t n);
/* y (n) = x * m, elementwise. */
void vec_mul(float *restrict y, const float *restrict x,
    const float *restrict m, size_t n);
/* y (n) *= m (n) */
void vec_mul_inplace(float *restrict y, const float *restrict m, size_t n);
/* z (n) *= a */
void vec_scale(float *restrict z, float a, size_t n);
/* z (n) = exp(z - mx); returns the sum, in a fixed order. */
float vec_exp_sum(float *restrict z, float mx, size_t n);

#endif
