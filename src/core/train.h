/* train.h - how burble trains: the defaults, one step, evaluation, the
 * learning-rate schedule, the checkpoint policy, and the records a resume
 * needs. Used by the session's trainer thread, `burble bench` and
 * `burble eval` alike, so that they all compute the same numbers.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_TRAIN_H
#define BURBLE_TRAIN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "optim.h"
#include "pool.h"
#include "rng.h"
#include "text.h"

#define TRAIN_MAX_SAMPLE_TEMPS 8

/* One point of the metric history (a report or an evaluation). */
typedef struct {
	long step;		/* optimizer steps done at this point */
	double epoch;		/* fractional epochs done */
	float train_loss;	/* mean over the steps since the last point */
	float train_acc;
	float val_loss;		/* NaN where no evaluation happened */
	float val_acc;
	float lr;
	double elapsed;		/* seconds of training so far */
} hist_point;

/* How the learning rate moves over a run (train_lr_factor). */
enum train_schedule {
	TRAIN_LR_CONSTANT,	/* the rate as set */
	TRAIN_LR_COSINE,	/* half a cosine from the rate down to lr_min x
				   the rate, at the end of the run */
	TRAIN_LR_LINEAR,	/* a straight line down to the same floor */
	TRAIN_LR_STEP,		/* times lr_decay at each epoch end, once
				   lr_decay_after epochs are done */
};

typedef struct {
	int B, T;		/* streams, steps per batch: 32, 64 */
	float val_frac;		/* 0.1: the last 10% */
	optim_config opt;	/* opt.lr is the peak rate: 1e-2 */
	int schedule;		/* enum train_schedule: cosine */
	long warmup;		/* steps of linear warm-up from 0: 100 */
	float lr_min;		/* cosine and linear end at lr_min x the rate */
	float lr_decay;		/* TRAIN_LR_STEP: lr *= lr_decay at each epoch
				   end ... */
	int lr_decay_after;	/* ... once this many epochs are done; 1.0/0 */
	float clip;		/* global-norm clip: 5; 0 = off */
	int epochs;		/* 0 = until max_steps */
	long max_steps;		/* 0 = until epochs */
	int patience;		/* early stopping: evaluations without a new
				   best before stopping; 0 = off */
	long eval_every;	/* steps; 0 = at each epoch end */
	long report_every;	/* steps between reports; 0 = automatic */
	uint64_t seed;
	int sample_len;		/* characters per epoch sample: 200 */
	int nsample_temps;
	float sample_temps[TRAIN_MAX_SAMPLE_TEMPS];	/* 0.2, 0.5, 1.0 */
} train_settings;

typedef struct {
	long step;		/* optimizer steps done */
	long epoch;		/* epochs completed */
	size_t batch;		/* next batch index within the epoch */
	rng_t rng;		/* dropout masks */
	float lr;		/* current learning rate */
	float best_val;		/* INFINITY until the first evaluation */
	long best_step;
	long restored_step;	/* the weights are those of this earlier
				   step's best evaluation (restore_best); 0:
				   of step, as the next step makes them */
	int stale;		/* evaluations since the best */
	double elapsed;		/* seconds of training */
	hist_point *hist;	/* (nhist) owned */
	size_t nhist, cap;
	float *state;		/* (nstate) carried hidden state, see
				   model_ws_state(); owned; may be NULL */
	size_t nstate;
} train_progress;

/* ---- defaults ----------------------------------------------------------- */

void train_settings_default(train_settings *s);
/* The default peak rate for a new model of width H: Adam's rate falls
 * with the width (the fan-in of every recurrent product), so above
 * TRAIN_LR_WIDTH units it is lr * TRAIN_LR_WIDTH / H (doc/recipe.md
 * section 7); other optimizers keep lr. */
#define TRAIN_LR_WIDTH 256
float train_default_lr(const optim_config *o, int H);
/* The model `burble train` builds unless told otherwise: a 2 x 256 LSTM,
 * one-hot input, dropout 0.2 (V is left 0: the corpus gives it). */
void train_model_default(model_config *mc);
/* Refuse a model whose training would not fit in this machine's memory,
 * before allocating any of it. */
int train_check_memory(const model_config *mc, int B, int T, char **cause);

/* What a resume may change: the settings whose bit is set come from the
 * command line, the others from the checkpoint (so the run continues
 * exactly). */
enum {
	OVERRIDE_EPOCHS = 1 << 0,
	OVERRIDE_STEPS = 1 << 1,
	OVERRIDE_PATIENCE = 1 << 2,
	OVERRIDE_EVAL_EVERY = 1 << 3,
	OVERRIDE_SAMPLES = 1 << 4,	/* sample_len, sample_temps */
	OVERRIDE_LR = 1 << 5,		/* the rate */
	OVERRIDE_CLIP = 1 << 6,
	OVERRIDE_SCHEDULE = 1 << 7,	/* schedule, lr_decay, lr_decay_after */
	OVERRIDE_WARMUP = 1 << 8,
	OVERRIDE_LR_MIN = 1 << 9,
};

/* The settings named in overrides come from src, the rest stay. */
void train_settings_override(train_settings *dst, const train_settings *src,
    unsigned overrides);

/* ---- progress records --------------------------------------------------- */

void train_progress_init(train_progress *p, const train_settings *s);
void train_progress_free(train_progress *p);
void train_progress_copy(train_progress *dst, const train_progress *src);
void hist_push(train_progress *p, const hist_point *h);
/* Record the point where p stands (epochs as a fraction of nbatches), at
 * the rate lr the schedule gives now. */
void train_hist_record(train_progress *p, size_t nbatches, float lr,
    float train_loss, float train_acc, float val_loss, float val_acc);

/* ---- one step ----------------------------------------------------------- */

/*
 * The divergence guard. Every TRAIN_GUARD_EVERY steps (of sane loss) the
 * weights and optimizer state are kept; a NaN/Inf loss or gradient, or a
 * loss that jumps past 3 times its running mean and past a uniform guess
 * (ln V), restores them and halves the learning rate; 20 in a row and the
 * run has diverged. The copy is not part of a checkpoint: it only matters
 * after an explosion, and a resumed run starts from its loaded weights.
 */
typedef struct {
	float *good;		/* (3, nparams) weights, then optimizer state */
	long good_t;		/* the optimizer's step count with them */
	long good_step;		/* the training step they are from */
	double loss_ema;	/* running mean of the training loss */
	double loss_uniform;	/* ln V */
	int bad;		/* restores in a row */
} train_guard;

void train_guard_init(train_guard *g, const model *m, const optim *opt,
    long step);
void train_guard_free(train_guard *g);

enum {
	TRAIN_STEP_OK,		/* the optimizer stepped */
	TRAIN_STEP_RESTORED,	/* the guard went back; *lr was halved */
	TRAIN_STEP_DIVERGED,	/* ... and it keeps happening: give up */
};

typedef struct {
	double loss;		/* the batch's mean loss (nats) */
	size_t correct;		/* predictions that were right */
	int outcome;		/* TRAIN_STEP_* */
	int exploded;		/* restored for a loss jump (not NaN/Inf) */
	long good_step;		/* restored: the step of the weights now */
} train_step_result;

/*
 * One optimizer step on the batch x, y (B, T) of ws: forward with dropout
 * (masks from rng), backward, clip the gradient to clip (0 = off), then the
 * optimizer at rate *lr x factor (the schedule's, train_lr_factor). With a
 * guard (g not NULL; step is the step count before this one) a bad step
 * restores the kept weights instead and halves *lr. Without one the step
 * is always taken.
 */
void train_step(model *m, model_ws *ws, optim *opt, const uint16_t *x,
    const uint16_t *y, rng_t *rng, float *lr, double factor, float clip,
    long step, train_guard *g, train_step_result *r);

/* ---- evaluation --------------------------------------------------------- */

typedef struct {
	double sum;		/* loss summed over every prediction (nats) */
	size_t correct;		/* predictions that were right */
	size_t count;		/* predictions made */
} train_eval;

/* Evaluate m on every batch of b (B, T streams as in training), the state
 * carried from batch to batch starting from zero; x, y hold (B, T). Stops
 * between batches once *stop (if not NULL) is set: returns -1, else 0. */
int train_eval_batches(model *m, model_ws *ws, const batcher *b,
    uint16_t *x, uint16_t *y, atomic_int *stop, train_eval *out);
/* Evaluate m on one stream of n ids, T at a time, the state carried from
 * chunk to chunk: every id after the first is predicted (the last chunk is
 * shorter). Stops as train_eval_batches does. */
int train_eval_stream(model *m, const uint16_t *ids, size_t n, int T,
    atomic_int *stop, train_eval *out);

/* ---- the schedule ------------------------------------------------------- */

/* What ends a run: epochs, steps, a time budget. A time budget given
 * without --epochs lifts the epoch limit: the budget is the bound (with
 * --steps, whichever comes first). */
typedef struct {
	int epochs;		/* 0: no epoch limit */
	long max_steps;		/* 0: no step limit */
	double time_limit;	/* seconds of training in this run; 0: none */
} train_bounds;

/* The bounds of a run with settings s, a time budget (0: none), and
 * whether the epochs were given on the command line. */
void train_bounds_init(train_bounds *b, const train_settings *s,
    double time_limit, int epochs_given);
/* The steps the run ends at (0 when only time bounds it). */
long train_bounds_steps(const train_bounds *b, size_t nbatches);

/* "constant", "cosine", "linear", "step"; and back (-1: unknown). */
const char *train_schedule_name(int schedule);
int train_schedule_parse(const char *s);
/*
 * The schedule's factor for the next step: its rate is p->lr (the rate as
 * set, halved by the divergence guard, changed by :lr) times this. The
 * warm-up climbs linearly over the first warmup steps; cosine and linear
 * then fall to lr_min at the end of the run, which is where the first of
 * its bounds ends it: the step (b's epochs or steps) or the time
 * (run_time of b's time_limit). A run with neither decays nothing.
 */
double train_lr_factor(const train_settings *s, const train_progress *p,
    const train_bounds *b, size_t nbatches, double run_time);

/* Count a step taken (dt seconds); at an epoch's end (returns 1) start the
 * next epoch and, with the step schedule, apply the learning-rate decay. */
int train_advance(train_progress *p, const train_settings *s,
    size_t nbatches, double dt);
/* Why the run should stop before its next step, or NULL to go on:
 * "finished" (the epochs or steps of b reached), early stopping (s's
 * patience), or (*timed_out set) "time limit" once run_time reaches b's
 * time limit. */
const char *train_stop_reason(const train_bounds *b, const train_settings *s,
    const train_progress *p, double run_time, int *timed_out);
/* Is this step an evaluation point (evaluate, sample, save)? At each
 * epoch's end, or every eval_every steps. */
int train_point_due(const train_settings *s, const train_progress *p,
    int epoch_end);

/* ---- the end-of-epoch samples ------------------------------------------- */

/*
 * One sample per configured temperature, Keras style: the state is warmed
 * up on a random window of the training text (the same for every
 * temperature, ending after a space so the sample goes on mid-sentence),
 * and only the generated text is shown. Its own RNG stream (seed and step),
 * so sampling never disturbs training.
 */
typedef struct {
	rng_t rng;
	const uint16_t *warm;	/* the window, in the training text */
	size_t nwarm;
	pool *pool;		/* the cores to step on (may be NULL) */
} train_sampling;

void train_sampling_begin(train_sampling *ts, const train_settings *s,
    long step, const batcher *tb, const vocab *voc);
/* The next sample: len characters (fewer at an end of record) at temp.
 * Returns the UTF-8 text (allocated), or NULL when *stop was set. */
char *train_sampling_next(train_sampling *ts, const model *m,
    const vocab *voc, const text_opts *text, float temp, int len,
    atomic_int *stop);

/* ---- the checkpoint files ----------------------------------------------- */

/*
 * The output: a path that may hold {epoch}, {step} and {loss}, expanded at
 * each save; the best model's path beside it; and the templated files
 * written, of which at most `keep` are kept (the oldest removed).
 */
typedef struct {
	char *tmpl;		/* NULL: no output */
	char *best;		/* the best-by-validation file */
	char *last;		/* the last file written from tmpl, or NULL */
	char **kept;		/* templated files written, oldest first */
	size_t nkept;
	int keep;		/* 0: all */
	int force;		/* may overwrite a file that is not a checkpoint */
	char *locked;		/* the path this run holds ckpt_lock on */
	int lock_fd;
	char **inputs;		/* the files the run reads: never written */
	size_t ninputs;
} train_outputs;

void train_outputs_init(train_outputs *o, const char *tmpl, int keep);
void train_outputs_free(train_outputs *o);
/*
 * Claim the output for this run, before it trains: the output (or, for a
 * template, the best model's file, which names the run) is locked against
 * other runs (ckpt_lock) and a killed save's temporary files are removed;
 * the output and the best model's file must be writable checkpoint paths
 * (ckpt_check_output, with o->force) and none of the inputs (the text
 * files: a resumed checkpoint may be continued in place). 0, or -1 with
 * *cause naming the file.
 */
int train_outputs_claim(train_outputs *o, const char *const *inputs,
    size_t ninputs, char **cause);
/* May this save (a templated name, a :save PATH) write path? The same
 * rules, checked again at the time of the save. */
int train_outputs_check(const train_outputs *o, const char *path,
    char **cause);
/* Whether path is the file this run holds the lock of. */
int train_outputs_locked(const train_outputs *o, const char *path);
/* The file the next save writes (allocated). */
char *train_outputs_path(const train_outputs *o, long epoch, long step,
    float loss);
/* path (taken over) was written: remember it, and remove the oldest
 * templated files beyond keep. -1 with *cause if one could not be removed
 * (the others still are). */
int train_outputs_written(train_outputs *o, char *path, char **cause);
/* Expand {epoch} (two digits at least), {step} and {loss} in tmpl. */
char *train_expand_template(const char *tmpl, long epoch, long step,
    float loss);
/* The best model's file for an output: its {fields} (and the separator
 * before each) removed and ".best" before the extension. */
char *train_best_path(const char *tmpl);

#endif
