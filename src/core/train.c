/* train.c - how burble trains: the defaults, one step, evaluation, the
 * learning-rate schedule, the checkpoint policy, the progress records.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here starts a thread, prints or posts an event: the session's
 * trainer thread calls these pieces in its loop and tells the views what
 * happened; `burble bench` and `burble eval` call the same pieces.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "file.h"
#include "gen.h"
#include "sampler.h"
#include "train.h"
#include "util.h"

/* ---- defaults ----------------------------------------------------------- */

void
train_settings_default(train_settings *s)
{
	memset(s, 0, sizeof *s);
	s->B = 32;
	s->T = 64;
	s->val_frac = 0.1f;
	optim_defaults(&s->opt, OPTIM_ADAM);
	s->opt.lr = 1e-2f;	/* with cosine and warm-up: doc/recipe.md */
	s->schedule = TRAIN_LR_COSINE;
	s->warmup = 100;
	s->lr_min = 0.1f;
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

float
train_default_lr(const optim_config *o, int H)
{
	if (o->kind != OPTIM_ADAM || H <= TRAIN_LR_WIDTH)
		return o->lr;
	return o->lr * (float)TRAIN_LR_WIDTH / (float)H;
}

void
train_model_default(model_config *mc)
{
	*mc = (model_config){ .cell = CELL_LSTM, .L = 2, .H = 256, .E = 0,
	    .dropout = 0.2f };
}

/* Per parameter, at most 12 floats: the weights, gradients and two
 * optimizer moments (4); the divergence guard's copy of the weights and
 * moments (3); with the prompt, its model (weights and gradients) and the
 * snapshot (3); the sampling copies of the generator's and, at an
 * evaluation, the trainer's model (2 in fp32). Plus the activations kept
 * for backward (B*T rows of every layer's gates, states and outputs, and
 * of the logits). */
int
train_check_memory(const model_config *mc, int B, int T, char **cause)
{
	double G = mc->cell == CELL_LSTM ? 4 : mc->cell == CELL_GRU ? 3 : 1;
	double params = (double)model_param_count(mc);
	double acts = (double)B * T * (mc->L * (3 * G * mc->H + 4.0 * mc->H) +
	    3.0 * mc->V);
	double need = 4.0 * (12 * params + acts);
	double have = (double)sysconf(_SC_PHYS_PAGES) *
	    (double)sysconf(_SC_PAGESIZE);
	if (have > 0 && need > 0.8 * have)
		return set_cause(cause, "model too large for this machine: "
		    "training %d x %d, vocabulary %d, with batch %d x %d "
		    "needs about %.1f GB, the machine has %.1f GB (use a "
		    "smaller --hidden, --layers, --batch, --seq or "
		    "--max-words)", mc->L, mc->H, mc->V, B, T, need / 1e9,
		    have / 1e9);
	return 0;
}

void
train_settings_override(train_settings *dst, const train_settings *src,
    unsigned o)
{
	if (o & OVERRIDE_EPOCHS)
		dst->epochs = src->epochs;
	if (o & OVERRIDE_STEPS)
		dst->max_steps = src->max_steps;
	if (o & OVERRIDE_PATIENCE)
		dst->patience = src->patience;
	if (o & OVERRIDE_EVAL_EVERY)
		dst->eval_every = src->eval_every;
	if (o & OVERRIDE_SAMPLES) {
		dst->sample_len = src->sample_len;
		dst->nsample_temps = src->nsample_temps;
		memcpy(dst->sample_temps, src->sample_temps,
		    sizeof dst->sample_temps);
	}
	if (o & OVERRIDE_LR)
		dst->opt.lr = src->opt.lr;
	if (o & OVERRIDE_SCHEDULE) {
		dst->schedule = src->schedule;
		dst->lr_decay = src->lr_decay;
		dst->lr_decay_after = src->lr_decay_after;
	}
	if (o & OVERRIDE_WARMUP)
		dst->warmup = src->warmup;
	if (o & OVERRIDE_LR_MIN)
		dst->lr_min = src->lr_min;
	if (o & OVERRIDE_CLIP)
		dst->clip = src->clip;
}

/* ---- progress records --------------------------------------------------- */

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

void
train_hist_record(train_progress *p, size_t nbatches, float lr,
    float train_loss, float train_acc, float val_loss, float val_acc)
{
	hist_point h = {
		.step = p->step,
		.epoch = (double)p->epoch + (double)p->batch /
		    (double)MAX(nbatches, 1),
		.train_loss = train_loss, .train_acc = train_acc,
		.val_loss = val_loss, .val_acc = val_acc,
		.lr = lr, .elapsed = p->elapsed,
	};
	hist_push(p, &h);
}

/* ---- one step ----------------------------------------------------------- */

#define GUARD_EVERY 50
#define GUARD_FACTOR 3.0
#define GUARD_TRIES 20

static void
guard_keep(train_guard *g, const model *m, const optim *opt, long step)
{
	memcpy(g->good, m->params, m->nparams * sizeof(float));
	memcpy(g->good + m->nparams, opt->state,
	    2 * m->nparams * sizeof(float));
	g->good_t = opt->t;
	g->good_step = step;
}

static void
guard_restore(train_guard *g, model *m, optim *opt)
{
	memcpy(m->params, g->good, m->nparams * sizeof(float));
	memcpy(opt->state, g->good + m->nparams,
	    2 * m->nparams * sizeof(float));
	opt->t = g->good_t;
	g->loss_ema = 0;
}

void
train_guard_init(train_guard *g, const model *m, const optim *opt,
    long step)
{
	memset(g, 0, sizeof *g);
	g->good = xalloc_floats(3 * m->nparams);
	g->loss_uniform = log((double)m->cfg.V);
	guard_keep(g, m, opt, step);
}

void
train_guard_free(train_guard *g)
{
	free(g->good);
	g->good = NULL;
}

void
train_step(model *m, model_ws *ws, optim *opt, const uint16_t *x,
    const uint16_t *y, rng_t *rng, float *lr, double factor, float clip,
    long step, train_guard *g, train_step_result *r)
{
	memset(r, 0, sizeof *r);
	r->loss = model_forward(m, ws, x, y, 1, rng, &r->correct);
	model_backward(m, ws, x, y);
	float norm = grad_clip(m->grads, m->nparams, clip);
	if (g != NULL) {
		int blown = isfinite(r->loss) && g->loss_ema > 0 &&
		    r->loss > GUARD_FACTOR * g->loss_ema &&
		    r->loss > g->loss_uniform;
		if (!isfinite(r->loss) || !isfinite(norm) || blown) {
			/* Back to the last good weights, at half the rate;
			 * give up only when it keeps happening. */
			guard_restore(g, m, opt);
			*lr *= 0.5f;
			r->exploded = blown;
			r->good_step = g->good_step;
			r->outcome = ++g->bad >= GUARD_TRIES ?
			    TRAIN_STEP_DIVERGED : TRAIN_STEP_RESTORED;
			return;
		}
		g->bad = 0;
		g->loss_ema = g->loss_ema > 0 ?
		    0.95 * g->loss_ema + 0.05 * r->loss : r->loss;
		if (step - g->good_step >= GUARD_EVERY)
			guard_keep(g, m, opt, step);
	}
	opt->cfg.lr = (float)(*lr * factor);
	optim_step(opt, m->params, m->grads);
	r->outcome = TRAIN_STEP_OK;
}

/* ---- evaluation --------------------------------------------------------- */

static int
stopped(atomic_int *stop)
{
	return stop != NULL && atomic_load_explicit(stop, memory_order_relaxed);
}

int
train_eval_batches(model *m, model_ws *ws, const batcher *b, uint16_t *x,
    uint16_t *y, atomic_int *stop, train_eval *out)
{
	int B = b->B, T = b->T;

	memset(out, 0, sizeof *out);
	model_ws_reset(ws);
	for (size_t k = 0; k < b->nbatches; k++) {
		size_t c = 0;
		if (stopped(stop))
			return -1;
		batcher_get(b, k, x, y);
		out->sum += model_forward(m, ws, x, y, 0, NULL, &c) *
		    (double)B * T;
		out->correct += c;
		out->count += (size_t)B * T;
	}
	return 0;
}

int
train_eval_stream(model *m, const uint16_t *ids, size_t n, int T,
    atomic_int *stop, train_eval *out)
{
	size_t ntargets = n - 1;
	size_t full = ntargets / (size_t)T;
	size_t rest = ntargets - full * (size_t)T;
	model_ws *ws = model_ws_create(m, 1, T);
	int rc = 0;

	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < full && rc == 0; k++) {
		size_t cc = 0;
		const uint16_t *x = ids + k * (size_t)T;
		if (stopped(stop)) {
			rc = -1;
			break;
		}
		out->sum += model_forward(m, ws, x, x + 1, 0, NULL, &cc) * T;
		out->correct += cc;
	}
	if (rc == 0 && rest > 0) {
		size_t n1, n2, cc = 0;
		model_ws *w2 = model_ws_create(m, 1, (int)rest);
		float *src = model_ws_state(ws, &n1);
		float *dst = model_ws_state(w2, &n2);
		memcpy(dst, src, MIN(n1, n2) * sizeof(float));
		const uint16_t *x = ids + full * (size_t)T;
		out->sum += model_forward(m, w2, x, x + 1, 0, NULL, &cc) *
		    (double)rest;
		out->correct += cc;
		model_ws_free(w2);
	}
	model_ws_free(ws);
	out->count = ntargets;
	return rc;
}

/* ---- the schedule ------------------------------------------------------- */

void
train_bounds_init(train_bounds *b, const train_settings *s,
    double time_limit, int epochs_given)
{
	b->epochs = time_limit > 0 && !epochs_given ? 0 : s->epochs;
	b->max_steps = s->max_steps;
	b->time_limit = time_limit;
}

long
train_bounds_steps(const train_bounds *b, size_t nbatches)
{
	long by_epochs = b->epochs > 0 ? (long)b->epochs * (long)nbatches : 0;
	if (b->max_steps > 0 && (by_epochs == 0 || b->max_steps < by_epochs))
		return b->max_steps;
	return by_epochs;
}

int
train_advance(train_progress *p, const train_settings *s, size_t nbatches,
    double dt)
{
	p->step++;
	p->batch++;
	p->elapsed += dt;
	p->restored_step = 0;
	if (p->batch < nbatches)
		return 0;
	p->batch = 0;
	p->epoch++;
	if (s->schedule == TRAIN_LR_STEP && s->lr_decay != 1.0f &&
	    p->epoch >= s->lr_decay_after)
		p->lr *= s->lr_decay;
	return 1;
}

static const char *const schedule_names[] = {
	"constant", "cosine", "linear", "step"
};

const char *
train_schedule_name(int schedule)
{
	if (schedule < 0 || (size_t)schedule >= NELEMS(schedule_names))
		return "?";
	return schedule_names[schedule];
}

int
train_schedule_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(schedule_names); i++)
		if (strcmp(s, schedule_names[i]) == 0)
			return (int)i;
	return -1;
}

double
train_lr_factor(const train_settings *s, const train_progress *p,
    const train_bounds *b, size_t nbatches, double run_time)
{
	double f = 1, done = 0;
	long total = train_bounds_steps(b, nbatches);

	if (s->warmup > 0 && p->step < s->warmup)
		f = (double)(p->step + 1) / (double)s->warmup;
	if (s->schedule != TRAIN_LR_COSINE && s->schedule != TRAIN_LR_LINEAR)
		return f;
	/* How much of the run is done, past the warm-up: by steps, by time,
	 * whichever bound is nearer its end. */
	if (total > s->warmup && p->step > s->warmup)
		done = (double)(p->step - s->warmup) /
		    (double)(total - s->warmup);
	if (b->time_limit > 0)
		done = MAX(done, run_time / b->time_limit);
	done = MIN(done, 1.0);
	double lo = s->lr_min;
	if (s->schedule == TRAIN_LR_COSINE)
		f *= lo + (1 - lo) * 0.5 * (1 + cos(M_PI * done));
	else
		f *= 1 - (1 - lo) * done;
	return f;
}

const char *
train_stop_reason(const train_bounds *b, const train_settings *s,
    const train_progress *p, double run_time, int *timed_out)
{
	*timed_out = 0;
	if (b->epochs > 0 && p->epoch >= b->epochs)
		return "finished";
	if (b->max_steps > 0 && p->step >= b->max_steps)
		return "finished";
	if (s->patience > 0 && p->stale >= s->patience)
		return "early stopping: validation loss stopped improving";
	if (b->time_limit > 0 && run_time >= b->time_limit) {
		*timed_out = 1;
		return "time limit";
	}
	return NULL;
}

int
train_point_due(const train_settings *s, const train_progress *p,
    int epoch_end)
{
	if (epoch_end)
		return s->eval_every == 0;
	return s->eval_every > 0 && p->step % s->eval_every == 0;
}

/* ---- the end-of-epoch samples ------------------------------------------- */

#define SAMPLE_WARMUP 64

void
train_sampling_begin(train_sampling *ts, const train_settings *s, long step,
    const batcher *tb, const vocab *voc)
{
	size_t ntrain = tb->n, start = 0, warm = 0;

	ts->pool = NULL;
	rng_seed(&ts->rng, s->seed * 1000003u + (uint64_t)step * 31u + 0x5a3);
	if (ntrain > 2 * SAMPLE_WARMUP) {
		start = (size_t)rng_below(&ts->rng, ntrain - 2 * SAMPLE_WARMUP);
		warm = SAMPLE_WARMUP;
		int space = vocab_id(voc, ' ');
		while (space >= 0 && warm < 2 * SAMPLE_WARMUP &&
		    tb->data[start + warm - 1] != space)
			warm++;
	}
	ts->warm = tb->data + start;
	ts->nwarm = warm;
}

char *
train_sampling_next(train_sampling *ts, const model *m, const vocab *voc,
    const text_opts *text, float temp, int len, atomic_int *stop)
{
	sampler_config sc;
	generator g;

	sampler_config_default(&sc);
	sc.temps[0] = temp;
	gen_init(&g, m, voc, text, &sc, rng_u64(&ts->rng));
	if (ts->pool != NULL)
		model_state_set_pool(g.st, ts->pool);
	gen_feed_ids(&g, ts->warm, ts->nwarm);
	g.last = -1;	/* the sample is a text of its own: no word's space
			   before it */
	size_t cap = (size_t)len * VOCAB_SYM_MAX + 1, n = 0;
	char *out = xmalloc(cap);
	for (int k = 0; k < len; k++) {
		char u[VOCAB_SYM_MAX];
		if (stopped(stop)) {
			free(out);
			gen_free(&g);
			return NULL;
		}
		int id = gen_next(&g, u, NULL);
		if (id == voc->eor)
			break;
		size_t ulen = strlen(u);
		memcpy(out + n, u, ulen);
		n += ulen;
	}
	out[n] = '\0';
	gen_free(&g);
	return out;
}

/* ---- the checkpoint files ----------------------------------------------- */

void
train_outputs_init(train_outputs *o, const char *tmpl, int keep)
{
	memset(o, 0, sizeof *o);
	o->keep = keep;
	o->lock_fd = -1;
	if (tmpl != NULL) {
		o->tmpl = xstrdup(tmpl);
		o->best = train_best_path(tmpl);
	}
}

void
train_outputs_free(train_outputs *o)
{
	if (o->locked != NULL)
		ckpt_unlock(o->locked, o->lock_fd);
	free(o->locked);
	for (size_t i = 0; i < o->ninputs; i++)
		free(o->inputs[i]);
	free(o->inputs);
	free(o->tmpl);
	free(o->best);
	free(o->last);
	for (size_t i = 0; i < o->nkept; i++)
		free(o->kept[i]);
	free(o->kept);
	memset(o, 0, sizeof *o);
}

static int
is_template(const char *path)
{
	return strstr(path, "{epoch}") != NULL || strstr(path, "{step}") != NULL ||
	    strstr(path, "{loss}") != NULL;
}

int
train_outputs_check(const train_outputs *o, const char *path, char **cause)
{
	for (size_t i = 0; i < o->ninputs; i++)
		if (file_same(path, o->inputs[i]))
			return strcmp(path, o->inputs[i]) == 0 ?
			    set_cause(cause, "refusing to write a checkpoint "
			    "to %s: this run reads it", path) :
			    set_cause(cause, "refusing to write a checkpoint "
			    "to %s: this run reads it (as %s)", path,
			    o->inputs[i]);
	return ckpt_check_output(path, o->force, cause);
}

int
train_outputs_locked(const train_outputs *o, const char *path)
{
	return o->locked != NULL && (strcmp(path, o->locked) == 0 ||
	    file_same(path, o->locked));
}

int
train_outputs_claim(train_outputs *o, const char *const *inputs,
    size_t ninputs, char **cause)
{
	if (o->tmpl == NULL)
		return 0;
	o->inputs = xreallocarray(NULL, ninputs + 1, sizeof *o->inputs);
	for (size_t i = 0; i < ninputs; i++)
		if (strcmp(inputs[i], "-") != 0)
			o->inputs[o->ninputs++] = xstrdup(inputs[i]);
	const char *name = is_template(o->tmpl) ? o->best : o->tmpl;
	if (train_outputs_check(o, name, cause) != 0 ||
	    (name != o->best && train_outputs_check(o, o->best, cause) != 0))
		return -1;
	if ((o->lock_fd = ckpt_lock(name, cause)) < 0)
		return -1;
	o->locked = xstrdup(name);
	/* A temporary file left behind is untidy, not fatal. */
	(void)ckpt_clean_stale(name, NULL);
	(void)ckpt_clean_stale(o->best, NULL);
	return 0;
}

char *
train_outputs_path(const train_outputs *o, long epoch, long step,
    float loss)
{
	return train_expand_template(o->tmpl, epoch, step, loss);
}

int
train_outputs_written(train_outputs *o, char *path, char **cause)
{
	int rc = 0;

	free(o->last);
	o->last = xstrdup(path);
	if (!is_template(o->tmpl)) {
		free(path);
		return 0;
	}
	for (size_t i = 0; i < o->nkept; i++) {
		if (strcmp(o->kept[i], path) == 0) {	/* rewritten in place */
			free(path);
			return 0;
		}
	}
	o->kept = xreallocarray(o->kept, o->nkept + 1, sizeof *o->kept);
	o->kept[o->nkept++] = path;
	while (o->keep > 0 && o->nkept > (size_t)o->keep) {
		if (unlink(o->kept[0]) != 0 && errno != ENOENT && rc == 0)
			rc = set_cause(cause, "cannot remove %s: %s",
			    o->kept[0], strerror(errno));
		free(o->kept[0]);
		memmove(o->kept, o->kept + 1, (o->nkept - 1) * sizeof *o->kept);
		o->nkept--;
	}
	return rc;
}

char *
train_expand_template(const char *tmpl, long epoch, long step, float loss)
{
	size_t cap = strlen(tmpl) + 64, n = 0;
	char *out = xmalloc(cap);
	for (const char *p = tmpl; *p != '\0'; p++) {
		char field[32];
		field[0] = '\0';
		if (*p == '{') {
			const char *q = strchr(p, '}');
			if (q != NULL && q - p < 16) {
				size_t len = (size_t)(q - p - 1);
				if (len == 5 && strncmp(p + 1, "epoch", 5) == 0)
					snprintf(field, sizeof field, "%02ld", epoch);
				else if (len == 4 && strncmp(p + 1, "step", 4) == 0)
					snprintf(field, sizeof field, "%ld", step);
				else if (len == 4 && strncmp(p + 1, "loss", 4) == 0)
					snprintf(field, sizeof field, "%.4f",
					    isfinite(loss) ? loss : 0.0f);
				if (field[0] != '\0')
					p = q;
			}
		}
		const char *add = field[0] != '\0' ? field : p;
		size_t len = field[0] != '\0' ? strlen(field) : 1;
		if (n + len + 1 > cap) {
			cap = 2 * (n + len + 1);
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return out;
}

char *
train_best_path(const char *tmpl)
{
	char *s = xstrdup(tmpl), *w = s;
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (*p == '{') {
			const char *q = strchr(p, '}');
			if (q != NULL) {
				if (w > s && strchr("-_.", w[-1]) != NULL)
					w--;
				p = q;
				continue;
			}
		}
		*w++ = *p;
	}
	*w = '\0';
	const char *slash = strrchr(s, '/');
	char *dot = strrchr(s, '.');
	char *out;
	if (dot != NULL && (slash == NULL || dot > slash) && dot != s &&
	    (slash == NULL || dot > slash + 1)) {
		*dot = '\0';
		out = xasprintf("%s.best.%s", s, dot + 1);
	} else
		out = xasprintf("%s.best", s);
	free(s);
	return out;
}
