/* optim.c - Adam, RMSprop and SGD with momentum over one flat parameter
 * array, exactly as torch.optim computes them, and global-norm clipping as
 * torch.nn.utils.clip_grad_norm_ does.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "optim.h"
#include "util.h"

static const char *const optim_names[] = { "adam", "rmsprop", "sgd" };

const char *
optim_name(int kind)
{
	if (kind < 0 || (size_t)kind >= NELEMS(optim_names))
		return "?";
	return optim_names[kind];
}

int
optim_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(optim_names); i++) {
		if (strcasecmp(s, optim_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Defaults. Betas, eps and alpha are PyTorch's. The learning rates are
 * those that train a char-rnn well rather than torch.optim's generic ones:
 * Adam 2e-3 (char-rnn and torch-rnn; PyTorch's 1e-3 is slower here),
 * RMSprop 2e-3 (Karpathy's char-rnn; PyTorch's 1e-2 diverges on LSTMs),
 * SGD 0.1 with momentum 0.9 (PyTorch has no default rate). RMSprop's
 * momentum is 0 as in PyTorch.
 */
void
optim_defaults(optim_config *c, int kind)
{
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->beta1 = 0.9f;
	c->beta2 = 0.999f;
	c->eps = 1e-8f;
	c->alpha = 0.99f;
	switch (kind) {
	case OPTIM_SGD:
		c->lr = 0.1f;
		c->momentum = 0.9f;
		break;
	case OPTIM_RMSPROP:
		c->lr = 2e-3f;
		c->momentum = 0.0f;
		break;
	default:
		c->lr = 2e-3f;
		c->momentum = 0.0f;
		break;
	}
}

optim *
optim_create(const optim_config *c, size_t n)
{
	optim *o = xcalloc(1, sizeof *o);

	o->cfg = *c;
	o->n = n;
	o->t = 0;
	if (n > SIZE_MAX / 2)
		n = SIZE_MAX / 2;	/* xalloc_floats then fails loudly */
	o->state = xalloc_floats(2 * n);
	return o;
}

void
optim_free(optim *o)
{
	if (o == NULL)
		return;
	free(o->state);
	free(o);
}

/*
 * torch.optim.Adam (amsgrad off, no weight decay):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * in PyTorch's order of operations (m by lerp, bias corrections in double).
 */
static void
adam_step(optim *o, float *p, const float *g)
{
	const optim_config *c = &o->cfg;
	float *m = o->state, *v = o->state + o->n;
	float b1 = c->beta1, b2 = c->beta2, eps = c->eps;
	double bc1 = 1.0 - pow((double)b1, (double)o->t);
	double bc2 = 1.0 - pow((double)b2, (double)o->t);
	float step = (float)((double)c->lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);

	for (size_t i = 0; i < o->n; i++) {
		m[i] += (1.0f - b1) * (g[i] - m[i]);
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		float denom = sqrtf(v[i]) / bc2_sqrt + eps;
		p[i] -= step * (m[i] / denom);
	}
}

/*
 * torch.optim.RMSprop (not centered, no weight decay):
 *   v = alpha v + (1 - alpha) g^2;  d = sqrt(v) + eps
 *   momentum > 0: buf = momentum buf + g / d;  p -= lr buf
 *   else:         p -= lr g / d
 */
static void
rmsprop_step(optim *o, float *p, const float *g)
{
	const optim_config *c = &o->cfg;
	float *buf = o->state, *v = o->state + o->n;
	float a = c->alpha, lr = c->lr, eps = c->eps, mu = c->momentum;

	for (size_t i = 0; i < o->n; i++) {
		v[i] = a * v[i] + (1.0f - a) * g[i] * g[i];
		float d = sqrtf(v[i]) + eps;
		if (mu > 0.0f) {
			buf[i] = mu * buf[i] + g[i] / d;
			p[i] -= lr * buf[i];
		} else {
			p[i] -= lr * (g[i] / d);
		}
	}
}

/*
 * torch.optim.SGD (no dampening, not Nesterov): the first step sets
 * buf = g, later ones buf = momentum buf + g; p -= lr buf.
 */
static void
sgd_step(optim *o, float *p, const float *g)
{
	const optim_config *c = &o->cfg;
	float *buf = o->state, lr = c->lr, mu = c->momentum;

	for (size_t i = 0; i < o->n; i++) {
		if (mu != 0.0f) {
			buf[i] = o->t == 1 ? g[i] : mu * buf[i] + g[i];
			p[i] -= lr * buf[i];
		} else {
			p[i] -= lr * g[i];
		}
	}
}

void
optim_step(optim *o, float *params, const float *grads)
{
	o->t++;
	switch (o->cfg.kind) {
	case OPTIM_RMSPROP:
		rmsprop_step(o, params, grads);
		break;
	case OPTIM_SGD:
		sgd_step(o, params, grads);
		break;
	default:
		adam_step(o, params, grads);
		break;
	}
}

/*
 * As torch.nn.utils.clip_grad_norm_: norm = ||g||_2 (summed in double),
 * clip_coef = max_norm / (norm + 1e-6), g *= clip_coef when it is < 1.
 * A NaN or infinite norm is returned and g is left alone: scaling by it
 * would only spread the NaN, and the caller has to skip that step anyway.
 */
float
grad_clip(float *g, size_t n, float max_norm)
{
	double ss = 0.0;

	for (size_t i = 0; i < n; i++)
		ss += (double)g[i] * g[i];
	double norm = sqrt(ss);
	if (!isfinite(norm) || !(max_norm > 0.0f))
		return (float)norm;
	double coef = (double)max_norm / (norm + 1e-6);
	if (coef < 1.0) {
		float cf = (float)coef;
		for (size_t i = 0; i < n; i++)
			g[i] *= cf;
	}
	return (float)norm;
}
