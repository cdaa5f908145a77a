/* train.c - training settings and progress records.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"
#include "util.h"

void
train_settings_default(train_settings *s)
{
	memset(s, 0, sizeof *s);
	s->B = 32;
	s->T = 64;
	s->val_frac = 0.1f;
	optim_defaults(&s->opt, OPTIM_ADAM);
	s->opt.lr = 2e-3f;
	s->lr_decay = 1.0f;
	s->lr_decay_after = 0;
	s->clip = 5.0f;
	s->epochs = 30;
	s->max_steps = 0;
	s->patience = 0;
	s->eval_every = 0;
	s->report_every = 0;
	s->seed = 0;
	s->sample_len = 200;
	s->nsample_temps = 3;
	s->sample_temps[0] = 0.2f;
	s->sample_temps[1] = 0.5f;
	s->sample_temps[2] = 1.0f;
}

void
train_progress_init(train_progress *p, const train_settings *s)
{
	memset(p, 0, sizeof *p);
	rng_seed(&p->rng, s->seed);
	p->lr = s->opt.lr;
	p->best_val = INFINITY;
	p->best_step = -1;
}

void
train_progress_free(train_progress *p)
{
	free(p->hist);
	free(p->state);
	memset(p, 0, sizeof *p);
}

void
train_progress_copy(train_progress *dst, const train_progress *src)
{
	*dst = *src;
	dst->hist = NULL;
	dst->cap = 0;
	if (src->nhist > 0) {
		dst->hist = xreallocarray(NULL, src->nhist, sizeof *dst->hist);
		memcpy(dst->hist, src->hist, src->nhist * sizeof *dst->hist);
		dst->cap = src->nhist;
	}
	dst->state = NULL;
	if (src->state != NULL) {
		dst->state = xalloc_floats(src->nstate);
		memcpy(dst->state, src->state, src->nstate * sizeof(float));
	}
}

void
hist_push(train_progress *p, const hist_point *h)
{
	if (p->nhist == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->hist = xreallocarray(p->hist, p->cap, sizeof *p->hist);
	}
	p->hist[p->nhist++] = *h;
}
