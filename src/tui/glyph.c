/* glyph.c - one character on the screen.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <wchar.h>

#include <curses.h>

#include "glyph.h"

int
glyph_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

void
glyph_put(WINDOW *w, int y, int x, wchar_t wc, attr_t a, int pair)
{
	wchar_t s[2] = { wc, 0 };
	cchar_t cc;

	if (setcchar(&cc, s, a, (short)pair, NULL) == OK)
		mvwadd_wch(w, y, x, &cc);
}
