/* session_int.h - what the session's files share: the session itself, the
 * messages to its threads, and posting events. Not for the views.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * session.c holds the API (each call queues a message), creation and
 * teardown; session_train.c the trainer thread; session_gen.c the
 * generator thread.
 */
#ifndef BURBLE_SESSION_INT_H
#define BURBLE_SESSION_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "model.h"
#include "optim.h"
#include "pool.h"
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
	MSG_PICK,
};
/* Does a message of this type end a beam search under way? */
#define MSG_ENDS_BEAM(t) ((t) == MSG_GENERATE || (t) == MSG_CONTINUE || \
	(t) == MSG_STOP_GEN || (t) == MSG_RESET_GEN || (t) == MSG_LOAD || \
	(t) == MSG_QUIT || (t) == MSG_PICK)

struct msg {
	int type;
	int flag;
	int id;		/* MSG_PICK */
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
	train_bounds bounds;	/* epochs, steps, time */
	double run_time;	/* this run's seconds: steps, evaluations,
				   samples, saves (not pauses) */
	atomic_int stop;	/* session_quit or _free: stop evaluating or
				   sampling now (the trainer clears it when it
				   takes the message) */

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
	train_outputs out;	/* the checkpoint files */
	int save_failed;	/* the last save of the output failed */
	int weights_only;
	FILE *metrics;
	char *metrics_path;
	int metrics_failed;	/* a write failed: no more metrics */
	uint16_t *bx, *by;	/* (B, T) batch */
	train_guard guard;	/* the divergence guard */
	float *best_w;		/* with restore_best: the weights of this
				   run's best evaluation, or NULL */
	long best_w_step;	/* the step they are from; -1: none yet */

	/* Weights published for the generator. */
	pthread_mutex_t snap_mu;
	float *snap;
	uint64_t snap_ver;

	/* The generator's world. */
	int has_gen;
	atomic_int gen_ending;	/* MSG_ENDS_BEAM messages queued */
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

/* A new event of type (best_val INFINITY), for session_post. */
event *event_new(int type);
/* Queue e for the UI (taken over). */
void session_post(session *s, event *e);
/* Queue an event of type whose text is the formatted message. */
void session_post_text(session *s, int type, const char *fmt, ...)
    BURBLE_PRINTF(3, 4);
/* Free a struct msg (a queue's free function). */
void session_msg_free(void *p);
/* Describe m (trained on name, with threads BLAS threads) in *in. */
void session_fill_info(session_info *in, const model *m, const char *name,
    int threads);

/* The threads' bodies (arg: the session). */
void *session_trainer_main(void *arg);
void *session_generator_main(void *arg);

#endif
