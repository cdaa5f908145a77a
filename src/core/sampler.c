/* sampler.c - turning logits into the next character.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The order of operations is that of Hugging Face's generate(): temperature,
 * then top-k, then top-p on the renormalised top-k distribution. Temperature
 * 0, and top-k 1 at any temperature, are argmax.
 *
 * Nothing here allocates per pick: the sampler's probs (V) hold the
 * unnormalised tempered weights by id and idx (V) the candidate ids. top-k
 * selects with a min-heap of k ids (O(V log k), no sort of V); top-p pops a
 * max-heap built over the candidates in O(n) until the kept mass reaches p,
 * so it costs O(n + m log n) for a nucleus of m ids.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "sampler.h"
#include "util.h"

/*
 * Probabilities are computed in float, so a cumulative sum that equals p in
 * exact arithmetic (p = 0.75 over 0.5, 0.25, ...) can come out a few ulps
 * short. Mass within this of p counts as reaching it; without it such a p
 * would pull one id too many into the nucleus.
 */
#define TOP_P_SLACK 1e-6

void
sampler_config_default(sampler_config *c)
{
	memset(c, 0, sizeof *c);
	c->temps[0] = 1.0f;
	c->ntemps = 1;
	c->top_k = 0;
	c->top_p = 1.0f;
}

/* Each temperature as num.h reads numbers, blanks around it allowed. */
int
sampler_parse_temps(sampler_config *c, const char *s, char **cause)
{
	const num_range *r = setting_range(SETTING_TEMP);
	float temps[SAMPLER_MAX_SCHEDULE];
	const char *p = s;
	int n = 0;

	for (;;) {
		size_t len = strcspn(p, ","), w = len;
		const char *q = p;
		char tok[64], what[64];
		double t;

		if (n == SAMPLER_MAX_SCHEDULE)
			return set_cause(cause, "at most %d temperatures",
			    SAMPLER_MAX_SCHEDULE);
		while (w > 0 && (*q == ' ' || *q == '\t'))
			q++, w--;
		while (w > 0 && (q[w - 1] == ' ' || q[w - 1] == '\t'))
			w--;
		int bad = w >= sizeof tok;
		if (!bad) {
			memcpy(tok, q, w);
			tok[w] = '\0';
			bad = num_parse(r, tok, &t) != 0;
		}
		if (bad) {
			num_describe(r, what, sizeof what);
			if (len == strlen(s))
				return set_cause(cause, "temperature must be "
				    "%s, got '%s'", what, s);
			return set_cause(cause, "temperature must be %s, got "
			    "'%.*s' in '%s'", what, (int)len, p, s);
		}
		temps[n++] = (float)t;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	memcpy(c->temps, temps, (size_t)n * sizeof temps[0]);
	c->ntemps = n;
	return 0;
}

/* "top-p must be a number in (0, 1] (1 = off), got 1.5" */
static int
out_of_range(char **cause, const char *what, enum setting st, double v)
{
	char allowed[64];

	num_describe(setting_range(st), allowed, sizeof allowed);
	return set_cause(cause, "%s must be %s, got %g", what, allowed, v);
}

int
sampler_config_check(const sampler_config *c, char **cause)
{
	if (c->ntemps < 1 || c->ntemps > SAMPLER_MAX_SCHEDULE)
		return set_cause(cause,
		    "the temperature schedule must have 1 to %d entries, "
		    "got %d",
		    SAMPLER_MAX_SCHEDULE, c->ntemps);
	for (int i = 0; i < c->ntemps; i++)
		if (!num_in(setting_range(SETTING_TEMP), c->temps[i]))
			return out_of_range(cause, "temperature",
			    SETTING_TEMP, c->temps[i]);
	if (!num_in(setting_range(SETTING_TOP_K), c->top_k))
		return out_of_range(cause, "top-k", SETTING_TOP_K, c->top_k);
	if (!num_in(setting_range(SETTING_TOP_P), c->top_p))
		return out_of_range(cause, "top-p", SETTING_TOP_P, c->top_p);
	return 0;
}

void
sampler_init(sampler *s, const sampler_config *c, int V, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->cfg = *c;
	s->V = V;
	s->pos = 0;
	rng_seed(&s->rng, seed);
	s->probs = xalloc_floats((size_t)V);
	s->idx = xreallocarray(NULL, (size_t)V, sizeof *s->idx);
}

void
sampler_free(sampler *s)
{
	free(s->probs);
	free(s->idx);
	s->probs = NULL;
	s->idx = NULL;
}

int
argmax(const float *x, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++) {
		if (x[i] > x[best])
			best = i;
	}
	return best;
}

static float
max_of(const float *x, int n)
{
	return x[argmax(x, n)];
}

void
softmax(float *probs, const float *logits, int V, float temp)
{
	float m = max_of(logits, V), inv = 1.0f / temp;
	double sum = 0.0;

	for (int i = 0; i < V; i++) {
		probs[i] = expf((logits[i] - m) * inv);
		sum += probs[i];
	}
	float scale = (float)(1.0 / sum);
	for (int i = 0; i < V; i++)
		probs[i] *= scale;
}

/* sum_i exp(logits[i] - m): the untempered softmax's normaliser. */
static double
sum_exp(const float *logits, int V, float m)
{
	double sum = 0.0;

	for (int i = 0; i < V; i++)
		sum += expf(logits[i] - m);
	return sum;
}

/* ---- heaps of ids keyed by a float array ------------------------------ */

/* Does key a go above key b: the smaller in a min-heap, the larger in a
 * max-heap? */
static inline int
heap_above(float a, float b, int max)
{
	return max ? a > b : a < b;
}

/* Sift-down over h[0..n): a min-heap (smallest key on top), or with max a
 * max-heap. */
static void
heap_sift(int *h, int n, int i, const float *key, int max)
{
	int v = h[i];
	float kv = key[v];

	for (;;) {
		int c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_above(key[h[c + 1]], key[h[c]], max))
			c++;
		if (!heap_above(key[h[c]], kv, max))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

/*
 * The k largest of key[0..V) into h[0..k) as a min-heap (k <= V). Ties keep
 * the lower id, as argmax does.
 */
static void
select_top(int *h, int k, const float *key, int V)
{
	for (int i = 0; i < k; i++)
		h[i] = i;
	for (int i = k / 2 - 1; i >= 0; i--)
		heap_sift(h, k, i, key, 0);
	for (int i = k; i < V; i++) {
		if (key[i] > key[h[0]]) {
			h[0] = i;
			heap_sift(h, k, 0, key, 0);
		}
	}
}

int
sampler_top(const float *logits, int V, int k, int *idx, float *p)
{
	if (k <= 0 || V <= 0)
		return 0;
	if (k > V)
		k = V;
	select_top(idx, k, logits, V);
	/* Heap sort with a min-heap leaves the ids in descending order. */
	for (int n = k - 1; n > 0; n--) {
		int t = idx[0];
		idx[0] = idx[n];
		idx[n] = t;
		heap_sift(idx, n, 0, logits, 0);
	}
	float m = logits[idx[0]];
	double inv = 1.0 / sum_exp(logits, V, m);
	for (int i = 0; i < k; i++)
		p[i] = (float)(expf(logits[idx[i]] - m) * inv);
	return k;
}

/* Uniform in [0, 1) with 53 bits: fine enough for V = 65535 tiny masses. */
static double
uniform(rng_t *r)
{
	return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

int
sampler_pick(sampler *s, const float *logits, float *p_model)
{
	const sampler_config *c = &s->cfg;
	int V = s->V, n, id;
	float T, m, *w = s->probs;
	int *cand = s->idx;
	double total, model_sum = -1.0;

	if (c->ntemps > 0) {
		T = c->temps[s->pos % (size_t)c->ntemps];
		s->pos = (s->pos + 1) % (size_t)c->ntemps;
	} else
		T = 1.0f;

	m = max_of(logits, V);
	if (T <= 0.0f || c->top_k == 1) {
		id = argmax(logits, V);
		goto done;
	}

	/* Candidates: the top k (a heap, unordered for sampling), or all. */
	if (c->top_k > 0 && c->top_k < V) {
		n = c->top_k;
		select_top(cand, n, logits, V);
	} else {
		n = V;
		for (int i = 0; i < V; i++)
			cand[i] = i;
	}

	/* Unnormalised tempered weights, by id. */
	float inv = 1.0f / T;
	total = 0.0;
	if (n == V) {
		for (int i = 0; i < V; i++) {
			w[i] = expf((logits[i] - m) * inv);
			total += w[i];
		}
		if (T == 1.0f)
			model_sum = total;
	} else {
		for (int i = 0; i < n; i++) {
			int j = cand[i];
			w[j] = expf((logits[j] - m) * inv);
			total += w[j];
		}
	}

	if (c->top_p < 1.0f) {
		/* Pop the most likely ids to the end of cand until their mass
		 * reaches p; the kept ones end up in cand[n - kept .. n). */
		double need = ((double)c->top_p - TOP_P_SLACK) * total;
		double cum = 0.0;
		int left = n;

		for (int i = n / 2 - 1; i >= 0; i--)
			heap_sift(cand, n, i, w, 1);
		do {
			int top = cand[0];
			cum += w[top];
			left--;
			cand[0] = cand[left];
			cand[left] = top;
			heap_sift(cand, left, 0, w, 1);
		} while (cum < need && left > 0);
		cand += left;
		n -= left;
		total = cum;
	}

	/* Walk the candidates to the draw; the last one absorbs rounding. */
	double u = uniform(&s->rng) * total, acc = 0.0;
	id = cand[n - 1];
	for (int i = 0; i < n; i++) {
		acc += w[cand[i]];
		if (u < acc) {
			id = cand[i];
			break;
		}
	}

done:
	if (p_model != NULL) {
		if (model_sum < 0.0)
			model_sum = sum_exp(logits, V, m);
		*p_model = (float)(expf(logits[id] - m) / model_sum);
	}
	return id;
}
