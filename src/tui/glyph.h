/* glyph.h - one character on the screen: its width, and a cell of it.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_GLYPH_H
#define BURBLE_GLYPH_H

#include <curses.h>
#include <stdint.h>
#include <wchar.h>

/* Columns a code point takes (unprintable ones show as one). */
int glyph_width(uint32_t cp);
/* Put wc with attributes a and colour pair into w at (y, x). */
void glyph_put(WINDOW *w, int y, int x, wchar_t wc, attr_t a, int pair);

#endif
