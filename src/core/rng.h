/* rng.h - a small, fast, seedable random number generator (xoshiro256**).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only so the hot loops inline it. The whole state is four words, so a
 * checkpoint stores it exactly and a resumed run draws the same numbers.
 */
#ifndef BURBLE_RNG_H
#define BURBLE_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct {
	uint64_t s[4];
} rng_t;

static inline uint64_t
rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64 expands one seed into a well-mixed state. */
static inline void
rng_seed(rng_t *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

static inline uint64_t
rng_u64(rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 24 random bits: exactly representable in float. */
static inline float
rng_float(rng_t *r)
{
	return (float)(rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in [0, n), n > 0, without modulo bias worth mentioning (n << 2^64). */
static inline uint64_t
rng_below(rng_t *r, uint64_t n)
{
	return rng_u64(r) % n;
}

#endif
