/* text.h - corpora as sequences of Unicode code points, vocabularies, batches.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A corpus is one or more UTF-8 files (or "-" for standard input),
 * concatenated, normalised (CRLF -> LF, a leading byte-order mark dropped per
 * file), optionally lowercased and filtered, and encoded as vocabulary ids.
 * The vocabulary is the sorted set of code points seen, plus two optional
 * special symbols that sort after every code point: the unknown symbol (rare
 * characters folded by --min-count) and the end-of-record symbol (--lines,
 * --record-sep).
 */
#ifndef BURBLE_TEXT_H
#define BURBLE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"	/* utf8_decode, utf8_encode */

#define TEXT_UNK 0x110000u /* the unknown symbol, shown as U+FFFD */
#define TEXT_EOR 0x110001u /* end of record, shown as a newline */
#define TEXT_MAX_VOCAB 65535
/* The longest display form of one symbol, NUL included: a word token
 * (words.h) with a space before it. */
#define VOCAB_SYM_MAX 72

enum vocab_kind { VOCAB_CHAR, VOCAB_WORD };

enum text_filter {
	TEXT_FILTER_NONE,	/* keep everything */
	TEXT_FILTER_PRINTABLE,	/* letters, digits, punctuation, whitespace */
	TEXT_FILTER_SET,	/* only the characters of filter_set */
};

typedef struct {
	int lowercase;
	enum text_filter filter;
	char *filter_set;	/* UTF-8, owned; used with TEXT_FILTER_SET */
	long min_count;		/* fold characters seen < min_count times into
				   the unknown symbol; <= 1 means off */
	int lines;		/* each line is a record ending in EOR */
	char *record_sep;	/* owned; non-NULL: records are separated by a
				   line holding exactly this string (fortune
				   files: "%"); implies records */
	int tokens;		/* enum vocab_kind: characters or words */
	long max_words;		/* words: the vocabulary's most frequent
				   tokens kept, the rest folded into <unk> */
} text_opts;

typedef struct {
	uint32_t *cp;	/* (V) code points, ascending; specials last;
			   NULL in a word vocabulary */
	int V;
	int unk;	/* id of the unknown symbol, or -1 */
	int eor;	/* id of the end-of-record symbol, or -1 */
	int kind;	/* enum vocab_kind */
	/* A word vocabulary (words.h): the most frequent tokens first,
	 * then <unk> (always there), then the end-of-record symbol. */
	char *pool;	/* the tokens in id order, each NUL-terminated */
	size_t poolsz;
	size_t *off;	/* (V) each token's offset in pool */
	uint16_t *byname; /* (V - specials) ids, sorted by token */
	int nbyname;
} vocab;

typedef struct {
	uint16_t *ids;	/* (n) vocabulary ids */
	size_t n;
	vocab voc;
	size_t bytes;	/* bytes read, all files together */
	char *name;	/* for display: the first file's base name, "+N"
			   appended for more, "stdin" for "-" */
} corpus;

void text_opts_free(text_opts *o);
void text_opts_copy(text_opts *dst, const text_opts *src);
/* "none", "printable", "set" (and "none" for anything else). */
const char *text_filter_name(int filter);
/* The filter named s, or -1. */
int text_filter_parse(const char *s);

/* Id of code point cp (in a word vocabulary: of the token that is cp
 * alone), or -1. */
int vocab_id(const vocab *v, uint32_t cp);
/* Id of the word token tok (len bytes), or -1; never a special. */
int vocab_word_id(const vocab *v, const char *tok, size_t len);
/* Write the UTF-8 form of symbol id (for display) into out, NUL-terminated;
 * returns its length. UNK -> U+FFFD (words: "<unk>"), EOR -> "\n". */
size_t vocab_utf8(const vocab *v, int id, char out[VOCAB_SYM_MAX]);
/* The text that id adds after prev (-1: none) when decoding: in a word
 * vocabulary the token with the implicit space before it where one goes
 * (words.h); else as vocab_utf8. */
size_t vocab_piece(const vocab *v, int prev, int id,
    char out[VOCAB_SYM_MAX]);
/* The number of characters (code points) of ids[0..n) decoded with
 * vocab_piece, prev before the first. */
size_t vocab_decoded_chars(const vocab *v, const uint16_t *ids, size_t n,
    int prev);
/* Build a word vocabulary from ntok NUL-terminated tokens (tokens holds
 * them back to back, size bytes) in id order; unk and eor are the ids of
 * the specials (-1: none; unk is required). Fails on a duplicate, an
 * empty token or one that is not valid UTF-8. */
int vocab_words_init(vocab *v, const char *tokens, size_t size, int ntok,
    int unk, int eor, char **cause);
/* "char" or "word"; and back (-1 for anything else). */
const char *vocab_kind_name(int kind);
int vocab_kind_parse(const char *s);
void vocab_copy(vocab *dst, const vocab *src);
void vocab_free(vocab *v);

/*
 * Read, validate, normalise and encode paths[0..npaths-1].
 * fixed == NULL: build the vocabulary from the text (and o->min_count).
 * fixed != NULL: encode with that vocabulary (resume, eval); characters not in
 * it are an error naming them (up to a few, as U+XXXX and the glyph), unless
 * map_unknown is set and fixed has an unknown symbol.
 * Errors name the file and the problem: missing, unreadable, a directory,
 * a device or a socket (a FIFO or a pipe is read; a FIFO waits for its
 * writer), empty, invalid UTF-8 at byte offset N, NUL bytes (binary
 * data), only one distinct character, more than TEXT_MAX_VOCAB distinct
 * characters.
 */
int corpus_load(corpus *c, const char *const *paths, size_t npaths,
    const text_opts *o, const vocab *fixed, int map_unknown, char **cause);
void corpus_free(corpus *c);

/* Encode UTF-8 text (a prime) with v after applying o's lowercase option.
 * Characters not in v are skipped (mapped to the unknown symbol when v has
 * one) and counted in *nskipped. CRLF -> LF. Returns an allocated array of
 * *n ids, or NULL with *cause on invalid UTF-8. */
uint16_t *text_encode(const vocab *v, const text_opts *o, const char *s,
    size_t len, size_t *n, size_t *nskipped, char **cause);
/* The same; with a word vocabulary, words not in it are <unk> (counted in
 * *nskipped) and *unknown (if not NULL) gets them named, "'a', 'b'",
 * allocated, or NULL when there are none. */
uint16_t *text_encode_words(const vocab *v, const text_opts *o,
    const char *s, size_t len, size_t *n, size_t *nskipped, char **unknown,
    char **cause);

/*
 * The classic char-rnn batching: the split's n ids become B parallel streams
 * of L = (n - 1) / B ids each; batch k holds, for every stream b, the ids at
 * stream offset [k*T, k*T + T) as input and the next ids as targets. There are
 * L / T batches per epoch. The hidden state of stream b carries from batch k
 * to batch k+1.
 */
typedef struct {
	const uint16_t *data;
	size_t n;
	int B, T;
	size_t L;	/* ids per stream */
	size_t nbatches;
} batcher;

/* Fails (with the length needed) when n < B*T + 1. */
int batcher_init(batcher *b, const uint16_t *data, size_t n, int B, int T,
    char **cause);
/* x, y: (B, T), row b is stream b. */
void batcher_get(const batcher *b, size_t k, uint16_t *x, uint16_t *y);

#endif
