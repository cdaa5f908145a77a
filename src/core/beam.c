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
	uint16_t *gids;		/* (n) the greedy continuation */
	float *glp;		/* (n) */
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
	w->start = xalloc_floats(2 * w->S);
	w->gend = w->start + w->S;
	w->gids = xreallocarray(NULL, (size_t)w->n, sizeof *w->gids);
	w->glp = xreallocarray(NULL, (size_t)w->n, sizeof *w->glp);
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
}

/* The W best expansions of the rows in cur, best first, into heap and
 * the back-pointers of step t. */
static void
beam_expand(beam_ws *w, int t)
{
	w->nheap = 0;
	for (int i = 0; i < w->ncur; i++) {
		beam_log_softmax(w->lp, row_logits(w, i), w->V);
		for (int v = 0; v < w->V; v++) {
			beam_cand c = { w->score[i] + w->lp[v], (float)w->lp[v],
			    i, v };
			heap_offer(w, &c);
		}
	}
	qsort(w->heap, (size_t)w->nheap, sizeof *w->heap, cand_cmp);
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

/* Greedy decoding from st into gids, glp and gend; st is left there.
 * Its score, or -INFINITY when cancelled. A beam can drop the greedy
 * path on the way and end less likely than it: greedy then wins. */
static double
beam_greedy(beam_ws *w, const model *m, model_state *st,
    const beam_config *c)
{
	double sum = 0;

	for (int t = 0; t < w->n; t++) {
		if (c->cancelled != NULL && c->cancelled(c->ud))
			return -INFINITY;
		beam_log_softmax(w->lp, st->logits, w->V);
		int best = 0;
		for (int v = 1; v < w->V; v++)
			if (w->lp[v] > w->lp[best])
				best = v;
		sum += w->lp[best];
		w->gids[t] = (uint16_t)best;
		w->glp[t] = (float)w->lp[best];
		model_step(m, st, best);
	}
	row_store(w, w->gend, st);
	return sum;
}

/* The best hypothesis of step n-1 (row 0), followed back to step 0. */
static void
beam_backtrack(const beam_ws *w, int n, beam_result *r)
{
	int j = 0;

	r->n = n;
	for (int t = n - 1; t >= 0; t--) {
		const beam_bp *b = &w->bp[(size_t)t * (size_t)w->W + (size_t)j];
		r->ids[t] = b->tok;
		r->lp[t] = b->lp;
		j = b->parent;
	}
}

int
beam_search(const model *m, model_state *st, const beam_config *c,
    beam_result *r, char **cause)
{
	beam_ws w;
	double g = -INFINITY;
	int t;

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
	for (t = 0; t < c->n; t++) {
		if (t > 0 && c->cancelled != NULL && c->cancelled(c->ud))
			break;
		beam_expand(&w, t);
		if (t < c->n - 1) {
			beam_advance(&w, m, st);
			continue;
		}
		/* The last step: only the best needs its state. */
		row_load(&w, st, w.cur + (size_t)w.heap[0].parent * w.S);
		model_step(m, st, w.heap[0].tok);
		r->logp = w.heap[0].score;
	}
	if (t < c->n) {		/* cancelled: the best so far */
		row_load(&w, st, w.cur);
		r->logp = w.score[0];
	}
	beam_backtrack(&w, t, r);
	if (t == c->n && g > r->logp) {
		memcpy(r->ids, w.gids, (size_t)t * sizeof *r->ids);
		memcpy(r->lp, w.glp, (size_t)t * sizeof *r->lp);
		r->logp = g;
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
