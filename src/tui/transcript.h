/* transcript.h - the prompt's output pane: what was typed, what the model
 * continued, and the prompt's messages, as styled lines drawn into a curses
 * window and scrolled back with Shift-PgUp.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A transcript is plain data (lines of code points, one style each) until
 * transcript_draw() puts the last screenful into a window. The prompt owns
 * one; only the UI thread touches it.
 */
#ifndef BURBLE_TRANSCRIPT_H
#define BURBLE_TRANSCRIPT_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define TRANSCRIPT_MAX_LINES 5000	/* lines kept */

/* Styles. ST_GEN0..ST_GEN3 are generated text by the model's probability
 * of the character: >= 0.5, >= 0.1, >= 0.01, below. With :cell, ST_ACT +
 * bucket is generated text and ST_ACT + ACT_BUCKETS + bucket the prime, by
 * the unit's activation. */
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

struct transcript_line {
	uint32_t *cp;
	unsigned char *st;
	size_t n, cap;
};

typedef struct transcript {
	struct transcript_line *lines;
	size_t nlines, caplines;
	size_t dropped;		/* lines dropped from the top so far */
	int gen_open;		/* the last line takes more generated text */
	int scroll;		/* rows scrolled back from the bottom */
	int dirty;		/* to be drawn again */
	int surprise;		/* colour generated text by surprise */
	int utf8;		/* the locale's codeset is UTF-8 */
	int colors_tried;
	int pair_green, pair_yellow, pair_red, pair_cyan, pair_blue;
} transcript;

void transcript_init(transcript *t, int utf8);
void transcript_free(transcript *t);

/* A new line; a new line unless the last one is empty. */
void transcript_new_line(transcript *t);
void transcript_fresh_line(transcript *t);
/* One code point: '\n' starts a line, '\t' goes to the next multiple of
 * 8, other controls and the bidi formatting characters are shown escaped
 * (glyph.h). */
void transcript_cp(transcript *t, uint32_t cp, int st);
/* Append UTF-8 text. One value per code point (or NULL) picks the style:
 * act (the :cell view) first, then prob (surprise); n counts them.
 * Returns the code points appended. */
size_t transcript_styled(transcript *t, const char *s, int st,
    const float *prob, const float *act, size_t n);
/* Plain text in one style. */
void transcript_text(transcript *t, const char *s, int st);
/* A whole line of its own; the generated text ends. */
void transcript_msg(transcript *t, int st, const char *fmt, ...)
    BURBLE_PRINTF(3, 4);
/* Where the transcript ends now, for transcript_cut. */
size_t transcript_mark(const transcript *t);
/* Remove the lines added since mark (those still kept). */
void transcript_cut(transcript *t, size_t mark);
/* Columns UTF-8 text takes in the transcript. */
int transcript_width(const char *s);

/* Scroll a page back (dir > 0) or forward (dir < 0) for a window of rows
 * rows (0 if there is none); clamped when drawn. */
void transcript_page(transcript *t, int dir, int rows);
/* Draw the rows that end scroll rows above the bottom into w. */
void transcript_draw(transcript *t, WINDOW *w);

#endif
