/* model_int.h - inside the model: the training workspace, shared by
 * model.c (its layout) and fb.c (forward and backward through time).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout. Inside a workspace everything is time-major, (T, B, ...), so the
 * rows of one time step are contiguous and each step's recurrent product is
 * one GEMM. All G gates of a layer sit side by side in one (G*H)-wide row,
 * in PyTorch's order. Per layer l the forward keeps
 *     hs   (T+1, B, H)  hidden states, hs[0] = the carried-in state
 *     cs   (T+1, B, H)  LSTM cell states, cs[0] carried in
 *     act  (T, B, G*H)  gate activations (LSTM i f g o, GRU r z n, RNN h)
 *     hn   (T, B, H)    GRU W_hn h + b_hn
 *     xd   (T, B, H)    the output after dropout: the next layer's input
 * Kept small on purpose (peak memory is a target too): tanh(c) and the
 * dropout masks are not stored but computed again in the backward (from
 * cs, and from the masks' seeds).
 */
#ifndef BURBLE_MODEL_INT_H
#define BURBLE_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "model.h"
#include "pool.h"

#define MODEL_MAX_THREADS 64

struct model_ws {
	model_config cfg;
	int G, B, T;
	int ready;		/* the last forward was a train forward */
	int dropped;		/* ... and applied dropout */
	const kernels *kern;	/* the kernel set, from model_ws_create */
	pool *pool;		/* model_ws_set_pool, or NULL */
	uint16_t *xt, *yt;	/* (T, B) time-major copies of x, y */
	float *mem;		/* everything below, one allocation */
	size_t nstate;
	float *state;		/* (S, L, B, H), S = 2 for LSTM (h, c) else 1 */
	float *dstate;		/* same */
	float *hs[MODEL_MAX_LAYERS];	/* (T+1, B, H) */
	float *cs[MODEL_MAX_LAYERS];	/* (T+1, B, H) LSTM */
	float *act[MODEL_MAX_LAYERS];	/* (T, B, GH) */
	float *hn[MODEL_MAX_LAYERS];	/* (T, B, H) GRU */
	float *xd[MODEL_MAX_LAYERS];	/* (T, B, H) dropout > 0 */
	float *embx;		/* (T, B, E) embedding input */
	float *logits;		/* (T, B, V); d loss/d logits after a train
				   forward */
	float *dpre;		/* (T, B, GH) */
	float *dpreh;		/* (T, B, GH) GRU: the W_hh side */
	float *hp;		/* (B, GH) GRU: W_hh h of one step */
	float *dbuf[2];		/* (T, B, max(H, E)) */
	float *wpk;		/* W_hh or W_ih of the layer running now,
				   packed for kern->pk_gemm; NULL without */
	size_t wpk_floats;
	float *fcpk;		/* fc.weight, packed likewise (forward:
				   transposed); NULL without */
	pool_crew *crew;	/* the pass's threads (fb.c) */
	int crew_asked;		/* ... the count it was made for */
	float *tn;		/* per thread tn_floats: kernels_gemm_tn's
				   scratch, for tn_threads threads */
	size_t tn_floats;
	int tn_threads;
	double *rowloss;	/* (T*B) cross-entropy per row */
	uint64_t drop_seed[MODEL_MAX_LAYERS];	/* layer l's dropout masks,
					   drawn again in the backward */
	size_t hits[MODEL_MAX_THREADS];	/* correct argmax per thread */
};

#endif
