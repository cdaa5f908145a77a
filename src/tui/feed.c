/* feed.c - keyboard bytes to readline: escape sequences assembled whole,
 * keys curses decoded turned back into sequences, and bracketed paste.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Escape sequences are assembled here before readline sees them, so that a
 * key such as F6 ("\033[17~") reaches readline whole however the dashboard
 * reads the keyboard, and rl_input_available_hook can truthfully say "more
 * is coming" in the middle of one.
 *
 * Two things wait for bytes that may never come, so both have a timeout
 * (the dashboard's loop asks prompt_deadline() when, and calls
 * prompt_tick()): a lone Esc is a key of its own once ESC_TIMEOUT passes
 * with nothing after it (else a function key pressed later would join it:
 * "[15~" typed, Esc+Up taken for Alt-Up); and a bracketed paste whose end
 * marker never comes ends after PASTE_TIMEOUT without a byte (else every
 * key afterwards, F10 and Ctrl-C included, would be pasted text for ever).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <readline/readline.h>

#include "prompt_priv.h"
#include "util.h"

#define ESC_TIMEOUT	0.3	/* seconds: a lone Esc is its own key */
#define PASTE_TIMEOUT	1.5	/* seconds without a byte: a paste ends */

static void
feed_bytes(prompt *p, const unsigned char *b, size_t n)
{
	size_t guard = n * 4 + 16;

	prompt_current = p;
	p->q = b;
	p->qlen = n;
	p->qpos = 0;
	while (p->qpos < p->qlen && guard-- > 0) {
		rl_callback_read_char();
		/* In a non-incremental search (M-p, M-n) readline reads the
		 * search string into the line, with an undo list of its own
		 * that nothing can use (no key undoes there); an abort (C-g,
		 * Backspace on an empty string) drops that list without
		 * freeing it (readline 8.2). Free it as it grows. */
		if (RL_ISSTATE(RL_STATE_NSEARCH) && rl_undo_list != NULL)
			rl_free_undo_list();
	}
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
seq_for_key(int key)
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

/* The escape sequence assembled so far, as keys (or pasted text). */
static void
seq_flush(prompt *p)
{
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

void
prompt_feed(prompt *p, int byte)
{
	unsigned char c = (unsigned char)byte;

	prompt_current = p;
	p->byte_at = now_seconds();
	if (byte != 0x03)	/* the next Ctrl-C says how to quit again */
		p->interrupt_at = 0;
	if (byte >= KEY_MIN) {
		const char *s = seq_for_key(byte);
		if (*s != '\0')
			feed_bytes(p, (const unsigned char *)s, strlen(s));
		return;
	}
	if (byte < 0)
		return;
	if (p->nseq == 0 && c != 0x1b) {
		if (!p->pasting && pick_key(p, c))
			return;
		if (p->pasting)
			paste_byte(p, c);
		else
			feed_bytes(p, &c, 1);
		return;
	}
	p->seq[p->nseq++] = c;
	if (seq_complete(p->seq, p->nseq) || p->nseq == sizeof p->seq)
		seq_flush(p);
}

/* Nothing followed the bytes of p->seq for ESC_TIMEOUT: they are all the
 * key there is. Readline, fed a lone Esc, would still wait for the rest of
 * a meta key (its callback interface has no timeout) and join the next key
 * to it; Esc and then C-g (abort) ends that wait, doing nothing else. In
 * vi mode, where Esc alone has a binding, readline runs it first. */
static void
seq_timeout(prompt *p)
{
	static const unsigned char esc_abort[] = { 0x1b, 0x07 };
	size_t n = p->nseq;

	if (p->pasting || n > 2 || memcmp(p->seq, "\033\033", n) != 0) {
		seq_flush(p);	/* a partial sequence: as it is */
		return;
	}
	p->nseq = 0;
	if (n == 1 && p->pick_n > 0) {	/* Esc leaves pick mode */
		pick_leave(p);
		return;
	}
	for (size_t i = 0; i < n; i++)
		feed_bytes(p, esc_abort, sizeof esc_abort);
}

double
prompt_deadline(const prompt *p)
{
	double t = 0;

	if (p->nseq > 0)
		t = p->byte_at + ESC_TIMEOUT;
	if (p->pasting && (t == 0 || p->byte_at + PASTE_TIMEOUT < t))
		t = p->byte_at + PASTE_TIMEOUT;
	return t;
}

void
prompt_tick(prompt *p, double now)
{
	prompt_current = p;
	if (p->nseq > 0 && now >= p->byte_at + ESC_TIMEOUT)
		seq_timeout(p);
	if (p->pasting && now >= p->byte_at + PASTE_TIMEOUT) {
		/* The end marker never came: what was pasted stays pasted,
		 * and keys are keys again. */
		paste_flush(p);
		p->pasting = 0;
	}
}
