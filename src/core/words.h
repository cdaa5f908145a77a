/* words.h - word tokens: splitting text into words and punctuation, the
 * count table a word vocabulary is built from, and a word vocabulary's
 * lookup and display.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How text becomes word tokens (`burble train --tokens word`, as textgenrnn
 * splits it):
 *
 *  - A word is a run of word characters: ASCII letters and digits, and
 *    every non-ASCII code point that is a letter or digit (iswalnum in
 *    C.UTF-8; without that locale, every non-ASCII code point outside the
 *    spaces and the punctuation blocks), and the combining marks
 *    U+0300-U+036F. An apostrophe (' or U+2019) between two word
 *    characters stays inside the word: "don't" is one token.
 *  - Every other visible code point (punctuation, symbols, emoji) is a
 *    token of its own.
 *  - A newline is the token "\n". Any other white space (space, tab,
 *    no-break and other Unicode spaces, zero-width spaces) only separates
 *    tokens and is not kept: a single space between tokens is implicit.
 *  - A word longer than WORD_MAX_BYTES bytes becomes the unknown token.
 *  - Decoding joins tokens with one space, except: none at the start, none
 *    before or after a newline or the end-of-record symbol, none before
 *    closing punctuation (. , ; : ! ? ) ] } and the ellipsis) and none
 *    after opening punctuation (( [ {).
 */
#ifndef BURBLE_WORDS_H
#define BURBLE_WORDS_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

#define WORD_MAX_BYTES 64
#define WORD_UNK "<unk>"
#define WORD_MAX_DEFAULT 10000

/* What a splitter hands its sink. */
enum word_kind {
	WORD_TOKEN,	/* tok (len bytes, not NUL-terminated) */
	WORD_LONG,	/* a word too long to keep: the unknown token */
	WORD_EOR,	/* the end-of-record symbol */
};

typedef int (*word_sink)(void *arg, enum word_kind kind, const char *tok,
    size_t len);

typedef struct {
	locale_t loc;		/* C.UTF-8 or (locale_t)0; not owned */
	word_sink sink;		/* its non-zero return stops the splitter */
	void *arg;
	char buf[WORD_MAX_BYTES + 8];
	size_t len;		/* bytes of the word in buf */
	int toolong;		/* the word outgrew buf */
	uint32_t apos;		/* an apostrophe after the word, pending */
} word_splitter;

void word_splitter_init(word_splitter *w, locale_t loc, word_sink sink,
    void *arg);
/* Feed one code point, or TEXT_EOR. */
int word_put(word_splitter *w, uint32_t cp);
/* The end of the text: hand over the word being read. */
int word_flush(word_splitter *w);

/* Counting distinct tokens: an open-addressing hash table; entries are
 * numbered in the order first seen. */
typedef struct {
	char *pool;		/* the tokens, each NUL-terminated */
	size_t poolsz, poolcap;
	size_t *off;		/* (n) each entry's offset in pool */
	size_t *count;		/* (n) occurrences */
	size_t n, cap;
	uint32_t *slot;		/* (nslots) entry + 1, 0 empty */
	size_t nslots;
} word_table;

void word_table_init(word_table *t);
void word_table_free(word_table *t);
/* The entry of tok, added (with count 0) when new; -1 when the table
 * cannot grow further. */
long word_table_add(word_table *t, const char *tok, size_t len);
/* The entry of tok, or -1. */
long word_table_find(const word_table *t, const char *tok, size_t len);
static inline const char *
word_table_str(const word_table *t, size_t e)
{
	return t->pool + t->off[e];
}

/* The entries to keep as the vocabulary: at most max of them, the most
 * frequent first, ties in the order first seen. Allocated (*n of them). */
size_t *word_table_top(const word_table *t, long max, size_t *n);

/* Build v from t: its max most frequent tokens (word_table_top), then
 * <unk>, then the end-of-record symbol when eor. Fails (naming name) with
 * fewer than two distinct tokens. */
int vocab_from_words(vocab *v, const word_table *t, long max, int eor,
    const char *name, char **cause);
/* (t->n) each entry's id + 1 in v, <unk> for those not in it; allocated. */
uint16_t *word_table_map(const word_table *t, const vocab *v);

#endif
