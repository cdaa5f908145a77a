/* prompt_priv.h - the prompt's parts, shared by its files: prompt.c (the
 * readline glue and the input line), feed.c (keyboard bytes to readline),
 * cont.c (continuations and the generator's events) and cmd_exec.c (what
 * each command does). Nothing outside them includes this.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_PROMPT_PRIV_H
#define BURBLE_PROMPT_PRIV_H

#include <curses.h>
#include <stdio.h>

#include "prompt.h"
#include "sampler.h"
#include "session.h"
#include "transcript.h"

#define PROMPT_MAIN	"burble> "
#define PROMPT_CONT	"   ...> "
#define GEN_QUEUE	8	/* continuations awaiting their end */

/* A continuation asked for and not yet ended (EV_GEN_END). The session
 * runs one at a time, so events belong to the oldest. */
struct gen_rec {
	char *echo;		/* the prime to show first; NULL: :continue */
	int echoed;
	double t0;
	size_t nchars;
};

struct prompt {
	session *s;
	char *history_path;
	void (*action)(int, void *);
	void *action_ud;
	WINDOW *out, *in;
	int keys_bound;		/* terminfo keys (need curses) */

	gen_settings gen;	/* what the generator was last told; :cell is
				   gen.cell_layer (from 0) and gen.cell_unit */
	int utf8;		/* the locale's codeset is UTF-8 */

	/* continuations */
	struct gen_rec recs[GEN_QUEUE];
	int nrec;
	double load_sent;	/* when :load was sent (0: none); an EV_ERROR
				   soon after is its answer */
	char *cont;		/* lines so far of a backslash-continued prime */
	double interrupt_at;	/* when Ctrl-C on an empty line said how to
				   quit (0: not since another key) */
	int pasting;		/* inside a bracketed paste */
	char *paste;		/* its current line, not yet given to readline */
	size_t npaste, cappaste;

	transcript tr;		/* the output pane */

	/* pick mode (:pick, Alt-I; pick.c) */
	int pick_n;		/* choices to show; 0: off */
	int npick;		/* choices in the list shown */
	int pick_id[PEEK_MAX];	/* their ids */
	int pick_listed;	/* the list is in tr, after pick_mark */
	size_t pick_mark;
	int pick_gen_open;	/* tr.gen_open before the list */

	/* input */
	unsigned char seq[32];	/* an escape sequence being assembled */
	size_t nseq;
	double byte_at;		/* when the last keyboard byte came */
	const unsigned char *q;	/* bytes readline is being fed */
	size_t qlen, qpos;
	int hscroll;		/* first column of the input shown */
	int cursor_x;

	int in_dirty;
	FILE *devnull;
};

/* Readline's callbacks take no user pointer: this is the prompt they serve.
 * There is one prompt per process (readline is one per process too). */
extern prompt *prompt_current;

/* prompt.c */
void prompt_act(prompt *p, int action);
/* A number with digits decimals ("%.*f") or significant digits ("%.*g"),
 * with a '.' whatever LC_NUMERIC says: the prompt's numbers are read back
 * as typed (num_real is locale-free). */
void prompt_real(char *buf, size_t size, double v, int digits,
    int significant);
/* A setting as "0.8", "1.0", "0.35", "0.001". */
void prompt_setting(char *buf, size_t size, double v);
/* The temperatures, "0.8" or "1.0,0.5,0.2". */
void prompt_temps(char *buf, size_t size, const sampler_config *c);


/* cmd_exec.c: the settings the generator is told, and the keys that step
 * them. */
void prompt_push_settings(prompt *p);
void prompt_adjust_temp(prompt *p, int dir);
void prompt_adjust_topk(prompt *p, int dir);
void prompt_adjust_topp(prompt *p, int dir);

/* cont.c: continuations. cont_start(p, NULL) is :continue. */
void cont_start(prompt *p, const char *prime);
void cont_pop(prompt *p);
/* A candidate character as :peek and :pick show it: blanks visible. */
const char *cont_glyph(const prompt *p, const char *sym);
/* The widest glyph of the n symbols, at least 3 columns: where the
 * numbers of a peek or pick list start. */
int cont_glyph_width(const prompt *p, const char (*sym)[VOCAB_SYM_MAX],
    int n);
/* What the model predicts: "character", or "token" for a word model. */
const char *prompt_unit(prompt *p);

/* pick.c: choosing the next character by hand. */
#define PICK_DEFAULT 10
void pick_start(prompt *p, int n);
void pick_leave(prompt *p);
/* A key typed on an empty line in pick mode: a digit chooses, Tab
 * samples. 1 if it was taken. */
int pick_key(prompt *p, int c);
/* A line entered in pick mode: empty samples, "#K" chooses the K-th,
 * other text is forced. */
void pick_line(prompt *p, const char *line);
/* The session's answer (EV_PEEK with pick): the list, in place of the
 * last one. */
void pick_list(prompt *p, const event *e);
/* Remove the list before the chosen text is shown. */
void pick_unlist(prompt *p);

#endif
