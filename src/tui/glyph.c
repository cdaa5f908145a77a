/* glyph.c - one character on the screen.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <stdio.h>
#include <wchar.h>

#include <curses.h>

#include "glyph.h"

int
glyph_is_control(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1;
	switch (cp) {
	case 0x061c:		/* Arabic letter mark */
	case 0x200e:		/* left-to-right mark */
	case 0x200f:		/* right-to-left mark */
	case 0x2028:		/* line separator */
	case 0x2029:		/* paragraph separator */
		return 1;
	}
	return (cp >= 0x202a && cp <= 0x202e) ||	/* embeddings, overrides */
	    (cp >= 0x2066 && cp <= 0x2069);		/* isolates */
}

int
glyph_escape(uint32_t cp, char buf[GLYPH_ESCAPE_SIZE])
{
	int n = snprintf(buf, GLYPH_ESCAPE_SIZE, "<U+%04X>", (unsigned)cp);

	return n < 0 ? 0 : n;
}

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
