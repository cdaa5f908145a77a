/* model.h - LSTM, GRU and tanh-RNN character models: parameters, training
 * forward/backward over (B, T) batches, and a batch-1 step for sampling.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network is PyTorch's classic CharRNN:
 *     input (one-hot, or nn.Embedding(V, E)) -> L recurrent layers
 *     (nn.LSTM / nn.GRU / nn.RNN(tanh), dropout between layers)
 *     -> dropout -> nn.Linear(H, V) -> softmax cross-entropy.
 * Gate order, bias layout (two bias vectors per layer) and formulas are
 * PyTorch's, so weights interchange with it:
 *   LSTM  gates (i, f, g, o):  c' = f*c + i*g,  h' = o*tanh(c')
 *   GRU   gates (r, z, n):     n = tanh(W_in x + b_in + r*(W_hn h + b_hn)),
 *                              h' = (1 - z)*n + z*h
 *   RNN                        h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 * A one-hot input is a column gather from weight_ih_l0, never a matmul.
 *
 * Parameters live in one allocation (params), gradients in another of the
 * same layout (grads); tensors[] names each block with PyTorch's name and
 * shape, in a fixed order: embedding.weight (if E > 0), then per layer
 * weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, then fc.weight,
 * fc.bias.
 */
#ifndef BURBLE_MODEL_H
#define BURBLE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "pool.h"
#include "rng.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_HIDDEN 8192
#define MODEL_MAX_EMBED 4096
#define MODEL_MAX_TENSORS (3 + 4 * MODEL_MAX_LAYERS)

typedef struct {
	int cell;	/* enum cell_type */
	int L;		/* layers, 1..MODEL_MAX_LAYERS */
	int H;		/* hidden size */
	int V;		/* vocabulary size, 2..65535 */
	int E;		/* embedding size; 0 = one-hot input */
	float dropout;	/* [0, 1): between layers and before fc */
} model_config;

typedef struct {
	char name[32];	/* PyTorch name, e.g. "lstm.weight_ih_l0" */
	int ndim;	/* 1 or 2 */
	size_t shape[2];
	size_t offset;	/* in floats, into params / grads */
	size_t size;	/* shape[0] * (ndim == 2 ? shape[1] : 1) */
} model_tensor;

typedef struct model_pack model_pack;	/* internal to step.c */

typedef struct {
	model_config cfg;
	int G;		/* gates per cell: 4 LSTM, 3 GRU, 1 RNN */
	size_t nparams;
	float *params;	/* (nparams) one allocation, 64-byte aligned */
	float *grads;	/* (nparams) same layout */
	int ntensors;
	model_tensor tensors[MODEL_MAX_TENSORS];
	/* Views into params (the same offsets index grads). */
	float *emb;			/* (V, E) or NULL */
	float *w_ih[MODEL_MAX_LAYERS];	/* (G*H, in_l); in_0 = E or V */
	float *w_hh[MODEL_MAX_LAYERS];	/* (G*H, H) */
	float *b_ih[MODEL_MAX_LAYERS];	/* (G*H) */
	float *b_hh[MODEL_MAX_LAYERS];	/* (G*H) */
	float *fc_w;			/* (V, H) */
	float *fc_b;			/* (V) */
	/* model_step's copy of the weights (model_set_precision), or NULL:
	 * then it reads params. */
	model_pack *pack;
} model;

/* cell_name and cell_parse: cell.h. */

/* Check ranges; fills cause with what is allowed. */
int model_config_check(const model_config *c, char **cause);
model *model_create(const model_config *c);
void model_free(model *m);
/* The number of parameters model_create(c) would allocate (0 if c is
 * invalid), without allocating them. */
size_t model_param_count(const model_config *c);
/* PyTorch's default init: U(-1/sqrt(H), 1/sqrt(H)) for recurrent and fc
 * weights and biases, N(0, 1) for the embedding; LSTM forget-gate bias of
 * bias_ih set to 1 (remember by default early in training). */
void model_init(model *m, rng_t *rng);
/* Look a tensor up by its PyTorch name. */
const model_tensor *model_tensor_find(const model *m, const char *name);

/* ---- training: B streams x T steps ---------------------------------- */

typedef struct model_ws model_ws;	/* activations for one (B, T) */

/* A workspace for B streams of T steps; its forwards and backwards run
 * the kernel set active when it is made (kernels.h). */
model_ws *model_ws_create(const model *m, int B, int T);
void model_ws_free(model_ws *ws);
/* The hidden state carried from batch to batch: h then (LSTM) c, each
 * (L, B, H). Zeroed by model_ws_reset. Readable and writable (checkpoints,
 * tests). */
float *model_ws_state(model_ws *ws, size_t *n);
void model_ws_reset(model_ws *ws);
/* d loss / d (carried-in state) from the last backward, same layout. */
const float *model_ws_dstate(const model_ws *ws);
/* Count ws's forwards and backwards in p (NULL: in none), so that the
 * batch-1 steps of states in p leave the cores to them. */
void model_ws_set_pool(model_ws *ws, pool *p);

/*
 * Forward over x, y: (B, T) ids, row b = stream b. Returns the mean
 * cross-entropy (nats) over the B*T targets; *correct (if not NULL) gets the
 * number of positions whose argmax is the target. The carried state becomes
 * the state after step T. train != 0 applies dropout (masks drawn from rng)
 * and keeps what model_backward needs; train == 0 is evaluation.
 */
double model_forward(model *m, model_ws *ws, const uint16_t *x,
    const uint16_t *y, int train, rng_t *rng, size_t *correct);
/* Gradients of the mean loss of the last train forward; overwrites grads. */
void model_backward(model *m, model_ws *ws, const uint16_t *x,
    const uint16_t *y);

/* ---- sampling: batch 1, one step per character ----------------------- */

typedef struct {
	int L, H, V;
	float *h;	/* (L, H) hidden state; layer l at h + l*H */
	float *c;	/* (L, H) LSTM cell state, NULL otherwise */
	float *logits;	/* (V) after the last step */
	float *scratch;	/* internal */
	/* internal: model_step's timing of its one- and two-thread steps */
	float step_ns[2];
	unsigned step_count, step_every;
	int step_best, step_prev;
	int threads;	/* model_state_set_threads */
	pool *pool;	/* model_state_set_pool, or NULL */
	pool *own;	/* without one: a pool of its own, made when needed */
} model_state;

model_state *model_state_create(const model *m);
void model_state_free(model_state *s);
void model_state_reset(model_state *s);
void model_state_copy(model_state *dst, const model_state *src);
/* Feed one token; returns s->logits (V). No dropout. Thread-safe for
 * distinct states. A big enough model's step runs on two cores (the caller
 * and the helper thread of s's pool) when OpenBLAS may use two threads,
 * no other step in the pool has the helper and no training forward or
 * backward of the pool is running; the logits are the same bits either
 * way. */
const float *model_step(const model *m, model_state *s, int token);
/* The pool whose helper s's steps borrow, and whose training passes they
 * give way to; NULL (the default): a helper of s's own. p must outlive
 * s's steps. */
void model_state_set_pool(model_state *s, pool *p);
/* Threads for s's steps: 0 = decide as above (the default), 1 = always
 * one, 2 = two whenever the helper is free (tests, benchmarks). */
void model_state_set_threads(model_state *s, int n);
/*
 * The weights model_step reads. By default params, as they are. After
 * model_set_precision, a copy of the weight matrices made by that call,
 * laid out for the step (about 1.4x faster in float): MODEL_FP32, the
 * weights as they are; MODEL_FP16, each rounded to binary16 (11
 * significant bits; the products and sums stay float): a character then
 * streams half the bytes, and the step is bound by cache bandwidth. The
 * copy does not follow params: call again after they change, or
 * model_unpack to read params again. Returns the precision in effect:
 * MODEL_FP32 where the active kernel set (kernels.h) has no half panels
 * (x86-64 with AVX2, F16C and FMA has them, and ARM64) or a weight is
 * beyond binary16's
 * range; with no panels at all there is no copy. The copy keeps the
 * kernel set active when it is made. Not while a model_step on m runs.
 */
enum model_precision { MODEL_FP32, MODEL_FP16 };
int model_set_precision(model *m, int precision);
void model_unpack(model *m);
const char *precision_name(int precision);	/* "fp32", "fp16" */
int precision_parse(const char *s);		/* -1 if unknown */

#endif
