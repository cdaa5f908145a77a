/* beam.c - beam search over the batch-1 step (step.c).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hypotheses' states live in two flat arrays (this step's and the
 * next's), W rows of S floats each: h (L*H), c (L*H, LSTM only), logits
 * (V). One model_state (the caller's) does the stepping: a row is loaded
 * into it, stepped with a character, and stored into the next array.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "util.h"

#define BEAM_MAX_STATE_BYTES ((size_t)1 << 30)

typedef struct {
	double score;	/* the parent's score + lp */
	float lp;
	int parent;	/* row in this step's array */
	int tok;
} beam_cand;

typedef struct {
	uint16_t tok, parent;
	float lp;
} beam_bp;	/* how a hypothesis of step t came from one of step t-1 */

typedef struct {
	int W, V, n;
	size_t LH, S;		/* floats per row */
	float *cur, *nxt;	/* (W, S) each */
	double *score;		/* (W) of the rows in cur */
	int ncur;
	beam_cand *heap;	/* (W) the best expansions: a min-heap */
	int nheap;
	double *lp;		/* (V) */
	beam_bp *bp;		/* (n, W) */
	float *start, *gend;	/* (S) the first state; greedy's last */
	uint16_t *gids;		/* (gn) the greedy continuation */
	float *glp;
	int gn;
	/* The likeliest text ended by the end id so far (fin_n > 0). */
	double fin_score;
	float *fin_row;		/* (S) the state before its end id */
	uint16_t *fin_ids;	/* (fin_n) */
	float *fin_lp;
	int fin_n;
} beam_ws;

void
beam_log_softmax(double *lp, const float *logits, int V)
{
	double mx = logits[0], sum = 0;

	for (int v = 1; v < V; v++)
		if (logits[v] > mx)
			mx = logits[v];
	for (int v = 0; v < V; v++)
		sum += exp((double)logits[v] - mx);
	double lse = mx + log(sum);
	for (int v = 0; v < V; v++)
		lp[v] = (double)logits[v] - lse;
}

int
beam_config_check(const beam_config *c, char **cause)
{
	if (c->width < 1 || c->width > BEAM_MAX_WIDTH)
		return set_cause(cause, "beam width must be 1 to %d, got %d",
		    BEAM_MAX_WIDTH, c->width);
	if (c->n < 1)
		return set_cause(cause, "beam search needs a length >= 1");
	if ((size_t)c->width * (size_t)c->n > BEAM_MAX_CELLS)
		return set_cause(cause, "beam width %d x length %d is over "
		    "%u; shorten one", c->width, c->n, BEAM_MAX_CELLS);
	return 0;
}

/* ---- states ------------------------------------------------------------- */

static void
row_store(const beam_ws *w, float *row, const model_state *s)
{
	memcpy(row, s->h, w->LH * sizeof(float));
	if (s->c != NULL)
		memcpy(row + w->LH, s->c, w->LH * sizeof(float));
	memcpy(row + w->S - (size_t)w->V, s->logits, (size_t)w->V *
	    sizeof(float));
}

static void
row_load(const beam_ws *w, model_state *s, const float *row)
{
	memcpy(s->h, row, w->LH * sizeof(float));
	if (s->c != NULL)
		memcpy(s->c, row + w->LH, w->LH * sizeof(float));
	memcpy(s->logits, row + w->S - (size_t)w->V, (size_t)w->V *
	    sizeof(float));
}

static const float *
row_logits(const beam_ws *w, int i)
{
	return w->cur + (size_t)i * w->S + w->S - (size_t)w->V;
}

/* ---- the heap of expansions --------------------------------------------- */

/* Higher score first; ties by parent, then character, so the result does
 * not depend on the order of the work. */
static int
cand_better(const beam_cand *a, const beam_cand *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->parent != b->parent)
		return a->parent < b->parent;
	return a->tok < b->tok;
}

static void
heap_swap(beam_cand *h, int i, int j)
{
	beam_cand t = h[i];
	h[i] = h[j];
	h[j] = t;
}

/* Keep the W best: the root is the worst kept. */
static void
heap_offer(beam_ws *w, const beam_cand *c)
{
	beam_cand *h = w->heap;
	int i;

	if (w->nheap < w->W) {
		i = w->nheap++;
		h[i] = *c;
		while (i > 0 && cand_better(&h[(i - 1) / 2], &h[i])) {
			heap_swap(h, i, (i - 1) / 2);
			i = (i - 1) / 2;
		}
		return;
	}
	if (!cand_better(c, &h[0]))
		return;
	h[0] = *c;
	for (i = 0;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < w->nheap && cand_better(&h[m], &h[l]))
			m = l;
		if (r < w->nheap && cand_better(&h[m], &h[r]))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

static int
cand_cmp(const void *a, const void *b)
{
	return cand_better(a, b) ? -1 : cand_better(b, a) ? 1 : 0;
}

/* ---- the search --------------------------------------------------------- */

static int
ws_init(beam_ws *w, const model *m, const beam_config *c, char **cause)
{
	const model_config *mc = &m->cfg;

	memset(w, 0, sizeof *w);
	w->W = c->width;
	w->V = mc->V;
	w->n = c->n;
	w->LH = (size_t)mc->L * (size_t)mc->H;
	w->S = w->LH * (size_t)cell_states(mc->cell) + (size_t)mc->V;
	if (2 * (size_t)w->W * w->S * sizeof(float) > BEAM_MAX_STATE_BYTES)
		return set_cause(cause, "beam width %d needs over %zu MiB of "
		    "states for this model; use a narrower beam", w->W,
		    BEAM_MAX_STATE_BYTES >> 20);
	w->cur = xalloc_floats((size_t)w->W * w->S);
	w->nxt = xalloc_floats((size_t)w->W * w->S);
	w->score = xreallocarray(NULL, (size_t)w->W, sizeof *w->score);
	w->heap = xreallocarray(NULL, (size_t)w->W, sizeof *w->heap);
	w->lp = xreallocarray(NULL, (size_t)w->V, sizeof *w->lp);
	w->bp = xreallocarray(NULL, (size_t)w->W * (size_t)w->n,
	    sizeof *w->bp);
	w->start = xalloc_floats(3 * w->S);
	w->gend = w->start + w->S;
	w->fin_row = w->gend + w->S;
	w->gids = xreallocarray(NULL, (size_t)w->n, sizeof *w->gids);
	w->glp = xreallocarray(NULL, (size_t)w->n, sizeof *w->glp);
	w->fin_ids = xreallocarray(NULL, (size_t)w->n, sizeof *w->fin_ids);
	w->fin_lp = xreallocarray(NULL, (size_t)w->n, sizeof *w->fin_lp);
	w->fin_score = -INFINITY;
	return 0;
}

static void
ws_free(beam_ws *w)
{
	free(w->cur);
	free(w->nxt);
	free(w->score);
	free(w->heap);
	free(w->lp);
	free(w->bp);
	free(w->start);
	free(w->gids);
	free(w->glp);
	free(w->fin_ids);
	free(w->fin_lp);
}

/* ids[0..t] and lp[0..t]: the hypothesis at row j of step t, followed
 * back to step 0. */
static void
bp_follow(const beam_ws *w, int t, int j, uint16_t *ids, float *lp)
{
	for (; t >= 0; t--) {
		const beam_bp *b = &w->bp[(size_t)t * (size_t)w->W + (size_t)j];
		ids[t] = b->tok;
		lp[t] = b->lp;
		j = b->parent;
	}
}

/* Row i of step t-1 ended by the end id (log-probability lp, the text's
 * score): keep it if it is the likeliest ended text so far. */
static void
beam_ended(beam_ws *w, const beam_config *c, int t, int i, double score,
    float lp)
{
	if (!(score > w->fin_score))
		return;
	w->fin_score = score;
	w->fin_n = t + 1;
	if (t > 0)
		bp_follow(w, t - 1, i, w->fin_ids, w->fin_lp);
	w->fin_ids[t] = (uint16_t)c->end_id;
	w->fin_lp[t] = lp;
	memcpy(w->fin_row, w->cur + (size_t)i * w->S, w->S * sizeof(float));
}

/* The W best expansions of the rows in cur, best first, into heap and
 * the back-pointers of step t. Those among them by the end id leave the
 * beam, ended (so width 1 is greedy, which stops there too). */
static void
beam_expand(beam_ws *w, const beam_config *c, int t)
{
	int live = 0;

	w->nheap = 0;
	for (int i = 0; i < w->ncur; i++) {
		beam_log_softmax(w->lp, row_logits(w, i), w->V);
		for (int v = 0; v < w->V; v++) {
			beam_cand cd = { w->score[i] + w->lp[v],
			    (float)w->lp[v], i, v };
			heap_offer(w, &cd);
		}
	}
	qsort(w->heap, (size_t)w->nheap, sizeof *w->heap, cand_cmp);
	for (int j = 0; j < w->nheap; j++) {
		const beam_cand *cd = &w->heap[j];
		if (c->has_end && cd->tok == c->end_id)
			beam_ended(w, c, t, cd->parent, cd->score, cd->lp);
		else
			w->heap[live++] = *cd;
	}
	w->nheap = live;
	for (int j = 0; j < w->nheap; j++) {
		beam_bp *b = &w->bp[(size_t)t * (size_t)w->W + (size_t)j];
		b->tok = (uint16_t)w->heap[j].tok;
		b->parent = (uint16_t)w->heap[j].parent;
		b->lp = w->heap[j].lp;
	}
}

/* Step each kept expansion from its parent's state into nxt; then nxt is
 * this step's array. */
static void
beam_advance(beam_ws *w, const model *m, model_state *st)
{
	for (int j = 0; j < w->nheap; j++) {
		const beam_cand *c = &w->heap[j];
		row_load(w, st, w->cur + (size_t)c->parent * w->S);
		model_step(m, st, c->tok);
		row_store(w, w->nxt + (size_t)j * w->S, st);
		w->score[j] = c->score;
	}
	float *t = w->cur;
	w->cur = w->nxt;
	w->nxt = t;
	w->ncur = w->nheap;
}

/* Greedy decoding from st into gids, glp and gend, up to the end id;
 * st is left there. Its score, or -INFINITY when cancelled. A beam can
 * drop the greedy path on the way and end less likely than it: greedy
 * then wins. */
static double
beam_greedy(beam_ws *w, const model *m, model_state *st,
    const beam_config *c)
{
	double sum = 0;

	w->gn = 0;
	while (w->gn < w->n) {
		if (c->cancelled != NULL && c->cancelled(c->ud))
			return -INFINITY;
		beam_log_softmax(w->lp, st->logits, w->V);
		int best = 0;
		for (int v = 1; v < w->V; v++)
			if (w->lp[v] > w->lp[best])
				best = v;
		sum += w->lp[best];
		w->gids[w->gn] = (uint16_t)best;
		w->glp[w->gn++] = (float)w->lp[best];
		model_step(m, st, best);
		if (c->has_end && best == c->end_id)
			break;
	}
	row_store(w, w->gend, st);
	return sum;
}

static void
result_set(beam_result *r, const uint16_t *ids, const float *lp, int n,
    double score)
{
	memcpy(r->ids, ids, (size_t)n * sizeof *ids);
	memcpy(r->lp, lp, (size_t)n * sizeof *lp);
	r->n = n;
	r->logp = score;
}

/* The search stopped after step t-1 (ended: an ended text is likelier
 * than every live one; cancelled: the rows in cur are the last). Into r
 * the likeliest text, and into st its state. */
static void
beam_take(beam_ws *w, const model *m, model_state *st,
    const beam_config *c, int t, int ended, beam_result *r)
{
	double live = -INFINITY;

	if (!ended)
		live = r->cancelled ? w->score[0] : w->heap[0].score;
	if (w->fin_n > 0 && !(live > w->fin_score)) {
		result_set(r, w->fin_ids, w->fin_lp, w->fin_n, w->fin_score);
		row_load(w, st, w->fin_row);
		model_step(m, st, c->end_id);
	} else if (r->cancelled) {
		bp_follow(w, t - 1, 0, r->ids, r->lp);
		r->n = t;
		r->logp = live;
		row_load(w, st, w->cur);
	} else {
		bp_follow(w, t - 1, 0, r->ids, r->lp);
		r->n = t;
		r->logp = live;
		row_load(w, st, w->cur + (size_t)w->heap[0].parent * w->S);
		model_step(m, st, w->heap[0].tok);
	}
}

int
beam_search(const model *m, model_state *st, const beam_config *c,
    beam_result *r, char **cause)
{
	beam_ws w;
	double g = -INFINITY;
	int t, ended = 0;

	memset(r, 0, sizeof *r);
	if (beam_config_check(c, cause) != 0 || ws_init(&w, m, c, cause) != 0)
		return -1;
	r->ids = xreallocarray(NULL, (size_t)c->n, sizeof *r->ids);
	r->lp = xreallocarray(NULL, (size_t)c->n, sizeof *r->lp);
	row_store(&w, w.start, st);
	if (c->width > 1) {
		g = beam_greedy(&w, m, st, c);
		row_load(&w, st, w.start);
	}
	memcpy(w.cur, w.start, w.S * sizeof(float));
	w.score[0] = 0;
	w.ncur = 1;
	for (t = 0; t < c->n && !ended; t++) {
		if (t > 0 && c->cancelled != NULL && c->cancelled(c->ud)) {
			r->cancelled = 1;
			break;
		}
		beam_expand(&w, c, t);
		/* Scores only fall: no live text can pass an ended one. */
		ended = w.nheap == 0 || (w.fin_n > 0 &&
		    !(w.heap[0].score > w.fin_score));
		if (!ended && t < c->n - 1)
			beam_advance(&w, m, st);
	}
	beam_take(&w, m, st, c, t, ended, r);
	if (!r->cancelled && g > r->logp) {
		result_set(r, w.gids, w.glp, w.gn, g);
		r->greedy = 1;
		row_load(&w, st, w.gend);
	}
	ws_free(&w);
	return 0;
}

void
beam_result_free(beam_result *r)
{
	free(r->ids);
	free(r->lp);
	memset(r, 0, sizeof *r);
}
