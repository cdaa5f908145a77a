/* half.h - IEEE 754 binary16 ("half", fp16) to and from float, in software.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used where the batch-1 step keeps a half-precision copy of the weights
 * (model_set_precision). Rounding is to nearest, ties to even, with
 * subnormals, exactly as the x86 F16C instruction VCVTPS2PH with
 * _MM_FROUND_TO_NEAREST_INT; widening is exact.
 */
#ifndef BURBLE_HALF_H
#define BURBLE_HALF_H

#include <stdint.h>
#include <string.h>

#define HALF_MAX 65504.0f	/* the largest finite half */

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>

/* Does the CPU convert halves (F16C)? Asked of CPUID directly: clang's
 * __builtin_cpu_supports does not know "f16c". */
static inline int
half_cpu_f16c(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}
#endif

static inline uint16_t
half_from_float(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof x);
	uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
	if (ax >= 0x7f800000u)	/* Inf, NaN (kept quiet, payload's top) */
		return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ?
		    0x200u | ((ax >> 13) & 0x3ffu) : 0));
	if (ax >= 0x477ff000u)	/* rounds past HALF_MAX */
		return (uint16_t)(sign | 0x7c00u);
	if (ax < 0x38800000u) {	/* below 2^-14: subnormal or zero */
		if (ax < 0x33000000u)	/* at most 2^-25: rounds to 0 */
			return (uint16_t)sign;
		uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
		uint32_t shift = 126 - e;	/* 14..24 */
		uint32_t q = m >> shift, rem = m & ((1u << shift) - 1),
		    halfway = 1u << (shift - 1);
		if (rem > halfway || (rem == halfway && (q & 1u)))
			q++;
		return (uint16_t)(sign | q);
	}
	/* normal: rebias the exponent, round the 13 dropped bits */
	uint32_t h = ((ax >> 13) - (112u << 10)), rem = ax & 0x1fffu;
	if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
		h++;	/* a carry into the exponent is the right answer */
	return (uint16_t)(sign | h);
}

static inline float
half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu,
	    m = h & 0x3ffu, x;
	float f;

	if (e == 0x1fu)		/* Inf; NaN comes back quiet, as from F16C */
		x = sign | 0x7f800000u | (m != 0 ? 0x400000u : 0) | (m << 13);
	else if (e != 0)
		x = sign | ((e + 112u) << 23) | (m << 13);
	else if (m == 0)
		x = sign;
	else {	/* subnormal: m * 2^-24, exact in float */
		f = (float)m * 0x1p-24f;
		memcpy(&x, &f, sizeof x);
		x |= sign;
	}
	memcpy(&f, &x, sizeof f);
	return f;
}

#endif
