/* session.c - the session's API, creation and teardown: each call queues a
 * message for the trainer or the generator thread, or reads an event.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trainer (session_train.c) owns the model, optimizer, data and
 * training RNG. After every optimizer step it publishes a copy of the
 * weights (the snapshot) when a generator exists, so a continuation typed
 * at the prompt starts from the current weights without ever touching the
 * trainer's state. The generator (session_gen.c) owns its own copy of the
 * weights, hidden state and sampler.
 *
 * Everything the UI learns arrives as an event on one queue; everything it
 * asks goes as a message on the trainer's or the generator's queue. Nothing
 * here prints, exits or touches the terminal.
 */
#include "config.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "file.h"
#include "plan.h"
#include "session_int.h"

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
	free(e->path);
	free(e);
}

event *
event_new(int type)
{
	event *e = xcalloc(1, sizeof *e);
	e->type = type;
	e->best_val = INFINITY;
	return e;
}

void
session_post(session *s, event *e)
{
	queue_push(s->events, e);
}

void
session_post_text(session *s, int type, const char *fmt, ...)
{
	event *e = event_new(type);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	e->text = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(e->text, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	session_post(s, e);
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

void
session_msg_free(void *p)
{
	struct msg *c = p;
	if (c != NULL)
		free(c->text);
	free(c);
}

static struct msg *
msg_new(int type, int flag, float value, const char *text,
    const gen_settings *gs)
{
	struct msg *c = xcalloc(1, sizeof *c);
	c->type = type;
	c->flag = flag;
	c->value = value;
	c->text = text != NULL ? xstrdup(text) : NULL;
	if (gs != NULL)
		c->gs = *gs;
	return c;
}

static void
send_msg(queue *q, int type, int flag, float value,
    const char *text, const gen_settings *gs)
{
	if (q != NULL)
		queue_push(q, msg_new(type, flag, value, text, gs));
}

/* A message to the generator; those that end a beam search are counted
 * before they are queued, so that one under way stops for them. */
static void
send_gen(session *s, int type, int flag, int id, const char *text,
    const gen_settings *gs)
{
	if (s->gmsg == NULL)
		return;
	struct msg *c = msg_new(type, flag, 0, text, gs);
	c->id = id;
	if (MSG_ENDS_BEAM(type))
		atomic_fetch_add(&s->gen_ending, 1);
	queue_push(s->gmsg, c);
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
	send_gen(s, MSG_GENERATE, 0, 0, prime ? prime : "", NULL);
}

void
session_continue(session *s)
{
	send_gen(s, MSG_CONTINUE, 0, 0, NULL, NULL);
}

void
session_stop_generation(session *s)
{
	send_gen(s, MSG_STOP_GEN, 0, 0, NULL, NULL);
}

void
session_reset_generation(session *s)
{
	send_gen(s, MSG_RESET_GEN, 0, 0, NULL, NULL);
}

void
session_peek(session *s)
{
	send_gen(s, MSG_PEEK, 0, 0, NULL, NULL);
}

void
session_pick(session *s, const char *text, int id, int n)
{
	send_gen(s, MSG_PICK, n, id, text, NULL);
}

void
session_load(session *s, const char *path)
{
	send_gen(s, MSG_LOAD, 0, 0, path, NULL);
}

void
session_set_generation(session *s, const gen_settings *g)
{
	s->ui_gen = *g;
	send_gen(s, MSG_SET_GEN, 0, 0, NULL, g);
}

void
session_get_generation(const session *s, gen_settings *g)
{
	*g = s->ui_gen;
}

void
session_quit(session *s)
{
	if (s->tmsg != NULL) {
		/* Before the message: an evaluation under way stops at once
		 * (the trainer reads messages between steps only). */
		atomic_store(&s->stop, 1);
		send_msg(s->tmsg, MSG_QUIT, 0, 0, NULL, NULL);
	} else
		session_post_text(s, EV_DONE, "no training");
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
/* ---- creation ----------------------------------------------------------- */

void
session_fill_info(session_info *in, const model *m, const char *name, int threads)
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
	if (pthread_create(&s->gen_thread, NULL, session_generator_main, s) != 0)
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
	session_fill_info(&s->info, s->gm, c.corpus ? c.corpus : path, threads);
	s->info.words = s->gvoc.kind == VOCAB_WORD;
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

/* The characters at the end of the corpus kept for validation. */
static size_t
val_chars(const session *s)
{
	return s->set.val_frac > 0 ?
	    (size_t)((double)s->corp.n * (double)s->set.val_frac) : 0;
}

/* Split the corpus and build the batchers, shrinking B (and, for the
 * validation split, T) to fit a short text with a note. */
static int
setup_data(session *s, const char *name, char **cause)
{
	size_t n = s->corp.n, nval = val_chars(s);
	size_t ntrain = n - nval;
	int T = s->set.T;

	if (ntrain < (size_t)T + 1)
		return set_cause(cause, "%s: too short: %zu characters of "
		    "training text; --seq %d needs at least %zu (use a smaller "
		    "--seq or --val)", name, ntrain, T, (size_t)T + 1);
	if (ntrain < (size_t)s->set.B * T + 1) {
		int B = (int)((ntrain - 1) / (size_t)T);
		session_post_text(s, EV_STATUS, "%s: %zu training characters are too "
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

/* The model, optimizer, corpus and progress of a resumed run: the
 * checkpoint's settings, except those the command line overrides. */
static int
resume_from(session *s, const session_config *c, char **cause)
{
	ckpt ck;

	if (ckpt_load(c->resume, &ck, cause) != 0)
		return -1;
	if (!ck.has_train) {
		set_cause(cause, "%s: weights only (no optimizer state): cannot "
		    "resume", c->resume);
		ckpt_free(&ck);
		return -1;
	}
	s->set = ck.settings;
	train_settings_override(&s->set, &c->train, c->overrides);
	text_opts_copy(&s->text, &ck.text);
	if (corpus_load(&s->corp, c->files, c->nfiles, &s->text, &ck.voc,
	    c->map_unknown, cause) != 0) {
		ckpt_free(&ck);
		return -1;
	}
	s->m = ck.m;
	ck.m = NULL;
	s->opt = ck.opt;
	ck.opt = NULL;
	train_progress_copy(&s->prog, &ck.prog);
	if (c->overrides & OVERRIDE_LR)
		s->prog.lr = s->set.opt.lr;
	ckpt_free(&ck);
	return 0;
}

/* Width, depth and dropout for the time budget (plan.h), said in
 * info.plan. */
static void
plan_for_budget(session *s, const session_config *c, model_config *mc)
{
	size_t n = s->corp.n, nval = val_chars(s);
	plan_input in = { .what = c->plan, .budget = c->time_limit,
	    .train_chars = n - nval, .words = s->corp.voc.kind == VOCAB_WORD,
	    .base = *mc, .B = s->set.B,
	    .T = s->set.T };
	plan_result r;
	double bt = (double)s->set.B * s->set.T;

	if (c->overrides & OVERRIDE_EPOCHS && s->set.epochs > 0)
		in.max_chars = (double)s->set.epochs * (double)in.train_chars;
	if (s->set.max_steps > 0 && (in.max_chars == 0 ||
	    (double)s->set.max_steps * bt < in.max_chars))
		in.max_chars = (double)s->set.max_steps * bt;
	if (n < 2)
		return;
	plan_model(&in, s->corp.ids, n, s->pool, &r);
	mc->L = r.L;
	mc->H = r.H;
	mc->dropout = r.dropout;
	snprintf(s->info.plan, sizeof s->info.plan, "%s", r.why);
}

/* A new model for the corpus, initialised from the seed. */
static int
start_fresh(session *s, const session_config *c, char **cause)
{
	text_opts_copy(&s->text, &c->text);
	if (corpus_load(&s->corp, c->files, c->nfiles, &s->text, NULL, 0,
	    cause) != 0)
		return -1;
	model_config mc = c->model;
	mc.V = s->corp.voc.V;
	if (model_config_check(&mc, cause) != 0)
		return -1;
	if (c->plan != 0 && c->time_limit > 0)
		plan_for_budget(s, c, &mc);
	if (train_check_memory(&mc, s->set.B, s->set.T, cause) != 0)
		return -1;
	s->m = model_create(&mc);
	rng_t init;
	rng_seed(&init, s->set.seed ^ 0x5eed5eedULL);
	model_init(s->m, &init);
	s->set.opt.lr = c->train.opt.lr;
	if (!(c->overrides & OVERRIDE_LR))
		s->set.opt.lr = train_default_lr(&s->set.opt, mc.H);
	s->opt = optim_create(&s->set.opt, s->m->nparams);
	train_progress_init(&s->prog, &s->set);
	return 0;
}

/* The workspaces, with a resumed run's carried state, the guard and the
 * batch buffers. */
static void
setup_training(session *s, int resumed, int restore_best)
{
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
			session_post_text(s, EV_STATUS, "carried hidden state does "
			    "not match the batch; starting from zero");
	}
	if (resumed && s->prog.batch >= s->tb.nbatches) {
		s->prog.batch = 0;
		model_ws_reset(s->ws);
	}
	train_guard_init(&s->guard, s->m, s->opt, s->prog.step);
	s->best_w_step = -1;
	if (restore_best && s->have_val)
		s->best_w = xalloc_floats(s->m->nparams);
	size_t bsz = (size_t)MAX(s->set.B, s->vb.B) * (size_t)MAX(s->set.T, s->vb.T);
	s->bx = xreallocarray(NULL, bsz, sizeof *s->bx);
	s->by = xreallocarray(NULL, bsz, sizeof *s->by);
}

/* The prompt's generator on a copy of the trainer's model. */
static int
start_prompt_generator(session *s, char **cause)
{
	s->gm = model_create(&s->m->cfg);
	memcpy(s->gm->params, s->m->params, s->m->nparams * sizeof(float));
	model_set_precision(s->gm, s->precision);
	s->snap = xalloc_floats(s->m->nparams);
	memcpy(s->snap, s->m->params, s->m->nparams * sizeof(float));
	vocab_copy(&s->gvoc, &s->voc);
	text_opts_copy(&s->gtext, &s->text);
	return start_generator(s, cause);
}

/* The metrics log appends to a file that is not a checkpoint and that the
 * run neither reads nor writes otherwise. */
static int
open_metrics(session *s, const session_config *c, char **cause)
{
	const char *m = c->metrics;
	const train_outputs *o = &s->out;

	for (size_t i = 0; i < c->nfiles; i++)
		if (file_same(m, c->files[i]))
			return set_cause(cause, "refusing to append metrics to "
			    "%s: this run reads it", m);
	if ((c->resume != NULL && file_same(m, c->resume)) ||
	    (o->tmpl != NULL && (strcmp(m, o->tmpl) == 0 ||
	    strcmp(m, o->best) == 0 || file_same(m, o->tmpl) ||
	    file_same(m, o->best))) || ckpt_is_checkpoint(m))
		return set_cause(cause, "refusing to append metrics to %s: "
		    "it is a checkpoint", m);
	s->metrics = fopen(m, "a");
	if (s->metrics == NULL)
		return file_error(cause, m, errno);
	s->metrics_path = xstrdup(m);
	return 0;
}

/* Before anything is read or trained: the output is this run's (locked,
 * writable, not an input) and the metrics log may be appended to. */
static int
claim_files(session *s, const session_config *c, char **cause)
{
	train_outputs_init(&s->out, c->output, c->keep);
	s->out.force = c->force;
	if (train_outputs_claim(&s->out, c->files, c->nfiles, cause) != 0)
		return -1;
	if (c->metrics != NULL && open_metrics(s, c, cause) != 0)
		return -1;
	return 0;
}

session *
session_create(const session_config *c, char **cause)
{
	session *s = session_alloc();
	int resumed = c->resume != NULL;

	s->training = 1;
	s->info.training = 1;
	int threads = session_set_threads(c->threads);
	s->set = c->train;
	s->precision = c->precision;
	if (claim_files(s, c, cause) != 0)
		goto fail;
	if ((resumed ? resume_from(s, c, cause) : start_fresh(s, c, cause)) != 0)
		goto fail;
	vocab_copy(&s->voc, &s->corp.voc);
	s->corpus_name = xstrdup(s->corp.name);
	if (setup_data(s, s->corp.name, cause) != 0)
		goto fail;
	setup_training(s, resumed, c->restore_best);
	train_bounds_init(&s->bounds, &s->set, c->time_limit,
	    (c->overrides & OVERRIDE_EPOCHS) != 0);

	if (c->output != NULL)
		snprintf(s->info.output, sizeof s->info.output, "%s", c->output);
	s->weights_only = c->weights_only;

	session_fill_info(&s->info, s->m, s->corpus_name, threads);
	s->info.words = s->voc.kind == VOCAB_WORD;
	s->ginfo = s->info;
	s->info.B = s->set.B;
	s->info.T = s->set.T;
	s->info.nbatches = s->tb.nbatches;
	s->info.mc = s->m->cfg;
	s->info.set = s->set;

	if (c->generator && start_prompt_generator(s, cause) != 0)
		goto fail;
	s->tmsg = queue_create(0);
	if (pthread_create(&s->trainer, NULL, session_trainer_main, s) != 0) {
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
		atomic_store(&s->stop, 1);
		send_msg(s->tmsg, MSG_ABORT, 0, 0, NULL, NULL);
		pthread_join(s->trainer, NULL);
	}
	if (s->gen_started) {
		send_gen(s, MSG_QUIT, 0, 0, NULL, NULL);
		pthread_join(s->gen_thread, NULL);
	}
	if (s->tmsg != NULL)
		queue_free(s->tmsg, session_msg_free);
	if (s->gmsg != NULL)
		queue_free(s->gmsg, session_msg_free);
	queue_free(s->events, (void (*)(void *))event_free);
	if (s->metrics != NULL)
		fclose(s->metrics);
	free(s->metrics_path);
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
	train_outputs_free(&s->out);
	free(s->bx);
	free(s->by);
	free(s->snap);
	free(s->best_w);
	train_guard_free(&s->guard);
	pthread_mutex_destroy(&s->snap_mu);
	free(s);
}
