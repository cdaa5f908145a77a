/* optim.h - optimizers over one flat parameter array, and gradient clipping.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_OPTIM_H
#define BURBLE_OPTIM_H

#include <stddef.h>

enum optim_kind { OPTIM_ADAM, OPTIM_RMSPROP, OPTIM_SGD };

typedef struct {
	int kind;	/* enum optim_kind */
	float lr;	/* current learning rate (the trainer applies decay) */
	float beta1, beta2, eps;	/* Adam: 0.9, 0.999, 1e-8 */
	float alpha;	/* RMSprop smoothing: 0.99 (PyTorch's default) */
	float momentum;	/* SGD (and RMSprop) momentum: 0.9 / 0 */
} optim_config;

typedef struct {
	optim_config cfg;
	size_t n;
	long t;		/* steps taken (Adam bias correction) */
	float *state;	/* (2n) one allocation: m (or momentum buffer) then v
			   (or the squared-gradient average) */
} optim;

const char *optim_name(int kind);	/* "adam", "rmsprop", "sgd" */
int optim_parse(const char *s);		/* -1 if unknown */
void optim_defaults(optim_config *c, int kind);

optim *optim_create(const optim_config *c, size_t n);
void optim_free(optim *o);
/* One update of params (n) from grads (n), as PyTorch's torch.optim does. */
void optim_step(optim *o, float *params, const float *grads);

/* Global L2 norm of g (n); if it exceeds max_norm > 0, scale g to max_norm.
 * Returns the norm before clipping (NaN/Inf if g has any). */
float grad_clip(float *g, size_t n, float max_norm);

#endif
