/* prompt.c - the prompt: GNU readline (callback interface) drawn into a
 * curses window: readline's callbacks, the key bindings, and the input line.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The known technique: readline never touches the terminal. It gets its
 * bytes from prompt_feed() (feed.c) through rl_getc_function, reports what
 * it would display through rl_redisplay_function (we only mark the input
 * dirty and draw rl_display_prompt + rl_line_buffer ourselves in
 * prompt_draw), and neither prepares the terminal nor catches signals.
 * Anything readline would still print (a completion list, a bell) goes to
 * /dev/null or into the transcript.
 *
 * The other parts of the prompt: transcript.c (the output pane), cont.c
 * (continuations and the generator's events), cmd_exec.c (the commands).
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
#include "cmd_exec.h"
#include "glyph.h"
#include "prompt_priv.h"
#include "util.h"

#define HISTORY_MAX	1000
#define QUIT_WINDOW	3.0	/* seconds between the two Ctrl-C that quit */

prompt *prompt_current;

/* ---- small helpers ------------------------------------------------------ */

void
prompt_act(prompt *p, int action)
{
	if (p->action != NULL)
		p->action(action, p->action_ud);
}

void
prompt_real(char *buf, size_t size, double v, int digits, int significant)
{
	char *c;

	snprintf(buf, size, significant ? "%.*g" : "%.*f", digits, v);
	if ((c = strchr(buf, ',')) != NULL)
		*c = '.';
}

void
prompt_setting(char *buf, size_t size, double v)
{
	size_t n;

	if (v != 0 && fabs(v) < 0.01) {
		prompt_real(buf, size, v, 3, 0);
		return;
	}
	prompt_real(buf, size, v, 2, 0);
	/* "0.80" -> "0.8", "1.00" -> "1.0" */
	n = strlen(buf);
	if (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[n - 1] = '\0';
}

void
prompt_temps(char *buf, size_t size, const sampler_config *c)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < c->ntemps && used + 8 < size; i++) {
		char t[32];
		prompt_setting(t, sizeof t, c->temps[i]);
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    i ? "," : "", t);
	}
}

void
prompt_settings_line(const prompt *p, char *buf, size_t size)
{
	char t[160], pp[32], rate[32] = "", cell[48] = "", beam[32] = "";

	prompt_temps(t, sizeof t, &p->gen.smp);
	prompt_setting(pp, sizeof pp, p->gen.smp.top_p);
	if (p->gen.rate > 0)
		snprintf(rate, sizeof rate, " rate=%d/s", p->gen.rate);
	if (p->gen.cell_layer >= 0)
		snprintf(cell, sizeof cell, " cell %d:%d",
		    p->gen.cell_layer + 1, p->gen.cell_unit);
	if (p->gen.beam > 0)
		snprintf(beam, sizeof beam, " beam=%d", p->gen.beam);
	snprintf(buf, size, "T=%s k=%d p=%s len=%d%s%s%s%s", t,
	    p->gen.smp.top_k, pp, p->gen.length, beam, rate, cell,
	    p->pick_n > 0 ? " pick" : "");
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
	prompt *p = prompt_current;
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
	prompt *p = prompt_current;

	return (p != NULL && p->qpos < p->qlen) || stdin_ready();
}

static void
redisplay_cb(void)
{
	if (prompt_current != NULL)
		prompt_current->in_dirty = 1;
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
	prompt *p = prompt_current;
	char *full;
	size_t n;

	if (p == NULL) {
		free(line);
		return;
	}
	if (line == NULL) {		/* Ctrl-D on an empty line */
		/* quits, as in a shell, Python or node (training saves
		 * first) */
		prompt_act(p, PA_QUIT);
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
		cmd_run(p, full);
	else if (p->pick_n > 0)
		pick_line(p, full[0] == ':' ? full + 1 : full);
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
	prompt *p = prompt_current;
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
	transcript_msg(&p->tr, ST_NOTE, "%s", buf);
	free(buf);
	p->tr.scroll = 0;
}

/* ---- keys ----------------------------------------------------------------- */

/* The dashboard's keys, and the sampling steps (readline's commands take
 * no user pointer: they act on prompt_current). */
static int
key_act(int action)
{
	prompt_act(prompt_current, action);
	return 0;
}

static int
key_step(void (*adjust)(prompt *, int), int dir)
{
	adjust(prompt_current, dir);
	return 0;
}

static int key_temp_down(int c, int k) { return key_step(prompt_adjust_temp, -1); }
static int key_temp_up(int c, int k) { return key_step(prompt_adjust_temp, 1); }
static int key_topk_down(int c, int k) { return key_step(prompt_adjust_topk, -1); }
static int key_topk_up(int c, int k) { return key_step(prompt_adjust_topk, 1); }
static int key_topp_down(int c, int k) { return key_step(prompt_adjust_topp, -1); }
static int key_topp_up(int c, int k) { return key_step(prompt_adjust_topp, 1); }
static int key_help(int c, int k) { return key_act(PA_HELP); }
static int key_pause(int c, int k) { return key_act(PA_PAUSE); }
static int key_save(int c, int k) { return key_act(PA_SAVE); }
static int key_sample(int c, int k) { return key_act(PA_SAMPLE); }
static int key_plot(int c, int k) { return key_act(PA_PLOT); }
static int key_quit(int c, int k) { return key_act(PA_QUIT); }
static int key_scroll_up(int c, int k) { return key_act(PA_SCROLL_UP); }
static int key_scroll_down(int c, int k) { return key_act(PA_SCROLL_DOWN); }
static int key_xaxis(int c, int k) { return key_act(PA_XAXIS); }
static int key_curves(int c, int k) { return key_act(PA_CURVES); }
static int key_smooth(int c, int k) { return key_act(PA_SMOOTH); }

static int
key_redraw(int c, int k)
{
	prompt_current->tr.dirty = prompt_current->in_dirty = 1;
	prompt_act(prompt_current, PA_REDRAW);
	return 0;
}

static int
key_surprise(int c, int k)
{
	prompt *p = prompt_current;

	p->tr.surprise = !p->tr.surprise;
	p->tr.dirty = p->in_dirty = 1;
	return 0;
}

static int
key_pick(int c, int k)
{
	prompt *p = prompt_current;

	if (p->pick_n > 0)
		pick_leave(p);
	else
		pick_start(p, PICK_DEFAULT);
	return 0;
}

static int
key_out_back(int c, int k)
{
	prompt *p = prompt_current;

	transcript_page(&p->tr, 1, p->out != NULL ? getmaxy(p->out) : 0);
	return 0;
}

static int
key_out_forward(int c, int k)
{
	prompt *p = prompt_current;

	transcript_page(&p->tr, -1, p->out != NULL ? getmaxy(p->out) : 0);
	return 0;
}

/* Ctrl-C: stop the continuation; when none streams, clear the line; on an
 * empty line, say how to quit, and quit if it is the second Ctrl-C in a row
 * within QUIT_WINDOW seconds (any other key in between starts again: see
 * prompt_feed). Node's and Python's REPLs do the same. */
static int
key_interrupt(int c, int k)
{
	prompt *p = prompt_current;
	double now = now_seconds(), armed = p->interrupt_at;

	p->interrupt_at = 0;
	if (p->nrec > 0) {
		session_stop_generation(p->s);
		return 0;
	}
	if (rl_end > 0 || p->cont != NULL) {
		free(p->cont);
		p->cont = NULL;
		rl_set_prompt(PROMPT_MAIN);
		rl_replace_line("", 1);
		rl_point = rl_end = 0;
		p->in_dirty = 1;
		return 0;
	}
	if (armed > 0 && now - armed <= QUIT_WINDOW) {
		prompt_act(p, PA_QUIT);
		return 0;
	}
	p->interrupt_at = now;
	transcript_msg(&p->tr, ST_NOTE, "press Ctrl-C again or Ctrl-D to %s "
	    "(or F10, :quit)", session_get_info(p->s)->training ?
	    "save and quit" : "quit");
	p->tr.scroll = 0;
	return 0;
}

/* '?' on an empty line is help; anywhere else it is a '?'. */
static int
key_question(int count, int key)
{
	if (rl_end == 0 && prompt_current->cont == NULL) {
		prompt_act(prompt_current, PA_HELP);
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
	{ key_xaxis, NULL, { "\033x", "\033X" } },
	{ key_curves, NULL, { "\033a", "\033A" } },
	{ key_smooth, NULL, { "\033e", "\033E" } },
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
	{ key_pick, NULL, { "\033i", "\033I" } },
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

/*
 * Readline 8.2's incremental search (Ctrl-R) crashes on a key that starts a
 * key sequence (Ctrl-X in emacs mode) followed by one that completes none:
 * Ctrl-R Ctrl-X : x is a SEGV in rl_callback_read_char (found by a key
 * fuzz; readline's own search code, not ours). A search terminator never
 * takes that path (it ends the search, as Esc does), so every control key
 * that is a prefix in the keymap is added to the terminators.
 */
static void
isearch_guard(void)
{
	Keymap km = rl_get_keymap();
	const char *cur = rl_variable_value("isearch-terminators");
	char buf[256];
	size_t n;

	/* readline's default: Esc and Ctrl-J */
	snprintf(buf, sizeof buf, "\"%s", cur != NULL && *cur != '\0' &&
	    strchr(cur, '"') == NULL && strlen(cur) < 128 ? cur : "\\e\\C-J");
	for (int c = 0; c < 0x20; c++) {
		n = strlen(buf);
		if (c != ESC && km[c].type == ISKMAP && n + 6 < sizeof buf)
			snprintf(buf + n, sizeof buf - n, "\\%03o", c);
	}
	n = strlen(buf);
	snprintf(buf + n, sizeof buf - n, "\"");
	rl_variable_bind("isearch-terminators", buf);
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

/* ---- creation ------------------------------------------------------------ */

prompt *
prompt_create(session *s, const char *history_path)
{
	prompt *p = xcalloc(1, sizeof *p);
	const char *cs = nl_langinfo(CODESET);

	p->s = s;
	p->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	transcript_init(&p->tr, p->utf8);
	gen_settings_default(&p->gen);
	p->in_dirty = 1;
	prompt_current = p;

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
	isearch_guard();

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
	prompt_current = p;
	rl_callback_handler_remove();
	if (p->history_path != NULL)
		history_truncate_file(p->history_path, HISTORY_MAX);
	/* rl_clear_history, not clear_history: it also frees the undo lists
	 * readline keeps in history entries edited and left (32 bytes each,
	 * from rl_add_undo, reported by LeakSanitizer). */
	rl_clear_history();
	if (p->devnull != NULL) {
		rl_outstream = stdout;
		fclose(p->devnull);
	}
	while (p->nrec > 0)
		cont_pop(p);
	transcript_free(&p->tr);
	free(p->cont);
	free(p->paste);
	free(p->history_path);
	free(p);
	prompt_current = NULL;
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
	p->tr.dirty = p->in_dirty = 1;
	/* Shifting a line by insert/delete-character garbles wide characters
	 * on some terminals (tmux): always rewrite the cells. */
	if (out != NULL)
		idcok(out, FALSE);
	if (in != NULL)
		idcok(in, FALSE);
	if (!p->keys_bound && (out != NULL || in != NULL)) {
		p->keys_bound = 1;
		prompt_current = p;
		bind_terminfo_keys();
	}
}

/* ---- drawing ------------------------------------------------------------- */

/* One display unit of a multibyte string: *n wide characters (more than
 * one for an escaped control, "<U+202E>", glyph.h) taking *width columns. */
static size_t
mb_glyph(const prompt *p, const char *s, size_t len, mbstate_t *ps,
    wchar_t wc[GLYPH_ESCAPE_SIZE], int *n, int *width)
{
	size_t k = mbrtowc(wc, s, len, ps);
	int w;

	*n = 1;
	if (k == (size_t)-1 || k == (size_t)-2) {
		memset(ps, 0, sizeof *ps);
		wc[0] = L'?';
		*width = 1;
		return 1;
	}
	if (k == 0)
		k = 1;
	if (wc[0] == L'\n' || wc[0] == L'\t') {
		wc[0] = wc[0] == L'\t' ? L' ' : p->utf8 ? 0x21b5 : L'|';
		*width = 1;
		return k;
	}
	if (glyph_is_control((uint32_t)wc[0])) {
		char e[GLYPH_ESCAPE_SIZE];
		*n = *width = glyph_escape((uint32_t)wc[0], e);
		for (int i = 0; i < *n; i++)
			wc[i] = (wchar_t)e[i];
		return k;
	}
	if ((w = wcwidth(wc[0])) < 0) {
		wc[0] = L'?';
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
		wchar_t wc[GLYPH_ESCAPE_SIZE];
		int n, w;
		i += mb_glyph(p, s + i, len - i, &ps, wc, &n, &w);
		cols += w;
	}
	return cols;
}

/* Draw s, which starts at display column *col, into the input window:
 * the columns [from, to) of it, column c at window column c - xoff. A wide
 * character cut by an edge shows as blanks; a combining one goes with the
 * character before it (curses joins them); an escape shows what fits. */
static void
draw_mb(prompt *p, const char *s, int *col, int from, int to, int xoff,
    attr_t a)
{
	mbstate_t ps;
	size_t i = 0, len = strlen(s);

	memset(&ps, 0, sizeof ps);
	while (i < len) {
		wchar_t wc[GLYPH_ESCAPE_SIZE];
		int n, w;
		i += mb_glyph(p, s + i, len - i, &ps, wc, &n, &w);
		if (n > 1) {
			for (int j = 0; j < n; j++)
				if (*col + j >= from && *col + j < to)
					glyph_put(p->in, 0, *col + j - xoff,
					    wc[j], a | A_DIM, 0);
		} else if (*col >= from && *col + w <= to) {
			if (w > 0 || *col > from)
				glyph_put(p->in, 0, *col - xoff, wc[0], a, 0);
		} else if (*col < to && *col + w > from) {
			for (int c = MAX(*col, from); c < MIN(*col + w, to);
			    c++)
				glyph_put(p->in, 0, c - xoff, L' ', a, 0);
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
		glyph_put(w, 0, 0, L'<', A_REVERSE, 0);
	if (right && avail > 1)
		glyph_put(w, 0, avail - 1, L'>', A_REVERSE, 0);
	p->cursor_x = MIN(MAX(cursor - p->hscroll, 0), MAX(avail - 1, 0));
}

int
prompt_dirty(const prompt *p)
{
	return p->tr.dirty || p->in_dirty;
}

void
prompt_draw(prompt *p)
{
	if (p->out != NULL) {
		transcript_draw(&p->tr, p->out);
		wnoutrefresh(p->out);
	}
	if (p->in != NULL) {
		draw_input(p);
		wnoutrefresh(p->in);
	}
	p->tr.dirty = p->in_dirty = 0;
}

void
prompt_place_cursor(prompt *p)
{
	if (p->in == NULL)
		return;
	wmove(p->in, 0, p->cursor_x);
	wnoutrefresh(p->in);
}

const char *
prompt_unit(prompt *p)
{
	session_info gi;

	session_gen_info(p->s, &gi);
	return gi.words ? "token" : "character";
}
