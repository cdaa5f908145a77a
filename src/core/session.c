/* session.c - the trainer and generator threads, and their queues.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trainer owns the model, optimizer, data and training RNG. After every
 * optimizer step it publishes a copy of the weights (the snapshot) when a
 * generator exists, so a continuation typed at the prompt starts from the
 * current weights without ever touching the trainer's state. The generator
 * owns its own copy of the weights, hidden state and sampler.
 *
 * Everything the UI learns arrives as an event on one queue; everything it
 * asks goes as a message on the trainer's or the generator's queue. Nothing
 * here prints, exits or touches the terminal.
 */
#include "config.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "gen.h"
#include "model.h"
#include "optim.h"
#include "queue.h"
#include "session.h"
#include "text.h"
#include "train.h"
#include "util.h"

enum msg_type {
	MSG_PAUSE,
	MSG_SAVE,
	MSG_SAMPLE,
	MSG_SET_LR,
	MSG_QUIT,
	MSG_GENERATE,
	MSG_CONTINUE,
	MSG_STOP_GEN,
	MSG_RESET_GEN,
	MSG_PEEK,
	MSG_SET_GEN,
	MSG_LOAD,
	MSG_ABORT,	/* session_free: end the thread, save nothing */
};

struct msg {
	int type;
	int flag;
	float value;
	char *text;
	gen_settings gs;
};

struct session {
	session_info info;
	queue *events;
	pool *pool;		/* the cores the trainer and the samples share */
	int precision;		/* model_set_precision for every sample */
	session_info ginfo;	/* the generator's model (snap_mu) */
	double time_limit;	/* session_config.time_limit */

	/* The trainer's world (training sessions). */
	int training;
	pthread_t trainer;
	int trainer_started;
	queue *tmsg;
	model *m;
	optim *opt;
	model_ws *ws;
	model_ws *ws_val;
	corpus corp;
	vocab voc;
	text_opts text;
	char *corpus_name;
	train_settings set;
	train_progress prog;
	batcher tb, vb;
	int have_val;
	char *output;		/* template */
	char *best_path;
	char *last_saved;	/* last file written from the template */
	int save_failed;	/* the last save of the output failed */
	char **kept;		/* templated files written, oldest first */
	size_t nkept;
	int keep;
	int weights_only;
	FILE *metrics;
	uint16_t *bx, *by;	/* (B, T) batch */
	float *good;		/* (3, nparams) the divergence guard's copy:
				   weights, then the optimizer state */
	long good_t, good_step;
	double loss_ema;	/* running mean of the training loss */
	double loss_uniform;	/* ln V: a uniform guess */

	/* Weights published for the generator. */
	pthread_mutex_t snap_mu;
	float *snap;
	uint64_t snap_ver;

	/* The generator's world. */
	int has_gen;
	pthread_t gen_thread;
	int gen_started;
	queue *gmsg;
	model *gm;		/* its own weights */
	vocab gvoc;		/* its own vocabulary and text options */
	text_opts gtext;
	uint64_t gm_ver;
	int gm_own;		/* loaded with :load; no longer follows training */
	int aborting;		/* session_free: stop without saving */
	gen_settings ui_gen;	/* the UI's view of the generation settings
				   (UI thread only) */
};

/* ---- events ------------------------------------------------------------- */

void
event_free(event *e)
{
	if (e == NULL)
		return;
	free(e->text);
	free(e->prob);
	free(e->act);
	free(e->hist);
	free(e);
}

static event *
ev_new(int type)
{
	event *e = xcalloc(1, sizeof *e);
	e->type = type;
	e->best_val = INFINITY;
	return e;
}

static void
post(session *s, event *e)
{
	queue_push(s->events, e);
}

static void BURBLE_PRINTF(3, 4)
post_text(session *s, int type, const char *fmt, ...)
{
	event *e = ev_new(type);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	e->text = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(e->text, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	post(s, e);
}

void
gen_settings_default(gen_settings *g)
{
	memset(g, 0, sizeof *g);
	sampler_config_default(&g->smp);
	g->smp.temps[0] = 0.8f;
	g->length = 300;
	g->rate = 0;
	g->cell_layer = g->cell_unit = -1;
}

/* ---- messages to the threads ------------------------------------------ */

static void
msg_free(void *p)
{
	struct msg *c = p;
	if (c != NULL)
		free(c->text);
	free(c);
}

static void
send_msg(queue *q, int type, int flag, float value,
    const char *text, const gen_settings *gs)
{
	if (q == NULL)
		return;
	struct msg *c = xcalloc(1, sizeof *c);
	c->type = type;
	c->flag = flag;
	c->value = value;
	c->text = text != NULL ? xstrdup(text) : NULL;
	if (gs != NULL)
		c->gs = *gs;
	queue_push(q, c);
}

void
session_pause(session *s, int p)
{
	send_msg(s->tmsg, MSG_PAUSE, p, 0, NULL, NULL);
}

void
session_save(session *s, const char *path)
{
	send_msg(s->tmsg, MSG_SAVE, 0, 0, path, NULL);
}

void
session_sample_now(session *s)
{
	send_msg(s->tmsg, MSG_SAMPLE, 0, 0, NULL, NULL);
}

void
session_set_lr(session *s, float lr)
{
	send_msg(s->tmsg, MSG_SET_LR, 0, lr, NULL, NULL);
}

void
session_generate(session *s, const char *prime)
{
	send_msg(s->gmsg, MSG_GENERATE, 0, 0, prime ? prime : "", NULL);
}

void
session_continue(session *s)
{
	send_msg(s->gmsg, MSG_CONTINUE, 0, 0, NULL, NULL);
}

void
session_stop_generation(session *s)
{
	send_msg(s->gmsg, MSG_STOP_GEN, 0, 0, NULL, NULL);
}

void
session_reset_generation(session *s)
{
	send_msg(s->gmsg, MSG_RESET_GEN, 0, 0, NULL, NULL);
}

void
session_peek(session *s)
{
	send_msg(s->gmsg, MSG_PEEK, 0, 0, NULL, NULL);
}

void
session_load(session *s, const char *path)
{
	send_msg(s->gmsg, MSG_LOAD, 0, 0, path, NULL);
}

void
session_set_generation(session *s, const gen_settings *g)
{
	s->ui_gen = *g;
	send_msg(s->gmsg, MSG_SET_GEN, 0, 0, NULL, g);
}

void
session_get_generation(const session *s, gen_settings *g)
{
	*g = s->ui_gen;
}

void
session_quit(session *s)
{
	if (s->tmsg != NULL)
		send_msg(s->tmsg, MSG_QUIT, 0, 0, NULL, NULL);
	else
		post_text(s, EV_DONE, "no training");
}

const session_info *
session_get_info(const session *s)
{
	return &s->info;
}

void
session_gen_info(session *s, session_info *out)
{
	pthread_mutex_lock(&s->snap_mu);
	*out = s->ginfo;
	pthread_mutex_unlock(&s->snap_mu);
}

const vocab *
session_vocab(const session *s)
{
	return s->training ? &s->voc : &s->gvoc;
}

int
session_event_fd(const session *s)
{
	return queue_fd(s->events);
}

event *
session_next_event(session *s)
{
	return queue_pop(s->events);
}

event *
session_wait_event(session *s, double timeout_s)
{
	return queue_wait(s->events, timeout_s);
}

/* ---- checkpoints -------------------------------------------------------- */

/* Expand {epoch}, {step} and {loss} in the output template. */
static char *
expand_template(const char *tmpl, long epoch, long step, float loss)
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
					snprintf(field, sizeof field, "%.4f", isfinite(loss) ? loss : 0.0f);
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

static int
is_template(const char *path)
{
	return strstr(path, "{epoch}") != NULL || strstr(path, "{step}") != NULL ||
	    strstr(path, "{loss}") != NULL;
}

/* The best-by-validation file: the output with its {fields} (and the
 * separator before each) removed and ".best" before the extension. */
static char *
best_path_for(const char *tmpl)
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

static void
fill_ckpt(session *s, ckpt *c, train_progress *prog)
{
	memset(c, 0, sizeof *c);
	c->m = s->m;
	c->voc = s->voc;
	c->text = s->text;
	c->corpus = s->corpus_name;
	c->has_train = 1;
	c->settings = s->set;
	*prog = s->prog;
	prog->state = model_ws_state(s->ws, &prog->nstate);
	c->prog = *prog;
	c->opt = s->opt;
}

static int
save_to(session *s, const char *path)
{
	ckpt c;
	train_progress prog;
	char *cause = NULL;

	fill_ckpt(s, &c, &prog);
	if (ckpt_save(path, &c, s->weights_only, &cause) != 0) {
		post_text(s, EV_ERROR, "save failed: %s; training goes on",
		    cause);
		free(cause);
		return -1;
	}
	event *e = ev_new(EV_SAVED);
	e->text = xstrdup(path);
	e->step = s->prog.step;
	post(s, e);
	return 0;
}

/* Save the latest state to the output (expanding the template), and keep
 * at most s->keep templated files. */
static void
save_latest(session *s, float loss)
{
	if (s->output == NULL)
		return;
	char *path = expand_template(s->output, s->prog.epoch, s->prog.step,
	    loss);
	s->save_failed = save_to(s, path) != 0;
	if (s->save_failed) {
		free(path);
		return;
	}
	free(s->last_saved);
	s->last_saved = xstrdup(path);
	if (!is_template(s->output)) {
		free(path);
		return;
	}
	for (size_t i = 0; i < s->nkept; i++) {
		if (strcmp(s->kept[i], path) == 0) {	/* rewritten in place */
			free(path);
			return;
		}
	}
	s->kept = xreallocarray(s->kept, s->nkept + 1, sizeof *s->kept);
	s->kept[s->nkept++] = path;
	while (s->keep > 0 && s->nkept > (size_t)s->keep) {
		if (unlink(s->kept[0]) != 0 && errno != ENOENT)
			post_text(s, EV_ERROR, "cannot remove %s: %s",
			    s->kept[0], strerror(errno));
		free(s->kept[0]);
		memmove(s->kept, s->kept + 1, (s->nkept - 1) * sizeof *s->kept);
		s->nkept--;
	}
}

/* ---- training ----------------------------------------------------------- */

static long
total_steps(const session *s)
{
	long by_epochs = s->set.epochs > 0 ?
	    (long)s->set.epochs * (long)s->tb.nbatches : 0;
	if (s->set.max_steps > 0 && (by_epochs == 0 || s->set.max_steps < by_epochs))
		return s->set.max_steps;
	return by_epochs;
}

static void
fill_progress(const session *s, event *e)
{
	e->step = s->prog.step;
	e->total_steps = total_steps(s);
	e->epoch = s->prog.epoch;
	e->epochs = s->set.epochs;
	e->batch = s->prog.batch;
	e->nbatches = s->tb.nbatches;
	e->lr = s->prog.lr;
	e->elapsed = s->prog.elapsed;
	e->best_val = s->prog.best_val;
	e->best_step = s->prog.best_step;
}

static void
metrics_line(session *s, const char *kind, float loss, float acc,
    double cps)
{
	if (s->metrics == NULL)
		return;
	fprintf(s->metrics, "{\"kind\":\"%s\",\"step\":%ld,\"epoch\":%.6f,"
	    "\"loss\":%.6g,\"bpc\":%.6g,\"acc\":%.6g,\"lr\":%.6g,"
	    "\"chars_per_s\":%.1f,\"elapsed\":%.3f}\n", kind, s->prog.step,
	    (double)s->prog.epoch + (double)s->prog.batch /
	    (double)MAX(s->tb.nbatches, 1), loss, loss / M_LN2, acc,
	    s->prog.lr, cps, s->prog.elapsed);
	fflush(s->metrics);
}

/* Mean loss and accuracy over the whole validation split, state carried
 * from batch to batch, starting from zero. */
static void
evaluate(session *s, float *loss, float *acc)
{
	double sum = 0;
	size_t correct = 0, count = 0;
	int B = s->vb.B, T = s->vb.T;

	model_ws_reset(s->ws_val);
	for (size_t k = 0; k < s->vb.nbatches; k++) {
		size_t c = 0;
		batcher_get(&s->vb, k, s->bx, s->by);
		sum += model_forward(s->m, s->ws_val, s->bx, s->by, 0, NULL,
		    &c) * (double)B * T;
		correct += c;
		count += (size_t)B * T;
	}
	*loss = (float)(sum / (double)MAX(count, 1));
	*acc = (float)correct / (float)MAX(count, 1);
}

/* One sample per configured temperature, Keras style: the state is warmed
 * up on a random window of the training text (the same for every
 * temperature, ending after a space so the sample goes on mid-sentence),
 * and only the generated text is shown. Its own RNG stream (seed and
 * step), so sampling never disturbs training. */
#define SAMPLE_WARMUP 64

static void
epoch_samples(session *s)
{
	rng_t r;
	rng_seed(&r, s->set.seed * 1000003u + (uint64_t)s->prog.step * 31u +
	    0x5a3);
	size_t ntrain = s->tb.n, start = 0, warm = 0;
	if (ntrain > 2 * SAMPLE_WARMUP) {
		start = (size_t)rng_below(&r, ntrain - 2 * SAMPLE_WARMUP);
		warm = SAMPLE_WARMUP;
		int space = vocab_id(&s->voc, ' ');
		while (space >= 0 && warm < 2 * SAMPLE_WARMUP &&
		    s->tb.data[start + warm - 1] != space)
			warm++;
	}
	/* The samples read a copy at the sampling precision, dropped after
	 * (the next step changes the weights). */
	model_set_precision(s->m, s->precision);
	for (int i = 0; i < s->set.nsample_temps; i++) {
		sampler_config sc;
		generator g;
		sampler_config_default(&sc);
		sc.temps[0] = s->set.sample_temps[i];
		gen_init(&g, s->m, &s->voc, &s->text, &sc, rng_u64(&r));
		model_state_set_pool(g.st, s->pool);
		gen_feed_ids(&g, s->tb.data + start, warm);
		size_t cap = (size_t)s->set.sample_len * 4 + 1, n = 0;
		char *text = xmalloc(cap);
		for (int k = 0; k < s->set.sample_len; k++) {
			char u[8];
			int id = gen_next(&g, u, NULL);
			if (id == s->voc.eor)
				break;
			size_t len = strlen(u);
			memcpy(text + n, u, len);
			n += len;
		}
		text[n] = '\0';
		gen_free(&g);
		event *e = ev_new(EV_SAMPLE);
		fill_progress(s, e);
		e->temp = s->set.sample_temps[i];
		e->sample_index = i;
		e->text = text;
		post(s, e);
	}
	model_unpack(s->m);	/* training changes them */
}

/* Evaluate, record, sample, save: what happens at each epoch end (or every
 * eval_every steps). */
static void
checkpoint_point(session *s, float train_loss, float train_acc)
{
	float vloss = NAN, vacc = NAN;
	if (s->have_val) {
		evaluate(s, &vloss, &vacc);
		int better = vloss < s->prog.best_val;
		if (better) {
			s->prog.best_val = vloss;
			s->prog.best_step = s->prog.step;
			s->prog.stale = 0;
		} else
			s->prog.stale++;
		event *e = ev_new(EV_EVAL);
		fill_progress(s, e);
		e->loss = vloss;
		e->acc = vacc;
		post(s, e);
		metrics_line(s, "val", vloss, vacc, 0);
		if (better && s->output != NULL)
			save_to(s, s->best_path);
	}
	hist_point h = {
		.step = s->prog.step,
		.epoch = (double)s->prog.epoch + (double)s->prog.batch /
		    (double)MAX(s->tb.nbatches, 1),
		.train_loss = train_loss, .train_acc = train_acc,
		.val_loss = vloss, .val_acc = vacc,
		.lr = s->prog.lr, .elapsed = s->prog.elapsed,
	};
	hist_push(&s->prog, &h);
	if (s->set.sample_len > 0)
		epoch_samples(s);
	save_latest(s, s->have_val ? vloss : train_loss);
}

/*
 * The divergence guard. Every GUARD_EVERY steps (of sane loss) the weights
 * and optimizer state are kept; a NaN/Inf loss or gradient, or a loss that
 * jumps past GUARD_FACTOR times its running mean and past a uniform guess
 * (ln V), restores them and halves the learning rate. The copy is not part
 * of a checkpoint: it only matters after an explosion, and a resumed run
 * starts from its loaded weights.
 */
#define GUARD_EVERY 50
#define GUARD_FACTOR 3.0
#define GUARD_TRIES 20

static void publish(session *s);

static void
guard_keep(session *s)
{
	memcpy(s->good, s->m->params, s->m->nparams * sizeof(float));
	memcpy(s->good + s->m->nparams, s->opt->state,
	    2 * s->m->nparams * sizeof(float));
	s->good_t = s->opt->t;
	s->good_step = s->prog.step;
}

static void
guard_restore(session *s)
{
	memcpy(s->m->params, s->good, s->m->nparams * sizeof(float));
	memcpy(s->opt->state, s->good + s->m->nparams,
	    2 * s->m->nparams * sizeof(float));
	s->opt->t = s->good_t;
	s->loss_ema = 0;
	publish(s);
}

/* Publish the weights for the generator. */
static void
publish(session *s)
{
	if (!s->has_gen)
		return;
	pthread_mutex_lock(&s->snap_mu);
	memcpy(s->snap, s->m->params, s->m->nparams * sizeof(float));
	s->snap_ver++;
	pthread_mutex_unlock(&s->snap_mu);
}

/* Handle the trainer's messages; blocks while paused. Returns 1 to quit. */
static int
trainer_messages(session *s, int *paused, int block)
{
	for (;;) {
		struct msg *c = (*paused || block) ?
		    queue_wait(s->tmsg, -1) : queue_pop(s->tmsg);
		if (c == NULL)
			return 0;
		int quit = 0;
		switch (c->type) {
		case MSG_PAUSE:
			if (c->flag != *paused) {
				*paused = c->flag;
				event *e = ev_new(EV_PAUSED);
				fill_progress(s, e);
				e->paused = *paused;
				post(s, e);
			}
			break;
		case MSG_SAVE:
			if (c->text != NULL)
				save_to(s, c->text);
			else if (s->output != NULL)
				save_latest(s, NAN);
			else
				post_text(s, EV_ERROR, "no output file to save to");
			break;
		case MSG_SAMPLE:
			epoch_samples(s);
			break;
		case MSG_SET_LR:
			s->prog.lr = c->value;
			post_text(s, EV_STATUS, "learning rate set to %.3g",
			    (double)c->value);
			break;
		case MSG_QUIT:
			quit = 1;
			break;
		case MSG_ABORT:
			s->aborting = 1;
			quit = 1;
			break;
		}
		msg_free(c);
		if (quit)
			return 1;
		if (block)
			return 0;
	}
}

/* Training metrics since the last report. */
struct report {
	double loss_sum;	/* of the steps' mean losses */
	size_t correct;		/* predictions that were right */
	size_t steps;		/* optimizer steps taken */
	double chars;		/* characters trained on, skipped steps too */
	double t0;		/* when the report began */
};

/* Post an EV_STEP and a metrics line for r, then begin a new report at
 * now. Returns the throughput. */
static double
report_post(session *s, struct report *r, double now)
{
	double cps = r->chars / MAX(now - r->t0, 1e-9);
	event *e = ev_new(EV_STEP);
	fill_progress(s, e);
	e->loss = (float)(r->loss_sum / (double)r->steps);
	e->acc = (float)r->correct /
	    (float)(r->steps * (size_t)s->set.B * (size_t)s->set.T);
	e->chars_per_s = cps;
	metrics_line(s, "train", e->loss, e->acc, cps);
	post(s, e);
	*r = (struct report){ .t0 = now };
	return cps;
}

/* Mean training loss and accuracy of the steps since the last history
 * point, NaN when there were none. */
static void
hist_means(double loss, size_t correct, size_t steps, size_t chars_per_step,
    float *mean_loss, float *mean_acc)
{
	*mean_loss = steps ? (float)(loss / (double)steps) : NAN;
	*mean_acc = steps ? (float)correct / (float)(steps * chars_per_step) :
	    NAN;
}

/* Training is over (why); the trainer idles. */
static void
post_done(session *s, const char *why, double cps)
{
	event *e = ev_new(EV_DONE);
	fill_progress(s, e);
	e->chars_per_s = cps;
	e->text = xstrdup(why);
	e->save_failed = s->save_failed;
	post(s, e);
}

static void *
trainer_main(void *arg)
{
	session *s = arg;
	int paused = 0, quit = 0, bad = 0;
	const char *why = "finished";
	int B = s->set.B, T = s->set.T;
	struct report rep = { .t0 = now_seconds() };
	double hist_loss = 0;
	size_t hist_correct = 0, hist_steps = 0;
	long hist_every = MAX(1, (long)s->tb.nbatches / 20);
	double cps = 0, run_time = 0;	/* this run's training seconds */
	int timed_out = 0;

	event *e = ev_new(EV_START);
	fill_progress(s, e);
	post(s, e);
	if (s->prog.nhist > 0) {
		e = ev_new(EV_HISTORY);
		fill_progress(s, e);
		e->nhist = s->prog.nhist;
		e->hist = xreallocarray(NULL, e->nhist, sizeof *e->hist);
		memcpy(e->hist, s->prog.hist, e->nhist * sizeof *e->hist);
		post(s, e);
	}

	for (;;) {
		if (trainer_messages(s, &paused, 0)) {
			quit = 1;
			why = "stopped";
			break;
		}
		if (s->set.epochs > 0 && s->prog.epoch >= s->set.epochs)
			break;
		if (s->set.max_steps > 0 && s->prog.step >= s->set.max_steps)
			break;
		if (s->set.patience > 0 && s->prog.stale >= s->set.patience) {
			why = "early stopping: validation loss stopped improving";
			break;
		}
		if (s->time_limit > 0 && run_time >= s->time_limit) {
			why = "time limit";
			timed_out = 1;
			break;
		}

		double t0 = now_seconds();
		size_t correct = 0;
		batcher_get(&s->tb, s->prog.batch, s->bx, s->by);
		double loss = model_forward(s->m, s->ws, s->bx, s->by, 1,
		    &s->prog.rng, &correct);
		model_backward(s->m, s->ws, s->bx, s->by);
		float norm = grad_clip(s->m->grads, s->m->nparams, s->set.clip);
		int blown = isfinite(loss) && s->loss_ema > 0 &&
		    loss > GUARD_FACTOR * s->loss_ema && loss > s->loss_uniform;
		if (!isfinite(loss) || !isfinite(norm) || blown) {
			/* Back to the last good weights, at half the rate; give
			 * up only when it keeps happening. */
			guard_restore(s);
			s->prog.lr *= 0.5f;
			post_text(s, EV_STATUS, "%s at step %ld: back to the "
			    "weights of step %ld, learning rate lowered to %.3g",
			    blown ? "loss exploded" : "NaN/Inf", s->prog.step,
			    s->good_step, (double)s->prog.lr);
			if (++bad >= GUARD_TRIES) {
				why = "training diverged (the loss kept exploding "
				    "or turning NaN)";
				post_text(s, EV_ERROR, "%s", why);
				break;
			}
		} else {
			bad = 0;
			s->loss_ema = s->loss_ema > 0 ?
			    0.95 * s->loss_ema + 0.05 * loss : loss;
			if (s->prog.step - s->good_step >= GUARD_EVERY)
				guard_keep(s);
			s->opt->cfg.lr = s->prog.lr;
			optim_step(s->opt, s->m->params, s->m->grads);
			publish(s);
			rep.loss_sum += loss;
			hist_loss += loss;
			rep.correct += correct;
			hist_correct += correct;
			rep.steps++;
			hist_steps++;
		}
		s->prog.step++;
		s->prog.batch++;
		s->prog.elapsed += now_seconds() - t0;
		run_time += now_seconds() - t0;
		rep.chars += (double)B * T;

		int epoch_end = s->prog.batch >= s->tb.nbatches;
		if (epoch_end) {
			s->prog.batch = 0;
			s->prog.epoch++;
			model_ws_reset(s->ws);
			if (s->set.lr_decay != 1.0f &&
			    s->prog.epoch >= s->set.lr_decay_after)
				s->prog.lr *= s->set.lr_decay;
		}

		double now = now_seconds();
		int report = s->set.report_every > 0 ?
		    s->prog.step % s->set.report_every == 0 :
		    now - rep.t0 >= 0.25;
		if ((report || epoch_end) && rep.steps > 0)
			cps = report_post(s, &rep, now);
		float hl, ha;
		hist_means(hist_loss, hist_correct, hist_steps, (size_t)B * T,
		    &hl, &ha);
		int point = epoch_end ? s->set.eval_every == 0 :
		    (s->set.eval_every > 0 &&
		    s->prog.step % s->set.eval_every == 0);
		if (point) {
			checkpoint_point(s, hl, ha);
		} else if (s->prog.step % hist_every == 0 && hist_steps > 0) {
			hist_point h = {
				.step = s->prog.step,
				.epoch = (double)s->prog.epoch +
				    (double)s->prog.batch /
				    (double)s->tb.nbatches,
				.train_loss = hl, .train_acc = ha,
				.val_loss = NAN, .val_acc = NAN,
				.lr = s->prog.lr, .elapsed = s->prog.elapsed,
			};
			hist_push(&s->prog, &h);
		} else
			continue;
		hist_loss = 0;
		hist_correct = hist_steps = 0;
	}

	if (s->aborting)
		return NULL;
	if (rep.steps > 0)	/* the steps since the last report */
		cps = report_post(s, &rep, now_seconds());
	/* Did an evaluation point (which saves) just happen at this step? */
	int point_now = s->prog.nhist > 0 &&
	    s->prog.hist[s->prog.nhist - 1].step == s->prog.step &&
	    !isnan(s->prog.hist[s->prog.nhist - 1].val_loss);
	/* A time budget ends with what it bought: evaluated, sampled, saved. */
	if (timed_out && !point_now) {
		float hl, ha;
		hist_means(hist_loss, hist_correct, hist_steps, (size_t)B * T,
		    &hl, &ha);
		checkpoint_point(s, hl, ha);
		point_now = 1;
	}
	/* Save the final state (unless the last point just did). */
	if (s->output != NULL && (quit || !point_now))
		save_latest(s, NAN);
	post_done(s, why, cps);

	/* Idle: still answer save and sample requests until the session is
	 * freed. */
	for (;;) {
		struct msg *c = queue_wait(s->tmsg, -1);
		if (c == NULL)
			continue;
		int type = c->type;
		if (type == MSG_SAVE) {
			if (c->text != NULL)
				save_to(s, c->text);
			else if (s->output != NULL)
				save_latest(s, NAN);
		} else if (type == MSG_SAMPLE)
			epoch_samples(s);
		else if (type == MSG_QUIT)
			post_done(s, why, cps);
		msg_free(c);
		if (type == MSG_ABORT)
			break;
	}
	return NULL;
}

/* ---- generation --------------------------------------------------------- */

struct genstate {
	generator g;
	gen_settings gs;
	int streaming;
	int remaining;
	gen_tail tail;		/* the end of the text so far, for stops */
	double next_at;		/* pacing */
};

static void
gthread_refresh(session *s)
{
	if (!s->training || s->gm_own)
		return;
	int changed = 0;
	pthread_mutex_lock(&s->snap_mu);
	if (s->snap_ver != s->gm_ver) {
		memcpy(s->gm->params, s->snap, s->gm->nparams * sizeof(float));
		s->gm_ver = s->snap_ver;
		changed = 1;
	}
	pthread_mutex_unlock(&s->snap_mu);
	/* Outside the lock: the trainer publishes after every step. */
	if (changed)
		model_set_precision(s->gm, s->precision);
}

static int
tail_stops(const struct genstate *st)
{
	for (int i = 0; i < st->gs.nstops; i++)
		if (gen_tail_ends_with(&st->tail, st->gs.stops[i]))
			return 1;
	return 0;
}

static void
gthread_end(session *s, struct genstate *st, const char *why)
{
	st->streaming = 0;
	post_text(s, EV_GEN_END, "%s", why);
}

/* Is the :cell view on, for a unit this model has? (A model from :load
 * may be smaller than the one the prompt checked against.) */
static int
cell_on(const struct genstate *st)
{
	const model_config *mc = &st->g.m->cfg;
	return st->gs.cell_layer >= 0 && st->gs.cell_layer < mc->L &&
	    st->gs.cell_unit >= 0 && st->gs.cell_unit < mc->H;
}

/* Feed the prime. With the :cell view the prompt does not echo it: post it
 * as the model read it, with the unit's activation after each character
 * (as typed, without them, when the unit is not in this model). */
static int
gthread_prime(session *s, struct genstate *st, const char *prime,
    size_t *skipped, char **cause)
{
	gen_trace tr = { .layer = st->gs.cell_layer,
	    .unit = st->gs.cell_unit };

	if (st->gs.cell_layer < 0)
		return gen_feed(&st->g, prime, strlen(prime), skipped, cause);
	if (!cell_on(st)) {
		if (gen_feed(&st->g, prime, strlen(prime), skipped, cause) != 0)
			return -1;
		tr.text = xstrdup(prime);
	} else if (gen_feed_trace(&st->g, prime, strlen(prime), skipped, &tr,
	    cause) != 0)
		return -1;
	event *e = ev_new(EV_GEN);
	e->is_prime = 1;
	e->text = tr.text;
	e->act = tr.act;
	e->nchars = tr.n;
	post(s, e);
	return 0;
}

/* Generate up to max characters (fewer when paced) and post them. */
static void
gthread_chunk(session *s, struct genstate *st, int max)
{
	event *e = ev_new(EV_GEN);
	size_t cap = (size_t)max * 4 + 1, n = 0;
	e->text = xmalloc(cap);
	e->prob = xreallocarray(NULL, (size_t)max, sizeof(float));
	if (cell_on(st))
		e->act = xreallocarray(NULL, (size_t)max, sizeof(float));
	const char *why = NULL;
	for (int k = 0; k < max && st->remaining > 0; k++) {
		char u[8];
		float p;
		int id = gen_next(&st->g, u, &p);
		if (id == st->g.voc->eor) {
			why = "end of record";
			break;
		}
		size_t len = strlen(u);
		memcpy(e->text + n, u, len);
		n += len;
		if (e->act != NULL)
			e->act[e->nchars] = gen_activation(&st->g,
			    st->gs.cell_layer, st->gs.cell_unit);
		e->prob[e->nchars++] = p;
		st->remaining--;
		gen_tail_add(&st->tail, u, len);
		if (tail_stops(st)) {
			why = "stop string";
			break;
		}
	}
	e->text[n] = '\0';
	if (e->nchars > 0)
		post(s, e);
	else
		event_free(e);
	if (why == NULL && st->remaining <= 0)
		why = "length";
	if (why != NULL)
		gthread_end(s, st, why);
}

static void
gthread_peek_event(session *s, struct genstate *st)
{
	int ids[PEEK_MAX];
	float p[PEEK_MAX];
	int k = gen_peek(&st->g, PEEK_MAX, ids, p);
	event *e = ev_new(EV_PEEK);
	e->npeek = k;
	for (int i = 0; i < k; i++) {
		vocab_utf8(st->g.voc, ids[i], e->peek_sym[i]);
		e->peek_p[i] = p[i];
	}
	post(s, e);
}

static void fill_info(session_info *in, const model *m, const char *name,
    int threads);

static void
gthread_load(session *s, struct genstate *st, const char *path)
{
	ckpt c;
	char *cause = NULL;
	if (ckpt_load(path, &c, &cause) != 0) {
		post_text(s, EV_ERROR, "%s", cause);
		free(cause);
		return;
	}
	gen_free(&st->g);
	model_free(s->gm);	/* the generator's own copy, never s->m */
	vocab_free(&s->gvoc);
	text_opts_free(&s->gtext);
	s->gm = c.m;
	c.m = NULL;
	model_set_precision(s->gm, s->precision);
	pthread_mutex_lock(&s->snap_mu);
	fill_info(&s->ginfo, s->gm, c.corpus ? c.corpus : path,
	    s->ginfo.threads);
	pthread_mutex_unlock(&s->snap_mu);
	vocab_copy(&s->gvoc, &c.voc);
	text_opts_copy(&s->gtext, &c.text);
	s->gm_own = 1;
	ckpt_free(&c);
	gen_init(&st->g, s->gm, &s->gvoc, &s->gtext, &st->gs.smp,
	    st->gs.seed);
	model_state_set_pool(st->g.st, s->pool);
	post_text(s, EV_STATUS, "loaded %s", path);
}

static void *
generator_main(void *arg)
{
	session *s = arg;
	struct genstate st;
	memset(&st, 0, sizeof st);
	gen_settings_default(&st.gs);
	st.gs.seed = s->set.seed;
	gen_init(&st.g, s->gm, &s->gvoc, &s->gtext, &st.gs.smp, st.gs.seed);
	model_state_set_pool(st.g.st, s->pool);

	for (;;) {
		struct msg *c;
		if (st.streaming) {
			double wait = st.gs.rate > 0 ? st.next_at - now_seconds() : 0;
			c = wait > 0 ? queue_wait(s->gmsg, wait) : queue_pop(s->gmsg);
		} else
			c = queue_wait(s->gmsg, -1);
		if (c == NULL) {
			if (st.streaming) {
				gthread_chunk(s, &st, st.gs.rate > 0 ? 1 : 64);
				if (st.gs.rate > 0)
					st.next_at = MAX(st.next_at, now_seconds() - 0.5) +
					    1.0 / st.gs.rate;
			}
			continue;
		}
		int type = c->type;
		char *cause = NULL;
		size_t skipped = 0;
		switch (type) {
		case MSG_GENERATE:
			gthread_refresh(s);
			if (gthread_prime(s, &st, c->text, &skipped, &cause) != 0) {
				post_text(s, EV_ERROR, "prime: %s", cause);
				free(cause);
				break;
			}
			if (skipped > 0)
				post_text(s, EV_STATUS, "%zu prime character%s "
				    "not in the vocabulary, skipped", skipped,
				    skipped == 1 ? "" : "s");
			gen_tail_add(&st.tail, c->text, strlen(c->text));
			/* FALLTHROUGH */
		case MSG_CONTINUE:
			if (type == MSG_CONTINUE)
				gthread_refresh(s);
			st.streaming = 1;
			st.remaining = st.gs.length;
			st.next_at = now_seconds();
			break;
		case MSG_STOP_GEN:
			if (st.streaming)
				gthread_end(s, &st, "stopped");
			break;
		case MSG_RESET_GEN:
			gen_reset(&st.g);
			st.tail.n = 0;
			break;
		case MSG_PEEK:
			gthread_refresh(s);
			gthread_peek_event(s, &st);
			break;
		case MSG_SET_GEN:
			st.gs = c->gs;
			st.g.smp.cfg = c->gs.smp;
			if (st.g.smp.pos >= (size_t)st.g.smp.cfg.ntemps)
				st.g.smp.pos = 0;
			if (c->gs.reseed)
				rng_seed(&st.g.smp.rng, c->gs.seed);
			if (st.streaming && st.remaining > st.gs.length)
				st.remaining = st.gs.length;
			break;
		case MSG_LOAD:
			gthread_load(s, &st, c->text);
			break;
		case MSG_QUIT:
			break;
		}
		msg_free(c);
		if (type == MSG_QUIT)
			break;
	}
	gen_free(&st.g);
	return NULL;
}

/* ---- creation ----------------------------------------------------------- */

static void
fill_info(session_info *in, const model *m, const char *name, int threads)
{
	snprintf(in->corpus, sizeof in->corpus, "%s", name ? name : "");
	in->cell = m->cfg.cell;
	in->L = m->cfg.L;
	in->H = m->cfg.H;
	in->V = m->cfg.V;
	in->E = m->cfg.E;
	in->nparams = m->nparams;
	in->threads = threads;
	snprintf(in->blas, sizeof in->blas, "OpenBLAS %s", openblas_get_corename());
}

int
session_set_threads(int threads)
{
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 1;
	}
	openblas_set_num_threads(threads);
	return threads;
}

static session *
session_alloc(void)
{
	session *s = xcalloc(1, sizeof *s);
	s->events = queue_create(1);
	s->pool = pool_create();
	pthread_mutex_init(&s->snap_mu, NULL);
	gen_settings_default(&s->ui_gen);
	return s;
}

static int
start_generator(session *s, char **cause)
{
	s->gmsg = queue_create(0);
	s->has_gen = 1;
	if (pthread_create(&s->gen_thread, NULL, generator_main, s) != 0)
		return set_cause(cause, "cannot start the generator thread");
	s->gen_started = 1;
	return 0;
}

session *
session_open_model(const char *path, int threads, int precision,
    char **cause)
{
	ckpt c;
	if (ckpt_load(path, &c, cause) != 0)
		return NULL;
	session *s = session_alloc();
	threads = session_set_threads(threads);
	s->gm = c.m;
	c.m = NULL;
	s->precision = precision;
	model_set_precision(s->gm, precision);
	vocab_copy(&s->gvoc, &c.voc);
	text_opts_copy(&s->gtext, &c.text);
	fill_info(&s->info, s->gm, c.corpus ? c.corpus : path, threads);
	s->ginfo = s->info;
	snprintf(s->info.output, sizeof s->info.output, "%s", path);
	s->set.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	ckpt_free(&c);
	if (start_generator(s, cause) != 0) {
		session_free(s);
		return NULL;
	}
	return s;
}

/* Split the corpus and build the batchers, shrinking B (and, for the
 * validation split, T) to fit a short text with a note. */
static int
setup_data(session *s, const char *name, char **cause)
{
	size_t n = s->corp.n;
	size_t nval = s->set.val_frac > 0 ?
	    (size_t)((double)n * (double)s->set.val_frac) : 0;
	size_t ntrain = n - nval;
	int T = s->set.T;

	if (ntrain < (size_t)T + 1)
		return set_cause(cause, "%s: too short: %zu characters of "
		    "training text; --seq %d needs at least %zu (use a smaller "
		    "--seq or --val)", name, ntrain, T, (size_t)T + 1);
	if (ntrain < (size_t)s->set.B * T + 1) {
		int B = (int)((ntrain - 1) / (size_t)T);
		post_text(s, EV_STATUS, "%s: %zu training characters are too "
		    "few for batch %d x seq %d (needs %zu): batch shrunk to %d",
		    name, ntrain, s->set.B, T, (size_t)s->set.B * T + 1, B);
		s->set.B = B;
	}
	if (batcher_init(&s->tb, s->corp.ids, ntrain, s->set.B, T, cause) != 0)
		return -1;
	s->have_val = 0;
	if (nval >= 2) {
		int vB = (int)MIN((size_t)s->set.B, (nval - 1) / (size_t)T);
		int vT = T;
		if (vB < 1) {
			vB = 1;
			vT = (int)(nval - 1);
		}
		if (batcher_init(&s->vb, s->corp.ids + ntrain, nval, vB, vT,
		    cause) != 0)
			return -1;
		s->have_val = 1;
	}
	s->info.ntrain = ntrain;
	s->info.nval = nval;
	return 0;
}

/* Refuse a model whose training would not fit in this machine's memory,
 * before allocating any of it. Per parameter, at most 12 floats: the
 * weights, gradients and two optimizer moments (4); the divergence
 * guard's copy of the weights and moments (3); with the prompt, its model
 * (weights and gradients) and the snapshot (3); the sampling copies of
 * the generator's and, at an evaluation, the trainer's model (2 in fp32).
 * Plus the activations kept for backward (B*T rows of every layer's gates,
 * states and outputs, and of the logits). */
static int
check_memory(const model_config *mc, int B, int T, char **cause)
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
		    "training %d x %d with batch %d x %d needs about %.1f GB, "
		    "the machine has %.1f GB (use a smaller --hidden, "
		    "--layers, --batch or --seq)", mc->L, mc->H, B, T,
		    need / 1e9, have / 1e9);
	return 0;
}

static void
apply_overrides(train_settings *dst, const train_settings *src, unsigned o)
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
	if (o & OVERRIDE_LR) {
		dst->opt.lr = src->opt.lr;
		dst->lr_decay = src->lr_decay;
		dst->lr_decay_after = src->lr_decay_after;
	}
	if (o & OVERRIDE_CLIP)
		dst->clip = src->clip;
}

session *
session_create(const session_config *c, char **cause)
{
	session *s = session_alloc();
	ckpt ck;
	int resumed = 0;

	s->training = 1;
	s->info.training = 1;
	int threads = session_set_threads(c->threads);
	s->set = c->train;
	s->precision = c->precision;
	s->time_limit = c->time_limit;

	if (c->resume != NULL) {
		if (ckpt_load(c->resume, &ck, cause) != 0)
			goto fail;
		if (!ck.has_train) {
			set_cause(cause, "%s: weights only (no optimizer state): "
			    "cannot resume", c->resume);
			ckpt_free(&ck);
			goto fail;
		}
		resumed = 1;
		s->set = ck.settings;
		apply_overrides(&s->set, &c->train, c->overrides);
		text_opts_copy(&s->text, &ck.text);
		if (corpus_load(&s->corp, c->files, c->nfiles, &s->text,
		    &ck.voc, c->map_unknown, cause) != 0) {
			ckpt_free(&ck);
			goto fail;
		}
		s->m = ck.m;
		ck.m = NULL;
		s->opt = ck.opt;
		ck.opt = NULL;
		train_progress_copy(&s->prog, &ck.prog);
		if (c->overrides & OVERRIDE_LR)
			s->prog.lr = s->set.opt.lr;
		ckpt_free(&ck);
	} else {
		text_opts_copy(&s->text, &c->text);
		if (corpus_load(&s->corp, c->files, c->nfiles, &s->text, NULL,
		    0, cause) != 0)
			goto fail;
		model_config mc = c->model;
		mc.V = s->corp.voc.V;
		if (model_config_check(&mc, cause) != 0 ||
		    check_memory(&mc, s->set.B, s->set.T, cause) != 0)
			goto fail;
		s->m = model_create(&mc);
		rng_t init;
		rng_seed(&init, s->set.seed ^ 0x5eed5eedULL);
		model_init(s->m, &init);
		s->set.opt.lr = c->train.opt.lr;
		s->opt = optim_create(&s->set.opt, s->m->nparams);
		train_progress_init(&s->prog, &s->set);
	}
	vocab_copy(&s->voc, &s->corp.voc);
	s->corpus_name = xstrdup(s->corp.name);
	if (setup_data(s, s->corp.name, cause) != 0)
		goto fail;

	s->ws = model_ws_create(s->m, s->set.B, s->set.T);
	model_ws_set_pool(s->ws, s->pool);
	if (s->have_val) {
		s->ws_val = model_ws_create(s->m, s->vb.B, s->vb.T);
		model_ws_set_pool(s->ws_val, s->pool);
	}
	if (resumed && s->prog.state != NULL) {
		size_t n;
		float *st = model_ws_state(s->ws, &n);
		if (n == s->prog.nstate)
			memcpy(st, s->prog.state, n * sizeof(float));
		else
			post_text(s, EV_STATUS, "carried hidden state does "
			    "not match the batch; starting from zero");
	}
	if (resumed && s->prog.batch >= s->tb.nbatches) {
		s->prog.batch = 0;
		model_ws_reset(s->ws);
	}
	s->good = xalloc_floats(3 * s->m->nparams);
	s->loss_uniform = log((double)s->m->cfg.V);
	guard_keep(s);
	size_t bsz = (size_t)MAX(s->set.B, s->vb.B) * (size_t)MAX(s->set.T, s->vb.T);
	s->bx = xreallocarray(NULL, bsz, sizeof *s->bx);
	s->by = xreallocarray(NULL, bsz, sizeof *s->by);

	if (c->output != NULL) {
		s->output = xstrdup(c->output);
		s->best_path = best_path_for(c->output);
		snprintf(s->info.output, sizeof s->info.output, "%s", c->output);
	}
	s->keep = c->keep;
	s->weights_only = c->weights_only;
	if (c->metrics != NULL) {
		s->metrics = fopen(c->metrics, "a");
		if (s->metrics == NULL) {
			set_cause(cause, "%s: %s", c->metrics, strerror(errno));
			goto fail;
		}
	}

	fill_info(&s->info, s->m, s->corpus_name, threads);
	s->ginfo = s->info;
	s->info.B = s->set.B;
	s->info.T = s->set.T;
	s->info.nbatches = s->tb.nbatches;

	if (c->generator) {
		s->gm = model_create(&s->m->cfg);
		memcpy(s->gm->params, s->m->params, s->m->nparams * sizeof(float));
		model_set_precision(s->gm, s->precision);
		s->snap = xalloc_floats(s->m->nparams);
		memcpy(s->snap, s->m->params, s->m->nparams * sizeof(float));
		vocab_copy(&s->gvoc, &s->voc);
		text_opts_copy(&s->gtext, &s->text);
		if (start_generator(s, cause) != 0)
			goto fail;
	}
	s->tmsg = queue_create(0);
	if (pthread_create(&s->trainer, NULL, trainer_main, s) != 0) {
		set_cause(cause, "cannot start the training thread");
		goto fail;
	}
	s->trainer_started = 1;
	return s;
fail:
	session_free(s);
	return NULL;
}

void
session_free(session *s)
{
	if (s == NULL)
		return;
	if (s->trainer_started) {
		send_msg(s->tmsg, MSG_ABORT, 0, 0, NULL, NULL);
		pthread_join(s->trainer, NULL);
	}
	if (s->gen_started) {
		send_msg(s->gmsg, MSG_QUIT, 0, 0, NULL, NULL);
		pthread_join(s->gen_thread, NULL);
	}
	if (s->tmsg != NULL)
		queue_free(s->tmsg, msg_free);
	if (s->gmsg != NULL)
		queue_free(s->gmsg, msg_free);
	queue_free(s->events, (void (*)(void *))event_free);
	if (s->metrics != NULL)
		fclose(s->metrics);
	model_free(s->gm);
	model_free(s->m);
	optim_free(s->opt);
	model_ws_free(s->ws);
	model_ws_free(s->ws_val);
	pool_free(s->pool);
	corpus_free(&s->corp);
	vocab_free(&s->voc);
	vocab_free(&s->gvoc);
	text_opts_free(&s->text);
	text_opts_free(&s->gtext);
	train_progress_free(&s->prog);
	free(s->corpus_name);
	free(s->output);
	free(s->best_path);
	free(s->last_saved);
	for (size_t i = 0; i < s->nkept; i++)
		free(s->kept[i]);
	free(s->kept);
	free(s->bx);
	free(s->by);
	free(s->snap);
	free(s->good);
	pthread_mutex_destroy(&s->snap_mu);
	free(s);
}
