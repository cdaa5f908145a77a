/* words.c - word tokens: the splitter, the count table, the word vocabulary.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "text.h"
#include "util.h"
#include "words.h"

/* ---- character classes ------------------------------------------------- */

static int
is_apostrophe(uint32_t cp)
{
	return cp == '\'' || cp == 0x2019;
}

/* White space other than the newline: separates, is not kept. */
static int
is_space(locale_t loc, uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f';
	if (cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 ||
	    cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
	    cp == 0xfeff)
		return 1;
	return loc != (locale_t)0 && iswspace_l((wint_t)cp, loc);
}

/* Without a locale: the blocks of punctuation and symbols. */
static int
fallback_punct(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xbf && cp != 0xaa && cp != 0xb5 &&
	    cp != 0xba) || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2010 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff01 && cp <= 0xff0f) ||
	    (cp >= 0x1f000 && cp <= 0x1faff);
}

static int
is_word_char(locale_t loc, uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z');
	if (cp >= 0x300 && cp <= 0x36f)		/* combining accents */
		return 1;
	if (loc != (locale_t)0)
		return iswalnum_l((wint_t)cp, loc);
	return !fallback_punct(cp) && !is_space(loc, cp);
}

/* ---- the splitter ------------------------------------------------------ */

void
word_splitter_init(word_splitter *w, locale_t loc, word_sink sink, void *arg)
{
	memset(w, 0, sizeof *w);
	w->loc = loc;
	w->sink = sink;
	w->arg = arg;
}

static void
word_append(word_splitter *w, uint32_t cp)
{
	char u[4];
	size_t k = utf8_encode(cp, u);

	if (w->len + k > WORD_MAX_BYTES)
		w->toolong = 1;
	else {
		memcpy(w->buf + w->len, u, k);
		w->len += k;
	}
}

static int
put_cp(word_splitter *w, uint32_t cp)
{
	char u[4];

	return w->sink(w->arg, WORD_TOKEN, u, utf8_encode(cp, u));
}

int
word_flush(word_splitter *w)
{
	int r = 0;

	if (w->toolong)
		r = w->sink(w->arg, WORD_LONG, NULL, 0);
	else if (w->len > 0)
		r = w->sink(w->arg, WORD_TOKEN, w->buf, w->len);
	w->len = 0;
	w->toolong = 0;
	if (r == 0 && w->apos != 0)
		r = put_cp(w, w->apos);
	w->apos = 0;
	return r;
}

int
word_put(word_splitter *w, uint32_t cp)
{
	int in_word = w->len > 0 || w->toolong;

	if (cp != TEXT_EOR && is_word_char(w->loc, cp)) {
		if (w->apos != 0)
			word_append(w, w->apos);
		w->apos = 0;
		word_append(w, cp);
		return 0;
	}
	if (in_word && w->apos == 0 && is_apostrophe(cp)) {
		w->apos = cp;
		return 0;
	}
	if (word_flush(w) != 0)
		return -1;
	if (cp == TEXT_EOR)
		return w->sink(w->arg, WORD_EOR, NULL, 0);
	if (cp != '\n' && is_space(w->loc, cp))
		return 0;
	return put_cp(w, cp);
}

/* ---- the count table --------------------------------------------------- */

static uint64_t
hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

void
word_table_init(word_table *t)
{
	memset(t, 0, sizeof *t);
}

void
word_table_free(word_table *t)
{
	free(t->pool);
	free(t->off);
	free(t->count);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static size_t
find_slot(const word_table *t, const char *tok, size_t len)
{
	size_t i = (size_t)hash_bytes(tok, len) & (t->nslots - 1);
	const char *s;

	for (;; i = (i + 1) & (t->nslots - 1)) {
		if (t->slot[i] == 0)
			return i;
		s = t->pool + t->off[t->slot[i] - 1];
		if (strncmp(s, tok, len) == 0 && s[len] == '\0')
			return i;
	}
}

long
word_table_find(const word_table *t, const char *tok, size_t len)
{
	if (t->nslots == 0)
		return -1;
	size_t i = find_slot(t, tok, len);
	return t->slot[i] == 0 ? -1 : (long)t->slot[i] - 1;
}

/* Double the slots (at most half full) and place every entry again. */
static int
table_grow(word_table *t)
{
	size_t n = t->nslots ? 2 * t->nslots : 1024, i, k;
	uint32_t *old = t->slot;
	size_t oldn = t->nslots;

	if (n > UINT32_MAX)
		return -1;
	t->slot = xcalloc(n, sizeof *t->slot);
	t->nslots = n;
	for (i = 0; i < oldn; i++) {
		if (old[i] == 0)
			continue;
		const char *s = t->pool + t->off[old[i] - 1];
		k = find_slot(t, s, strlen(s));
		t->slot[k] = old[i];
	}
	free(old);
	return 0;
}

long
word_table_add(word_table *t, const char *tok, size_t len)
{
	size_t i;

	if (2 * (t->n + 1) > t->nslots && table_grow(t) != 0)
		return -1;
	i = find_slot(t, tok, len);
	if (t->slot[i] != 0)
		return (long)t->slot[i] - 1;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->off = xreallocarray(t->off, t->cap, sizeof *t->off);
		t->count = xreallocarray(t->count, t->cap, sizeof *t->count);
	}
	while (t->poolsz + len + 1 > t->poolcap) {
		t->poolcap = t->poolcap ? 2 * t->poolcap : 16384;
		t->pool = xreallocarray(t->pool, t->poolcap, 1);
	}
	memcpy(t->pool + t->poolsz, tok, len);
	t->pool[t->poolsz + len] = '\0';
	t->off[t->n] = t->poolsz;
	t->count[t->n] = 0;
	t->poolsz += len + 1;
	t->slot[i] = (uint32_t)(t->n + 1);
	return (long)t->n++;
}

static const word_table *sort_table;	/* qsort has no argument */

static int
cmp_frequent(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	size_t cx = sort_table->count[x], cy = sort_table->count[y];

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return (x > y) - (x < y);
}

size_t *
word_table_top(const word_table *t, long max, size_t *n)
{
	size_t *e = xreallocarray(NULL, t->n ? t->n : 1, sizeof *e), k = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->count[i] > 0)
			e[k++] = i;
	sort_table = t;
	qsort(e, k, sizeof *e, cmp_frequent);
	sort_table = NULL;
	*n = max > 0 && (size_t)max < k ? (size_t)max : k;
	return e;
}
