/* model.c - the model's configuration, parameter layout and init, tensor
 * lookup, and the training workspace's layout.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rest of the model: cell.c (each cell's equations), fb.c (forward
 * and backward through time over a workspace), step.c (the batch-1 step),
 * pool.c (their threads) and kernels.c (the SIMD kernels they call).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "model_int.h"
#include "util.h"

/* ---- configuration ---------------------------------------------------- */

int
model_config_check(const model_config *c, char **cause)
{
	if (cell_gates(c->cell) == 0)
		return set_cause(cause, "cell must be lstm, gru or rnn");
	if (c->L < 1 || c->L > MODEL_MAX_LAYERS)
		return set_cause(cause, "layers must be 1..%d, got %d",
		    MODEL_MAX_LAYERS, c->L);
	if (c->H < 1 || c->H > MODEL_MAX_HIDDEN)
		return set_cause(cause, "hidden size must be 1..%d, got %d",
		    MODEL_MAX_HIDDEN, c->H);
	if (c->V < 2 || c->V > 65535)
		return set_cause(cause,
		    "vocabulary size must be 2..65535, got %d", c->V);
	if (c->E < 0 || c->E > MODEL_MAX_EMBED)
		return set_cause(cause,
		    "embedding size must be 0 (one-hot) ..%d, got %d",
		    MODEL_MAX_EMBED, c->E);
	if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
		return set_cause(cause, "dropout must be in [0, 1), got %g",
		    (double)c->dropout);
	return 0;
}

/* ---- parameters ------------------------------------------------------- */

static void
add_tensor(model *m, size_t *off, const char *name, size_t d0, size_t d1)
{
	model_tensor *t = &m->tensors[m->ntensors++];

	snprintf(t->name, sizeof t->name, "%s", name);
	t->ndim = d1 ? 2 : 1;
	t->shape[0] = d0;
	t->shape[1] = d1;
	t->size = d0 * (d1 ? d1 : 1);
	t->offset = *off;
	*off += t->size;
}

/* The tensor table and nparams of configuration c, in the order model.h
 * documents; no allocation. */
static void
model_layout(model *m, const model_config *c)
{
	size_t H = (size_t)c->H, V = (size_t)c->V, E = (size_t)c->E, off = 0;
	const char *pre = cell_name(c->cell);
	char name[32];

	m->cfg = *c;
	m->G = cell_gates(c->cell);
	size_t GH = (size_t)m->G * H;
	if (E > 0)
		add_tensor(m, &off, "embedding.weight", V, E);
	for (int l = 0; l < c->L; l++) {
		size_t in = l > 0 ? H : E > 0 ? E : V;
		snprintf(name, sizeof name, "%s.weight_ih_l%d", pre, l);
		add_tensor(m, &off, name, GH, in);
		snprintf(name, sizeof name, "%s.weight_hh_l%d", pre, l);
		add_tensor(m, &off, name, GH, H);
		snprintf(name, sizeof name, "%s.bias_ih_l%d", pre, l);
		add_tensor(m, &off, name, GH, 0);
		snprintf(name, sizeof name, "%s.bias_hh_l%d", pre, l);
		add_tensor(m, &off, name, GH, 0);
	}
	add_tensor(m, &off, "fc.weight", V, H);
	add_tensor(m, &off, "fc.bias", V, 0);
	m->nparams = off;
}

size_t
model_param_count(const model_config *c)
{
	model m;

	if (model_config_check(c, NULL) != 0)
		return 0;
	memset(&m, 0, sizeof m);
	model_layout(&m, c);
	return m.nparams;
}

model *
model_create(const model_config *c)
{
	if (model_config_check(c, NULL) != 0)
		return NULL;

	model *m = xcalloc(1, sizeof *m);
	model_layout(m, c);
	m->params = xalloc_floats(m->nparams);
	m->grads = xalloc_floats(m->nparams);

	/* The views, in the table's order. */
	const model_tensor *t = m->tensors;
	m->emb = c->E > 0 ? m->params + (t++)->offset : NULL;
	for (int l = 0; l < c->L; l++) {
		m->w_ih[l] = m->params + (t++)->offset;
		m->w_hh[l] = m->params + (t++)->offset;
		m->b_ih[l] = m->params + (t++)->offset;
		m->b_hh[l] = m->params + (t++)->offset;
	}
	m->fc_w = m->params + (t++)->offset;
	m->fc_b = m->params + t->offset;
	return m;
}

void
model_free(model *m)
{
	if (m == NULL)
		return;
	free(m->params);
	free(m->grads);
	model_unpack(m);
	free(m);
}

/* N(0, 1) by Box-Muller; 1 - u keeps the logarithm finite. */
static float
rng_normal(rng_t *rng)
{
	double u1 = 1.0 - (double)rng_float(rng);
	double u2 = (double)rng_float(rng);
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void
model_init(model *m, rng_t *rng)
{
	float k = 1.0f / sqrtf((float)m->cfg.H);

	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		float *p = m->params + t->offset;
		if (m->emb != NULL && p == m->emb) {
			for (size_t j = 0; j < t->size; j++)
				p[j] = rng_normal(rng);
		} else {
			for (size_t j = 0; j < t->size; j++)
				p[j] = k * (2.0f * rng_float(rng) - 1.0f);
		}
	}
	for (int l = 0; l < m->cfg.L; l++)
		cell_init_bias(m->cfg.cell, m->b_ih[l], (size_t)m->cfg.H);
	memset(m->grads, 0, m->nparams * sizeof(float));
}

const model_tensor *
model_tensor_find(const model *m, const char *name)
{
	for (int i = 0; i < m->ntensors; i++) {
		if (strcmp(m->tensors[i].name, name) == 0)
			return &m->tensors[i];
	}
	return NULL;
}

/* ---- training workspace ----------------------------------------------- */

/* Carve n floats off a bump allocator, each block 64-byte aligned. */
static float *
carve(float *base, size_t *off, size_t n)
{
	float *p = base == NULL ? NULL : base + *off;
	*off += (n + 15) & ~(size_t)15;
	return p;
}

static void
ws_layout(model_ws *ws, float *base, size_t *total)
{
	const model_config *c = &ws->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t V = (size_t)c->V, E = (size_t)c->E, GH = (size_t)ws->G * H;
	size_t TB = T * B, off = 0;
	int lstm = cell_states(c->cell) == 2, split = cell_split(c->cell);
	int drop = c->dropout > 0.0f;

	ws->nstate = (size_t)cell_states(c->cell) * (size_t)c->L * B * H;
	ws->state = carve(base, &off, ws->nstate);
	ws->dstate = carve(base, &off, ws->nstate);
	for (int l = 0; l < c->L; l++) {
		ws->hs[l] = carve(base, &off, (T + 1) * B * H);
		ws->act[l] = carve(base, &off, TB * GH);
		if (lstm) {
			ws->cs[l] = carve(base, &off, (T + 1) * B * H);
		}
		if (split)
			ws->hn[l] = carve(base, &off, TB * H);
		if (drop) {
			ws->xd[l] = carve(base, &off, TB * H);
		}
	}
	if (E > 0)
		ws->embx = carve(base, &off, TB * E);
	ws->logits = carve(base, &off, TB * V);
	ws->dpre = carve(base, &off, TB * GH);
	if (split) {
		ws->dpreh = carve(base, &off, TB * GH);
		ws->hp = carve(base, &off, B * GH);
	}
	ws->dbuf[0] = carve(base, &off, TB * MAX(H, E));
	ws->dbuf[1] = carve(base, &off, TB * MAX(H, E));
	ws->wpk = ws->fcpk = NULL;
	if (ws->kern->pk_gemm != NULL) {
		size_t in = MAX(H, E);	/* the widest input */
		ws->wpk_floats = MAX(kernels_pack_size(in, GH),
		    kernels_pack_size(GH, in));
		ws->wpk = carve(base, &off, ws->wpk_floats);
		ws->fcpk = carve(base, &off, MAX(kernels_pack_size(H, V),
		    kernels_pack_size(V, H)));
		ws->tn_floats = kernels_tn_scratch(H + in);
	}
	*total = off;
}

model_ws *
model_ws_create(const model *m, int B, int T)
{
	if (B < 1 || T < 1)
		return NULL;

	model_ws *ws = xcalloc(1, sizeof *ws);
	size_t total;

	ws->cfg = m->cfg;
	ws->G = m->G;
	ws->B = B;
	ws->T = T;
	ws->kern = kernels_active();
	ws_layout(ws, NULL, &total);
	ws->mem = xalloc_floats(total);
	ws_layout(ws, ws->mem, &total);
	ws->xt = xreallocarray(NULL, (size_t)B * T, sizeof *ws->xt);
	ws->yt = xreallocarray(NULL, (size_t)B * T, sizeof *ws->yt);
	ws->rowloss = xreallocarray(NULL, (size_t)B * T, sizeof *ws->rowloss);
	return ws;
}

void
model_ws_free(model_ws *ws)
{
	if (ws == NULL)
		return;
	pool_crew_free(ws->crew);
	free(ws->tn);
	free(ws->mem);
	free(ws->xt);
	free(ws->yt);
	free(ws->rowloss);
	free(ws);
}

float *
model_ws_state(model_ws *ws, size_t *n)
{
	if (n != NULL)
		*n = ws->nstate;
	return ws->state;
}

void
model_ws_reset(model_ws *ws)
{
	memset(ws->state, 0, ws->nstate * sizeof(float));
}

const float *
model_ws_dstate(const model_ws *ws)
{
	return ws->dstate;
}

void
model_ws_set_pool(model_ws *ws, pool *p)
{
	ws->pool = p;
}
