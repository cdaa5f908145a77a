/* test_words.c - word tokens: the splitter, the word vocabulary, decoding
 * with the implicit spaces, primes.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "text.h"
#include "util.h"
#include "words.h"

/* The tokens of a text, joined by '|'. */
struct join {
	char s[1024];
	size_t n;
};

static int
join_sink(void *arg, enum word_kind kind, const char *tok, size_t len)
{
	struct join *j = arg;

	if (j->n > 0)
		j->s[j->n++] = '|';
	if (kind == WORD_EOR) {
		tok = "<eor>";
		len = 5;
	} else if (kind == WORD_LONG) {
		tok = "<long>";
		len = 6;
	}
	memcpy(j->s + j->n, tok, len);
	j->n += len;
	j->s[j->n] = '\0';
	return 0;
}

static const char *
split(const char *text)
{
	static struct join j;
	word_splitter w;
	locale_t loc = utf8_locale();
	uint32_t cp;
	size_t k, len = strlen(text);

	memset(&j, 0, sizeof j);
	word_splitter_init(&w, loc, join_sink, &j);
	for (size_t i = 0; i < len; i += k) {
		k = utf8_decode((const unsigned char *)text + i, len - i, &cp);
		word_put(&w, cp == '#' ? TEXT_EOR : cp);
	}
	word_flush(&w);
	if (loc != (locale_t)0)
		freelocale(loc);
	return j.s;
}

static void
test_split(void)
{
	char longw[200];

	ok(strcmp(split("Don't stop, Mr. Fogg!"),
	    "Don't|stop|,|Mr|.|Fogg|!") == 0, "words and punctuation: %s",
	    split("Don't stop, Mr. Fogg!"));
	ok(strcmp(split("  the\tsea \n\n(owl's) 'tis"),
	    "the|sea|\n|\n|(|owl's|)|'|tis") == 0,
	    "spaces separate, newlines are tokens, a leading apostrophe is "
	    "punctuation");
	ok(strcmp(split("end' x"), "end|'|x") == 0,
	    "a trailing apostrophe is punctuation");
	ok(strcmp(split("Съешь же ещё — café naïve 42nd"),
	    "Съешь|же|ещё|—|café|naïve|42nd") == 0,
	    "Cyrillic and accented words, a dash: %s",
	    split("Съешь же ещё — café naïve 42nd"));
	ok(strcmp(split("a#b"), "a|<eor>|b") == 0, "end of record");
	ok(strcmp(split("l’homme\xc2\xa0x"), "l’homme|x") == 0,
	    "U+2019 inside a word, a no-break space separates");
	memset(longw, 'a', 100);
	longw[WORD_MAX_BYTES] = '\0';
	ok(strcmp(split(longw), longw) == 0, "a word of %d bytes is kept",
	    WORD_MAX_BYTES);
	longw[WORD_MAX_BYTES] = 'a';
	longw[WORD_MAX_BYTES + 1] = '\0';
	ok(strcmp(split(longw), "<long>") == 0, "a word over %d bytes is "
	    "the unknown token", WORD_MAX_BYTES);
}

static void
write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(s, f) == EOF || fclose(f) != 0)
		abort();
}

/* ids decoded with vocab_piece. */
static char *
decode(const vocab *v, const uint16_t *ids, size_t n)
{
	char *out = xmalloc(n * VOCAB_SYM_MAX + 1);
	size_t used = 0;
	int prev = -1;

	for (size_t i = 0; i < n; i++) {
		used += vocab_piece(v, prev, ids[i], out + used);
		prev = ids[i];
	}
	out[used] = '\0';
	return out;
}

static void
test_corpus(const char *dir)
{
	char path[4096], *cause = NULL, *text, *unknown = NULL;
	const char *paths[1] = { path };
	text_opts o = { .tokens = VOCAB_WORD, .max_words = 5 };
	corpus c;
	uint16_t *ids;
	size_t n, nsk;

	snprintf(path, sizeof path, "%s/w.txt", dir);
	write_file(path, "The owl, the owl (and the sea).\nThe owl sat.\n");
	if (!ok(corpus_load(&c, paths, 1, &o, NULL, 0, &cause) == 0,
	    "a word corpus loads: %s", cause ? cause : "")) {
		free(cause);
		return;
	}
	/* owl 3; The, the, '.' and '\n' 2 each; ',', '(', 'and', 'sea',
	 * ')', 'sat' once: five kept, ties in the order first seen. */
	ok(c.voc.kind == VOCAB_WORD && c.voc.V == 6 && c.voc.unk == 5 &&
	    c.voc.eor == -1, "V = 5 kept + <unk> (V=%d)", c.voc.V);
	ok(strcmp(c.voc.pool + c.voc.off[0], "owl") == 0 &&
	    strcmp(c.voc.pool + c.voc.off[1], "The") == 0 &&
	    strcmp(c.voc.pool + c.voc.off[2], "the") == 0 &&
	    strcmp(c.voc.pool + c.voc.off[4], "\n") == 0,
	    "the most frequent first, ties by first occurrence");
	ok(c.n == 17, "17 tokens (n=%zu)", c.n);
	text = decode(&c.voc, c.ids, c.n);
	ok(strcmp(text, "The owl <unk> the owl <unk> <unk> the <unk> <unk>.\n"
	    "The owl <unk>.\n") == 0, "decoded with the implicit spaces");
	free(text);

	ids = text_encode_words(&c.voc, NULL, "the zebra owl, zebra", 20, &n,
	    &nsk, &unknown, &cause);
	ok(ids != NULL && n == 5 && nsk == 3 && ids[1] == c.voc.unk &&
	    unknown != NULL && strcmp(unknown, "'zebra', ','") == 0,
	    "a prime: unknown words are <unk>, each named once (%s)",
	    unknown ? unknown : "");
	free(ids);
	free(unknown);
	unknown = NULL;
	ids = text_encode_words(&c.voc, NULL, "q1 q2 q3 q4 q5 q6 q7 q8 q9 q1 q10",
	    33, &n, &nsk, &unknown, &cause);
	ok(ids != NULL && n == 11 && nsk == 11 && unknown != NULL &&
	    strcmp(unknown, "'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', "
	    "...") == 0, "eight unknown words named, then ...: %s",
	    unknown ? unknown : "");
	free(ids);
	free(unknown);
	corpus_free(&c);

	write_file(path, "(a) b: [c] d ?");
	o.max_words = 0;
	if (corpus_load(&c, paths, 1, &o, NULL, 0, &cause) == 0) {
		text = decode(&c.voc, c.ids, c.n);
		ok(strcmp(text, "(a) b: [c] d?") == 0,
		    "no space inside brackets or before closing marks: %s",
		    text);
		free(text);
		corpus_free(&c);
	} else
		ok(0, "brackets: %s", cause);

	write_file(path, "owl owl owl\nowl");
	ok(corpus_load(&c, paths, 1, &o, NULL, 0, &cause) == 0,
	    "two distinct tokens (a word and the newline) are enough");
	corpus_free(&c);
	free(cause);
	cause = NULL;
	write_file(path, "owl owl  owl owl");
	ok(corpus_load(&c, paths, 1, &o, NULL, 0, &cause) != 0 && cause &&
	    strstr(cause, "w.txt: only one distinct word ('owl')") != NULL,
	    "one distinct word: %s", cause ? cause : "");
	free(cause);
	cause = NULL;

	o.lines = 1;
	write_file(path, "a b\n\nc, d\n");
	if (corpus_load(&c, paths, 1, &o, NULL, 0, &cause) == 0) {
		text = decode(&c.voc, c.ids, c.n);
		ok(c.voc.eor == c.voc.V - 1 && strcmp(text, "a b\nc, d\n") ==
		    0, "--lines: records end in the end-of-record symbol");
		free(text);
		corpus_free(&c);
	} else
		ok(0, "--lines: %s", cause);
	free(cause);
}

static void
test_vocab_init(void)
{
	vocab v, w;
	char *cause = NULL;
	static const char toks[] = "a\0b\0<unk>\0\n";

	ok(vocab_words_init(&v, toks, sizeof toks, 4, 2, 3, &cause) == 0,
	    "vocab_words_init");
	ok(vocab_word_id(&v, "b", 1) == 1 && vocab_word_id(&v, "<unk>", 5) ==
	    -1 && vocab_id(&v, '\n') == -1 && vocab_id(&v, 'a') == 0,
	    "lookup never finds a special");
	vocab_copy(&w, &v);
	ok(w.pool != v.pool && vocab_word_id(&w, "a", 1) == 0,
	    "vocab_copy of a word vocabulary is deep");
	vocab_free(&w);
	vocab_free(&v);
	ok(vocab_words_init(&v, "a\0a\0<unk>", 10, 3, 2, -1, &cause) != 0,
	    "a duplicate token is refused");
	free(cause);
}

int
main(void)
{
	char dir[] = "/tmp/burble-words.XXXXXX", path[4096];

	if (mkdtemp(dir) == NULL)
		tap_skip_all("no temporary directory");
	test_split();
	test_vocab_init();
	test_corpus(dir);
	snprintf(path, sizeof path, "%s/w.txt", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
