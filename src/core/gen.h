/* gen.h - stateful text generation from a model: prime, then one step per
 * character with the hidden state carried (never a re-run over a window).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used by `burble sample`, the piped `burble repl`, the end-of-epoch samples
 * and the prompt's generator thread, so that all of them give the same text
 * for the same model, prime, seed and settings.
 */
#ifndef BURBLE_GEN_H
#define BURBLE_GEN_H

#include <stddef.h>

#include "beam.h"
#include "model.h"
#include "sampler.h"
#include "text.h"

typedef struct {
	const model *m;
	const vocab *voc;
	const text_opts *topts;
	model_state *st;
	sampler smp;
	int primed;	/* logits for the next character are ready */
	int last;	/* last id fed, -1 if none */
	char *unknown;	/* the last gen_feed's words not in a word
			   vocabulary, named (text_encode_words), or NULL */
} generator;

void gen_init(generator *g, const model *m, const vocab *voc,
    const text_opts *topts, const sampler_config *sc, uint64_t seed);
void gen_free(generator *g);
/* Forget the hidden state. */
void gen_reset(generator *g);
/* Feed UTF-8 text (may be empty: then, on a fresh state, a newline or the
 * end-of-record symbol starts the text). *nskipped counts characters not
 * in the vocabulary. Fails only on invalid UTF-8. */
int gen_feed(generator *g, const char *text, size_t len, size_t *nskipped,
    char **cause);
/* What to tell the user when a feed skipped characters (a word model:
 * read words as <unk>): one line, allocated; where is "prime" or the
 * like. */
char *gen_skipped_message(const generator *g, const char *where,
    size_t skipped);
/* What one hidden unit did while text was fed: for the cell-activation
 * view (:cell), which colours each character by the unit's value after the
 * model read it. */
typedef struct {
	int layer, unit;	/* the unit (layer from 0); set by the caller */
	char *text;		/* the text as the model read it: the UTF-8 of
				   each id fed; allocated, NUL-terminated */
	float *act;		/* (n) gen_activation after each id;
				   allocated */
	size_t n;
} gen_trace;
/* gen_feed, also filling tr->text, tr->act and tr->n (the caller frees
 * them). The start symbol of an empty text on a fresh state is not
 * recorded. */
int gen_feed_trace(generator *g, const char *text, size_t len,
    size_t *nskipped, gen_trace *tr, char **cause);
/* The unit's activation after the last step, in [-1, 1]: tanh of the LSTM
 * cell state (the value Karpathy coloured by), the hidden state of a GRU
 * or an RNN. layer < L and unit < H. */
float gen_activation(const generator *g, int layer, int unit);
/* Feed ids that are already encoded (a window of the corpus). */
void gen_feed_ids(generator *g, const uint16_t *ids, size_t n);
/* Pick the next character (a word model: token), feed it back. Writes
 * the text it adds (vocab_piece: a word with its space) into out
 * (NUL-terminated) and the model's probability of it into *p (if not
 * NULL). Returns the id; the caller stops at g->voc->eor. */
int gen_next(generator *g, char out[VOCAB_SYM_MAX], float *p);
/* The end of a generated text, to find stop strings (at most
 * GEN_TAIL_KEEP bytes long) as it grows. */
#define GEN_TAIL_KEEP 128

typedef struct {
	char buf[2 * GEN_TAIL_KEEP];
	size_t n;
} gen_tail;

/* Append len bytes of s (any length: only the end is kept). */
void gen_tail_add(gen_tail *t, const char *s, size_t len);
/* Does the text end with stop (non-empty)? */
int gen_tail_ends_with(const gen_tail *t, const char *stop);
/* The next-character distribution (after gen_feed/gen_next): top k. */
int gen_peek(generator *g, int k, int *ids, float *probs);
/* Beam search (beam.h) for the next c->n characters instead of sampling
 * them (fewer when the end-of-record symbol ends the text); g's state
 * follows the r->n ids found, as if they had been fed. */
int gen_beam(generator *g, const beam_config *c, beam_result *r,
    char **cause);
/* The UTF-8 of r's ids up to the end-of-record symbol or a stop string
 * (nstops of them): allocated; probs (if not NULL) gets each character's
 * probability (a word's characters all its token's), allocated, *nchars
 * of them; returns in *nids the ids that text holds. */
char *gen_beam_text(const generator *g, const beam_result *r,
    const char *const *stops, int nstops, float **probs, size_t *nchars,
    size_t *nids);

#endif
