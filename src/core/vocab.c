/* vocab.c - vocabularies: looking a symbol up, showing it, copying a
 * vocabulary; word vocabularies (words.h); encoding a prime.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* freelocale */
#endif

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"
#include "words.h"

/* ---- character and word vocabularies ---------------------------------- */

int
vocab_id(const vocab *v, uint32_t cp)
{
	size_t lo = 0, hi, mid;

	if (v != NULL && v->kind == VOCAB_WORD) {
		char u[4];
		return vocab_word_id(v, u, utf8_encode(cp, u));
	}
	if (v == NULL || v->cp == NULL || v->V <= 0)
		return -1;
	hi = (size_t)v->V;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->cp[mid] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (size_t)v->V && v->cp[lo] == cp ? (int)lo : -1;
}

/* An id outside the vocabulary gives "" (length 0). */
size_t
vocab_utf8(const vocab *v, int id, char out[VOCAB_SYM_MAX])
{
	uint32_t cp;
	size_t n;

	if (v == NULL || id < 0 || id >= v->V) {
		out[0] = '\0';
		return 0;
	}
	if (v->kind == VOCAB_WORD) {
		n = strlen(v->pool + v->off[id]);
		memcpy(out, v->pool + v->off[id], n + 1);
		return n;
	}
	cp = v->cp[id];
	if (cp == TEXT_EOR)
		cp = '\n';
	else if (cp == TEXT_UNK)
		cp = 0xfffd;
	n = utf8_encode(cp, out);
	out[n] = '\0';
	return n;
}

/* dst is overwritten (not freed first). */
void
vocab_copy(vocab *dst, const vocab *src)
{
	*dst = *src;
	dst->cp = NULL;
	if (src->kind == VOCAB_WORD) {
		dst->pool = xmalloc(src->poolsz ? src->poolsz : 1);
		memcpy(dst->pool, src->pool, src->poolsz);
		dst->off = xreallocarray(NULL, (size_t)src->V, sizeof *dst->off);
		memcpy(dst->off, src->off, (size_t)src->V * sizeof *dst->off);
		dst->byname = xreallocarray(NULL, (size_t)src->V,
		    sizeof *dst->byname);
		memcpy(dst->byname, src->byname, (size_t)src->nbyname *
		    sizeof *dst->byname);
	} else if (src->V > 0) {
		dst->cp = xreallocarray(NULL, (size_t)src->V, sizeof *dst->cp);
		memcpy(dst->cp, src->cp, (size_t)src->V * sizeof *dst->cp);
	}
}

void
vocab_free(vocab *v)
{
	if (v == NULL)
		return;
	free(v->cp);
	free(v->pool);
	free(v->off);
	free(v->byname);
	memset(v, 0, sizeof *v);
	v->unk = v->eor = -1;
}

/* ---- the word vocabulary ----------------------------------------------- */

static const char *const kind_names[] = { "char", "word" };

const char *
vocab_kind_name(int kind)
{
	return kind_names[kind == VOCAB_WORD];
}

int
vocab_kind_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(kind_names); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

static const vocab *sort_vocab;

static int
cmp_byname(const void *a, const void *b)
{
	const vocab *v = sort_vocab;
	return strcmp(v->pool + v->off[*(const uint16_t *)a],
	    v->pool + v->off[*(const uint16_t *)b]);
}

static int
utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	size_t k;

	for (size_t i = 0; i < len; i += k)
		if ((k = utf8_decode((const unsigned char *)s + i, len - i,
		    &cp)) == 0)
			return 0;
	return 1;
}

int
vocab_words_init(vocab *v, const char *tokens, size_t size, int ntok,
    int unk, int eor, char **cause)
{
	size_t at = 0, len;

	memset(v, 0, sizeof *v);
	v->unk = v->eor = -1;
	if (ntok < 2 || ntok > TEXT_MAX_VOCAB || unk < 0 || unk >= ntok ||
	    eor >= ntok || eor == unk)
		return set_cause(cause, "a word vocabulary of %d tokens with "
		    "unk %d, eor %d", ntok, unk, eor);
	v->kind = VOCAB_WORD;
	v->V = ntok;
	v->unk = unk;
	v->eor = eor;
	v->pool = xmalloc(size ? size : 1);
	memcpy(v->pool, tokens, size);
	v->poolsz = size;
	v->off = xreallocarray(NULL, (size_t)ntok, sizeof *v->off);
	v->byname = xreallocarray(NULL, (size_t)ntok, sizeof *v->byname);
	for (int i = 0; i < ntok; i++) {
		if (at >= size || (len = strnlen(tokens + at, size - at)) ==
		    size - at || len == 0 || len > WORD_MAX_BYTES ||
		    !utf8_valid(tokens + at, len))
			goto bad;
		v->off[i] = at;
		at += len + 1;
		if (i != unk && i != eor)
			v->byname[v->nbyname++] = (uint16_t)i;
	}
	sort_vocab = v;
	qsort(v->byname, (size_t)v->nbyname, sizeof *v->byname, cmp_byname);
	sort_vocab = NULL;
	for (int i = 1; i < v->nbyname; i++)
		if (strcmp(v->pool + v->off[v->byname[i - 1]],
		    v->pool + v->off[v->byname[i]]) == 0)
			goto bad;
	return 0;
bad:
	vocab_free(v);
	return set_cause(cause, "the word tokens are not %d distinct, "
	    "non-empty UTF-8 strings of at most %d bytes", ntok,
	    WORD_MAX_BYTES);
}

int
vocab_word_id(const vocab *v, const char *tok, size_t len)
{
	int lo = 0, hi, mid, c;
	const char *s;

	if (v == NULL || v->kind != VOCAB_WORD)
		return -1;
	hi = v->nbyname;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = v->pool + v->off[v->byname[mid]];
		c = strncmp(s, tok, len);
		if (c == 0 && s[len] != '\0')
			c = 1;
		if (c == 0)
			return v->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
is_token(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const closing[] = { ".", ",", ";", ":", "!", "?", ")",
	"]", "}", "\xe2\x80\xa6", NULL };
static const char *const opening[] = { "(", "[", "{", NULL };

/* Does a space go between prev and id? */
static int
word_space(const vocab *v, int prev, int id)
{
	const char *p, *s;

	if (prev < 0 || prev >= v->V || prev == v->eor || id == v->eor)
		return 0;
	p = v->pool + v->off[prev];
	s = v->pool + v->off[id];
	if (strcmp(p, "\n") == 0 || strcmp(s, "\n") == 0)
		return 0;
	return !is_token(s, closing) && !is_token(p, opening);
}

size_t
vocab_piece(const vocab *v, int prev, int id, char out[VOCAB_SYM_MAX])
{
	size_t n = 0, len;

	if (v == NULL || v->kind != VOCAB_WORD || id < 0 || id >= v->V)
		return vocab_utf8(v, id, out);
	if (word_space(v, prev, id))
		out[n++] = ' ';
	len = vocab_utf8(v, id, out + n);
	return n + len;
}

int
vocab_from_words(vocab *v, const word_table *t, long max, int eor,
    const char *name, char **cause)
{
	size_t n, i, size = 0, at = 0;
	size_t *top;
	char *tokens;
	int r;

	if (max <= 0)
		max = WORD_MAX_DEFAULT;
	if (max > TEXT_MAX_VOCAB - 2)
		max = TEXT_MAX_VOCAB - 2;
	top = word_table_top(t, max, &n);
	if (n < 2) {
		r = set_cause(cause, n == 1 ? "%s: only one distinct word "
		    "('%s'); need at least 2" : "%s: no words; need at least "
		    "2 distinct words", name, n == 1 ? word_table_str(t,
		    top[0]) : "");
		free(top);
		return r;
	}
	for (i = 0; i < n; i++)
		size += strlen(word_table_str(t, top[i])) + 1;
	size += sizeof WORD_UNK + 2;
	tokens = xmalloc(size);
	for (i = 0; i < n; i++) {
		const char *s = word_table_str(t, top[i]);
		memcpy(tokens + at, s, strlen(s) + 1);
		at += strlen(s) + 1;
	}
	memcpy(tokens + at, WORD_UNK, sizeof WORD_UNK);
	at += sizeof WORD_UNK;
	if (eor) {
		memcpy(tokens + at, "\n", 2);
		at += 2;
	}
	r = vocab_words_init(v, tokens, at, (int)n + 1 + !!eor, (int)n,
	    eor ? (int)n + 1 : -1, cause);
	free(tokens);
	free(top);
	return r;
}

uint16_t *
word_table_map(const word_table *t, const vocab *v)
{
	uint16_t *map = xreallocarray(NULL, t->n ? t->n : 1, sizeof *map);
	int id;

	for (size_t i = 0; i < t->n; i++) {
		const char *s = word_table_str(t, i);
		id = vocab_word_id(v, s, strlen(s));
		map[i] = (uint16_t)((id < 0 ? v->unk : id) + 1);
	}
	return map;
}

size_t
vocab_decoded_chars(const vocab *v, const uint16_t *ids, size_t n, int prev)
{
	char u[VOCAB_SYM_MAX];
	size_t chars = 0, len;

	for (size_t i = 0; i < n; i++) {
		len = vocab_piece(v, prev, ids[i], u);
		chars += utf8_count(u, len);
		prev = ids[i];
	}
	return chars;
}

/* ---- primes ----------------------------------------------------------- */

/* Encoding a prime with a word vocabulary: the splitter's tokens become
 * ids, those not in the vocabulary <unk>; the first few of them named. */
#define UNKNOWN_NAMED 8

struct prime_words {
	word_splitter ws;
	const vocab *v;
	uint16_t *out;
	size_t n, cap, nunk;
	char *names;		/* "'a', 'b'" or NULL */
	size_t nnamed;
};

static void
name_unknown(struct prime_words *pw, const char *tok, size_t len)
{
	char *q, *old = pw->names;

	if (pw->nnamed > UNKNOWN_NAMED)		/* "..." said it */
		return;
	q = xasprintf("'%.*s'", (int)len, tok);
	if (old != NULL && strstr(old, q) != NULL) {
		free(q);
		return;
	}
	if (pw->nnamed++ == UNKNOWN_NAMED)
		pw->names = xasprintf("%s, ...", old);
	else
		pw->names = old ? xasprintf("%s, %s", old, q) : xstrdup(q);
	free(old);
	free(q);
}

static int
prime_sink(void *arg, enum word_kind kind, const char *tok, size_t len)
{
	struct prime_words *pw = arg;
	int id = kind == WORD_TOKEN ? vocab_word_id(pw->v, tok, len) : -1;

	if (kind == WORD_EOR || pw->n == pw->cap)
		return 0;
	if (id < 0) {
		pw->nunk++;
		name_unknown(pw, kind == WORD_LONG ? "(a long word)" : tok,
		    kind == WORD_LONG ? 13 : len);
		id = pw->v->unk;
	}
	if (id >= 0)
		pw->out[pw->n++] = (uint16_t)id;
	return 0;
}

/* Also drops a leading byte-order mark, and turns a lone CR into LF as
 * corpus_load does. A NUL is just a character (not in any vocabulary). */
uint16_t *
text_encode_words(const vocab *v, const text_opts *o, const char *s,
    size_t len, size_t *n, size_t *nskipped, char **unknown, char **cause)
{
	const unsigned char *p, *q, *end;
	locale_t loc = (locale_t)0;
	int lower = o != NULL && o->lowercase, id;
	uint16_t *out;
	size_t k, nout = 0, skipped = 0;
	uint32_t cp;
	struct prime_words pw;
	int words = v != NULL && v->kind == VOCAB_WORD;

	if (s == NULL) {
		s = "";
		len = 0;
	}
	p = q = (const unsigned char *)s;
	end = p + len;
	out = xreallocarray(NULL, len ? len : 1, sizeof *out);	/* n <= len */
	if (lower || words)
		loc = utf8_locale();
	memset(&pw, 0, sizeof pw);
	pw.v = v;
	pw.out = out;
	pw.cap = len;
	word_splitter_init(&pw.ws, loc, prime_sink, &pw);
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		q += 3;
	while (q < end) {
		if (*q == '\r') {
			q += q + 1 < end && q[1] == '\n' ? 2 : 1;
			cp = '\n';
		} else if ((k = utf8_decode(q, (size_t)(end - q), &cp)) == 0) {
			set_cause(cause, "invalid UTF-8 at byte %zu",
			    (size_t)(q - p));
			free(out);
			out = NULL;
			break;
		} else
			q += k;
		if (lower)
			cp = utf8_lower(loc, cp);
		if (words) {
			word_put(&pw.ws, cp);
			continue;
		}
		if ((id = vocab_id(v, cp)) < 0) {
			skipped++;
			if (v == NULL || v->unk < 0)
				continue;
			id = v->unk;
		}
		out[nout++] = (uint16_t)id;
	}
	if (words && out != NULL) {
		word_flush(&pw.ws);
		nout = pw.n;
		skipped = pw.nunk;
	}
	if (unknown != NULL)
		*unknown = out != NULL ? pw.names : NULL;
	if (unknown == NULL || out == NULL)
		free(pw.names);
	if (loc != (locale_t)0)
		freelocale(loc);
	if (n != NULL)
		*n = out ? nout : 0;
	if (nskipped != NULL)
		*nskipped = out ? skipped : 0;
	return out;
}

uint16_t *
text_encode(const vocab *v, const text_opts *o, const char *s, size_t len,
    size_t *n, size_t *nskipped, char **cause)
{
	return text_encode_words(v, o, s, len, n, nskipped, NULL, cause);
}
