/* session_gen.c - the session's generator thread: continuations and peeks
 * for the prompt, on its own copy of the weights.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "ckpt.h"
#include "gen.h"
#include "session_int.h"

/* ---- generation --------------------------------------------------------- */

struct genstate {
	generator g;
	gen_settings gs;
	int streaming;
	int remaining;
	gen_tail tail;		/* the end of the text so far, for stops */
	double next_at;		/* pacing */
};

static void
gthread_refresh(session *s)
{
	if (!s->training || s->gm_own)
		return;
	int changed = 0;
	pthread_mutex_lock(&s->snap_mu);
	if (s->snap_ver != s->gm_ver) {
		memcpy(s->gm->params, s->snap, s->gm->nparams * sizeof(float));
		s->gm_ver = s->snap_ver;
		changed = 1;
	}
	pthread_mutex_unlock(&s->snap_mu);
	/* Outside the lock: the trainer publishes after every step. */
	if (changed)
		model_set_precision(s->gm, s->precision);
}

static int
tail_stops(const struct genstate *st)
{
	for (int i = 0; i < st->gs.nstops; i++)
		if (gen_tail_ends_with(&st->tail, st->gs.stops[i]))
			return 1;
	return 0;
}

static void
gthread_end(session *s, struct genstate *st, const char *why)
{
	st->streaming = 0;
	session_post_text(s, EV_GEN_END, "%s", why);
}

/* Is the :cell view on, for a unit this model has? (A model from :load
 * may be smaller than the one the prompt checked against.) */
static int
gthread_cell_on(const struct genstate *st)
{
	const model_config *mc = &st->g.m->cfg;
	return st->gs.cell_layer >= 0 && st->gs.cell_layer < mc->L &&
	    st->gs.cell_unit >= 0 && st->gs.cell_unit < mc->H;
}

/* Feed the prime. With the :cell view the prompt does not echo it: post it
 * as the model read it, with the unit's activation after each character
 * (as typed, without them, when the unit is not in this model). */
static int
gthread_prime(session *s, struct genstate *st, const char *prime,
    size_t *skipped, char **cause)
{
	gen_trace tr = { .layer = st->gs.cell_layer,
	    .unit = st->gs.cell_unit };

	if (st->gs.cell_layer < 0)
		return gen_feed(&st->g, prime, strlen(prime), skipped, cause);
	if (!gthread_cell_on(st)) {
		if (gen_feed(&st->g, prime, strlen(prime), skipped, cause) != 0)
			return -1;
		tr.text = xstrdup(prime);
	} else if (gen_feed_trace(&st->g, prime, strlen(prime), skipped, &tr,
	    cause) != 0)
		return -1;
	event *e = event_new(EV_GEN);
	e->is_prime = 1;
	e->text = tr.text;
	e->act = tr.act;
	e->nchars = tr.n;
	session_post(s, e);
	return 0;
}

/* Generate up to max characters (fewer when paced) and post them. */
static void
gthread_chunk(session *s, struct genstate *st, int max)
{
	event *e = event_new(EV_GEN);
	/* A word token is several characters, each coloured by its p. */
	size_t cap = (size_t)max * VOCAB_SYM_MAX + 1, n = 0;
	e->text = xmalloc(cap);
	e->prob = xreallocarray(NULL, cap, sizeof(float));
	if (gthread_cell_on(st))
		e->act = xreallocarray(NULL, cap, sizeof(float));
	const char *why = NULL;
	for (int k = 0; k < max && st->remaining > 0; k++) {
		char u[VOCAB_SYM_MAX];
		float p;
		int id = gen_next(&st->g, u, &p);
		if (id == st->g.voc->eor) {
			why = "end of record";
			break;
		}
		size_t len = strlen(u);
		memcpy(e->text + n, u, len);
		n += len;
		for (size_t c = utf8_count(u, len); c > 0; c--) {
			if (e->act != NULL)
				e->act[e->nchars] = gen_activation(&st->g,
				    st->gs.cell_layer, st->gs.cell_unit);
			e->prob[e->nchars++] = p;
		}
		st->remaining--;
		gen_tail_add(&st->tail, u, len);
		if (tail_stops(st)) {
			why = "stop string";
			break;
		}
	}
	e->text[n] = '\0';
	if (e->nchars > 0)
		session_post(s, e);
	else
		event_free(e);
	if (why == NULL && st->remaining <= 0)
		why = "length";
	if (why != NULL)
		gthread_end(s, st, why);
}

static void
gthread_peek_event(session *s, struct genstate *st, int n, int pick)
{
	int ids[PEEK_MAX];
	float p[PEEK_MAX];
	int k = gen_peek(&st->g, MIN(MAX(n, 1), PEEK_MAX), ids, p);
	event *e = event_new(EV_PEEK);
	e->npeek = k;
	e->pick = pick;
	for (int i = 0; i < k; i++) {
		vocab_utf8(st->g.voc, ids[i], e->peek_sym[i]);
		e->peek_p[i] = p[i];
		e->peek_id[i] = ids[i];
	}
	session_post(s, e);
}

/* ---- beam search and picking by hand ------------------------------------ */

static int
gthread_ending(void *arg)
{
	session *s = arg;
	return atomic_load(&s->gen_ending) > 0;
}

/* A continuation by beam search: posted whole when the search ends (or
 * what it had when a message came that ends it). */
static void
gthread_beam(session *s, struct genstate *st)
{
	beam_config bc = { .width = st->gs.beam, .n = st->gs.length,
	    .cancelled = gthread_ending, .ud = s };
	const char *stops[GEN_MAX_STOPS];
	char *cause = NULL, why[96];
	beam_result r;
	size_t n, nc;

	if (gen_beam(&st->g, &bc, &r, &cause) != 0) {
		session_post_text(s, EV_ERROR, ":beam: %s", cause);
		free(cause);
		gthread_end(s, st, "beam search failed");
		return;
	}
	for (int i = 0; i < st->gs.nstops; i++)
		stops[i] = st->gs.stops[i];
	event *e = event_new(EV_GEN);
	e->text = gen_beam_text(&st->g, &r, stops, st->gs.nstops, &e->prob,
	    &nc, &n);
	e->nchars = nc;
	gen_tail_add(&st->tail, e->text, strlen(e->text));
	if (r.cancelled)
		snprintf(why, sizeof why, "stopped (beam %d)", bc.width);
	else if (n < (size_t)r.n || r.ids[r.n - 1] == st->g.voc->eor)
		snprintf(why, sizeof why, "beam %d, then the end of record or "
		    "a stop string", bc.width);
	else
		snprintf(why, sizeof why, "beam %d, log-probability %.2f",
		    bc.width, r.logp);
	session_post(s, e);
	gthread_end(s, st, why);
	beam_result_free(&r);
}

/* Post what was fed by hand: forced text as the prime is shown, a chosen
 * or sampled character as generated text with its probability. */
static void
gthread_fed(session *s, const char *text, float p, int is_prime)
{
	event *e = event_new(EV_GEN);
	e->text = xstrdup(text);
	e->is_prime = is_prime;
	e->nchars = is_prime ? 1 : utf8_count(text, strlen(text));
	if (!is_prime) {
		e->prob = xreallocarray(NULL, e->nchars + 1, sizeof *e->prob);
		for (size_t i = 0; i < e->nchars; i++)
			e->prob[i] = p;
	}
	session_post(s, e);
}

static void
gthread_pick(session *s, struct genstate *st, const struct msg *c)
{
	char u[VOCAB_SYM_MAX];
	float p;
	int ids[PEEK_MAX];
	float probs[PEEK_MAX];
	char *cause = NULL;

	gthread_refresh(s);
	if (c->text != NULL) {
		if (gen_feed(&st->g, c->text, strlen(c->text), NULL,
		    &cause) != 0) {
			session_post_text(s, EV_ERROR, ":pick: %s", cause);
			free(cause);
			return;
		}
		gthread_fed(s, c->text, 0, 1);
		gen_tail_add(&st->tail, c->text, strlen(c->text));
	} else if (c->id == PICK_SAMPLE || (c->id >= 0 &&
	    c->id < st->g.m->cfg.V)) {
		if (c->id == PICK_SAMPLE)
			gen_next(&st->g, u, &p);
		else {
			int k = gen_peek(&st->g, PEEK_MAX, ids, probs);
			p = 0;
			for (int i = 0; i < k; i++)
				if (ids[i] == c->id)
					p = probs[i];
			vocab_piece(st->g.voc, st->g.last, c->id, u);
			uint16_t id = (uint16_t)c->id;
			gen_feed_ids(&st->g, &id, 1);
		}
		gthread_fed(s, u, p, 0);
		gen_tail_add(&st->tail, u, strlen(u));
	}
	gthread_peek_event(s, st, c->flag, 1);
}

static void
gthread_load(session *s, struct genstate *st, const char *path)
{
	ckpt c;
	char *cause = NULL;
	if (ckpt_load(path, &c, &cause) != 0) {
		session_post_text(s, EV_ERROR, "%s", cause);
		free(cause);
		return;
	}
	gen_free(&st->g);
	model_free(s->gm);	/* the generator's own copy, never s->m */
	vocab_free(&s->gvoc);
	text_opts_free(&s->gtext);
	s->gm = c.m;
	c.m = NULL;
	model_set_precision(s->gm, s->precision);
	pthread_mutex_lock(&s->snap_mu);
	session_fill_info(&s->ginfo, s->gm, c.corpus ? c.corpus : path,
	    s->ginfo.threads);
	s->ginfo.words = c.voc.kind == VOCAB_WORD;
	pthread_mutex_unlock(&s->snap_mu);
	vocab_copy(&s->gvoc, &c.voc);
	text_opts_copy(&s->gtext, &c.text);
	s->gm_own = 1;
	ckpt_free(&c);
	gen_init(&st->g, s->gm, &s->gvoc, &s->gtext, &st->gs.smp,
	    st->gs.seed);
	model_state_set_pool(st->g.st, s->pool);
	session_post_text(s, EV_STATUS, "loaded %s", path);
}

/* MSG_GENERATE (with its prime) and MSG_CONTINUE: stream a continuation,
 * or find one by beam search. */
static void
gthread_start(session *s, struct genstate *st, const struct msg *c)
{
	char *cause = NULL;
	size_t skipped = 0;

	gthread_refresh(s);
	if (c->type == MSG_GENERATE) {
		if (gthread_prime(s, st, c->text, &skipped, &cause) != 0) {
			session_post_text(s, EV_ERROR, "prime: %s", cause);
			free(cause);
			return;
		}
		if (skipped > 0) {
			char *why = gen_skipped_message(&st->g, "prime",
			    skipped);
			session_post_text(s, EV_STATUS, "%s", why);
			free(why);
		}
		gen_tail_add(&st->tail, c->text, strlen(c->text));
	}
	if (st->gs.beam > 0) {
		gthread_beam(s, st);
		return;
	}
	st->streaming = 1;
	st->remaining = st->gs.length;
	st->next_at = now_seconds();
}

static void
gthread_message(session *s, struct genstate *st, const struct msg *c)
{
	switch (c->type) {
	case MSG_GENERATE:
	case MSG_CONTINUE:
		gthread_start(s, st, c);
		break;
	case MSG_STOP_GEN:
		if (st->streaming)
			gthread_end(s, st, "stopped");
		break;
	case MSG_RESET_GEN:
		gen_reset(&st->g);
		st->tail.n = 0;
		break;
	case MSG_PEEK:
		gthread_refresh(s);
		gthread_peek_event(s, st, PEEK_SHOW, 0);
		break;
	case MSG_PICK:
		if (st->streaming)
			gthread_end(s, st, "stopped");
		gthread_pick(s, st, c);
		break;
	case MSG_SET_GEN:
		st->gs = c->gs;
		st->g.smp.cfg = c->gs.smp;
		if (st->g.smp.pos >= (size_t)st->g.smp.cfg.ntemps)
			st->g.smp.pos = 0;
		if (c->gs.reseed)
			rng_seed(&st->g.smp.rng, c->gs.seed);
		if (st->streaming && st->remaining > st->gs.length)
			st->remaining = st->gs.length;
		break;
	case MSG_LOAD:
		gthread_load(s, st, c->text);
		break;
	}
}

void *
session_generator_main(void *arg)
{
	session *s = arg;
	struct genstate st;
	memset(&st, 0, sizeof st);
	gen_settings_default(&st.gs);
	st.gs.seed = s->set.seed;
	gen_init(&st.g, s->gm, &s->gvoc, &s->gtext, &st.gs.smp, st.gs.seed);
	model_state_set_pool(st.g.st, s->pool);

	for (;;) {
		struct msg *c;
		if (st.streaming) {
			double wait = st.gs.rate > 0 ? st.next_at - now_seconds() : 0;
			c = wait > 0 ? queue_wait(s->gmsg, wait) : queue_pop(s->gmsg);
		} else
			c = queue_wait(s->gmsg, -1);
		if (c == NULL) {
			if (st.streaming) {
				gthread_chunk(s, &st, st.gs.rate > 0 ? 1 : 64);
				if (st.gs.rate > 0)
					st.next_at = MAX(st.next_at, now_seconds() - 0.5) +
					    1.0 / st.gs.rate;
			}
			continue;
		}
		int type = c->type;
		if (MSG_ENDS_BEAM(type))
			atomic_fetch_sub(&s->gen_ending, 1);
		gthread_message(s, &st, c);
		session_msg_free(c);
		if (type == MSG_QUIT)
			break;
	}
	gen_free(&st.g);
	return NULL;
}
