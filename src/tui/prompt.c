/* prompt.c - the prompt: GNU readline (callback interface) drawn into a
 * curses window, the output pane its continuations stream into, the keys
 * that steer sampling while text streams, and the execution of the
 * commands that cmd.c parses.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The known technique: readline never touches the terminal. It gets its
 * bytes from prompt_feed() through rl_getc_function, reports what it would
 * display through rl_redisplay_function (we only mark the input dirty and
 * draw rl_display_prompt + rl_line_buffer ourselves in prompt_draw), and
 * neither prepares the terminal nor catches signals. Anything readline
 * would still print (a completion list, a bell) goes to /dev/null or into
 * the output pane.
 *
 * Escape sequences are assembled here before readline sees them, so that a
 * key such as F6 ("\033[17~") reaches readline whole however the dashboard
 * reads the keyboard, and rl_input_available_hook can truthfully say "more
 * is coming" in the middle of one.
 */
#include "config.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "prompt.h"
#include "text.h"
#include "util.h"

#define PROMPT_MAIN	"burble> "
#define PROMPT_CONT	"   ...> "
#define HISTORY_MAX	1000
#define OUT_MAX_LINES	5000	/* transcript lines kept */
#define GEN_QUEUE	8	/* continuations awaiting their end */
#define TEMP_STEP	0.1
#define TEMP_MAX	5.0
#define TOPP_STEP	0.05
#define PEEK_BAR	30	/* columns of the longest :peek bar */
#define LOAD_WAIT	10.0	/* seconds within which an error answers :load */

/* Transcript styles. ST_GEN0..ST_GEN3 are generated text by the model's
 * probability of the character: >= 0.5, >= 0.1, >= 0.01, below. With :cell,
 * ST_ACT + bucket is generated text and ST_ACT + ACT_BUCKETS + bucket the
 * prime, by the unit's activation (act_bucket). */
enum {
	ST_TEXT,
	ST_PRIME,	/* what the user typed: bold */
	ST_NOTE,	/* messages: dim */
	ST_ERROR,	/* bad commands, failures: red or bold */
	ST_HEAD,	/* headings: bold */
	ST_BAR,		/* :peek bars */
	ST_GEN0,
	ST_GEN1,
	ST_GEN2,
	ST_GEN3,
	ST_ACT,
};
#define ACT_BUCKETS 5	/* strong -, weak -, near 0, weak +, strong + */

struct tline {
	uint32_t *cp;
	unsigned char *st;
	size_t n, cap;
};

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
	int surprise;		/* colour generated text by surprise */
	int utf8;		/* the locale's codeset is UTF-8 */

	/* continuations */
	struct gen_rec recs[GEN_QUEUE];
	int nrec;
	double load_sent;	/* when :load was sent (0: none); an EV_ERROR
				   soon after is its answer */
	char *cont;		/* lines so far of a backslash-continued prime */
	int pasting;		/* inside a bracketed paste */
	char *paste;		/* its current line, not yet given to readline */
	size_t npaste, cappaste;

	/* the transcript */
	struct tline *lines;
	size_t nlines, caplines;
	int gen_open;		/* the last line takes more generated text */
	int scroll;		/* rows scrolled back from the bottom */

	/* input */
	unsigned char seq[32];	/* an escape sequence being assembled */
	size_t nseq;
	const unsigned char *q;	/* bytes readline is being fed */
	size_t qlen, qpos;
	int hscroll;		/* first column of the input shown */
	int cursor_x;

	/* drawing */
	int out_dirty, in_dirty;
	int colors_tried;
	int pair_green, pair_yellow, pair_red, pair_cyan, pair_blue;
	FILE *devnull;
};

/* Readline's callbacks take no user pointer: this is the prompt they serve.
 * There is one prompt per process (readline is one per process too). */
static prompt *current;

/* ---- small helpers ------------------------------------------------------ */

static void
act(prompt *p, int action)
{
	if (p->action != NULL)
		p->action(action, p->action_ud);
}

/* A number with digits decimals ("%.*f") or significant digits ("%.*g"),
 * with a '.' whatever LC_NUMERIC says: the prompt's numbers are read back
 * as typed (cmd_parse_double is locale-free). */
static void
fmt_real(char *buf, size_t size, double v, int digits, int significant)
{
	char *c;

	snprintf(buf, size, significant ? "%.*g" : "%.*f", digits, v);
	if ((c = strchr(buf, ',')) != NULL)
		*c = '.';
}

/* A setting as "0.8", "1.0", "0.35", "0.001". */
static void
fmt_num(char *buf, size_t size, double v)
{
	size_t n;

	if (v != 0 && fabs(v) < 0.01) {
		fmt_real(buf, size, v, 3, 0);
		return;
	}
	fmt_real(buf, size, v, 2, 0);
	/* "0.80" -> "0.8", "1.00" -> "1.0" */
	n = strlen(buf);
	if (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[n - 1] = '\0';
}

static void
fmt_temps(char *buf, size_t size, const sampler_config *c)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < c->ntemps && used + 8 < size; i++) {
		char t[32];
		fmt_num(t, sizeof t, c->temps[i]);
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    i ? "," : "", t);
	}
}

void
prompt_settings_line(const prompt *p, char *buf, size_t size)
{
	char t[160], pp[32], rate[32] = "", cell[48] = "";

	fmt_temps(t, sizeof t, &p->gen.smp);
	fmt_num(pp, sizeof pp, p->gen.smp.top_p);
	if (p->gen.rate > 0)
		snprintf(rate, sizeof rate, " rate=%d/s", p->gen.rate);
	if (p->gen.cell_layer >= 0)
		snprintf(cell, sizeof cell, " cell %d:%d",
		    p->gen.cell_layer + 1, p->gen.cell_unit);
	snprintf(buf, size, "T=%s k=%d p=%s len=%d%s%s", t, p->gen.smp.top_k,
	    pp, p->gen.length, rate, cell);
}

/* Columns a transcript code point takes (unprintable ones show as one). */
static int
cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

/* Columns of UTF-8 text in the transcript. */
static int
utf8_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	int cols = 0;

	while (i < len) {
		uint32_t cp = 0xfffd;
		n = utf8_decode(u + i, len - i, &cp);
		cols += cp_width(cp);
		i += n ? n : 1;
	}
	return cols;
}

static int
mkdir_parents(const char *path)
{
	char *d = xstrdup(path), *s;

	/* every directory above the file */
	for (s = d + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*s = '/';
	}
	free(d);
	return 0;
}

/* ---- the transcript ----------------------------------------------------- */

static struct tline *
out_new_line(prompt *p)
{
	struct tline *l;

	if (p->nlines == OUT_MAX_LINES) {
		size_t drop = OUT_MAX_LINES / 10;
		for (size_t i = 0; i < drop; i++) {
			free(p->lines[i].cp);
			free(p->lines[i].st);
		}
		memmove(p->lines, p->lines + drop,
		    (p->nlines - drop) * sizeof *p->lines);
		p->nlines -= drop;
	}
	if (p->nlines == p->caplines) {
		p->caplines = p->caplines ? p->caplines * 2 : 64;
		p->lines = xreallocarray(p->lines, p->caplines,
		    sizeof *p->lines);
	}
	l = &p->lines[p->nlines++];
	memset(l, 0, sizeof *l);
	p->out_dirty = 1;
	return l;
}

static struct tline *
out_last(prompt *p)
{
	return p->nlines ? &p->lines[p->nlines - 1] : out_new_line(p);
}

/* Start a line unless the last one is empty. */
static void
out_fresh_line(prompt *p)
{
	if (p->nlines == 0 || p->lines[p->nlines - 1].n > 0)
		out_new_line(p);
}

static void
out_cp(prompt *p, uint32_t cp, int st)
{
	struct tline *l;

	if (cp == '\n') {
		out_new_line(p);
		return;
	}
	if (cp == '\r')
		return;
	l = out_last(p);
	if (cp == '\t') {		/* to the next multiple of 8 */
		do
			out_cp(p, ' ', st);
		while (l->n % 8 != 0);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->cp = xreallocarray(l->cp, l->cap, sizeof *l->cp);
		l->st = xreallocarray(l->st, l->cap, 1);
	}
	l->cp[l->n] = cp;
	l->st[l->n++] = (unsigned char)st;
	p->out_dirty = 1;
}

/* The colour class of a :cell activation a in [-1, 1]: blue, cyan, plain,
 * yellow, red. */
static int
act_bucket(float a)
{
	if (isnan(a))
		return 2;
	return a <= -0.6f ? 0 : a <= -0.2f ? 1 : a < 0.2f ? 2 :
	    a < 0.6f ? 3 : 4;
}

/* Append UTF-8 text. One value per code point (or NULL) picks the style:
 * act (the :cell view) first, then prob (surprise); n counts them. */
static size_t
out_styled(prompt *p, const char *s, int st, const float *prob,
    const float *act, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, k = 0;

	while (i < len) {
		uint32_t cp;
		size_t cl = utf8_decode(u + i, len - i, &cp);
		int style = st;
		if (cl == 0) {
			cp = 0xfffd;
			cl = 1;
		}
		if (act != NULL && k < n)
			style = ST_ACT + (st == ST_PRIME ? ACT_BUCKETS : 0) +
			    act_bucket(act[k]);
		else if (prob != NULL && k < n) {
			float pm = prob[k];
			style = pm >= 0.5f ? ST_GEN0 : pm >= 0.1f ? ST_GEN1 :
			    pm >= 0.01f ? ST_GEN2 : ST_GEN3;
		}
		out_cp(p, cp, style);
		i += cl;
		k++;
	}
	return k;
}

static size_t
out_utf8(prompt *p, const char *s, int st, const float *prob, size_t nprob)
{
	return out_styled(p, s, st, prob, NULL, nprob);
}

/* A whole line of its own. */
static void BURBLE_PRINTF(3, 4)
out_msg(prompt *p, int st, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out_fresh_line(p);
	out_utf8(p, s, st, NULL, 0);
	free(s);
	p->gen_open = 0;
}

/* ---- continuations ------------------------------------------------------ */

static void
cont_pop(prompt *p)
{
	if (p->nrec == 0)
		return;
	free(p->recs[0].echo);
	memmove(p->recs, p->recs + 1, (size_t)(p->nrec - 1) * sizeof *p->recs);
	p->nrec--;
	p->in_dirty = 1;	/* the streaming mark */
}

/* Show the oldest continuation's prime, once, before its text. */
static void
cont_echo(prompt *p)
{
	struct gen_rec *r;

	if (p->nrec == 0 || p->recs[0].echoed)
		return;
	r = &p->recs[0];
	r->echoed = 1;
	if (r->echo == NULL) {		/* :continue goes on where it was */
		if (!p->gen_open)
			out_fresh_line(p);
	} else {
		out_fresh_line(p);
		if (p->nlines > 1)	/* a blank line between exchanges */
			out_new_line(p);
		out_utf8(p, r->echo, ST_PRIME, NULL, 0);
	}
	p->gen_open = 1;
	p->scroll = 0;
}

static void
cont_start(prompt *p, const char *prime)
{
	struct gen_rec *r;

	/* One continuation at a time: the running one ends ("stopped"). */
	if (p->nrec > 0)
		session_stop_generation(p->s);
	if (p->nrec == GEN_QUEUE) {	/* never ended? do not grow */
		p->recs[0].echoed = 1;
		cont_pop(p);
	}
	r = &p->recs[p->nrec++];
	/* With :cell the generator sends the prime back coloured (as the
	 * model read it): echo nothing, but start a new exchange. */
	r->echo = prime == NULL ? NULL :
	    xstrdup(p->gen.cell_layer >= 0 ? "" : prime);
	r->echoed = 0;
	r->t0 = now_seconds();
	r->nchars = 0;
	if (prime != NULL)
		session_generate(p->s, prime);
	else
		session_continue(p->s);
	if (p->nrec == 1)
		cont_echo(p);
	p->in_dirty = 1;
}

static void
cont_text(prompt *p, const event *e)
{
	cont_echo(p);
	if (!p->gen_open) {
		out_fresh_line(p);
		p->gen_open = 1;
	}
	size_t n = out_styled(p, e->text, e->is_prime ? ST_PRIME : ST_GEN1,
	    e->prob, e->act, e->nchars);
	if (p->nrec > 0 && !e->is_prime)
		p->recs[0].nchars += n;
}

static void
cont_end(prompt *p, const char *why)
{
	char dt[32] = "?";
	size_t n = 0;

	if (p->nrec > 0) {
		cont_echo(p);
		fmt_real(dt, sizeof dt, now_seconds() - p->recs[0].t0, 1, 0);
		n = p->recs[0].nchars;
	}
	out_msg(p, ST_NOTE, "%s %s, %zu character%s in %s s",
	    p->utf8 ? "\u2014" : "--", why && *why ? why : "ended", n,
	    n == 1 ? "" : "s", dt);
	cont_pop(p);
}

/* ---- :peek -------------------------------------------------------------- */

/* How a candidate of :peek is shown: blanks made visible. */
static const char *
peek_glyph(const prompt *p, const char *sym)
{
	if (strcmp(sym, " ") == 0)
		return p->utf8 ? "\u2423" : "SP";
	if (strcmp(sym, "\n") == 0)
		return p->utf8 ? "\u21b5" : "\\n";
	if (strcmp(sym, "\t") == 0)
		return "\\t";
	return sym;
}

static void
show_peek(prompt *p, const event *e)
{
	static const char *eighths[] = { "", "\u258f", "\u258e", "\u258d",
	    "\u258c", "\u258b", "\u258a", "\u2589" };
	double sum = 0;
	char num[32];
	int i, j;

	out_msg(p, ST_HEAD, "next character, top %d:", e->npeek);
	for (i = 0; i < e->npeek; i++) {
		const char *g = peek_glyph(p, e->peek_sym[i]);
		double pr = e->peek_p[i];
		int eighth = (int)lrint(pr * PEEK_BAR * 8);

		sum += pr;
		out_new_line(p);
		out_utf8(p, "  '", ST_TEXT, NULL, 0);
		out_utf8(p, g, ST_HEAD, NULL, 0);
		out_utf8(p, "'", ST_TEXT, NULL, 0);
		for (j = utf8_width(g); j < 3; j++)	/* align the numbers */
			out_cp(p, ' ', ST_TEXT);
		fmt_real(num, sizeof num, pr, 4, 0);
		out_utf8(p, "  ", ST_TEXT, NULL, 0);
		out_utf8(p, num, ST_TEXT, NULL, 0);
		out_cp(p, ' ', ST_TEXT);
		if (p->utf8) {
			for (j = 0; j < eighth / 8; j++)
				out_utf8(p, "\u2588", ST_BAR, NULL, 0);
			out_utf8(p, eighths[eighth % 8], ST_BAR, NULL, 0);
		} else {
			for (j = 0; j < (eighth + 4) / 8; j++)
				out_cp(p, '#', ST_BAR);
		}
	}
	fmt_real(num, sizeof num, MAX(0.0, 1.0 - sum), 4, 0);
	out_msg(p, ST_NOTE, "  rest   %s", num);
}

/* ---- help --------------------------------------------------------------- */

static const struct {
	const char *keys, *what;
} help_keys[] = {
	{ "Enter", "continue the text typed (a line starting with : is a "
	    "command)" },
	{ "Alt-Enter, or \\ at the end", "a new line in the prime" },
	{ "Ctrl-C", "stop the continuation; when none streams, clear the "
	    "line" },
	{ "F6 / F7, Alt-Down / Alt-Up", "temperature -/+ 0.1" },
	{ "F8 / F9, Alt-PgDn / Alt-PgUp", "top-k fewer/more (0 = all)" },
	{ "F11 / F12, Ctrl-Down / Ctrl-Up", "top-p -/+ 0.05" },
	{ "Alt-S", "surprise colours on/off (green sure ... red surprised)" },
	{ "Shift-PgUp / Shift-PgDn", "scroll this pane" },
	{ "Up / Down, Ctrl-R", "history, search it" },
	{ "Tab", "complete a command or a file name" },
	{ "F1 or ? (empty line)", "help" },
	{ "F2 F3 F4 F5", "pause, save, sample now, cycle the plot" },
	{ "PgUp / PgDn", "scroll the samples" },
	{ "Ctrl-L, F10", "redraw, quit" },
};

static void
show_help(prompt *p, const char *name)
{
	char usage[96], now[200];
	size_t i;

	if (name != NULL) {
		const cmd_entry *ce = cmd_lookup(name, strlen(name), NULL);
		if (ce == NULL)
			return;
		cmd_usage(ce, usage, sizeof usage);
		out_msg(p, ST_HEAD, "%s", usage + 7);
		out_msg(p, ST_TEXT, "  %s", ce->help);
		if (*ce->allowed != '\0')
			out_msg(p, ST_TEXT, "  %s: %s", ce->args, ce->allowed);
		prompt_settings_line(p, now, sizeof now);
		out_msg(p, ST_NOTE, "  now: %s", now);
		return;
	}
	out_msg(p, ST_HEAD, "commands (a unique prefix is enough: :te 0.5):");
	for (i = 0; i < cmd_count; i++) {
		const cmd_entry *ce = &cmd_table[i];
		snprintf(usage, sizeof usage, ":%s %s", ce->name, ce->args);
		out_msg(p, ST_TEXT, "  %-18s %s", usage, ce->help);
	}
	out_msg(p, ST_HEAD, "keys:");
	for (i = 0; i < NELEMS(help_keys); i++)
		out_msg(p, ST_TEXT, "  %-32s %s", help_keys[i].keys,
		    help_keys[i].what);
}

/* ---- settings and commands ---------------------------------------------- */

static void
push_settings(prompt *p)
{
	session_set_generation(p->s, &p->gen);
	p->gen.reseed = 0;
	p->in_dirty = 1;	/* shown beside the prompt and in the title */
}

static void
adjust_temp(prompt *p, int dir)
{
	for (int i = 0; i < p->gen.smp.ntemps; i++) {
		double old = p->gen.smp.temps[i];
		double t = round((old + dir * TEMP_STEP) * 100) / 100;
		if (dir > 0 && t > TEMP_MAX)	/* up never lowers a :temp */
			t = MAX(old, TEMP_MAX);
		p->gen.smp.temps[i] = (float)MAX(t, 0.0);
	}
	push_settings(p);
}

static void
adjust_topk(prompt *p, int dir)
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
	push_settings(p);
}

static void
adjust_topp(prompt *p, int dir)
{
	double v = p->gen.smp.top_p + dir * TOPP_STEP;
	v = round(v * 100) / 100;
	p->gen.smp.top_p = (float)MIN(MAX(v, TOPP_STEP), 1.0);
	push_settings(p);
}

static int
need_training(prompt *p, const char *what)
{
	if (session_get_info(p->s)->training)
		return 1;
	out_msg(p, ST_ERROR, "%s: no training in this session (burble repl)",
	    what);
	return 0;
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

/* :cell [L:]N | off. The parser knows no model: the range is checked
 * here, against the model the generator runs (the session's, or :load's). */
static void
set_cell(prompt *p, const cmd_result *r)
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
			push_settings(p);
		}
		if (p->gen.cell_layer < 0)
			out_msg(p, ST_NOTE, "cell view off; :cell [L:]N picks "
			    "a unit of %d layer%s of %d", L,
			    L == 1 ? "" : "s", H);
		else
			out_msg(p, ST_NOTE, "cell view on: unit %d of layer "
			    "%d (%s)", p->gen.cell_unit, p->gen.cell_layer + 1,
			    what);
		return;
	}
	if (layer > L) {
		if (L == 1)
			out_msg(p, ST_ERROR, ":cell: layer must be 1 (the "
			    "model has 1 layer)");
		else
			out_msg(p, ST_ERROR, ":cell: layer must be 1 to %d "
			    "(the model has %d layers)", L, L);
		return;
	}
	if (r->unit >= H) {
		out_msg(p, ST_ERROR, ":cell: unit must be 0 to %d (layer %d "
		    "has %d units)", H - 1, layer, H);
		return;
	}
	p->gen.cell_layer = layer - 1;
	p->gen.cell_unit = r->unit;
	push_settings(p);
	p->out_dirty = 1;
	out_msg(p, ST_NOTE, "cell %d:%d, %s: blue <= -0.6, cyan, plain near 0, "
	    "yellow, red >= 0.6", layer, r->unit, what);
}

static void
run_command(prompt *p, const char *line)
{
	cmd_result r;
	char *cause = NULL, buf[200], num[32];

	if (cmd_parse(line, &r, &cause) != 0) {
		out_msg(p, ST_ERROR, "%s", cause);
		free(cause);
		return;
	}
	switch (r.cmd->kind) {
	case CMD_TEMP:
		p->gen.smp.temps[0] = (float)r.real;
		p->gen.smp.ntemps = 1;
		push_settings(p);
		fmt_num(num, sizeof num, r.real);
		out_msg(p, ST_NOTE, "temperature %s%s", num,
		    r.real == 0 ? " (greedy)" : "");
		break;
	case CMD_GREEDY:
		p->gen.smp.temps[0] = 0;
		p->gen.smp.ntemps = 1;
		push_settings(p);
		out_msg(p, ST_NOTE, "temperature 0 (greedy)");
		break;
	case CMD_SCHEDULE:
		memcpy(p->gen.smp.temps, r.temps.temps, sizeof r.temps.temps);
		p->gen.smp.ntemps = r.temps.ntemps;
		push_settings(p);
		fmt_temps(buf, sizeof buf, &p->gen.smp);
		out_msg(p, ST_NOTE, "temperatures %s, one per character", buf);
		break;
	case CMD_TOPK:
		p->gen.smp.top_k = (int)r.integer;
		push_settings(p);
		out_msg(p, ST_NOTE, "top-k %ld%s", r.integer,
		    r.integer == 0 ? " (off)" : "");
		break;
	case CMD_TOPP:
		p->gen.smp.top_p = (float)r.real;
		push_settings(p);
		fmt_num(num, sizeof num, r.real);
		out_msg(p, ST_NOTE, "top-p %s%s", num, r.real >= 1 ? " (off)" :
		    "");
		break;
	case CMD_LEN:
		p->gen.length = (int)r.integer;
		push_settings(p);
		out_msg(p, ST_NOTE, "%ld characters per continuation",
		    r.integer);
		break;
	case CMD_RATE:
		p->gen.rate = (int)r.integer;
		push_settings(p);
		if (r.integer == 0)
			out_msg(p, ST_NOTE, "streaming as fast as possible");
		else
			out_msg(p, ST_NOTE, "streaming %ld characters/s",
			    r.integer);
		break;
	case CMD_SEED:
		p->gen.seed = r.seed;
		p->gen.reseed = 1;
		push_settings(p);
		out_msg(p, ST_NOTE, "seed %llu", (unsigned long long)r.seed);
		break;
	case CMD_STOP:
		if (r.str == NULL) {
			p->gen.nstops = 0;
			push_settings(p);
			out_msg(p, ST_NOTE, "stop strings cleared");
		} else if (p->gen.nstops == GEN_MAX_STOPS) {
			out_msg(p, ST_ERROR, ":stop: at most %d stop strings; "
			    ":stop alone clears them", GEN_MAX_STOPS);
		} else {
			snprintf(p->gen.stops[p->gen.nstops++],
			    sizeof p->gen.stops[0], "%s", r.str);
			push_settings(p);
			escape_for_display(buf, sizeof buf, r.str);
			out_msg(p, ST_NOTE, "continuations also stop at \"%s\" "
			    "(%d stop string%s)", buf, p->gen.nstops,
			    p->gen.nstops == 1 ? "" : "s");
		}
		break;
	case CMD_CONTINUE:
		cont_start(p, NULL);
		break;
	case CMD_RESET:
		session_reset_generation(p->s);
		out_msg(p, ST_NOTE, "the generator's hidden state is reset");
		break;
	case CMD_PEEK:
		session_peek(p->s);
		break;
	case CMD_SAVE:
		if (need_training(p, ":save")) {
			session_save(p->s, r.str);
			out_msg(p, ST_NOTE, "saving %s", r.str ? r.str :
			    "the checkpoint");
		}
		break;
	case CMD_LOAD:
		session_load(p->s, r.str);
		p->load_sent = now_seconds();
		out_msg(p, ST_NOTE, "loading %s%s", r.str,
		    session_get_info(p->s)->training ?
		    " into the prompt (training goes on)" : "");
		break;
	case CMD_PAUSE:
	case CMD_RESUME:
		if (need_training(p, r.cmd->kind == CMD_PAUSE ? ":pause" :
		    ":resume")) {
			session_pause(p->s, r.cmd->kind == CMD_PAUSE);
			out_msg(p, ST_NOTE, "training %s",
			    r.cmd->kind == CMD_PAUSE ? "paused" : "resumed");
		}
		break;
	case CMD_LR:
		if (need_training(p, ":lr")) {
			session_set_lr(p->s, (float)r.real);
			fmt_real(num, sizeof num, r.real, 3, 1);
			out_msg(p, ST_NOTE, "learning rate %s", num);
		}
		break;
	case CMD_SAMPLE:
		if (need_training(p, ":sample")) {
			session_sample_now(p->s);
			out_msg(p, ST_NOTE, "sampling now (samples pane)");
		}
		break;
	case CMD_SURPRISE:
		p->surprise = r.on < 0 ? !p->surprise : r.on;
		p->out_dirty = 1;
		out_msg(p, ST_NOTE, "surprise colours %s", p->surprise ?
		    "on: green sure, plain, yellow unsure, red surprised" :
		    "off");
		break;
	case CMD_CELL:
		set_cell(p, &r);
		break;
	case CMD_HELP:
		show_help(p, r.str);
		break;
	case CMD_QUIT:
		act(p, PA_QUIT);
		break;
	}
	p->scroll = 0;
	cmd_result_free(&r);
}

/* ---- readline callbacks -------------------------------------------------- */

static int
stdin_ready(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static int
getc_cb(FILE *f)
{
	prompt *p = current;
	unsigned char c;

	if (p != NULL && p->qpos < p->qlen)
		return p->q[p->qpos++];
	/* Readline wants a key we were not given (a command that reads its
	 * own): take one the terminal has ready, else abort it (C-g). */
	if (stdin_ready() && read(STDIN_FILENO, &c, 1) == 1)
		return c;
	return 7;
}

static int
input_available_cb(void)
{
	prompt *p = current;

	return (p != NULL && p->qpos < p->qlen) || stdin_ready();
}

static void
redisplay_cb(void)
{
	if (current != NULL)
		current->in_dirty = 1;
}

static void
add_to_history(prompt *p, const char *line)
{
	HIST_ENTRY *last;

	if (*line == '\0')
		return;
	last = history_length > 0 ?
	    history_get(history_base + history_length - 1) : NULL;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (p->history_path != NULL)
		append_history(1, p->history_path);
}

static void
line_cb(char *line)
{
	prompt *p = current;
	char *full;
	size_t n;

	if (p == NULL) {
		free(line);
		return;
	}
	if (line == NULL) {		/* Ctrl-D on an empty line */
		/* quits `burble repl`; a training run is not ended by a
		 * stray key */
		if (session_get_info(p->s)->training)
			out_msg(p, ST_NOTE, "F10 or :quit to quit");
		else
			act(p, PA_QUIT);
		return;
	}
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\\' && line[0] != ':') {
		/* a trailing backslash: the prime goes on, on a new line */
		line[n - 1] = '\0';
		full = xasprintf("%s%s\n", p->cont ? p->cont : "", line);
		free(p->cont);
		p->cont = full;
		free(line);
		rl_set_prompt(PROMPT_CONT);
		p->in_dirty = 1;
		return;
	}
	if (p->cont != NULL) {
		full = xasprintf("%s%s", p->cont, line);
		free(p->cont);
		p->cont = NULL;
		free(line);
		rl_set_prompt(PROMPT_MAIN);
	} else
		full = line;

	add_to_history(p, full);
	if (full[0] == ':' && full[1] != ':')
		run_command(p, full);
	else if (full[0] != '\0')	/* "::x" is the prime ":x" */
		cont_start(p, full[0] == ':' ? full + 1 : full);
	free(full);
	p->in_dirty = 1;
}

/* Completion: command names after ':', files for :load and :save. What
 * complete_cb found is kept for complete_gen, which readline calls without
 * a user pointer. */
static int complete_kind;

static char *
complete_gen(const char *text, int state)
{
	static size_t idx;
	static const char *onoff[] = { "on", "off" };
	const char *t = text;
	int colon = 0;

	if (state == 0)
		idx = 0;
	if (complete_kind == CMD_COMPLETE_ONOFF) {
		while (idx < NELEMS(onoff))
			if (strncmp(onoff[idx++], t, strlen(t)) == 0)
				return xstrdup(onoff[idx - 1]);
		return NULL;
	}
	if (*t == ':') {
		t++;
		colon = 1;
	}
	while (idx < cmd_count) {
		const char *name = cmd_table[idx++].name;
		if (strncmp(name, t, strlen(t)) == 0)
			return xasprintf("%s%s", colon ? ":" : "", name);
	}
	return NULL;
}

static char **
complete_cb(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	complete_kind = cmd_complete_what(rl_line_buffer, (size_t)start);
	switch (complete_kind) {
	case CMD_COMPLETE_COMMAND:
	case CMD_COMPLETE_HELP:
	case CMD_COMPLETE_ONOFF:
		return rl_completion_matches(text, complete_gen);
	case CMD_COMPLETE_FILE:
		rl_attempted_completion_over = 0;	/* readline's own */
		return NULL;
	default:
		return NULL;
	}
}

/* Readline would print the candidates on the terminal: list them in the
 * output pane instead. */
static void
display_matches_cb(char **matches, int num, int max_length)
{
	prompt *p = current;
	size_t cap = 1024, used = 0;
	char *buf;

	if (p == NULL)
		return;
	buf = xmalloc(cap);
	buf[0] = '\0';
	for (int i = 1; i <= num; i++) {
		const char *m = matches[i];
		const char *slash = strrchr(m, '/');
		if (slash != NULL && slash[1] != '\0')
			m = slash + 1;
		size_t need = strlen(m) + 3;
		if (used + need >= cap) {
			cap = (used + need) * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
		    i > 1 ? "  " : "", m);
	}
	out_msg(p, ST_NOTE, "%s", buf);
	free(buf);
	p->scroll = 0;
}

/* ---- keys ----------------------------------------------------------------- */

static int key_temp_down(int c, int k) { adjust_temp(current, -1); return 0; }
static int key_temp_up(int c, int k) { adjust_temp(current, 1); return 0; }
static int key_topk_down(int c, int k) { adjust_topk(current, -1); return 0; }
static int key_topk_up(int c, int k) { adjust_topk(current, 1); return 0; }
static int key_topp_down(int c, int k) { adjust_topp(current, -1); return 0; }
static int key_topp_up(int c, int k) { adjust_topp(current, 1); return 0; }
static int key_help(int c, int k) { act(current, PA_HELP); return 0; }
static int key_pause(int c, int k) { act(current, PA_PAUSE); return 0; }
static int key_save(int c, int k) { act(current, PA_SAVE); return 0; }
static int key_sample(int c, int k) { act(current, PA_SAMPLE); return 0; }
static int key_plot(int c, int k) { act(current, PA_PLOT); return 0; }
static int key_quit(int c, int k) { act(current, PA_QUIT); return 0; }
static int key_scroll_up(int c, int k) { act(current, PA_SCROLL_UP); return 0; }
static int key_scroll_down(int c, int k) { act(current, PA_SCROLL_DOWN); return 0; }

static int
key_redraw(int c, int k)
{
	current->out_dirty = current->in_dirty = 1;
	act(current, PA_REDRAW);
	return 0;
}

static int
key_surprise(int c, int k)
{
	current->surprise = !current->surprise;
	current->out_dirty = current->in_dirty = 1;
	return 0;
}

static int
out_page(prompt *p)
{
	return p->out != NULL ? MAX(getmaxy(p->out) - 2, 1) : 10;
}

static int
key_out_back(int c, int k)
{
	current->scroll += out_page(current);	/* clamped when drawn */
	current->out_dirty = 1;
	return 0;
}

static int
key_out_forward(int c, int k)
{
	current->scroll = MAX(current->scroll - out_page(current), 0);
	current->out_dirty = 1;
	return 0;
}

/* Ctrl-C: stop the continuation; when none streams, clear the line. */
static int
key_interrupt(int c, int k)
{
	prompt *p = current;

	if (p->nrec > 0) {
		session_stop_generation(p->s);
		return 0;
	}
	free(p->cont);
	p->cont = NULL;
	rl_set_prompt(PROMPT_MAIN);
	rl_replace_line("", 1);
	rl_point = rl_end = 0;
	p->in_dirty = 1;
	return 0;
}

/* '?' on an empty line is help; anywhere else it is a '?'. */
static int
key_question(int count, int key)
{
	if (rl_end == 0 && current->cont == NULL) {
		act(current, PA_HELP);
		return 0;
	}
	return rl_insert(count, key);
}

/* Bracketed paste markers: the text between them is typed as it comes
 * (readline's own paste reader would wait for keys we do not have). */
static int
key_ignore(int c, int k)
{
	return 0;
}

static int
key_newline(int c, int k)
{
	rl_insert_text("\n");
	return 0;
}

/* The bindings: readline keymap sequences, and the terminfo capability
 * that names the same key on this terminal (bound once curses is up). */
static const struct {
	rl_command_func_t *fn;
	const char *cap;
	const char *seqs[4];
} key_table[] = {
	{ key_help, "kf1", { "\033OP", "\033[11~", "\033[[A" } },
	{ key_pause, "kf2", { "\033OQ", "\033[12~", "\033[[B" } },
	{ key_save, "kf3", { "\033OR", "\033[13~", "\033[[C" } },
	{ key_sample, "kf4", { "\033OS", "\033[14~", "\033[[D" } },
	{ key_plot, "kf5", { "\033[15~", "\033[[E" } },
	{ key_temp_down, "kf6", { "\033[17~", "\033[1;3B", "\033\033[B" } },
	{ key_temp_up, "kf7", { "\033[18~", "\033[1;3A", "\033\033[A" } },
	{ key_topk_down, "kf8", { "\033[19~", "\033[6;3~", "\033\033[6~" } },
	{ key_topk_up, "kf9", { "\033[20~", "\033[5;3~", "\033\033[5~" } },
	{ key_quit, "kf10", { "\033[21~" } },
	{ key_topp_down, "kf11", { "\033[23~", "\033[1;5B" } },
	{ key_topp_up, "kf12", { "\033[24~", "\033[1;5A" } },
	{ key_scroll_up, "kpp", { "\033[5~" } },
	{ key_scroll_down, "knp", { "\033[6~" } },
	{ key_out_back, "kPRV", { "\033[5;2~", "\033[5;5~" } },
	{ key_out_forward, "kNXT", { "\033[6;2~", "\033[6;5~" } },
	{ rl_beg_of_line, "khome", { "\033[1~", "\033[7~", "\033[H", "\033OH" } },
	{ rl_end_of_line, "kend", { "\033[4~", "\033[8~", "\033[F", "\033OF" } },
	{ rl_delete, "kdch1", { "\033[3~" } },
	{ key_surprise, NULL, { "\033s", "\033S" } },
	{ key_newline, NULL, { "\033\r", "\033\n" } },
	{ key_interrupt, NULL, { "\003" } },
	{ key_redraw, NULL, { "\014" } },
	{ key_question, NULL, { "?" } },
	{ key_ignore, NULL, { "\033[200~", "\033[201~" } },
};

static void
bind_keys(void)
{
	for (size_t i = 0; i < NELEMS(key_table); i++)
		for (size_t j = 0; j < NELEMS(key_table[i].seqs) &&
		    key_table[i].seqs[j] != NULL; j++)
			rl_bind_keyseq(key_table[i].seqs[j], key_table[i].fn);
}

/* This terminal's own sequences for the same keys (curses must be up). */
static void
bind_terminfo_keys(void)
{
	for (size_t i = 0; i < NELEMS(key_table); i++) {
		char *s;
		if (key_table[i].cap == NULL)
			continue;
		s = tigetstr(key_table[i].cap);
		/* only escape sequences: never rebind a plain key */
		if (s != NULL && s != (char *)-1 && s[0] == '\033' &&
		    strlen(s) > 1)
			rl_bind_keyseq(s, key_table[i].fn);
	}
}

/* ---- feeding readline --------------------------------------------------- */

static void
feed_bytes(prompt *p, const unsigned char *b, size_t n)
{
	size_t guard = n * 4 + 16;

	current = p;
	p->q = b;
	p->qlen = n;
	p->qpos = 0;
	while (p->qpos < p->qlen && guard-- > 0)
		rl_callback_read_char();
	p->q = NULL;
	p->qlen = p->qpos = 0;
}

/* Is seq[0..n) (starting with ESC) a whole key? */
static int
seq_complete(const unsigned char *s, size_t n)
{
	size_t i = 1;

	if (n < 2)
		return 0;
	if (s[1] == 0x1b) {		/* ESC ESC [ A: Alt and a key */
		if (n < 3)
			return 0;
		i = 2;
	}
	if (s[i] != '[' && s[i] != 'O')
		return 1;		/* Alt and a character */
	if (n == i + 1)
		return 0;
	if (s[i] == '[' && s[i + 1] == '[')	/* Linux console F1-F5 */
		return n >= i + 3;
	if (s[n - 1] < 0x20)		/* not a sequence after all */
		return 1;
	return s[n - 1] >= 0x40 && s[n - 1] <= 0x7e;
}

/* Keys curses decoded (the dashboard used keypad()): their xterm form. */
static const char *
key_sequence(int key)
{
	static char buf[16];

	if (key >= KEY_F(1) && key <= KEY_F(12)) {
		static const char *f[] = { "\033OP", "\033OQ", "\033OR",
		    "\033OS", "\033[15~", "\033[17~", "\033[18~", "\033[19~",
		    "\033[20~", "\033[21~", "\033[23~", "\033[24~" };
		return f[key - KEY_F(1)];
	}
	switch (key) {
	case KEY_UP: return "\033[A";
	case KEY_DOWN: return "\033[B";
	case KEY_RIGHT: return "\033[C";
	case KEY_LEFT: return "\033[D";
	case KEY_HOME: return "\033[H";
	case KEY_END: return "\033[F";
	case KEY_DC: return "\033[3~";
	case KEY_PPAGE: return "\033[5~";
	case KEY_NPAGE: return "\033[6~";
	case KEY_SPREVIOUS: return "\033[5;2~";
	case KEY_SNEXT: return "\033[6;2~";
	case KEY_BACKSPACE: return "\177";
	case KEY_ENTER: return "\r";
	}
	buf[0] = '\0';
	return buf;
}

/*
 * Bracketed paste (the dashboard turns the terminal's mode 2004 on): the
 * pasted bytes are text, never keys. Each pasted line but the last joins
 * the prime as a backslash-continued line would, so a pasted paragraph is
 * one prime, sent by the Enter that follows; the last line stays in the
 * editor.
 */
static void
paste_flush(prompt *p)
{
	if (p->npaste == 0)
		return;
	p->paste[p->npaste] = '\0';
	rl_insert_text(p->paste);
	p->npaste = 0;
	p->in_dirty = 1;
}

static void
paste_byte(prompt *p, unsigned char c)
{
	if (c == '\r' || c == '\n') {
		paste_flush(p);
		char *full = xasprintf("%s%s\n", p->cont ? p->cont : "",
		    rl_line_buffer);
		free(p->cont);
		p->cont = full;
		rl_replace_line("", 0);
		rl_point = 0;
		rl_set_prompt(PROMPT_CONT);
		p->in_dirty = 1;
		return;
	}
	if (c < 0x20 && c != '\t')
		return;		/* other control bytes: not text */
	if (p->npaste + 2 > p->cappaste) {
		p->cappaste = p->cappaste ? 2 * p->cappaste : 256;
		p->paste = xreallocarray(p->paste, p->cappaste, 1);
	}
	p->paste[p->npaste++] = (char)c;
	if (p->npaste >= 4096 && c < 0x80)	/* bounded, whole characters */
		paste_flush(p);
}

void
prompt_feed(prompt *p, int byte)
{
	unsigned char c = (unsigned char)byte;

	current = p;
	if (byte >= KEY_MIN) {
		const char *s = key_sequence(byte);
		if (*s != '\0')
			feed_bytes(p, (const unsigned char *)s, strlen(s));
		return;
	}
	if (byte < 0)
		return;
	if (p->nseq == 0 && c != 0x1b) {
		if (p->pasting)
			paste_byte(p, c);
		else
			feed_bytes(p, &c, 1);
		return;
	}
	p->seq[p->nseq++] = c;
	if (seq_complete(p->seq, p->nseq) || p->nseq == sizeof p->seq) {
		unsigned char whole[sizeof p->seq];
		size_t n = p->nseq;
		memcpy(whole, p->seq, n);
		p->nseq = 0;
		if (n == 6 && memcmp(whole, "\033[200~", 6) == 0)
			p->pasting = 1;
		else if (n == 6 && memcmp(whole, "\033[201~", 6) == 0) {
			paste_flush(p);
			p->pasting = 0;
		} else if (p->pasting) {	/* text, not keys */
			for (size_t i = 0; i < n; i++)
				paste_byte(p, whole[i]);
		} else
			feed_bytes(p, whole, n);
	}
}

/* ---- creation ------------------------------------------------------------ */

prompt *
prompt_create(session *s, const char *history_path)
{
	prompt *p = xcalloc(1, sizeof *p);
	const char *cs = nl_langinfo(CODESET);

	p->s = s;
	p->surprise = 1;
	p->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	gen_settings_default(&p->gen);
	p->out_dirty = p->in_dirty = 1;
	current = p;

	/* Readline must leave the terminal, the signals and the
	 * environment to the dashboard. */
	rl_readline_name = "burble";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_change_environment = 0;
	rl_getc_function = getc_cb;
	rl_input_available_hook = input_available_cb;
	rl_redisplay_function = redisplay_cb;
	rl_attempted_completion_function = complete_cb;
	rl_completion_display_matches_hook = display_matches_cb;
	rl_instream = stdin;
	if ((p->devnull = fopen("/dev/null", "w")) != NULL)
		rl_outstream = p->devnull;
	rl_initialize();
	/* Nothing may wait for keys we do not feed, or page on a terminal
	 * readline does not draw. */
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_variable_bind("page-completions", "off");
	rl_completion_query_items = 0;
	bind_keys();

	using_history();
	stifle_history(HISTORY_MAX);
	history_comment_char = '#';	/* timestamps delimit entries */
	history_write_timestamps = 1;
	history_multiline_entries = 1;	/* primes may hold newlines */
	if (history_path != NULL) {
		p->history_path = xstrdup(history_path);
		mkdir_parents(history_path);
		if (read_history(history_path) == ENOENT)
			write_history(history_path);	/* append needs it */
	}

	rl_callback_handler_install(PROMPT_MAIN, line_cb);
	/* Start from what the session uses (burble repl -t/-k/-p/-n/--stop),
	 * so that what is shown is what is used. */
	session_get_generation(s, &p->gen);
	p->gen.reseed = 0;
	return p;
}

void
prompt_free(prompt *p)
{
	if (p == NULL)
		return;
	current = p;
	rl_callback_handler_remove();
	if (p->history_path != NULL)
		history_truncate_file(p->history_path, HISTORY_MAX);
	clear_history();
	if (p->devnull != NULL) {
		rl_outstream = stdout;
		fclose(p->devnull);
	}
	while (p->nrec > 0)
		cont_pop(p);
	for (size_t i = 0; i < p->nlines; i++) {
		free(p->lines[i].cp);
		free(p->lines[i].st);
	}
	free(p->lines);
	free(p->cont);
	free(p->paste);
	free(p->history_path);
	free(p);
	current = NULL;
}

void
prompt_set_action_handler(prompt *p, void (*fn)(int action, void *ud),
    void *ud)
{
	p->action = fn;
	p->action_ud = ud;
}

void
prompt_set_windows(prompt *p, WINDOW *out, WINDOW *in)
{
	p->out = out;
	p->in = in;
	p->out_dirty = p->in_dirty = 1;
	/* Shifting a line by insert/delete-character garbles wide characters
	 * on some terminals (tmux): always rewrite the cells. */
	if (out != NULL)
		idcok(out, FALSE);
	if (in != NULL)
		idcok(in, FALSE);
	if (!p->keys_bound && (out != NULL || in != NULL)) {
		p->keys_bound = 1;
		current = p;
		bind_terminfo_keys();
	}
}

/* ---- events -------------------------------------------------------------- */

int
prompt_handle_event(prompt *p, const event *e)
{
	current = p;
	switch (e->type) {
	case EV_GEN:
		if (e->text != NULL)
			cont_text(p, e);
		return 1;
	case EV_GEN_END:
		cont_end(p, e->text);
		return 1;
	case EV_PEEK:
		show_peek(p, e);
		return 1;
	case EV_ERROR:
		if (e->text == NULL)
			return 0;
		if (p->load_sent > 0 && now_seconds() - p->load_sent < LOAD_WAIT) {
			p->load_sent = 0;
			out_msg(p, ST_ERROR, ":load: %s", e->text);
			return 1;
		}
		if (p->nrec > 0 && strncmp(e->text, "prime:", 6) == 0) {
			/* the continuation never started: no end will come */
			p->recs[0].echoed = 1;
			cont_pop(p);
			out_msg(p, ST_ERROR, "%s", e->text);
			return 1;
		}
		return 0;
	case EV_STATUS:
		/* the dashboard's status line shows it too */
		if (e->text == NULL)
			return 0;
		if (p->load_sent > 0 && strncmp(e->text, "loaded ", 7) == 0) {
			p->load_sent = 0;
			out_msg(p, ST_NOTE, "%s", e->text);
		} else if (strstr(e->text, "not in the vocabulary") != NULL)
			out_msg(p, ST_NOTE, "%s", e->text);
		return 0;
	default:
		return 0;
	}
}

int
prompt_dirty(const prompt *p)
{
	return p->out_dirty || p->in_dirty;
}

/* ---- drawing ------------------------------------------------------------- */

static int
color_pair(int fg)
{
	int n = alloc_pair(fg, -1);	/* the default background, if any */

	if (n < 0)
		n = alloc_pair(fg, COLOR_BLACK);
	return n < 0 ? 0 : n;
}

static void
init_colors(prompt *p)
{
	if (p->colors_tried)
		return;
	p->colors_tried = 1;
	if (!has_colors() || COLOR_PAIRS <= 1)	/* no start_color() */
		return;
	p->pair_green = color_pair(COLOR_GREEN);
	p->pair_yellow = color_pair(COLOR_YELLOW);
	p->pair_red = color_pair(COLOR_RED);
	p->pair_cyan = color_pair(COLOR_CYAN);
	p->pair_blue = color_pair(COLOR_BLUE);
}

/* A :cell style: bucket, plus ACT_BUCKETS for the prime (bold). */
static void
act_attr(const prompt *p, int b, attr_t *a, int *pair)
{
	int pairs[ACT_BUCKETS] = { p->pair_blue, p->pair_cyan, 0,
	    p->pair_yellow, p->pair_red };
	int prime = b >= ACT_BUCKETS;

	b %= ACT_BUCKETS;
	*a = prime ? A_BOLD : A_NORMAL;
	*pair = pairs[b];
	if (*pair == 0 && b == 0)	/* monochrome: the strong ones */
		*a |= A_UNDERLINE;
	else if (*pair == 0 && b == ACT_BUCKETS - 1)
		*a |= A_REVERSE;
}

static void
style_attr(const prompt *p, int st, attr_t *a, int *pair)
{
	*a = A_NORMAL;
	*pair = 0;
	switch (st) {
	case ST_PRIME:
	case ST_HEAD:
		*a = A_BOLD;
		break;
	case ST_NOTE:
		*a = A_DIM;
		break;
	case ST_ERROR:
		*a = A_BOLD;
		*pair = p->pair_red;
		break;
	case ST_BAR:
		*pair = p->pair_cyan;
		break;
	case ST_GEN0:
	case ST_GEN2:
	case ST_GEN3:
		if (!p->surprise)
			break;
		if (st == ST_GEN0)
			*pair = p->pair_green;
		else if (st == ST_GEN2)
			*pair = p->pair_yellow;
		else
			*pair = p->pair_red;
		if (*pair == 0 && st != ST_GEN0)	/* monochrome */
			*a = st == ST_GEN3 ? A_UNDERLINE | A_BOLD : A_UNDERLINE;
		break;
	default:
		if (st >= ST_ACT && st < ST_ACT + 2 * ACT_BUCKETS)
			act_attr(p, st - ST_ACT, a, pair);
		break;
	}
}

static void
put_cell(WINDOW *w, int y, int x, wchar_t wc, attr_t a, int pair)
{
	wchar_t s[2] = { wc, 0 };
	cchar_t cc;

	if (setcchar(&cc, s, a, (short)pair, NULL) == OK)
		mvwadd_wch(w, y, x, &cc);
}

static int
line_rows(const struct tline *l, int width)
{
	int rows = 1, x = 0;

	for (size_t i = 0; i < l->n; i++) {
		int w = cp_width(l->cp[i]);
		if (x + w > width) {
			rows++;
			x = 0;
		}
		x += w;
	}
	return rows;
}

/* Draw rows [skip, skip + maxrows) of line l from window row y; returns
 * the rows drawn. */
static int
draw_line(prompt *p, const struct tline *l, int y, int skip, int maxrows)
{
	int width = getmaxx(p->out), row = 0, x = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint32_t cp = l->cp[i];
		int w = cp_width(cp);
		attr_t a;
		int pair;

		if (x + w > width) {
			row++;
			x = 0;
		}
		if (row - skip >= maxrows)
			break;
		if (row >= skip) {
			wchar_t wc = (wchar_t)cp;
			if (cp < 0x20 || cp == 0x7f || wcwidth(wc) < 0)
				wc = p->utf8 ? 0xfffd : L'?';
			style_attr(p, l->st[i], &a, &pair);
			if (wcwidth(wc) == 0 && x == 0)
				wc = L' ';	/* a lone combining mark */
			/* a combining mark joins the cell before x */
			put_cell(p->out, y + row - skip, x, wc, a, pair);
		}
		x += w;
	}
	return MIN(row + 1 - skip, maxrows);
}

static void
draw_output(prompt *p)
{
	WINDOW *w = p->out;
	int h = getmaxy(w), width = getmaxx(w), need, rows = 0, skip, y = 0;
	size_t first, last = p->nlines;

	werase(w);
	if (h <= 0 || width <= 0)
		return;
	/* the last line is often the one being written: an empty one is not
	 * worth a row */
	if (last > 1 && p->lines[last - 1].n == 0)
		last--;
	first = last;
	need = h + p->scroll;
	while (first > 0 && rows < need)
		rows += line_rows(&p->lines[--first], width);
	if (rows < need && p->scroll > 0) {	/* scrolled past the top */
		p->scroll = MAX(rows - h, 0);
		need = h + p->scroll;
	}
	/* the rows of lines[first] above the window */
	skip = MAX(rows - need, 0);
	for (size_t i = first; i < last && y < h; i++) {
		y += draw_line(p, &p->lines[i], y, skip, h - y);
		skip = 0;
	}
	if (p->scroll > 0) {
		char more[64];
		attr_t a = A_REVERSE;
		snprintf(more, sizeof more, " %d rows below (Shift-PgDn) ",
		    p->scroll);
		int len = (int)strlen(more);
		for (int i = 0; i < len && i < width; i++)
			put_cell(w, h - 1, width - MIN(len, width) + i,
			    (wchar_t)more[i], a, 0);
	}
}

/* One display unit of a multibyte string. */
static size_t
mb_glyph(const prompt *p, const char *s, size_t len, mbstate_t *ps,
    wchar_t *wc, int *width)
{
	size_t k = mbrtowc(wc, s, len, ps);
	int w;

	if (k == (size_t)-1 || k == (size_t)-2) {
		memset(ps, 0, sizeof *ps);
		*wc = L'?';
		*width = 1;
		return 1;
	}
	if (k == 0)
		k = 1;
	if (*wc == L'\n') {
		*wc = p->utf8 ? 0x21b5 : L'|';
		*width = 1;
		return k;
	}
	if ((w = wcwidth(*wc)) < 0 || *wc < 0x20) {
		*wc = L'?';
		w = 1;
	}
	*width = w;
	return k;
}

/* Display columns of s[0..len). */
static int
mb_width(const prompt *p, const char *s, size_t len)
{
	mbstate_t ps;
	int cols = 0;
	size_t i = 0;

	memset(&ps, 0, sizeof ps);
	while (i < len) {
		wchar_t wc;
		int w;
		i += mb_glyph(p, s + i, len - i, &ps, &wc, &w);
		cols += w;
	}
	return cols;
}

/* Draw s, which starts at display column *col, into the input window:
 * the columns [from, to) of it, column c at window column c - xoff. A wide
 * character cut by an edge shows as blanks; a combining one goes with the
 * character before it (curses joins them). */
static void
draw_mb(prompt *p, const char *s, int *col, int from, int to, int xoff,
    attr_t a)
{
	mbstate_t ps;
	size_t i = 0, len = strlen(s);

	memset(&ps, 0, sizeof ps);
	while (i < len) {
		wchar_t wc;
		int w;
		i += mb_glyph(p, s + i, len - i, &ps, &wc, &w);
		if (*col >= from && *col + w <= to) {
			if (w > 0 || *col > from)
				put_cell(p->in, 0, *col - xoff, wc, a, 0);
		} else if (*col < to && *col + w > from) {
			for (int c = MAX(*col, from); c < MIN(*col + w, to);
			    c++)
				put_cell(p->in, 0, c - xoff, L' ', a, 0);
		}
		*col += w;
	}
}

static void
draw_input(prompt *p)
{
	WINDOW *w = p->in;
	int width = getmaxx(w), avail, total, cursor, col = 0, left, right;
	const char *pr = rl_display_prompt ? rl_display_prompt : "";
	char set[200], shown[220];

	werase(w);
	if (width <= 0)
		return;
	/* the settings at the right end, when there is room */
	prompt_settings_line(p, set, sizeof set);
	snprintf(shown, sizeof shown, " %s%s ", p->nrec > 0 ?
	    (p->utf8 ? "\u25b6 " : "> ") : "", set);
	avail = width;
	if (mb_width(p, shown, strlen(shown)) + 20 <= width) {
		int sw = mb_width(p, shown, strlen(shown));
		int c = width - sw;
		avail = width - sw - 1;
		draw_mb(p, shown, &c, c, width, 0, A_DIM);
	}

	/* scrolled horizontally to keep the cursor in view, a quarter of
	 * the width from the edges; '<' and '>' in columns of their own
	 * mark text out of view */
	cursor = mb_width(p, pr, strlen(pr)) +
	    mb_width(p, rl_line_buffer, (size_t)rl_point);
	total = mb_width(p, pr, strlen(pr)) +
	    mb_width(p, rl_line_buffer, (size_t)rl_end);
	p->hscroll = MIN(p->hscroll, MAX(total + 2 - avail, 0));
	if (cursor < p->hscroll + (p->hscroll > 0 ? avail / 4 : 0))
		p->hscroll = MAX(cursor - avail / 4, 0);
	if (cursor >= p->hscroll + avail - 1)
		p->hscroll = cursor - avail * 3 / 4;
	left = p->hscroll > 0;
	right = total + 1 - p->hscroll > avail;
	draw_mb(p, pr, &col, p->hscroll + left, p->hscroll + avail - right,
	    p->hscroll, A_BOLD);
	draw_mb(p, rl_line_buffer, &col, p->hscroll + left,
	    p->hscroll + avail - right, p->hscroll, A_NORMAL);
	if (left)
		put_cell(w, 0, 0, L'<', A_REVERSE, 0);
	if (right && avail > 1)
		put_cell(w, 0, avail - 1, L'>', A_REVERSE, 0);
	p->cursor_x = MIN(MAX(cursor - p->hscroll, 0), MAX(avail - 1, 0));
}

void
prompt_draw(prompt *p)
{
	init_colors(p);
	if (p->out != NULL) {
		draw_output(p);
		wnoutrefresh(p->out);
	}
	if (p->in != NULL) {
		draw_input(p);
		wnoutrefresh(p->in);
	}
	p->out_dirty = p->in_dirty = 0;
}

void
prompt_place_cursor(prompt *p)
{
	if (p->in == NULL)
		return;
	wmove(p->in, 0, p->cursor_x);
	wnoutrefresh(p->in);
}
