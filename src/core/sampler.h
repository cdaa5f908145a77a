/* sampler.h - turning logits into the next character.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Knows nothing about the model: logits in, an id out. Temperature 0 is
 * greedy (argmax). A schedule of temperatures is cycled one per character
 * (textgenrnn's [1.0, 0.5, 0.2, 0.2]). top-k keeps the k most likely ids,
 * top-p the smallest set whose probability reaches p (applied after top-k).
 */
#ifndef BURBLE_SAMPLER_H
#define BURBLE_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define SAMPLER_MAX_SCHEDULE 16

typedef struct {
	float temps[SAMPLER_MAX_SCHEDULE];	/* >= 0 */
	int ntemps;				/* >= 1 */
	int top_k;				/* 0 = off */
	float top_p;				/* (0, 1]; 1 = off */
} sampler_config;

typedef struct {
	sampler_config cfg;
	int V;
	size_t pos;	/* next index into the schedule */
	rng_t rng;
	float *probs;	/* (V) scratch */
	int *idx;	/* (V) scratch */
} sampler;

void sampler_config_default(sampler_config *c);	/* T=1, k=0, p=1 */
/* Parse "0.5" or "1.0,0.5,0.2"; each >= 0, at most SAMPLER_MAX_SCHEDULE. */
int sampler_parse_temps(sampler_config *c, const char *s, char **cause);
/* Validate ranges (temperature >= 0, top_k >= 0, top_p in (0, 1]). */
int sampler_config_check(const sampler_config *c, char **cause);

void sampler_init(sampler *s, const sampler_config *c, int V, uint64_t seed);
void sampler_free(sampler *s);
/* Pick the next id from logits (V) with the next temperature of the
 * schedule. *p_model (if not NULL) gets the probability of the picked id
 * under the untempered model (softmax of the logits): the model's
 * "surprise" is -log of it. */
int sampler_pick(sampler *s, const float *logits, float *p_model);

/* probs = softmax(logits / temp), temp > 0; numerically stable. */
void softmax(float *probs, const float *logits, int V, float temp);
int argmax(const float *x, int n);
/* The k most likely ids of logits (V) under softmax, sorted by descending
 * probability: ids into idx[k], probabilities into p[k]. Returns k' <= k. */
int sampler_top(const float *logits, int V, int k, int *idx, float *p);

#endif
