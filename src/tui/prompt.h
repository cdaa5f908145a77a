/* prompt.h - the prompt: GNU readline (callback interface) drawn into a
 * curses window, the pane its continuations stream into, and the prompt's
 * command table (:temp, :topk, ...).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dashboard owns the screen, the layout and the poll() loop; it gives the
 * prompt two windows (relayout: again), feeds it every byte read from the
 * keyboard and every generator event, and calls prompt_draw() when it redraws.
 * Only the UI thread calls these.
 *
 * Terminal mode contract: the dashboard uses raw() (not cbreak()), so Ctrl-C
 * arrives as the byte 0x03 and the prompt handles it (stop the continuation,
 * clear the line, or on an empty line say how to quit and, pressed twice,
 * quit). SIGINT/SIGTERM from outside still mean quit-with-save.
 */
#ifndef BURBLE_PROMPT_H
#define BURBLE_PROMPT_H

#include <curses.h>

#include "session.h"

/* What the prompt asks the dashboard to do (keys bound in readline, or
 * commands typed at the prompt). */
enum prompt_action {
	PA_QUIT = 1,	/* :quit, F10, Ctrl-D or Ctrl-C twice on an empty
			   line */
	PA_HELP,	/* the help overlay (F1, or ? on an empty line) */
	PA_PAUSE,	/* toggle pause (F2) -- the prompt already told the
			   session for :pause / :resume */
	PA_SAVE,	/* save now (F3) */
	PA_SAMPLE,	/* sample now (F4) */
	PA_PLOT,	/* cycle the plot view (F5) */
	PA_SCROLL_UP,	/* samples pane back (PageUp) */
	PA_SCROLL_DOWN,	/* samples pane forward (PageDown) */
	PA_REDRAW,	/* Ctrl-L */
	PA_XAXIS,	/* the plot's x axis: step, chars, seconds (Alt-X) */
	PA_CURVES,	/* compared runs' training curves on/off (Alt-A) */
	PA_SMOOTH,	/* smoothing of the training curves (Alt-E) */
};

typedef struct prompt prompt;

/* history_path: NULL for no persistent history. */
prompt *prompt_create(session *s, const char *history_path);
void prompt_free(prompt *p);	/* uninstalls readline, writes history */
void prompt_set_action_handler(prompt *p, void (*fn)(int action, void *ud),
    void *ud);
/* out: the continuation pane; in: the one-line prompt (with the sampling
 * settings shown beside it or in its border). Either may be NULL while the
 * terminal is too small. */
void prompt_set_windows(prompt *p, WINDOW *out, WINDOW *in);
void prompt_feed(prompt *p, int byte);
/* When prompt_tick() must run next (now_seconds() time; 0: no need): a
 * lone Esc or an unterminated paste waits for bytes that may not come. */
double prompt_deadline(const prompt *p);
/* Time out what waits: call when poll() returns, after feeding the keys. */
void prompt_tick(prompt *p, double now);
/* EV_GEN, EV_GEN_END, EV_PEEK (and EV_ERROR from a bad :load) are the
 * prompt's; returns 1 if it consumed e (the caller still frees it). */
int prompt_handle_event(prompt *p, const event *e);
int prompt_dirty(const prompt *p);
/* Draw into the windows with wnoutrefresh; the caller does doupdate(). */
void prompt_draw(prompt *p);
/* Put the terminal cursor where readline's point is (call last). */
void prompt_place_cursor(prompt *p);
/* One line: "T=0.8 k=0 p=1.0 len=300" for the pane title. */
void prompt_settings_line(const prompt *p, char *buf, size_t size);

#endif
