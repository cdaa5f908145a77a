/* session_train.c - the session's trainer thread: trains, evaluates,
 * samples and saves, as train.h's policy says, and tells the UI.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "session_int.h"

/* ---- checkpoints -------------------------------------------------------- */

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

	/* A file that is not this run's own output is locked for the save,
	 * so that it never replaces one another run is writing. */
	int lock = -1, own = train_outputs_locked(&s->out, path);
	if (train_outputs_check(&s->out, path, &cause) != 0 ||
	    (!own && (lock = ckpt_lock(path, &cause)) < 0)) {
		session_post_text(s, EV_ERROR, "not saved: %s", cause);
		free(cause);
		return -1;
	}
	fill_ckpt(s, &c, &prog);
	int rc = ckpt_save(path, &c, s->weights_only, &cause);
	if (lock >= 0)
		ckpt_unlock(path, lock);
	if (rc != 0) {
		session_post_text(s, EV_ERROR, "save failed: %s; training goes on",
		    cause);
		free(cause);
		return -1;
	}
	event *e = event_new(EV_SAVED);
	e->text = xstrdup(path);
	e->step = s->prog.step;
	session_post(s, e);
	return 0;
}

/* Save the latest state to the output (expanding the template); the
 * policy keeps at most --keep templated files. */
static void
save_latest(session *s, float loss)
{
	char *cause = NULL;

	if (s->out.tmpl == NULL)
		return;
	char *path = train_outputs_path(&s->out, s->prog.epoch, s->prog.step,
	    loss);
	s->save_failed = save_to(s, path) != 0;
	if (s->save_failed) {
		free(path);
		return;
	}
	if (train_outputs_written(&s->out, path, &cause) != 0) {
		session_post_text(s, EV_ERROR, "%s", cause);
		free(cause);
	}
}

/* ---- training ----------------------------------------------------------- */

/* The schedule's factor for the next step, and the rate it gives. */
static double
lr_factor(const session *s)
{
	return train_lr_factor(&s->set, &s->prog, &s->bounds, s->tb.nbatches,
	    s->run_time);
}

static float
rate_now(const session *s)
{
	return (float)(s->prog.lr * lr_factor(s));
}

static void
fill_progress(const session *s, event *e)
{
	e->step = s->prog.step;
	e->total_steps = train_bounds_steps(&s->bounds, s->tb.nbatches);
	e->epoch = s->prog.epoch;
	e->epochs = s->bounds.epochs;
	e->time_limit = s->bounds.time_limit;
	e->run_elapsed = s->run_time;
	e->batch = s->prog.batch;
	e->nbatches = s->tb.nbatches;
	e->lr = rate_now(s);
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
	    rate_now(s), cps, s->prog.elapsed);
	if (fflush(s->metrics) != 0 || ferror(s->metrics)) {
		session_post_text(s, EV_ERROR, "%s: write error; no more metrics "
		    "are written", s->metrics_path);
		fclose(s->metrics);
		s->metrics = NULL;
		s->metrics_failed = 1;
	}
}

/* Mean loss and accuracy over the whole validation split; -1 when a quit
 * stopped it. */
static int
evaluate(session *s, float *loss, float *acc)
{
	train_eval ev;

	if (train_eval_batches(s->m, s->ws_val, &s->vb, s->bx, s->by,
	    &s->stop, &ev) != 0)
		return -1;
	*loss = (float)(ev.sum / (double)MAX(ev.count, 1));
	*acc = (float)ev.correct / (float)MAX(ev.count, 1);
	return 0;
}

/* One sample per configured temperature (train.h says how). */
static void
epoch_samples(session *s)
{
	train_sampling ts;

	train_sampling_begin(&ts, &s->set, s->prog.step, &s->tb, &s->voc);
	ts.pool = s->pool;
	/* The samples read a copy at the sampling precision, dropped after
	 * (the next step changes the weights). */
	model_set_precision(s->m, s->precision);
	for (int i = 0; i < s->set.nsample_temps; i++) {
		char *text = train_sampling_next(&ts, s->m, &s->voc, &s->text,
		    s->set.sample_temps[i], s->set.sample_len, &s->stop);
		if (text == NULL)
			break;
		event *e = event_new(EV_SAMPLE);
		fill_progress(s, e);
		e->temp = s->set.sample_temps[i];
		e->sample_index = i;
		e->text = text;
		session_post(s, e);
	}
	model_unpack(s->m);	/* training changes them */
}

/* Evaluate, record, sample, save: what happens at each epoch end (or every
 * eval_every steps). Returns -1 when a quit stopped the evaluation: then
 * nothing is recorded or saved here (the run's end saves). */
static int
checkpoint_point(session *s, float train_loss, float train_acc)
{
	float vloss = NAN, vacc = NAN;
	if (s->have_val) {
		if (evaluate(s, &vloss, &vacc) != 0)
			return -1;
		int better = vloss < s->prog.best_val;
		if (better) {
			s->prog.best_val = vloss;
			s->prog.best_step = s->prog.step;
			s->prog.stale = 0;
		} else
			s->prog.stale++;
		event *e = event_new(EV_EVAL);
		fill_progress(s, e);
		e->loss = vloss;
		e->acc = vacc;
		session_post(s, e);
		metrics_line(s, "val", vloss, vacc, 0);
		if (better && s->out.tmpl != NULL)
			save_to(s, s->out.best);
		if (better && s->best_w != NULL) {
			memcpy(s->best_w, s->m->params,
			    s->m->nparams * sizeof(float));
			s->best_w_step = s->prog.step;
		}
	}
	train_hist_record(&s->prog, s->tb.nbatches, rate_now(s), train_loss,
	    train_acc, vloss, vacc);
	if (s->set.sample_len > 0)
		epoch_samples(s);
	save_latest(s, s->have_val ? vloss : train_loss);
	return 0;
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

/* A save asked for: to path, or (NULL) to the output. */
static void
trainer_save(session *s, const char *path, int say_none)
{
	if (path != NULL)
		save_to(s, path);
	else if (s->out.tmpl != NULL)
		save_latest(s, NAN);
	else if (say_none)
		session_post_text(s, EV_ERROR, "no output file to save to");
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
				event *e = event_new(EV_PAUSED);
				fill_progress(s, e);
				e->paused = *paused;
				session_post(s, e);
			}
			break;
		case MSG_SAVE:
			trainer_save(s, c->text, 1);
			break;
		case MSG_SAMPLE:
			epoch_samples(s);
			break;
		case MSG_SET_LR:
			s->prog.lr = c->value;
			session_post_text(s, EV_STATUS, "learning rate set to %.3g",
			    (double)c->value);
			break;
		case MSG_QUIT:
			atomic_store(&s->stop, 0);	/* taken */
			quit = 1;
			break;
		case MSG_ABORT:
			s->aborting = 1;
			quit = 1;
			break;
		}
		session_msg_free(c);
		if (quit)
			return 1;
		if (block)
			return 0;
	}
}

/* Training metrics since the last report, and since the last history
 * point. */
struct tally {
	double loss_sum;	/* of the steps' mean losses */
	size_t correct;		/* predictions that were right */
	size_t steps;		/* optimizer steps taken */
};

/* The trainer's loop state. */
struct run {
	int paused, quit, timed_out, diverged;
	const char *why;
	struct tally rep;	/* since the last report */
	double rep_chars;	/* characters trained on, skipped steps too */
	double rep_t0;		/* when the report began */
	struct tally hist;	/* since the last history point */
	long hist_every;
	double cps;		/* the last throughput reported */
};

static void
tally_add(struct tally *t, double loss, size_t correct)
{
	t->loss_sum += loss;
	t->correct += correct;
	t->steps++;
}

/* The mean loss and accuracy of t, NaN when no step was taken. */
static void
tally_means(const struct tally *t, size_t chars_per_step, float *loss,
    float *acc)
{
	*loss = t->steps ? (float)(t->loss_sum / (double)t->steps) : NAN;
	*acc = t->steps ? (float)t->correct /
	    (float)(t->steps * chars_per_step) : NAN;
}

/* Post an EV_STEP and a metrics line for the report, then begin a new one
 * at now. */
static void
report_post(session *s, struct run *r, double now)
{
	double cps = r->rep_chars / MAX(now - r->rep_t0, 1e-9);
	event *e = event_new(EV_STEP);
	fill_progress(s, e);
	e->loss = (float)(r->rep.loss_sum / (double)r->rep.steps);
	e->acc = (float)r->rep.correct /
	    (float)(r->rep.steps * (size_t)s->set.B * (size_t)s->set.T);
	e->chars_per_s = cps;
	metrics_line(s, "train", e->loss, e->acc, cps);
	session_post(s, e);
	r->rep = (struct tally){ 0 };
	r->rep_chars = 0;
	r->rep_t0 = now;
	r->cps = cps;
}

/* Training is over (why); the trainer idles. */
static void
post_done(session *s, const char *why, double cps)
{
	event *e = event_new(EV_DONE);
	fill_progress(s, e);
	e->chars_per_s = cps;
	e->text = xstrdup(why);
	e->save_failed = s->save_failed;
	e->metrics_failed = s->metrics_failed;
	e->path = s->out.last != NULL ? xstrdup(s->out.last) : NULL;
	session_post(s, e);
}

/* One optimizer step (or a restore by the divergence guard). Returns -1
 * when the run diverged. */
static int
trainer_step(session *s, struct run *r)
{
	train_step_result res;
	double t0 = now_seconds();

	batcher_get(&s->tb, s->prog.batch, s->bx, s->by);
	train_step(s->m, s->ws, s->opt, s->bx, s->by, &s->prog.rng,
	    &s->prog.lr, lr_factor(s), s->set.clip, s->prog.step, &s->guard,
	    &res);
	publish(s);
	if (res.outcome != TRAIN_STEP_OK) {
		session_post_text(s, EV_STATUS, "%s at step %ld: back to the weights "
		    "of step %ld, learning rate lowered to %.3g",
		    res.exploded ? "loss exploded" : "NaN/Inf", s->prog.step,
		    res.good_step, (double)s->prog.lr);
		if (res.outcome == TRAIN_STEP_DIVERGED) {
			r->why = "training diverged (the loss kept exploding "
			    "or turning NaN)";
			session_post_text(s, EV_ERROR, "%s", r->why);
			return -1;
		}
	} else {
		tally_add(&r->rep, res.loss, res.correct);
		tally_add(&r->hist, res.loss, res.correct);
	}
	double dt = now_seconds() - t0;
	int epoch_end = train_advance(&s->prog, &s->set, s->tb.nbatches, dt);
	s->run_time += dt;
	r->rep_chars += (double)s->set.B * s->set.T;
	if (epoch_end)
		model_ws_reset(s->ws);
	return epoch_end;
}

/* After a step: a report when one is due, then an evaluation point or a
 * history point. */
static void
trainer_record(session *s, struct run *r, int epoch_end)
{
	size_t chars = (size_t)s->set.B * s->set.T;
	double now = now_seconds();
	int report = s->set.report_every > 0 ?
	    s->prog.step % s->set.report_every == 0 :
	    now - r->rep_t0 >= 0.25;
	float hl, ha;

	if ((report || epoch_end) && r->rep.steps > 0)
		report_post(s, r, now);
	tally_means(&r->hist, chars, &hl, &ha);
	if (train_point_due(&s->set, &s->prog, epoch_end))
		checkpoint_point(s, hl, ha);
	else if (s->prog.step % r->hist_every == 0 && r->hist.steps > 0)
		train_hist_record(&s->prog, s->tb.nbatches, rate_now(s), hl, ha,
		    NAN, NAN);
	else
		return;
	r->hist = (struct tally){ 0 };
}

/* With restore_best, a run just evaluated at its last step (the last
 * history point), and worse there than at this run's best, ends on the
 * best weights (the optimizer's state and the counters stay those of the
 * last step, as Keras' restore_best_weights does). Returns 1 when it
 * restored them. */
static int
restore_best(session *s)
{
	if (s->best_w_step < 0 || s->best_w_step != s->prog.best_step ||
	    s->best_w_step == s->prog.step)
		return 0;
	memcpy(s->m->params, s->best_w, s->m->nparams * sizeof(float));
	s->prog.restored_step = s->best_w_step;
	publish(s);
	session_post_text(s, EV_STATUS, "ended on the best weights: step %ld, "
	    "validation loss %.4f (the last evaluation, step %ld: %.4f)",
	    s->best_w_step, (double)s->prog.best_val, s->prog.step,
	    (double)s->prog.hist[s->prog.nhist - 1].val_loss);
	return 1;
}

/* The run is over: report, evaluate at a time limit, end on the best
 * weights if asked, save, EV_DONE. */
static void
trainer_finish(session *s, struct run *r)
{
	if (r->rep.steps > 0)	/* the steps since the last report */
		report_post(s, r, now_seconds());
	/* Did an evaluation point (which saves) just happen at this step? */
	int point_now = s->prog.nhist > 0 &&
	    s->prog.hist[s->prog.nhist - 1].step == s->prog.step &&
	    !isnan(s->prog.hist[s->prog.nhist - 1].val_loss);
	/* A time budget ends with what it bought: evaluated, sampled, saved
	 * (unless a quit stops the evaluation: then saved below); so does a
	 * run that ends on its best weights, which must know whether the
	 * last ones are better. */
	int restoring = s->best_w != NULL && !r->quit && !r->diverged;
	if ((r->timed_out || restoring) && !point_now) {
		float hl, ha;
		tally_means(&r->hist, (size_t)s->set.B * s->set.T, &hl, &ha);
		point_now = checkpoint_point(s, hl, ha) == 0;
	}
	/* (A quit that stopped that evaluation keeps the last weights.) */
	int restored = restoring && point_now && restore_best(s);
	/* Save the final state (unless the last point just did). */
	if (s->out.tmpl != NULL && (r->quit || !point_now || restored))
		save_latest(s, NAN);
	post_done(s, r->why, r->cps);
}

/* Idle after the run: still answer save and sample requests until the
 * session is freed. */
static void
trainer_idle(session *s, struct run *r)
{
	for (;;) {
		struct msg *c = queue_wait(s->tmsg, -1);
		if (c == NULL)
			continue;
		int type = c->type;
		if (type == MSG_SAVE)
			trainer_save(s, c->text, 0);
		else if (type == MSG_SAMPLE)
			epoch_samples(s);
		else if (type == MSG_QUIT) {
			atomic_store(&s->stop, 0);
			post_done(s, r->why, r->cps);
		}
		session_msg_free(c);
		if (type == MSG_ABORT)
			break;
	}
}

static void
trainer_begin(session *s)
{
	event *e = event_new(EV_START);
	fill_progress(s, e);
	session_post(s, e);
	if (s->prog.nhist > 0) {
		e = event_new(EV_HISTORY);
		fill_progress(s, e);
		e->nhist = s->prog.nhist;
		e->hist = xreallocarray(NULL, e->nhist, sizeof *e->hist);
		memcpy(e->hist, s->prog.hist, e->nhist * sizeof *e->hist);
		session_post(s, e);
	}
}

void *
session_trainer_main(void *arg)
{
	session *s = arg;
	struct run r = { .why = "finished", .rep_t0 = now_seconds(),
	    .hist_every = MAX(1, (long)s->tb.nbatches / 20) };

	trainer_begin(s);
	for (;;) {
		if (trainer_messages(s, &r.paused, 0)) {
			r.quit = 1;
			r.why = "stopped";
			break;
		}
		const char *why = train_stop_reason(&s->bounds, &s->set,
		    &s->prog, s->run_time, &r.timed_out);
		if (why != NULL) {
			r.why = why;
			break;
		}
		int epoch_end = trainer_step(s, &r);
		if (epoch_end < 0) {
			r.diverged = 1;
			break;
		}
		/* The time budget counts what the run does, evaluations and
		 * saves too; not a pause. */
		double t0 = now_seconds();
		trainer_record(s, &r, epoch_end);
		s->run_time += now_seconds() - t0;
	}
	if (s->aborting)
		return NULL;
	trainer_finish(s, &r);
	trainer_idle(s, &r);
	return NULL;
}
