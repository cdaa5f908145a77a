/* transcript.c - the prompt's output pane: styled lines, drawn from the
 * bottom, scrolled back by pages.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "glyph.h"
#include "text.h"
#include "transcript.h"
#include "util.h"

void
transcript_init(transcript *t, int utf8)
{
	memset(t, 0, sizeof *t);
	t->utf8 = utf8;
	t->surprise = 1;
	t->dirty = 1;
}

void
transcript_free(transcript *t)
{
	for (size_t i = 0; i < t->nlines; i++) {
		free(t->lines[i].cp);
		free(t->lines[i].st);
	}
	free(t->lines);
	t->lines = NULL;
	t->nlines = t->caplines = 0;
}

/* ---- lines -------------------------------------------------------------- */

static struct transcript_line *
add_line(transcript *t)
{
	struct transcript_line *l;

	if (t->nlines == TRANSCRIPT_MAX_LINES) {
		size_t drop = TRANSCRIPT_MAX_LINES / 10;
		for (size_t i = 0; i < drop; i++) {
			free(t->lines[i].cp);
			free(t->lines[i].st);
		}
		memmove(t->lines, t->lines + drop,
		    (t->nlines - drop) * sizeof *t->lines);
		t->nlines -= drop;
		t->dropped += drop;
	}
	if (t->nlines == t->caplines) {
		t->caplines = t->caplines ? t->caplines * 2 : 64;
		t->lines = xreallocarray(t->lines, t->caplines,
		    sizeof *t->lines);
	}
	l = &t->lines[t->nlines++];
	memset(l, 0, sizeof *l);
	t->dirty = 1;
	return l;
}

size_t
transcript_mark(const transcript *t)
{
	return t->dropped + t->nlines;
}

void
transcript_cut(transcript *t, size_t mark)
{
	size_t keep = mark > t->dropped ? mark - t->dropped : 0;

	while (t->nlines > keep) {
		t->nlines--;
		free(t->lines[t->nlines].cp);
		free(t->lines[t->nlines].st);
	}
	t->dirty = 1;
}

void
transcript_new_line(transcript *t)
{
	add_line(t);
}

static struct transcript_line *
last_line(transcript *t)
{
	return t->nlines ? &t->lines[t->nlines - 1] : add_line(t);
}

void
transcript_fresh_line(transcript *t)
{
	if (t->nlines == 0 || t->lines[t->nlines - 1].n > 0)
		add_line(t);
}

void
transcript_cp(transcript *t, uint32_t cp, int st)
{
	struct transcript_line *l;

	if (cp == '\n') {
		add_line(t);
		return;
	}
	l = last_line(t);
	if (cp == '\t') {		/* to the next multiple of 8 */
		do
			transcript_cp(t, ' ', st);
		while (l->n % 8 != 0);
		return;
	}
	if (glyph_is_control(cp)) {	/* "<U+202E>", dim */
		char e[GLYPH_ESCAPE_SIZE];
		int n = glyph_escape(cp, e);
		for (int i = 0; i < n; i++)
			transcript_cp(t, (unsigned char)e[i], ST_NOTE);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->cp = xreallocarray(l->cp, l->cap, sizeof *l->cp);
		l->st = xreallocarray(l->st, l->cap, 1);
	}
	l->cp[l->n] = cp;
	l->st[l->n++] = (unsigned char)st;
	t->dirty = 1;
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

size_t
transcript_styled(transcript *t, const char *s, int st, const float *prob,
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
		transcript_cp(t, cp, style);
		i += cl;
		k++;
	}
	return k;
}

void
transcript_text(transcript *t, const char *s, int st)
{
	transcript_styled(t, s, st, NULL, NULL, 0);
}

void
transcript_msg(transcript *t, int st, const char *fmt, ...)
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
	transcript_fresh_line(t);
	transcript_text(t, s, st);
	free(s);
	t->gen_open = 0;
}

int
transcript_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	int cols = 0;

	while (i < len) {
		uint32_t cp = 0xfffd;
		n = utf8_decode(u + i, len - i, &cp);
		cols += glyph_width(cp);
		i += n ? n : 1;
	}
	return cols;
}

void
transcript_page(transcript *t, int dir, int rows)
{
	int page = rows > 0 ? MAX(rows - 2, 1) : 10;

	if (dir > 0)
		t->scroll += page;	/* clamped when drawn */
	else
		t->scroll = MAX(t->scroll - page, 0);
	t->dirty = 1;
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
init_colors(transcript *t)
{
	if (t->colors_tried)
		return;
	t->colors_tried = 1;
	if (!has_colors() || COLOR_PAIRS <= 1)	/* no start_color() */
		return;
	t->pair_green = color_pair(COLOR_GREEN);
	t->pair_yellow = color_pair(COLOR_YELLOW);
	t->pair_red = color_pair(COLOR_RED);
	t->pair_cyan = color_pair(COLOR_CYAN);
	t->pair_blue = color_pair(COLOR_BLUE);
}

/* A :cell style: bucket, plus ACT_BUCKETS for the prime (bold). */
static void
act_attr(const transcript *t, int b, attr_t *a, int *pair)
{
	int pairs[ACT_BUCKETS] = { t->pair_blue, t->pair_cyan, 0,
	    t->pair_yellow, t->pair_red };
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
style_attr(const transcript *t, int st, attr_t *a, int *pair)
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
		*pair = t->pair_red;
		break;
	case ST_BAR:
		*pair = t->pair_cyan;
		break;
	case ST_GEN0:
	case ST_GEN2:
	case ST_GEN3:
		if (!t->surprise)
			break;
		if (st == ST_GEN0)
			*pair = t->pair_green;
		else if (st == ST_GEN2)
			*pair = t->pair_yellow;
		else
			*pair = t->pair_red;
		if (*pair == 0 && st != ST_GEN0)	/* monochrome */
			*a = st == ST_GEN3 ? A_UNDERLINE | A_BOLD : A_UNDERLINE;
		break;
	default:
		if (st >= ST_ACT && st < ST_ACT + 2 * ACT_BUCKETS)
			act_attr(t, st - ST_ACT, a, pair);
		break;
	}
}

static int
line_rows(const struct transcript_line *l, int width)
{
	int rows = 1, x = 0;

	for (size_t i = 0; i < l->n; i++) {
		int w = glyph_width(l->cp[i]);
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
draw_line(const transcript *t, WINDOW *win, const struct transcript_line *l,
    int y, int skip, int maxrows)
{
	int width = getmaxx(win), row = 0, x = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint32_t cp = l->cp[i];
		int w = glyph_width(cp);
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
				wc = t->utf8 ? 0xfffd : L'?';
			style_attr(t, l->st[i], &a, &pair);
			if (wcwidth(wc) == 0 && x == 0)
				wc = L' ';	/* a lone combining mark */
			/* a combining mark joins the cell before x */
			glyph_put(win, y + row - skip, x, wc, a, pair);
		}
		x += w;
	}
	return MIN(row + 1 - skip, maxrows);
}

void
transcript_draw(transcript *t, WINDOW *w)
{
	int h = getmaxy(w), width = getmaxx(w), need, rows = 0, skip, y = 0;
	size_t first, last = t->nlines;

	init_colors(t);
	t->dirty = 0;
	werase(w);
	if (h <= 0 || width <= 0)
		return;
	/* the last line is often the one being written: an empty one is not
	 * worth a row */
	if (last > 1 && t->lines[last - 1].n == 0)
		last--;
	first = last;
	need = h + t->scroll;
	while (first > 0 && rows < need)
		rows += line_rows(&t->lines[--first], width);
	if (rows < need && t->scroll > 0) {	/* scrolled past the top */
		t->scroll = MAX(rows - h, 0);
		need = h + t->scroll;
	}
	/* the rows of lines[first] above the window */
	skip = MAX(rows - need, 0);
	for (size_t i = first; i < last && y < h; i++) {
		y += draw_line(t, w, &t->lines[i], y, skip, h - y);
		skip = 0;
	}
	if (t->scroll > 0) {
		char more[64];
		attr_t a = A_REVERSE;
		snprintf(more, sizeof more, " %d rows below (Shift-PgDn) ",
		    t->scroll);
		int len = (int)strlen(more);
		for (int i = 0; i < len && i < width; i++)
			glyph_put(w, h - 1, width - MIN(len, width) + i,
			    (wchar_t)more[i], a, 0);
	}
}
