/* beam.h - beam search: the most likely continuation of a given length
 * that a beam of width N finds, instead of sampling one.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each hypothesis is a continuation with its own recurrent state and a
 * score, the sum of the log-probabilities of its characters. At each step
 * every hypothesis is expanded by every character and the N best of all
 * the expansions are kept (which is the same as expanding each by its top
 * N). Width 1 is greedy decoding; a wider beam can drop the greedy path
 * on the way and end less likely than it, so greedy's continuation competes
 * too and the result is never less likely than greedy's. Memory: 2 x N
 * states (h, c, logits) and one back-pointer per hypothesis and step, bounded by BEAM_MAX_CELLS.
 */
#ifndef BURBLE_BEAM_H
#define BURBLE_BEAM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define BEAM_MAX_WIDTH 1000
#define BEAM_MAX_CELLS (1u << 23)	/* width x length: 64 MiB of
					   back-pointers */

typedef struct {
	int width;	/* 1..BEAM_MAX_WIDTH */
	int n;		/* characters to find, >= 1 */
	/* Polled once a step (NULL: never): non-zero stops the search, which
	 * then returns the best hypothesis so far. */
	int (*cancelled)(void *ud);
	void *ud;
	/* With has_end, end_id (the end-of-record symbol) ends a text: the
	 * result is then the likeliest of the texts it ends within n and
	 * those n long, as sampling stops there too. */
	int has_end;
	int end_id;
} beam_config;

typedef struct {
	uint16_t *ids;	/* (n) the continuation; allocated */
	float *lp;	/* (n) each id's log-probability given those before
			   it (natural log); allocated */
	double logp;	/* their sum */
	int n;		/* ids found: cfg.n, fewer when cancelled or
			   ended by the end id (then the last) */
	int cancelled;	/* the search was cancelled */
	int prev;	/* the id before the first (gen_beam), -1: none */
	int greedy;	/* the beam lost the greedy continuation on the way
			   and ended less likely: this is greedy's */
} beam_result;

/* Check width and n (and their product) against the bounds: 0, or -1
 * with a one-line *cause. */
int beam_config_check(const beam_config *c, char **cause);
/* Search from st, whose logits predict the first character. On success
 * st holds the state after the best continuation (its logits predict the
 * next character), as if its ids had been fed one by one. */
int beam_search(const model *m, model_state *st, const beam_config *c,
    beam_result *r, char **cause);
void beam_result_free(beam_result *r);
/* lp = log softmax(logits) (V), in double: the scores beam_search sums. */
void beam_log_softmax(double *lp, const float *logits, int V);

#endif
