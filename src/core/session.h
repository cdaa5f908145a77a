/* session.h - the worker threads behind the dashboard, the prompt and the
 * headless printer.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session owns a model and up to two threads:
 *  - the trainer (train sessions only) owns the model, optimizer, data and
 *    training RNG; it trains, evaluates, samples at each epoch end and saves;
 *  - the generator owns its own copy of the weights (refreshed from the
 *    trainer's latest step when a continuation starts), its own hidden state
 *    and sampler; it answers the prompt: continuations, peeks.
 * The UI talks to them only through the session_* calls below (each one
 * queues a command and returns at once) and reads events from one queue,
 * woken through session_event_fd(). Only the UI thread touches the terminal.
 */
#ifndef BURBLE_SESSION_H
#define BURBLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "sampler.h"
#include "text.h"
#include "train.h"

#define GEN_MAX_STOPS 8
#define PEEK_MAX 50	/* :pick's most; :peek shows PEEK_SHOW */
#define PEEK_SHOW 10

enum ev_type {
	EV_START,	/* training starts: session_info() is complete */
	EV_HISTORY,	/* resumed: hist[0..nhist) is the earlier history */
	EV_STEP,	/* a progress report (several per second at most) */
	EV_EVAL,	/* validation loss/accuracy: loss, acc, best_* */
	EV_SAMPLE,	/* an end-of-epoch sample: temp, text (whole) */
	EV_GEN,		/* a chunk of a continuation: text, prob[nchars],
			   act[nchars] with :cell; or (is_prime) the prime
			   as the model read it, act[nchars] */
	EV_GEN_END,	/* a continuation ended; text says why ("length",
			   "stop string", "end of record", "stopped") */
	EV_PEEK,	/* next-character distribution: npeek, peek_*;
			   pick: the answer to session_pick */
	EV_STATUS,	/* a note for the status line: text */
	EV_ERROR,	/* something failed, work goes on: text */
	EV_SAVED,	/* a checkpoint was written: text = path */
	EV_PAUSED,	/* paused != 0: training paused, 0: resumed */
	EV_DONE,	/* training is over (text = reason); the trainer
			   has saved and is idle, the generator still works */
};

typedef struct {
	int type;
	/* progress (EV_STEP, EV_EVAL, EV_SAMPLE, EV_DONE) */
	long step;
	long total_steps;	/* steps the run will take; 0 if unknown (a
				   time budget bounds it) */
	long epoch;		/* epochs completed */
	int epochs;		/* epochs planned (0: bounded by steps or by
				   time) */
	double time_limit;	/* seconds this run may train (--time); 0 =
				   none. With one, the progress fraction is
				   run_elapsed / time_limit and the time left
				   time_limit - run_elapsed (when steps bound
				   the run too: whichever ends first) */
	double run_elapsed;	/* seconds trained in this run (not counting
				   a resumed checkpoint's) */
	size_t batch, nbatches;	/* position within the epoch */
	float loss, acc;	/* EV_STEP: train (mean since last report);
				   EV_EVAL: validation */
	float lr;
	double chars_per_s;	/* training throughput, recent */
	double elapsed;		/* seconds of training */
	float best_val;		/* INFINITY if none yet */
	long best_step;
	int paused;		/* EV_PAUSED */
	int save_failed;	/* EV_DONE: the last save of the output failed
				   (an EV_ERROR said why) */
	int metrics_failed;	/* EV_DONE: the --metrics file could not be
				   written (an EV_ERROR said so): exit 1 */
	char *path;		/* EV_DONE: the last checkpoint written to the
				   output (its {fields} expanded), NULL if
				   none; owned */
	/* text (EV_SAMPLE, EV_GEN, EV_GEN_END, EV_STATUS, EV_ERROR, EV_SAVED,
	 * EV_DONE); owned, UTF-8, NUL-terminated */
	char *text;
	float temp;		/* EV_SAMPLE: its temperature */
	int sample_index;	/* EV_SAMPLE: 0..nsample_temps-1 */
	float *prob;		/* EV_GEN: (nchars) model probability of each
				   code point of text; owned */
	float *act;		/* EV_GEN: (nchars) the :cell unit's activation
				   after each code point, or NULL; owned */
	int is_prime;		/* EV_GEN: text is the prime, prob is NULL */
	size_t nchars;
	/* EV_PEEK */
	int npeek;
	char peek_sym[PEEK_MAX][VOCAB_SYM_MAX];	/* UTF-8 (vocab_utf8) */
	float peek_p[PEEK_MAX];
	int peek_id[PEEK_MAX];
	int pick;
	/* EV_HISTORY; owned */
	hist_point *hist;
	size_t nhist;
} event;

void event_free(event *e);

/* What the header line shows. Filled by session_create. */
typedef struct {
	char corpus[256];
	char output[1024];	/* checkpoint path ("" if none) */
	int cell, L, H, V, E;
	int words;		/* a word model: the unit is the token */
	size_t nparams;
	int threads;		/* BLAS threads */
	char blas[64];		/* e.g. "OpenBLAS 0.3.21 (Zen, pthreads)" */
	int B, T;
	size_t nbatches;	/* per epoch */
	size_t ntrain, nval;	/* characters */
	int training;		/* 0 for a model-only (repl) session */
	char plan[320];		/* the size chosen for the budget, and why
				   (plan.h); "" if none was planned */
	model_config mc;	/* training: the model's configuration ... */
	train_settings set;	/* ... and settings (a resume's: the file's) */
} session_info;

/* Generation settings the prompt can change while text streams. */
typedef struct {
	sampler_config smp;
	int length;		/* characters per continuation: 300 */
	int nstops;
	char stops[GEN_MAX_STOPS][64];	/* stop strings (UTF-8) */
	uint64_t seed;		/* re-seeds the generator's RNG when set */
	int reseed;		/* 1: apply seed with this update */
	int rate;		/* characters per second shown; 0 = as fast as
				   possible */
	int cell_layer;		/* the unit whose activations EV_GEN carries
				   (layer from 0); -1: none (the default) */
	int cell_unit;
	int beam;		/* continuations by a beam search of this
				   width (beam.h), whole when it ends; 0:
				   sampled, streaming */
} gen_settings;

void gen_settings_default(gen_settings *g);

/* Everything a training session needs. */
typedef struct {
	const char *const *files;
	size_t nfiles;
	text_opts text;
	model_config model;	/* V is filled from the corpus */
	train_settings train;
	const char *output;	/* checkpoint path template ({epoch}, {loss}) */
	const char *resume;	/* checkpoint to resume, or NULL */
	int map_unknown;	/* resume: unseen characters -> unknown symbol */
	int keep;		/* keep at most this many templated files; 0 all */
	int weights_only;	/* checkpoints without optimizer state */
	int force;		/* the output may replace a file that is not a
				   checkpoint (never a directory or device) */
	const char *metrics;	/* JSON-lines metrics log, or NULL */
	int threads;		/* BLAS threads; 0 = all cores */
	double time_limit;	/* seconds of training in this run, then
				   evaluate, save and stop; 0 = none. Without
				   OVERRIDE_EPOCHS the epochs do not bound
				   such a run */
	int precision;		/* the samples' and the prompt's weights:
				   MODEL_FP32 or MODEL_FP16 (model.h) */
	int generator;		/* start the generator thread (the prompt) */
	unsigned plan;		/* with time_limit and no resume: what to
				   choose for the budget (PLAN_* in plan.h) */
	int restore_best;	/* a run that ends by its bounds (not a quit)
				   ends on the weights of its best evaluation
				   when the last one is worse (Keras'
				   restore_best_weights) */
	/* With resume: the training settings come from the checkpoint (so the
	 * run continues exactly), except those whose bit is set here
	 * (OVERRIDE_* in train.h), which come from train above. */
	unsigned overrides;
} session_config;

typedef struct session session;

/* Set the BLAS (and model) threads: n, or all cores when n <= 0. Returns
 * the count. The sessions call it themselves; commands without one too. */
int session_set_threads(int n);

/* Load the corpus (or checkpoint), build the model and start the threads.
 * Training starts at once. Returns NULL with *cause on bad input. Warnings
 * (a batch shrunk to fit, prime characters skipped) arrive as EV_STATUS. */
session *session_create(const session_config *c, char **cause);
/* A session on a saved model, without training: the generator only. */
session *session_open_model(const char *path, int threads, int precision,
    char **cause);
/* Stops the threads (without saving: call session_quit first for that). */
void session_free(session *s);

const session_info *session_get_info(const session *s);
/* The model the generator runs, described as session_get_info describes
 * the session's: the same at first, then the one :load gave it. A copy,
 * taken under a lock: any thread. */
void session_gen_info(session *s, session_info *out);
const vocab *session_vocab(const session *s);

int session_event_fd(const session *s);
event *session_next_event(session *s);			/* NULL: none */
event *session_wait_event(session *s, double timeout_s);	/* NULL: none */

/* Messages to the trainer (ignored in a model-only session). */
void session_pause(session *s, int paused);
void session_save(session *s, const char *path);	/* NULL: the output */
void session_sample_now(session *s);
void session_set_lr(session *s, float lr);
/* Stop training (an evaluation or a sample under way stops within a
 * batch), save the latest state, then EV_DONE. */
void session_quit(session *s);

/* Messages to the generator. */
void session_generate(session *s, const char *prime);	/* UTF-8 */
void session_continue(session *s);	/* go on from where it stopped */
void session_stop_generation(session *s);
void session_reset_generation(session *s);	/* forget hidden state */
void session_peek(session *s);
/* Choose the next character by hand: feed text (when not NULL), or the
 * character id (>= 0), or one sampled with the current settings
 * (PICK_SAMPLE), or nothing (PICK_SHOW); what was fed comes back as an
 * EV_GEN, then the n (1..PEEK_MAX) likeliest next characters as an EV_PEEK
 * with pick set. */
#define PICK_SAMPLE (-1)
#define PICK_SHOW (-2)
void session_pick(session *s, const char *text, int id, int n);
void session_set_generation(session *s, const gen_settings *g);
/* The settings last given to session_set_generation (the defaults before
 * that). UI thread only, like the setter. */
void session_get_generation(const session *s, gen_settings *g);
/* Load another model into the generator; training (if any) goes on with
 * its own model, and the prompt no longer follows it. */
void session_load(session *s, const char *path);

#endif
