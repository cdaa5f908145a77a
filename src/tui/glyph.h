/* glyph.h - one character on the screen: its width, a cell of it, and the
 * characters never sent to the terminal as they are.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text the model writes (samples, continuations) can hold any character of
 * its vocabulary. Control characters and the bidirectional formatting ones
 * would move the cursor, end a line or reorder what follows on terminals
 * that implement bidi; they are shown escaped, "<U+202E>", as `burble info`
 * shows a vocabulary.
 */
#ifndef BURBLE_GLYPH_H
#define BURBLE_GLYPH_H

#include <curses.h>
#include <stdint.h>
#include <wchar.h>

#define GLYPH_ESCAPE_SIZE 12	/* "<U+10FFFF>" and a NUL */

/* Is cp shown escaped? The C0 controls (newline and tab too: callers that
 * lay out lines handle those first), DEL, the C1 controls (U+0085 among
 * them), the line and paragraph separators U+2028 and U+2029, and the bidi
 * marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069). */
int glyph_is_control(uint32_t cp);
/* "<U+202E>" into buf; returns its length. */
int glyph_escape(uint32_t cp, char buf[GLYPH_ESCAPE_SIZE]);

/* Columns a code point takes (unprintable ones show as one). */
int glyph_width(uint32_t cp);
/* Put wc with attributes a and colour pair into w at (y, x). */
void glyph_put(WINDOW *w, int y, int x, wchar_t wc, attr_t a, int pair);

#endif
