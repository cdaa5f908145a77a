/* test_session.c - the trainer and generator threads through the session
 * API, as the dashboard drives them (also run under ThreadSanitizer).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "gen.h"
#include "session.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/burble-session-XXXXXX";

static char *
write_corpus(const char *name, int nwords)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	static const char *words[] = { "the ", "owl ", "reads ", "a ",
		"book ", "by ", "lamplight", ".\n", "and ", "sea " };
	unsigned x = 1;
	for (int i = 0; i < nwords; i++) {
		x = x * 1103515245u + 12345u;
		fputs(words[(x >> 16) % NELEMS(words)], f);
	}
	fclose(f);
	return path;
}

/* Wait for an event of type (other events are counted and dropped). */
static event *
wait_for(session *s, int type, double timeout, int *seen)
{
	double end = now_seconds() + timeout;
	while (now_seconds() < end) {
		event *e = session_wait_event(s, 0.1);
		if (e == NULL)
			continue;
		if (seen != NULL)
			seen[e->type]++;
		if (e->type == type)
			return e;
		event_free(e);
	}
	return NULL;
}

/*
 * A quit during a long evaluation stops it within a batch, and the run
 * saves: half of a 2 MB text is the validation split, evaluated at every
 * step (seconds, unstopped; minutes under ThreadSanitizer).
 */
static void
quit_during_evaluation(void)
{
	char *text = write_corpus("big.txt", 400000);
	char *out = xasprintf("%s/q.safetensors", dir);
	const char *files[] = { text };
	session_config c;
	char *cause = NULL;
	ckpt ck;

	memset(&c, 0, sizeof c);
	c.files = files;
	c.nfiles = 1;
	c.model = (model_config){ .cell = CELL_LSTM, .L = 2, .H = 256 };
	train_settings_default(&c.train);
	c.train.val_frac = 0.5f;
	c.train.eval_every = 1;
	c.train.report_every = 1;
	c.train.sample_len = 0;
	c.train.seed = 5;
	c.output = out;
	c.threads = 1;
	session *s = session_create(&c, &cause);
	if (!ok(s != NULL, "a session on a 2 MB text (%s)", cause ? cause :
	    "ok")) {
		free(cause);
		return;
	}
	event *e = wait_for(s, EV_STEP, 60, NULL);
	ok(e != NULL && e->step == 1, "the first step is reported");
	event_free(e);
	usleep(200000);		/* into the evaluation */
	double t0 = now_seconds();
	session_quit(s);
	int seen[EV_DONE + 1] = { 0 };
	e = wait_for(s, EV_DONE, 60, seen);
	double dt = now_seconds() - t0;
	ok(e != NULL && strcmp(e->text, "stopped") == 0 && dt < 5,
	    "a quit stops the evaluation: done in %.2f s", dt);
	ok(e != NULL && e->path != NULL && strcmp(e->path, out) == 0,
	    "EV_DONE names the file written");
	ok(seen[EV_EVAL] == 0, "no evaluation is reported half done");
	event_free(e);
	session_free(s);
	ok(ckpt_load(out, &ck, &cause) == 0 && ck.prog.step == 1,
	    "the checkpoint of step 1 was saved and loads");
	if (cause == NULL)
		ckpt_free(&ck);
	free(cause);
	unlink(out);
	unlink(text);
	free(out);
	free(text);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		tap_skip_all("no temporary directory");
	char *text = write_corpus("text.txt", 4000);
	char *out = xasprintf("%s/m.safetensors", dir);
	const char *files[] = { text };
	session_config c;
	memset(&c, 0, sizeof c);
	c.files = files;
	c.nfiles = 1;
	c.model = (model_config){ .cell = CELL_LSTM, .L = 1, .H = 32,
	    .dropout = 0.0f };
	train_settings_default(&c.train);
	c.train.B = 8;
	c.train.T = 32;
	c.train.epochs = 0;
	c.train.max_steps = 400;
	c.train.eval_every = 50;
	c.train.sample_len = 40;
	c.train.seed = 3;
	c.output = out;
	c.threads = 1;
	c.generator = 1;
	c.precision = MODEL_FP16;	/* the CLI default */
	char *cause = NULL;
	session *s = session_create(&c, &cause);
	if (!ok(s != NULL, "session starts (%s)", cause ? cause : "ok"))
		return tap_done();
	int seen[EV_DONE + 1] = { 0 };

	event *e = wait_for(s, EV_START, 10, seen);
	ok(e != NULL, "EV_START arrives");
	event_free(e);
	const session_info *in = session_get_info(s);
	ok(in->training && in->L == 1 && in->H == 32 && in->V > 10,
	    "info describes the model (V=%d)", in->V);
	session_info gi;
	session_gen_info(s, &gi);
	ok(gi.cell == CELL_LSTM && gi.L == 1 && gi.H == 32 &&
	    gi.nparams == in->nparams && strcmp(gi.corpus, in->corpus) == 0,
	    "the generator's model is the session's (%d x %d)", gi.L, gi.H);

	e = wait_for(s, EV_STEP, 10, seen);
	ok(e != NULL && e->step > 0 && isfinite(e->loss), "EV_STEP with a loss");
	event_free(e);

	/* A continuation streams while training goes on. */
	session_generate(s, "the owl ");
	size_t got = 0;
	double end = now_seconds() + 10;
	int ended = 0;
	while (!ended && now_seconds() < end) {
		e = session_wait_event(s, 0.1);
		if (e == NULL)
			continue;
		if (e->type == EV_GEN) {
			ok(e->nchars > 0 && e->prob[0] > 0 && e->prob[0] <= 1,
			    "EV_GEN chunk with probabilities");
			got += e->nchars;
		} else if (e->type == EV_GEN_END)
			ended = 1;
		event_free(e);
	}
	ok(ended && got == 300, "a continuation of the default length (%zu)", got);

	/* A prime longer than the stop-string window (a pasted paragraph). */
	char longprime[701];
	for (int i = 0; i < 700; i++)
		longprime[i] = "the owl reads "[i % 14];
	longprime[700] = '\0';
	session_generate(s, longprime);
	e = wait_for(s, EV_GEN_END, 10, seen);
	ok(e != NULL, "a 700-character prime is continued");
	event_free(e);

	/* The stop-string window: any length in, only the end kept. */
	gen_tail tail = { .n = 0 };
	gen_tail_add(&tail, longprime, strlen(longprime));
	ok(gen_tail_ends_with(&tail, "the owl reads ") && tail.n <= sizeof tail.buf,
	    "a long text keeps its end (%zu bytes)", tail.n);
	for (int i = 0; i < 300; i++)
		gen_tail_add(&tail, "xy", 2);
	gen_tail_add(&tail, "STOP", 4);
	ok(gen_tail_ends_with(&tail, "xySTOP") && !gen_tail_ends_with(&tail, "STOPx") &&
	    !gen_tail_ends_with(&tail, ""), "stop strings match at the end only");

	/* Settings apply; a peek sums to about one. */
	gen_settings gs;
	gen_settings_default(&gs);
	gs.smp.temps[0] = 0;
	gs.length = 20;
	session_set_generation(s, &gs);
	session_peek(s);
	e = wait_for(s, EV_PEEK, 10, seen);
	float sum = 0;
	for (int i = 0; e != NULL && i < e->npeek; i++)
		sum += e->peek_p[i];
	ok(e != NULL && e->npeek > 0 && sum > 0.3f && sum <= 1.0001f,
	    "peek: %d candidates, mass %.3f", e ? e->npeek : 0, sum);
	event_free(e);

	/* The :cell view: the prime comes back as the model read it, and
	 * every character carries the unit's activation. */
	gs.cell_layer = 0;
	gs.cell_unit = 5;
	session_set_generation(s, &gs);
	session_generate(s, "the owl");
	size_t nprime = 0, nact = 0, outside = 0;
	char *primed = NULL;
	ended = 0;
	end = now_seconds() + 10;
	while (!ended && now_seconds() < end) {
		e = session_wait_event(s, 0.1);
		if (e == NULL)
			continue;
		if (e->type == EV_GEN && e->act != NULL) {
			for (size_t i = 0; i < e->nchars; i++)
				outside += !(fabsf(e->act[i]) <= 1);
			if (e->is_prime) {
				free(primed);
				primed = xstrdup(e->text);
				nprime = e->nchars;
			} else
				nact += e->nchars;
		} else if (e->type == EV_GEN_END)
			ended = 1;
		event_free(e);
	}
	ok(primed != NULL && strcmp(primed, "the owl") == 0 && nprime == 7,
	    ":cell: the prime comes back with 7 activations ('%s')",
	    primed ? primed : "none");
	ok(ended && nact == 20 && outside == 0,
	    ":cell: 20 generated characters, activations in [-1, 1]");
	free(primed);
	gs.cell_layer = gs.cell_unit = -1;
	session_set_generation(s, &gs);

	/* Pause stops the steps; resume starts them again. */
	session_pause(s, 1);
	e = wait_for(s, EV_PAUSED, 10, seen);
	ok(e != NULL && e->paused, "paused");
	long at = e ? e->step : -1;
	event_free(e);
	usleep(300000);
	int steps_before = seen[EV_STEP];
	e = wait_for(s, EV_STEP, 0.5, seen);
	ok(e == NULL && seen[EV_STEP] == steps_before, "no steps while paused (at %ld)", at);
	event_free(e);
	session_save(s, NULL);
	e = wait_for(s, EV_SAVED, 10, seen);
	ok(e != NULL && access(out, R_OK) == 0, "save while paused writes %s", out);
	event_free(e);
	session_pause(s, 0);
	e = wait_for(s, EV_STEP, 10, seen);
	ok(e != NULL && e->step > at, "steps again after resume");
	event_free(e);

	/* An evaluation (with its samples and the best model) comes every 50
	 * steps; a slow build (ThreadSanitizer) may not be there yet. */
	if (seen[EV_SAMPLE] == 0) {
		e = wait_for(s, EV_SAMPLE, 120, seen);
		event_free(e);
	}
	/* Quit saves and ends with EV_DONE; the generator still answers. */
	session_quit(s);
	e = wait_for(s, EV_DONE, 30, seen);
	ok(e != NULL, "EV_DONE after quit (%s)", e ? e->text : "none");
	event_free(e);
	ok(seen[EV_EVAL] > 0 && seen[EV_SAMPLE] > 0,
	    "evaluations (%d) and samples (%d) happened", seen[EV_EVAL],
	    seen[EV_SAMPLE]);
	session_generate(s, "");
	e = wait_for(s, EV_GEN_END, 10, seen);
	ok(e != NULL, "the generator answers after training ended");
	event_free(e);
	session_free(s);

	/* gen_activation is tanh of the LSTM cell state after each step. */
	ckpt ck;
	if (ok(ckpt_load(out, &ck, &cause) == 0, "the saved model loads")) {
		generator g1, g2;
		gen_trace tr = { .layer = 0, .unit = 7 };
		int same = 1;
		gen_init(&g1, ck.m, &ck.voc, &ck.text, &gs.smp, 1);
		gen_init(&g2, ck.m, &ck.voc, &ck.text, &gs.smp, 1);
		ok(gen_feed_trace(&g1, "a book", 6, NULL, &tr, &cause) == 0 &&
		    tr.n == 6 && strcmp(tr.text, "a book") == 0,
		    "gen_feed_trace records each character");
		for (size_t i = 0; i < tr.n && i < 6; i++) {
			gen_feed(&g2, "a book" + i, 1, NULL, &cause);
			same &= tr.act[i] == tanhf(g2.st->c[7]) &&
			    tr.act[i] == gen_activation(&g2, 0, 7);
		}
		ok(same, "... and its activations are tanh(c) of the state");
		free(tr.text);
		free(tr.act);
		gen_free(&g1);
		gen_free(&g2);
		ckpt_free(&ck);
	}
	free(cause);

	char *best = xasprintf("%s/m.best.safetensors", dir);
	ok(access(best, R_OK) == 0, "the best model was written");
	unlink(best);
	quit_during_evaluation();
	unlink(out);
	unlink(text);
	rmdir(dir);
	free(best);
	free(out);
	free(text);
	return tap_done();
}
