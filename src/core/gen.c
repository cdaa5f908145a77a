/* gen.c - stateful generation: prime once, then one model step per character.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "util.h"

void
gen_init(generator *g, const model *m, const vocab *voc,
    const text_opts *topts, const sampler_config *sc, uint64_t seed)
{
	memset(g, 0, sizeof *g);
	g->m = m;
	g->voc = voc;
	g->topts = topts;
	g->st = model_state_create(m);
	sampler_init(&g->smp, sc, m->cfg.V, seed);
	g->last = -1;
}

void
gen_free(generator *g)
{
	model_state_free(g->st);
	sampler_free(&g->smp);
	free(g->unknown);
	memset(g, 0, sizeof *g);
}

void
gen_reset(generator *g)
{
	model_state_reset(g->st);
	g->primed = 0;
	g->last = -1;
	g->smp.pos = 0;
}

/* The symbol that starts a text from a fresh state: what usually precedes
 * a beginning in the corpus. */
static int
gen_start_id(const generator *g)
{
	if (g->voc->eor >= 0)
		return g->voc->eor;
	int nl = vocab_id(g->voc, '\n');
	return nl >= 0 ? nl : 0;
}

static void
gen_step(generator *g, int id)
{
	model_step(g->m, g->st, id);
	g->last = id;
	g->primed = 1;
}

float
gen_activation(const generator *g, int layer, int unit)
{
	size_t i = (size_t)layer * (size_t)g->st->H + (size_t)unit;

	if (g->st->c != NULL)
		return tanhf(g->st->c[i]);
	return g->st->h[i];
}

int
gen_feed_trace(generator *g, const char *text, size_t len, size_t *nskipped,
    gen_trace *tr, char **cause)
{
	size_t n = 0, skipped = 0, used = 0;
	free(g->unknown);
	g->unknown = NULL;
	uint16_t *ids = text_encode_words(g->voc, g->topts, text, len, &n,
	    &skipped, &g->unknown, cause);
	if (ids == NULL)
		return -1;
	if (nskipped != NULL)
		*nskipped = skipped;
	if (tr != NULL) {
		tr->text = xreallocarray(NULL, n * VOCAB_SYM_MAX + 8, 1);
		tr->act = xreallocarray(NULL, n + 1, sizeof *tr->act);
		tr->n = 0;
	}
	if (n == 0 && !g->primed)
		gen_step(g, gen_start_id(g));
	for (size_t i = 0; i < n; i++) {
		int prev = g->last;
		gen_step(g, ids[i]);
		if (tr == NULL)
			continue;
		used += vocab_piece(g->voc, prev, ids[i], tr->text + used);
		tr->act[tr->n++] = gen_activation(g, tr->layer, tr->unit);
	}
	if (tr != NULL)
		tr->text[used] = '\0';
	free(ids);
	return 0;
}

char *
gen_skipped_message(const generator *g, const char *where, size_t skipped)
{
	if (g->voc->kind == VOCAB_WORD)
		return xasprintf("%s: %zu word%s not in the model's vocabulary, "
		    "read as <unk>: %s", where, skipped, skipped == 1 ? "" :
		    "s", g->unknown ? g->unknown : "?");
	return xasprintf("%zu %s character%s not in the model's vocabulary, "
	    "skipped", skipped, where, skipped == 1 ? "" : "s");
}

int
gen_feed(generator *g, const char *text, size_t len, size_t *nskipped,
    char **cause)
{
	return gen_feed_trace(g, text, len, nskipped, NULL, cause);
}

void
gen_feed_ids(generator *g, const uint16_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gen_step(g, ids[i]);
}

int
gen_next(generator *g, char out[VOCAB_SYM_MAX], float *p)
{
	if (!g->primed)
		gen_step(g, gen_start_id(g));
	int id = sampler_pick(&g->smp, g->st->logits, p);
	vocab_piece(g->voc, g->last, id, out);
	gen_step(g, id);
	return id;
}

int
gen_peek(generator *g, int k, int *ids, float *probs)
{
	if (!g->primed)
		gen_step(g, gen_start_id(g));
	return sampler_top(g->st->logits, g->m->cfg.V, k, ids, probs);
}

int
gen_beam(generator *g, const beam_config *c, beam_result *r, char **cause)
{
	beam_config bc = *c;

	if (!g->primed)
		gen_step(g, gen_start_id(g));
	bc.has_end = g->voc->eor >= 0;	/* a text ends there, sampled too */
	bc.end_id = g->voc->eor;
	int prev = g->last;
	if (beam_search(g->m, g->st, &bc, r, cause) != 0)
		return -1;
	r->prev = prev;
	if (r->n > 0)
		g->last = r->ids[r->n - 1];
	return 0;
}

static int
ends_with_stop(const gen_tail *t, const char *const *stops, int nstops)
{
	for (int i = 0; i < nstops; i++)
		if (gen_tail_ends_with(t, stops[i]))
			return 1;
	return 0;
}

char *
gen_beam_text(const generator *g, const beam_result *r,
    const char *const *stops, int nstops, float **probs, size_t *nchars,
    size_t *nids)
{
	size_t cap = (size_t)r->n * VOCAB_SYM_MAX + 1, used = 0, k, nc = 0;
	char *text = xreallocarray(NULL, cap, 1);
	gen_tail tail = { .n = 0 };

	if (probs != NULL)
		*probs = xreallocarray(NULL, cap, sizeof **probs);
	for (k = 0; k < (size_t)r->n && r->ids[k] != g->voc->eor; k++) {
		size_t len = vocab_piece(g->voc, k > 0 ? r->ids[k - 1] :
		    r->prev, r->ids[k], text + used);
		gen_tail_add(&tail, text + used, len);
		used += len;
		for (size_t c = utf8_count(text + used - len, len); c > 0; c--) {
			if (probs != NULL)
				(*probs)[nc] = expf(r->lp[k]);
			nc++;
		}
		if (ends_with_stop(&tail, stops, nstops)) {
			k++;
			break;
		}
	}
	text[used] = '\0';
	*nchars = nc;
	*nids = k;
	return text;
}

void
gen_tail_add(gen_tail *t, const char *s, size_t len)
{
	if (len > GEN_TAIL_KEEP) {
		s += len - GEN_TAIL_KEEP;
		len = GEN_TAIL_KEEP;
	}
	if (t->n + len > sizeof t->buf) {
		/* Keep the last GEN_TAIL_KEEP bytes with s; len <= KEEP, so
		 * this drops no more than t holds. */
		size_t drop = t->n + len - GEN_TAIL_KEEP;
		memmove(t->buf, t->buf + drop, t->n - drop);
		t->n -= drop;
	}
	memcpy(t->buf + t->n, s, len);
	t->n += len;
}

int
gen_tail_ends_with(const gen_tail *t, const char *stop)
{
	size_t n = strlen(stop);
	return n > 0 && n <= t->n && memcmp(t->buf + t->n - n, stop, n) == 0;
}
