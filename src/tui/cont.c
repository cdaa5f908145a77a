/* cont.c - continuations: a prime sent to the generator, its text as it
 * streams into the transcript, its end; and the other answers of the
 * generator (:peek, a failed :load) that the prompt shows.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompt_priv.h"
#include "util.h"

#define PEEK_BAR	30	/* columns of the longest :peek bar */
#define LOAD_WAIT	10.0	/* seconds within which an error answers :load */

void
cont_pop(prompt *p)
{
	if (p->nrec == 0)
		return;
	free(p->recs[0].echo);
	memmove(p->recs, p->recs + 1, (size_t)(p->nrec - 1) * sizeof *p->recs);
	p->nrec--;
	p->in_dirty = 1;	/* the streaming mark */
}

/* Show the oldest continuation's prime, once, before its text. */
static void
cont_echo(prompt *p)
{
	struct gen_rec *r;

	if (p->nrec == 0 || p->recs[0].echoed)
		return;
	r = &p->recs[0];
	r->echoed = 1;
	if (r->echo == NULL) {		/* :continue goes on where it was */
		if (!p->tr.gen_open)
			transcript_fresh_line(&p->tr);
	} else {
		transcript_fresh_line(&p->tr);
		if (p->tr.nlines > 1)	/* a blank line between exchanges */
			transcript_new_line(&p->tr);
		transcript_text(&p->tr, r->echo, ST_PRIME);
	}
	p->tr.gen_open = 1;
	p->tr.scroll = 0;
}

void
cont_start(prompt *p, const char *prime)
{
	struct gen_rec *r;

	/* One continuation at a time: the running one ends ("stopped"). */
	if (p->nrec > 0)
		session_stop_generation(p->s);
	if (p->nrec == GEN_QUEUE) {	/* never ended? do not grow */
		p->recs[0].echoed = 1;
		cont_pop(p);
	}
	r = &p->recs[p->nrec++];
	/* With :cell the generator sends the prime back coloured (as the
	 * model read it): echo nothing, but start a new exchange. */
	r->echo = prime == NULL ? NULL :
	    xstrdup(p->gen.cell_layer >= 0 ? "" : prime);
	r->echoed = 0;
	r->t0 = now_seconds();
	p->npick = 0;		/* a list shown is no longer where we are */
	r->nchars = 0;
	if (prime != NULL)
		session_generate(p->s, prime);
	else
		session_continue(p->s);
	if (p->nrec == 1)
		cont_echo(p);
	p->in_dirty = 1;
}

static void
cont_text(prompt *p, const event *e)
{
	cont_echo(p);
	if (!p->tr.gen_open) {
		transcript_fresh_line(&p->tr);
		p->tr.gen_open = 1;
	}
	size_t n = transcript_styled(&p->tr, e->text,
	    e->is_prime ? ST_PRIME : ST_GEN1, e->prob, e->act, e->nchars);
	if (p->nrec > 0 && !e->is_prime)
		p->recs[0].nchars += n;
}

static void
cont_end(prompt *p, const char *why)
{
	char dt[32] = "?";
	size_t n = 0;

	if (p->nrec > 0) {
		cont_echo(p);
		prompt_real(dt, sizeof dt, now_seconds() - p->recs[0].t0, 1, 0);
		n = p->recs[0].nchars;
	}
	transcript_msg(&p->tr, ST_NOTE, "%s %s, %zu character%s in %s s",
	    p->utf8 ? "\u2014" : "--", why && *why ? why : "ended", n,
	    n == 1 ? "" : "s", dt);
	cont_pop(p);
	if (p->pick_n > 0 && p->nrec == 0)	/* the choices from here */
		session_pick(p->s, NULL, PICK_SHOW, p->pick_n);
}

/* ---- :peek -------------------------------------------------------------- */

/* How a candidate of :peek is shown: blanks made visible. */
const char *
cont_glyph(const prompt *p, const char *sym)
{
	if (strcmp(sym, " ") == 0)
		return p->utf8 ? "\u2423" : "SP";
	if (strcmp(sym, "\n") == 0)
		return p->utf8 ? "\u21b5" : "\\n";
	if (strcmp(sym, "\t") == 0)
		return "\\t";
	return sym;
}

int
cont_glyph_width(const prompt *p, const char (*sym)[VOCAB_SYM_MAX], int n)
{
	int w = 3;

	for (int i = 0; i < n; i++)
		w = MAX(w, transcript_width(cont_glyph(p, sym[i])));
	return w;
}

static void
peek_show(prompt *p, const event *e)
{
	static const char *eighths[] = { "", "\u258f", "\u258e", "\u258d",
	    "\u258c", "\u258b", "\u258a", "\u2589" };
	transcript *t = &p->tr;
	double sum = 0;
	char num[32];
	int i, j, w = cont_glyph_width(p, e->peek_sym, e->npeek);

	transcript_msg(t, ST_HEAD, "next %s, top %d:", prompt_unit(p),
	    e->npeek);
	for (i = 0; i < e->npeek; i++) {
		const char *g = cont_glyph(p, e->peek_sym[i]);
		double pr = e->peek_p[i];
		int eighth = (int)lrint(pr * PEEK_BAR * 8);

		sum += pr;
		transcript_new_line(t);
		transcript_text(t, "  '", ST_TEXT);
		transcript_text(t, g, ST_HEAD);
		transcript_text(t, "'", ST_TEXT);
		for (j = transcript_width(g); j < w; j++) /* align the numbers */
			transcript_cp(t, ' ', ST_TEXT);
		prompt_real(num, sizeof num, pr, 4, 0);
		transcript_text(t, "  ", ST_TEXT);
		transcript_text(t, num, ST_TEXT);
		transcript_cp(t, ' ', ST_TEXT);
		if (p->utf8) {
			for (j = 0; j < eighth / 8; j++)
				transcript_text(t, "\u2588", ST_BAR);
			transcript_text(t, eighths[eighth % 8], ST_BAR);
		} else {
			for (j = 0; j < (eighth + 4) / 8; j++)
				transcript_cp(t, '#', ST_BAR);
		}
	}
	prompt_real(num, sizeof num, MAX(0.0, 1.0 - sum), 4, 0);
	transcript_msg(t, ST_NOTE, "  rest   %s", num);
}

/* ---- events -------------------------------------------------------------- */

static int
cont_error(prompt *p, const event *e)
{
	if (e->text == NULL)
		return 0;
	if (p->load_sent > 0 && now_seconds() - p->load_sent < LOAD_WAIT) {
		p->load_sent = 0;
		transcript_msg(&p->tr, ST_ERROR, ":load: %s", e->text);
		return 1;
	}
	if (strncmp(e->text, ":pick:", 6) == 0 ||
	    strncmp(e->text, ":beam:", 6) == 0) {
		transcript_msg(&p->tr, ST_ERROR, "%s", e->text);
		return 1;
	}
	if (p->nrec > 0 && strncmp(e->text, "prime:", 6) == 0) {
		/* the continuation never started: no end will come */
		p->recs[0].echoed = 1;
		cont_pop(p);
		transcript_msg(&p->tr, ST_ERROR, "%s", e->text);
		return 1;
	}
	return 0;
}

int
prompt_handle_event(prompt *p, const event *e)
{
	prompt_current = p;
	switch (e->type) {
	case EV_GEN:
		if (p->pick_listed)
			pick_unlist(p);
		if (e->text != NULL)
			cont_text(p, e);
		return 1;
	case EV_GEN_END:
		cont_end(p, e->text);
		return 1;
	case EV_PEEK:
		if (e->pick)
			pick_list(p, e);
		else
			peek_show(p, e);
		return 1;
	case EV_ERROR:
		return cont_error(p, e);
	case EV_STATUS:
		/* the dashboard's status line shows it too */
		if (e->text == NULL)
			return 0;
		if (p->load_sent > 0 && strncmp(e->text, "loaded ", 7) == 0) {
			p->load_sent = 0;
			transcript_msg(&p->tr, ST_NOTE, "%s", e->text);
		} else if (strstr(e->text, "not in the vocabulary") != NULL)
			transcript_msg(&p->tr, ST_NOTE, "%s", e->text);
		return 0;
	default:
		return 0;
	}
}
