/* cmd_exec.c - what the prompt's commands do (the exec function of each
 * entry in cmd.c's table), and the sampling settings they and the keys
 * change.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_exec.h"
#include "prompt_priv.h"
#include "util.h"

#define TEMP_STEP	0.1
#define TEMP_MAX	5.0
#define TOPP_STEP	0.05

/* ---- settings ----------------------------------------------------------- */

void
prompt_push_settings(prompt *p)
{
	session_set_generation(p->s, &p->gen);
	p->gen.reseed = 0;
	p->in_dirty = 1;	/* shown beside the prompt and in the title */
}

void
prompt_adjust_temp(prompt *p, int dir)
{
	for (int i = 0; i < p->gen.smp.ntemps; i++) {
		double old = p->gen.smp.temps[i];
		double t = round((old + dir * TEMP_STEP) * 100) / 100;
		if (dir > 0 && t > TEMP_MAX)	/* up never lowers a :temp */
			t = MAX(old, TEMP_MAX);
		p->gen.smp.temps[i] = (float)MAX(t, 0.0);
	}
	prompt_push_settings(p);
}

void
prompt_adjust_topk(prompt *p, int dir)
{
	static const int ladder[] = { 1, 2, 3, 5, 10, 20, 40, 80, 0 };
	const int n = (int)NELEMS(ladder);
	int k = p->gen.smp.top_k, i;

	/* the first step at or above k; 0 (off) is above everything */
	for (i = 0; i < n - 1 && k != 0 && ladder[i] < k; i++)
		;
	if (k == 0)
		i = n - 1;
	if (dir > 0)
		i = (k != 0 && ladder[i] != k) ? i : MIN(i + 1, n - 1);
	else
		i = MAX(i - 1, 0);
	p->gen.smp.top_k = ladder[i];
	prompt_push_settings(p);
}

void
prompt_adjust_topp(prompt *p, int dir)
{
	double v = p->gen.smp.top_p + dir * TOPP_STEP;
	v = round(v * 100) / 100;
	p->gen.smp.top_p = (float)MIN(MAX(v, TOPP_STEP), 1.0);
	prompt_push_settings(p);
}

/* ---- running a line ----------------------------------------------------- */

void
cmd_run(prompt *p, const char *line)
{
	cmd_result r;
	char *cause = NULL;

	if (cmd_parse(line, &r, &cause) != 0) {
		transcript_msg(&p->tr, ST_ERROR, "%s", cause);
		free(cause);
		return;
	}
	r.cmd->exec(p, &r);
	p->tr.scroll = 0;
	cmd_result_free(&r);
}

static int
need_training(prompt *p, const char *what)
{
	if (session_get_info(p->s)->training)
		return 1;
	transcript_msg(&p->tr, ST_ERROR, "%s: no training in this session "
	    "(burble repl)", what);
	return 0;
}

/* ---- sampling ----------------------------------------------------------- */

void
cmd_exec_temp(prompt *p, const cmd_result *r)
{
	char num[32];

	p->gen.smp.temps[0] = (float)r->real;
	p->gen.smp.ntemps = 1;
	prompt_push_settings(p);
	prompt_setting(num, sizeof num, r->real);
	transcript_msg(&p->tr, ST_NOTE, "temperature %s%s", num,
	    r->real == 0 ? " (greedy)" : "");
}

void
cmd_exec_greedy(prompt *p, const cmd_result *r)
{
	p->gen.smp.temps[0] = 0;
	p->gen.smp.ntemps = 1;
	prompt_push_settings(p);
	transcript_msg(&p->tr, ST_NOTE, "temperature 0 (greedy)");
}

/* :beam N | off; alone, the setting. */
void
cmd_exec_beam(prompt *p, const cmd_result *r)
{
	if (r->nargs > 0) {
		p->gen.beam = (int)r->integer;
		prompt_push_settings(p);
	}
	if (p->gen.beam == 0)
		transcript_msg(&p->tr, ST_NOTE, "beam search off: "
		    "continuations are sampled%s", r->nargs ? "" :
		    "; :beam N finds the likeliest text instead");
	else
		transcript_msg(&p->tr, ST_NOTE, "beam search of width %d: "
		    "the likeliest text it finds, shown when found "
		    "(T, k and p do not apply; :beam off samples)", p->gen.beam);
}

void
cmd_exec_schedule(prompt *p, const cmd_result *r)
{
	char buf[200];

	memcpy(p->gen.smp.temps, r->temps.temps, sizeof r->temps.temps);
	p->gen.smp.ntemps = r->temps.ntemps;
	prompt_push_settings(p);
	prompt_temps(buf, sizeof buf, &p->gen.smp);
	transcript_msg(&p->tr, ST_NOTE, "temperatures %s, one per character",
	    buf);
}

void
cmd_exec_topk(prompt *p, const cmd_result *r)
{
	p->gen.smp.top_k = (int)r->integer;
	prompt_push_settings(p);
	transcript_msg(&p->tr, ST_NOTE, "top-k %ld%s", r->integer,
	    r->integer == 0 ? " (off)" : "");
}

void
cmd_exec_topp(prompt *p, const cmd_result *r)
{
	char num[32];

	p->gen.smp.top_p = (float)r->real;
	prompt_push_settings(p);
	prompt_setting(num, sizeof num, r->real);
	transcript_msg(&p->tr, ST_NOTE, "top-p %s%s", num,
	    r->real >= 1 ? " (off)" : "");
}

void
cmd_exec_len(prompt *p, const cmd_result *r)
{
	p->gen.length = (int)r->integer;
	prompt_push_settings(p);
	transcript_msg(&p->tr, ST_NOTE, "%ld characters per continuation",
	    r->integer);
}

void
cmd_exec_rate(prompt *p, const cmd_result *r)
{
	p->gen.rate = (int)r->integer;
	prompt_push_settings(p);
	if (r->integer == 0)
		transcript_msg(&p->tr, ST_NOTE, "streaming as fast as "
		    "possible");
	else
		transcript_msg(&p->tr, ST_NOTE, "streaming %ld characters/s",
		    r->integer);
}

void
cmd_exec_seed(prompt *p, const cmd_result *r)
{
	p->gen.seed = r->seed;
	p->gen.reseed = 1;
	prompt_push_settings(p);
	transcript_msg(&p->tr, ST_NOTE, "seed %llu",
	    (unsigned long long)r->seed);
}

/* Show a stop string with its newlines and tabs visible. */
static void
escape_for_display(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < size; s++) {
		if (*s == '\n' || *s == '\t') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : 't';
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
}

void
cmd_exec_stop(prompt *p, const cmd_result *r)
{
	char buf[200];

	if (r->str == NULL) {
		p->gen.nstops = 0;
		prompt_push_settings(p);
		transcript_msg(&p->tr, ST_NOTE, "stop strings cleared");
	} else if (p->gen.nstops == GEN_MAX_STOPS) {
		transcript_msg(&p->tr, ST_ERROR, ":stop: at most %d stop "
		    "strings; :stop alone clears them", GEN_MAX_STOPS);
	} else {
		snprintf(p->gen.stops[p->gen.nstops++],
		    sizeof p->gen.stops[0], "%s", r->str);
		prompt_push_settings(p);
		escape_for_display(buf, sizeof buf, r->str);
		transcript_msg(&p->tr, ST_NOTE, "continuations also stop at "
		    "\"%s\" (%d stop string%s)", buf, p->gen.nstops,
		    p->gen.nstops == 1 ? "" : "s");
	}
}

void
cmd_exec_surprise(prompt *p, const cmd_result *r)
{
	p->tr.surprise = r->on < 0 ? !p->tr.surprise : r->on;
	p->tr.dirty = 1;
	transcript_msg(&p->tr, ST_NOTE, "surprise colours %s", p->tr.surprise ?
	    "on: green sure, plain, yellow unsure, red surprised" : "off");
}

/* :cell [L:]N | off. The parser knows no model: the range is checked
 * here, against the model the generator runs (the session's, or :load's). */
void
cmd_exec_cell(prompt *p, const cmd_result *r)
{
	session_info gi;
	session_gen_info(p->s, &gi);
	int cell = gi.cell, L = gi.L, H = gi.H;
	int layer = r->layer > 0 ? r->layer : L;
	const char *what = cell == CELL_LSTM ?
	    "tanh of the LSTM cell state" : "the hidden state";

	if (r->nargs == 0 || r->on == 0) {
		if (r->on == 0) {
			p->gen.cell_layer = p->gen.cell_unit = -1;
			prompt_push_settings(p);
		}
		if (p->gen.cell_layer < 0)
			transcript_msg(&p->tr, ST_NOTE, "cell view off; :cell "
			    "[L:]N picks a unit of %d layer%s of %d", L,
			    L == 1 ? "" : "s", H);
		else
			transcript_msg(&p->tr, ST_NOTE, "cell view on: unit %d "
			    "of layer %d (%s)", p->gen.cell_unit,
			    p->gen.cell_layer + 1, what);
		return;
	}
	if (layer > L) {
		if (L == 1)
			transcript_msg(&p->tr, ST_ERROR, ":cell: layer must be "
			    "1 (the model has 1 layer)");
		else
			transcript_msg(&p->tr, ST_ERROR, ":cell: layer must be "
			    "1 to %d (the model has %d layers)", L, L);
		return;
	}
	if (r->unit >= H) {
		transcript_msg(&p->tr, ST_ERROR, ":cell: unit must be 0 to %d "
		    "(layer %d has %d units)", H - 1, layer, H);
		return;
	}
	p->gen.cell_layer = layer - 1;
	p->gen.cell_unit = r->unit;
	prompt_push_settings(p);
	p->tr.dirty = 1;
	transcript_msg(&p->tr, ST_NOTE, "cell %d:%d, %s: blue <= -0.6, cyan, "
	    "plain near 0, yellow, red >= 0.6", layer, r->unit, what);
}

/* ---- the generator ------------------------------------------------------ */

void
cmd_exec_continue(prompt *p, const cmd_result *r)
{
	cont_start(p, NULL);
}

void
cmd_exec_reset(prompt *p, const cmd_result *r)
{
	session_reset_generation(p->s);
	transcript_msg(&p->tr, ST_NOTE, "the generator's hidden state is "
	    "reset");
	if (p->pick_n > 0)
		pick_start(p, p->pick_n);
}

void
cmd_exec_peek(prompt *p, const cmd_result *r)
{
	session_peek(p->s);
}

void
cmd_exec_pick(prompt *p, const cmd_result *r)
{
	pick_start(p, r->nargs > 0 ? (int)r->integer : PICK_DEFAULT);
}

void
cmd_exec_load(prompt *p, const cmd_result *r)
{
	session_load(p->s, r->str);
	p->load_sent = now_seconds();
	transcript_msg(&p->tr, ST_NOTE, "loading %s%s", r->str,
	    session_get_info(p->s)->training ?
	    " into the prompt (training goes on)" : "");
}

/* ---- training ----------------------------------------------------------- */

void
cmd_exec_save(prompt *p, const cmd_result *r)
{
	if (!need_training(p, ":save"))
		return;
	session_save(p->s, r->str);
	transcript_msg(&p->tr, ST_NOTE, "saving %s", r->str ? r->str :
	    "the checkpoint");
}

/* :pause and :resume. */
void
cmd_exec_pause(prompt *p, const cmd_result *r)
{
	int pause = r->cmd->kind == CMD_PAUSE;

	if (!need_training(p, pause ? ":pause" : ":resume"))
		return;
	session_pause(p->s, pause);
	transcript_msg(&p->tr, ST_NOTE, "training %s", pause ? "paused" :
	    "resumed");
}

void
cmd_exec_lr(prompt *p, const cmd_result *r)
{
	char num[32];

	if (!need_training(p, ":lr"))
		return;
	session_set_lr(p->s, (float)r->real);
	prompt_real(num, sizeof num, r->real, 3, 1);
	transcript_msg(&p->tr, ST_NOTE, "learning rate %s", num);
}

void
cmd_exec_sample(prompt *p, const cmd_result *r)
{
	if (!need_training(p, ":sample"))
		return;
	session_sample_now(p->s);
	transcript_msg(&p->tr, ST_NOTE, "sampling now (samples pane)");
}

/* ---- help and quit ------------------------------------------------------ */

static const struct {
	const char *keys, *what;
} help_keys[] = {
	{ "Enter", "continue the text typed (a line starting with : is a "
	    "command)" },
	{ "Alt-Enter, or \\ at the end", "a new line in the prime" },
	{ "Ctrl-C", "stop the continuation; when none streams, clear the "
	    "line" },
	{ "Ctrl-C twice or Ctrl-D (empty line)", "quit (training is saved "
	    "first)" },
	{ "F6 / F7, Alt-Down / Alt-Up", "temperature -/+ 0.1" },
	{ "F8 / F9, Alt-PgDn / Alt-PgUp", "top-k fewer/more (0 = all)" },
	{ "F11 / F12, Ctrl-Down / Ctrl-Up", "top-p -/+ 0.05" },
	{ "Alt-S", "surprise colours on/off (green sure ... red surprised)" },
	{ "Alt-I", "pick mode (:pick): digit chooses, Enter/Tab samples, "
	    "Esc leaves" },
	{ "Shift-PgUp / Shift-PgDn", "scroll this pane" },
	{ "Up / Down, Ctrl-R", "history, search it" },
	{ "Tab", "complete a command or a file name" },
	{ "F1 or ? (empty line)", "help" },
	{ "F2 F3 F4 F5", "pause, save, sample now, cycle the plot" },
	{ "Alt-X, Alt-A, Alt-E", "plot: x axis, compared runs' training "
	    "curves, smoothing" },
	{ "PgUp / PgDn", "scroll the samples" },
	{ "Ctrl-L, F10", "redraw, quit" },
};

static void
help_one(prompt *p, const char *name)
{
	const cmd_entry *ce = cmd_lookup(name, strlen(name), NULL);
	char usage[96], now[200];

	if (ce == NULL)
		return;
	cmd_usage(ce, usage, sizeof usage);
	transcript_msg(&p->tr, ST_HEAD, "%s", usage + 7);
	transcript_msg(&p->tr, ST_TEXT, "  %s", ce->help);
	if (*ce->allowed != '\0')
		transcript_msg(&p->tr, ST_TEXT, "  %s: %s", ce->args,
		    ce->allowed);
	prompt_settings_line(p, now, sizeof now);
	transcript_msg(&p->tr, ST_NOTE, "  now: %s", now);
}

void
cmd_exec_help(prompt *p, const cmd_result *r)
{
	char usage[96];
	size_t i;

	if (r->str != NULL) {
		help_one(p, r->str);
		return;
	}
	transcript_msg(&p->tr, ST_HEAD, "commands (a unique prefix is enough: "
	    ":te 0.5):");
	for (i = 0; i < cmd_count; i++) {
		const cmd_entry *ce = &cmd_table[i];
		snprintf(usage, sizeof usage, ":%s %s", ce->name, ce->args);
		transcript_msg(&p->tr, ST_TEXT, "  %-18s %s", usage, ce->help);
	}
	transcript_msg(&p->tr, ST_HEAD, "keys:");
	for (i = 0; i < NELEMS(help_keys); i++)
		transcript_msg(&p->tr, ST_TEXT, "  %-32s %s", help_keys[i].keys,
		    help_keys[i].what);
}

void
cmd_exec_quit(prompt *p, const cmd_result *r)
{
	prompt_act(p, PA_QUIT);
}
