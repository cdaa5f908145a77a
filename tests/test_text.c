/* test_text.c - UTF-8, corpus loading and normalisation, vocabularies,
 * error messages, prime encoding and batches.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* mkdtemp, dup */
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "tap.h"
#include "text.h"
#include "util.h"

static char dir[] = "/tmp/burble-test-text.XXXXXX";

static char *
put(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

static char *
puts_file(const char *name, const char *text)
{
	return put(name, text, strlen(text));
}

/* s with newlines shown as "\\n", for one-line test descriptions; a static
 * buffer, valid until the next call. */
static const char *
show(const char *s)
{
	static char buf[512];
	size_t n = 0;

	for (; *s != '\0' && n + 3 < sizeof buf; s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

/* Load files with options; returns 0 or -1 with the message in *cause. */
static int
load(corpus *c, const text_opts *o, const vocab *fixed, int map_unknown,
    char **cause, size_t npaths, ...)
{
	const char *paths[8];
	va_list ap;
	size_t i;

	va_start(ap, npaths);
	for (i = 0; i < npaths && i < NELEMS(paths); i++)
		paths[i] = va_arg(ap, const char *);
	va_end(ap);
	*cause = NULL;
	return corpus_load(c, paths, npaths, o, fixed, map_unknown, cause);
}

/* The ids as text: EOR shown as "|", UNK as "?". Caller frees. */
static char *
render_ids(const vocab *v, const uint16_t *ids, size_t n)
{
	char *s = xmalloc(n * 4 + 1), sym[VOCAB_SYM_MAX];
	size_t len = 0, i, k;

	for (i = 0; i < n; i++) {
		if (ids[i] == v->eor)
			s[len++] = '|';
		else if (ids[i] == v->unk)
			s[len++] = '?';
		else {
			k = vocab_utf8(v, ids[i], sym);
			memcpy(s + len, sym, k);
			len += k;
		}
	}
	s[len] = '\0';
	return s;
}

static char *
render(const corpus *c)
{
	return render_ids(&c->voc, c->ids, c->n);
}

/* The vocabulary's ordinary characters as a string. */
static char *
vocab_str(const vocab *v)
{
	char *s = xmalloc((size_t)v->V * 4 + 1), sym[VOCAB_SYM_MAX];
	size_t len = 0, k;
	int i;

	for (i = 0; i < v->V; i++) {
		if (v->cp[i] >= TEXT_UNK)
			continue;
		k = vocab_utf8(v, i, sym);
		memcpy(s + len, sym, k);
		len += k;
	}
	s[len] = '\0';
	return s;
}

static int
sorted(const vocab *v)
{
	int i;

	for (i = 1; i < v->V; i++)
		if (v->cp[i - 1] >= v->cp[i])
			return 0;
	return 1;
}

/* Load one file and compare the text it encodes to. */
static void
check_text(const char *what, const char *path, const text_opts *o,
    const char *want)
{
	corpus c;
	char *cause, *got;

	if (load(&c, o, NULL, 0, &cause, 1, path) != 0) {
		ok(0, "%s: loads (%s)", what, cause);
		free(cause);
		return;
	}
	got = render(&c);
	if (!ok(strcmp(got, want) == 0, "%s", what)) {
		diag("got  '%s'", show(got));
		diag("want '%s'", show(want));
	}
	free(got);
	corpus_free(&c);
}

/* Expect a load error whose message starts with prefix and holds needle. */
static void
check_error(const char *what, const text_opts *o, const vocab *fixed,
    int map_unknown, const char *prefix, const char *needle, size_t npaths,
    const char *p0, const char *p1)
{
	corpus c;
	char *cause;
	int r = load(&c, o, fixed, map_unknown, &cause, npaths, p0, p1);

	if (r == 0) {
		ok(0, "%s: refused", what);
		corpus_free(&c);
		return;
	}
	if (!ok(cause != NULL && strncmp(cause, prefix, strlen(prefix)) == 0 &&
	    strstr(cause, needle) != NULL && strchr(cause, '\n') == NULL,
	    "%s: \"%s\"", what, cause ? cause : "(no message)"))
		diag("want prefix '%s' and '%s'", prefix, needle);
	free(cause);
}

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "\xc0\xaf", 2 },		/* overlong '/' */
		{ "\xc1\xbf", 2 },		/* overlong */
		{ "\xe0\x80\xaf", 3 },		/* overlong 3-byte */
		{ "\xe0\x9f\xbf", 3 },		/* overlong U+07FF */
		{ "\xf0\x80\x80\xaf", 4 },	/* overlong 4-byte */
		{ "\xf0\x8f\xbf\xbf", 4 },	/* overlong U+FFFF */
		{ "\xed\xa0\x80", 3 },		/* surrogate U+D800 */
		{ "\xed\xbf\xbf", 3 },		/* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 4 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xff", 1 }, { "\xfe", 1 }, { "\x80", 1 }, { "\xbf", 1 },
		{ "\xe2\x82", 2 },		/* truncated euro sign */
		{ "\xe2\x82\x41", 3 },		/* bad continuation */
		{ "\xf0\x9f\x98", 3 },		/* truncated emoji */
	};
	char buf[4];
	uint32_t cp, got;
	size_t i, k, fails = 0;

	for (cp = 0; cp < 0x110000; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		k = utf8_encode(cp, buf);
		if (k != (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ?
		    3u : 4u) || utf8_decode((unsigned char *)buf, k, &got) !=
		    k || got != cp || utf8_decode((unsigned char *)buf, k - 1,
		    &got) != 0)
			fails++;
	}
	ok(fails == 0, "utf8 encode/decode round trip of every code point "
	    "(%zu failures)", fails);
	for (i = 0, fails = 0; i < NELEMS(bad); i++)
		if (utf8_decode((const unsigned char *)bad[i].s, bad[i].len,
		    &got) != 0) {
			fails++;
			diag("accepted bad sequence %zu", i);
		}
	ok(fails == 0, "utf8_decode rejects overlongs, surrogates, > U+10FFFF, "
	    "stray and truncated bytes");
	ok(utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &got) ==
	    4 && got == 0x10ffff, "U+10FFFF decodes");
	ok(utf8_encode(0xd800, buf) == 3 && memcmp(buf, "\xef\xbf\xbd", 3) ==
	    0, "a surrogate encodes as U+FFFD");
}

static void
test_roundtrip(void)
{
	const char *text = "Привет, мир! 你好，世界 😀🎉 café naïve Ünïcödé "
	    "ἀρχή\nsecond line\twith tab\n";
	char *path = puts_file("uni.txt", text), *cause, *got;
	char sym[VOCAB_SYM_MAX];
	corpus c;
	int distinct, i;
	const unsigned char *q;
	uint32_t cp;
	size_t k, vlen;

	if (!ok(load(&c, NULL, NULL, 0, &cause, 1, path) == 0,
	    "Cyrillic, CJK, emoji, accents load")) {
		diag("%s", cause);
		free(cause);
		free(path);
		return;
	}
	got = render(&c);
	ok(strcmp(got, text) == 0, "decoded text equals the file");
	free(got);
	ok(c.bytes == strlen(text), "bytes = %zu", c.bytes);
	ok(strcmp(c.name, "uni.txt") == 0, "name is the base name (%s)",
	    c.name);
	ok(sorted(&c.voc), "vocabulary strictly ascending");
	ok(c.voc.unk == -1 && c.voc.eor == -1, "no special symbols by default");

	/* Count the distinct code points independently. */
	{
		uint32_t cps[256];
		int ncps = 0, j, found;

		for (q = (const unsigned char *)text; *q; q += k) {
			k = utf8_decode(q, strlen((const char *)q), &cp);
			for (j = 0, found = 0; j < ncps; j++)
				if (cps[j] == cp)
					found = 1;
			if (!found && ncps < 256)
				cps[ncps++] = cp;
		}
		distinct = ncps;
		for (j = 0, found = 0; j < ncps; j++)
			if (vocab_id(&c.voc, cps[j]) >= 0)
				found++;
		ok(c.voc.V == distinct && found == distinct,
		    "vocabulary holds exactly the %d distinct characters "
		    "(V=%d)", distinct, c.voc.V);
	}
	ok(vocab_id(&c.voc, 0x0436) == -1 && vocab_id(&c.voc, 'z') == -1,
	    "vocab_id of absent characters is -1");
	i = vocab_id(&c.voc, 0x1f600);
	vlen = vocab_utf8(&c.voc, i, sym);
	ok(i >= 0 && vlen == 4 && strcmp(sym, "😀") == 0,
	    "vocab_utf8 of an emoji");
	ok(vocab_utf8(&c.voc, c.voc.V, sym) == 0 && sym[0] == '\0',
	    "vocab_utf8 of an out-of-range id is empty");
	{
		vocab v2;

		vocab_copy(&v2, &c.voc);
		ok(v2.V == c.voc.V && v2.cp != c.voc.cp && memcmp(v2.cp,
		    c.voc.cp, (size_t)v2.V * sizeof *v2.cp) == 0,
		    "vocab_copy is deep");
		vocab_free(&v2);
		ok(v2.cp == NULL && v2.V == 0, "vocab_free clears");
	}
	corpus_free(&c);
	free(path);
}

static void
test_normalise(void)
{
	text_opts o;
	char *p, *a, *b, *cause, *got;
	corpus c;

	memset(&o, 0, sizeof o);
	p = puts_file("crlf.txt", "one\r\ntwo\r\n\r\nthree\rfour\n");
	check_text("CRLF -> LF, lone CR -> LF", p, NULL,
	    "one\ntwo\n\nthree\nfour\n");
	if (load(&c, NULL, NULL, 0, &cause, 1, p) == 0) {
		ok(vocab_id(&c.voc, '\r') < 0, "no CR in the vocabulary");
		ok(c.bytes == 23, "bytes counts the raw file (%zu)", c.bytes);
		corpus_free(&c);
	} else
		free(cause);
	free(p);

	p = puts_file("bom.txt", "\xef\xbb\xbfhi there\n");
	check_text("leading BOM dropped", p, NULL, "hi there\n");
	free(p);

	o.lowercase = 1;
	p = puts_file("upper.txt", "ABC xyZ Élan ÀÖÞ Ÿ ŁÓDŹ ПРИВЕТ Ёж ΑΒΓ "
	    "ΆΣ\n");
	check_text("lowercase: ASCII, Latin-1, Latin Extended, Cyrillic, "
	    "Greek", p, &o, "abc xyz élan àöþ ÿ łódź привет ёж αβγ άσ\n");
	free(p);
	o.lowercase = 0;

	/* Two files, each with a BOM, concatenated as cat(1) does. */
	a = puts_file("a.txt", "\xef\xbb\xbf" "first\r\n");
	b = puts_file("b.txt", "\xef\xbb\xbf" "second");
	if (ok(load(&c, NULL, NULL, 0, &cause, 2, a, b) == 0,
	    "two files load")) {
		got = render(&c);
		ok(strcmp(got, "first\nsecond") == 0,
		    "two files concatenated, a BOM dropped in each ('%s')",
		    show(got));
		ok(strcmp(c.name, "a.txt+1") == 0, "name of two files: %s",
		    c.name);
		ok(c.bytes == 10 + 9, "bytes of both files (%zu)", c.bytes);
		free(got);
		corpus_free(&c);
	} else {
		diag("%s", cause);
		free(cause);
	}

	/* Standard input: "-". */
	{
		int fd = open(a, O_RDONLY), saved = dup(0);

		dup2(fd, 0);
		close(fd);
		if (ok(load(&c, NULL, NULL, 0, &cause, 2, "-", b) == 0,
		    "\"-\" reads standard input")) {
			got = render(&c);
			ok(strcmp(got, "first\nsecond") == 0 &&
			    strcmp(c.name, "stdin+1") == 0,
			    "stdin text and name (%s)", c.name);
			free(got);
			corpus_free(&c);
		} else {
			diag("%s", cause);
			free(cause);
		}
		dup2(saved, 0);
		close(saved);
	}
	free(a);
	free(b);
}

static void
test_filters(void)
{
	text_opts o;
	char *p;

	memset(&o, 0, sizeof o);
	o.filter = TEXT_FILTER_PRINTABLE;
	/* Controls (SOH, DEL, VT, FF, NEL), soft hyphen, zero-width space,
	 * bidi mark and a BOM in the middle go; tab, newline, letters,
	 * digits, punctuation, symbols, combining marks, NBSP, emoji with ZWJ
	 * stay. */
	p = puts_file("ctl.txt", "a\x01" "b\tc\x7f" "d\x0b\x0c\xc2\x85"
	    "e\xc2\xad" "f\xe2\x80\x8b" "g\xe2\x80\x8e\xef\xbb\xbf" "h 1,2 €√"
	    "e\xcc\x81 \xc2\xa0" "👩\xe2\x80\x8d" "💻\n");
	check_text("printable filter drops control and format characters", p,
	    &o, "ab\tcdefgh 1,2 €√e\xcc\x81 \xc2\xa0👩\xe2\x80\x8d💻\n");
	free(p);

	o.filter = TEXT_FILTER_SET;
	o.filter_set = xstrdup("abcж ");
	p = puts_file("set.txt", "aXb Yc\nжЖz");
	check_text("charset keeps only its characters (no newline)", p, &o,
	    "ab cж");
	o.lowercase = 1;
	check_text("lowercase, then the charset", p, &o, "ab cжж");
	free(p);
	text_opts_free(&o);
	ok(o.filter_set == NULL && o.filter == TEXT_FILTER_NONE,
	    "text_opts_free clears");

	{
		text_opts s, d;

		memset(&s, 0, sizeof s);
		s.filter_set = xstrdup("xyz");
		s.record_sep = xstrdup("%");
		s.min_count = 3;
		text_opts_copy(&d, &s);
		ok(d.filter_set != s.filter_set && strcmp(d.filter_set, "xyz")
		    == 0 && d.record_sep != s.record_sep &&
		    strcmp(d.record_sep, "%") == 0 && d.min_count == 3,
		    "text_opts_copy is deep");
		text_opts_free(&s);
		text_opts_free(&d);
	}
}

static void
test_min_count(void)
{
	text_opts o;
	corpus c;
	char *p, *cause, *got, *vs;

	memset(&o, 0, sizeof o);
	o.min_count = 3;
	p = puts_file("rare.txt", "aaabbbcxyaz");
	if (ok(load(&c, &o, NULL, 0, &cause, 1, p) == 0, "min-count loads")) {
		got = render(&c);
		vs = vocab_str(&c.voc);
		ok(strcmp(vs, "ab") == 0 && c.voc.V == 3 && c.voc.unk == 2 &&
		    c.voc.cp[2] == TEXT_UNK && c.voc.eor == -1,
		    "rare characters folded: vocab 'ab' + UNK (V=%d)", c.voc.V);
		ok(strcmp(got, "aaabbb???a?") == 0, "folded text '%s'", got);
		free(got);
		free(vs);
		corpus_free(&c);
	} else {
		diag("%s", cause);
		free(cause);
	}
	free(p);

	o.min_count = 2;
	p = puts_file("common.txt", "abab");
	if (ok(load(&c, &o, NULL, 0, &cause, 1, p) == 0,
	    "min-count with nothing rare loads")) {
		ok(c.voc.V == 3 && c.voc.unk == 2,
		    "UNK present whenever min_count > 1");
		corpus_free(&c);
	} else
		free(cause);
	free(p);
}

static void
test_records(void)
{
	text_opts o;
	corpus c;
	char *p, *cause, *got;

	memset(&o, 0, sizeof o);
	o.lines = 1;
	p = puts_file("lines.txt", "one\ntwo\r\n\n\nthree");
	if (ok(load(&c, &o, NULL, 0, &cause, 1, p) == 0, "--lines loads")) {
		got = render(&c);
		ok(strcmp(got, "one|two|three|") == 0,
		    "each non-empty line is a record ending in EOR ('%s')",
		    got);
		ok(c.voc.eor == c.voc.V - 1 && c.voc.cp[c.voc.eor] ==
		    TEXT_EOR && c.voc.unk == -1, "EOR is the last symbol");
		ok(vocab_id(&c.voc, '\n') < 0, "no newline symbol with --lines");
		{
			char sym[VOCAB_SYM_MAX];
			ok(vocab_utf8(&c.voc, c.voc.eor, sym) == 1 &&
			    strcmp(sym, "\n") == 0, "EOR shows as a newline");
		}
		free(got);
		corpus_free(&c);
	} else {
		diag("%s", cause);
		free(cause);
	}
	free(p);

	o.lines = 0;
	o.record_sep = xstrdup("%");
	p = puts_file("fortune", "%\nFirst fortune,\n  on two lines.\n%\r\n"
	    "Second.\n%\n%\n\nThird.\n\n% not a separator\n%%\n");
	check_text("record separator '%': multi-line records kept, EOR at "
	    "each end", p, &o, "First fortune,\n  on two lines.|Second.|"
	    "Third.\n\n% not a separator\n%%|");
	free(p);
	free(o.record_sep);

	o.record_sep = xstrdup("");
	p = puts_file("paras.txt", "para one\nstill one\n\npara two\n\n\n");
	check_text("record separator \"\": paragraphs", p, &o,
	    "para one\nstill one|para two|");
	free(p);

	/* Each file ends its last record. */
	{
		char *a = puts_file("r1", "x\n%\ny"), *b = puts_file("r2",
		    "z\n");

		if (load(&c, &o, NULL, 0, &cause, 2, a, b) == 0) {
			got = render(&c);
			ok(strcmp(got, "x\n%\ny|z|") == 0,
			    "each file ends a record ('%s')", show(got));
			free(got);
			corpus_free(&c);
		} else {
			ok(0, "records over two files (%s)", cause);
			free(cause);
		}
		free(o.record_sep);
		o.record_sep = xstrdup("%");
		if (load(&c, &o, NULL, 0, &cause, 2, a, b) == 0) {
			got = render(&c);
			ok(strcmp(got, "x|y|z|") == 0,
			    "fortune records over two files ('%s')", got);
			free(got);
			corpus_free(&c);
		} else {
			ok(0, "records over two files (%s)", cause);
			free(cause);
		}
		free(a);
		free(b);
	}
	text_opts_free(&o);
}

static void
test_errors(void)
{
	text_opts o;
	char *missing = xasprintf("%s/missing.txt", dir), *p, *q, *big;
	size_t i, len;

	memset(&o, 0, sizeof o);
	check_error("missing file", NULL, NULL, 0, missing, ": no such file",
	    1, missing, NULL);
	check_error("a directory", NULL, NULL, 0, dir, ": is a directory", 1,
	    dir, NULL);
	p = puts_file("empty.txt", "");
	check_error("empty file", NULL, NULL, 0, p, ": empty file", 1, p,
	    NULL);
	free(p);
	p = puts_file("bomonly.txt", "\xef\xbb\xbf");
	check_error("a BOM alone is an empty file", NULL, NULL, 0, p,
	    ": empty file", 1, p, NULL);
	free(p);
	p = puts_file("bad.txt", "hello\nworld \xff more");
	check_error("invalid UTF-8 with the byte offset", NULL, NULL, 0, p,
	    ": invalid UTF-8 at byte 12 (line 2)", 1, p, NULL);
	free(p);
	p = puts_file("overlong.txt", "ab\xc0\xaf" "cd");
	check_error("overlong encoding", NULL, NULL, 0, p,
	    ": invalid UTF-8 at byte 2", 1, p, NULL);
	free(p);
	p = puts_file("surrogate.txt", "abc\xed\xa0\x80");
	check_error("encoded surrogate", NULL, NULL, 0, p,
	    ": invalid UTF-8 at byte 3", 1, p, NULL);
	free(p);
	p = puts_file("trunc.txt", "abcd\xe2\x82");
	check_error("sequence truncated at the end", NULL, NULL, 0, p,
	    ": invalid UTF-8 at byte 4", 1, p, NULL);
	free(p);
	p = put("b.bin", "0123456789abcdef\0zz", 19);
	check_error("NUL byte", NULL, NULL, 0, p,
	    ": binary data (NUL byte at offset 16)", 1, p, NULL);
	free(p);
	p = put("c.bin", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	check_error("binary data with invalid UTF-8 first", NULL, NULL, 0, p,
	    ": binary data (NUL byte at offset 8)", 1, p, NULL);
	free(p);
	p = puts_file("one.txt", "aaaaaaa");
	check_error("one distinct character", NULL, NULL, 0, p,
	    ": only one distinct character ('a'); need at least 2", 1, p,
	    NULL);
	free(p);
	p = puts_file("nl.txt", "\n\n\n");
	check_error("one distinct character, a newline", NULL, NULL, 0, p,
	    ": only one distinct character (U+000A)", 1, p, NULL);
	o.lines = 1;
	check_error("nothing left with --lines", &o, NULL, 0, p,
	    ": no characters left", 1, p, NULL);
	o.lines = 0;
	free(p);
	p = puts_file("abc.txt", "abc\n");
	o.filter = TEXT_FILTER_SET;
	o.filter_set = xstrdup("xyz");
	check_error("nothing left after the charset", &o, NULL, 0, p,
	    ": no characters left after filtering", 1, p, NULL);
	free(o.filter_set);
	o.filter_set = xstrdup("a\xff");
	check_error("invalid UTF-8 in the charset", &o, NULL, 0, "--charset",
	    "invalid UTF-8", 1, p, NULL);
	text_opts_free(&o);
	o.record_sep = xstrdup("%\n");
	check_error("record separator with a newline", &o, NULL, 0,
	    "--record-sep", "line break", 1, p, NULL);
	text_opts_free(&o);

	/* A good first file does not hide a bad second one. */
	q = puts_file("bad2.txt", "ok\xe2\x28\xa1");
	check_error("the bad one of two files is named", NULL, NULL, 0, q,
	    ": invalid UTF-8 at byte 2", 2, p, q);
	check_error("a missing second file is named", NULL, NULL, 0, missing,
	    ": no such file", 2, p, missing);
	free(q);

	if (geteuid() != 0) {
		q = puts_file("secret.txt", "secret\n");
		chmod(q, 0);
		check_error("unreadable file", NULL, NULL, 0, q,
		    ": permission denied", 1, q, NULL);
		free(q);
	} else
		skip("running as root: every file is readable");
	free(p);

	/* 70000 distinct characters: CJK ideographs, Hangul, plane 2. */
	big = xmalloc(80000 * 4);
	len = 0;
	{
		uint32_t cp, n = 0;

		for (cp = 0x4e00; cp <= 0x9fff && n < 70000; cp++, n++)
			len += utf8_encode(cp, big + len);
		for (cp = 0xac00; cp <= 0xd7a3 && n < 70000; cp++, n++)
			len += utf8_encode(cp, big + len);
		for (cp = 0x20000; n < 70000; cp++, n++)
			len += utf8_encode(cp, big + len);
	}
	p = put("huge-vocab.txt", big, len);
	check_error("more than 65535 distinct characters", NULL, NULL, 0, p,
	    ": 70000 distinct characters, more than the 65535 allowed (use "
	    "--min-count", 1, p, NULL);
	o.min_count = 2;
	check_error("all folded by --min-count", &o, NULL, 0, p,
	    "fewer than 2 times", 1, p, NULL);
	/* The same with two frequent characters: loads, V = 3. */
	for (i = 0; i < 10; i++) {
		big[len++] = 'a';
		big[len++] = 'b';
	}
	free(p);
	p = put("huge-vocab2.txt", big, len);
	{
		corpus c;
		char *cause;

		if (load(&c, &o, NULL, 0, &cause, 1, p) == 0) {
			ok(c.voc.V == 3 && c.n == 70020, "--min-count 2 folds "
			    "70000 rare characters (V=%d)", c.voc.V);
			corpus_free(&c);
		} else {
			ok(0, "--min-count 2 folds 70000 rare characters");
			diag("%s", cause ? cause : "");
			free(cause);
		}
	}
	free(p);
	free(big);
	free(missing);
}

static void
test_fixed(void)
{
	text_opts o;
	corpus base, c;
	char *p, *q, *r, *cause, *got;

	memset(&o, 0, sizeof o);
	p = puts_file("model.txt", "abc abc\n");
	if (load(&base, &o, NULL, 0, &cause, 1, p) != 0) {
		ok(0, "base vocabulary (%s)", cause);
		free(cause);
		return;
	}
	q = puts_file("new.txt", "ab жc ыd ж\nxyzw\n");
	check_error("characters outside a fixed vocabulary are named", &o,
	    &base.voc, 0, q, ": 7 characters not in the model's vocabulary: "
	    "'ж' (U+0436), 'ы' (U+044B), 'd' (U+0064), 'x' (U+0078), "
	    "'y' (U+0079), ... (the model has no unknown symbol", 1, q, NULL);
	check_error("map_unknown without an unknown symbol", &o, &base.voc, 1,
	    q, "no unknown symbol", 1, q, NULL);
	r = puts_file("fine.txt", "cab\n");
	check_error("the file with the unknown characters is named", &o,
	    &base.voc, 0, q, ": 7 characters", 2, r, q);
	if (ok(load(&c, &o, &base.voc, 0, &cause, 1, r) == 0,
	    "a fixed vocabulary encodes known text")) {
		ok(c.voc.V == base.voc.V && memcmp(c.voc.cp, base.voc.cp,
		    (size_t)c.voc.V * 4) == 0 && c.n == 4 &&
		    c.ids[0] == vocab_id(&base.voc, 'c'),
		    "same vocabulary, ids from it");
		corpus_free(&c);
	} else
		free(cause);
	corpus_free(&base);

	o.min_count = 2;
	if (load(&base, &o, NULL, 0, &cause, 1, p) != 0) {
		ok(0, "base vocabulary with UNK (%s)", cause);
		free(cause);
		return;
	}
	{
		char *one = puts_file("one-unknown.txt", "abжc");

		check_error("one unknown, with a hint", &o, &base.voc, 0, one,
		    ": 1 character not in the model's vocabulary: 'ж' "
		    "(U+0436) (use --map-unknown)", 1, one, NULL);
		if (ok(load(&c, &o, &base.voc, 1, &cause, 1, one) == 0,
		    "map_unknown maps to the unknown symbol")) {
			got = render(&c);
			ok(strcmp(got, "ab?c") == 0, "mapped text '%s'", got);
			free(got);
			corpus_free(&c);
		} else {
			diag("%s", cause);
			free(cause);
		}
		free(one);
	}
	corpus_free(&base);
	free(p);
	free(q);
	free(r);
}

static void
test_encode(void)
{
	text_opts o;
	corpus c;
	char *p, *cause = NULL, *got;
	uint16_t *ids;
	size_t n, skipped;

	memset(&o, 0, sizeof o);
	o.lowercase = 1;
	p = puts_file("enc.txt", "hello world\nпривет\n");
	if (load(&c, &o, NULL, 0, &cause, 1, p) != 0) {
		ok(0, "encode vocabulary (%s)", cause);
		free(cause);
		return;
	}
	ids = text_encode(&c.voc, &o, "HeLLo\r\nПРИ\xe2\x82\xac Q",
	    strlen("HeLLo\r\nПРИ\xe2\x82\xac Q"), &n, &skipped, &cause);
	if (ok(ids != NULL, "text_encode")) {
		got = render_ids(&c.voc, ids, n);
		ok(strcmp(got, "hello\nпри ") == 0 && skipped == 2,
		    "lowercased, CRLF -> LF, unknowns skipped and counted "
		    "('%s', %zu skipped)", show(got), skipped);
		free(got);
		free(ids);
	}
	ids = text_encode(&c.voc, &o, "ab\xffq", 4, &n, &skipped, &cause);
	ok(ids == NULL && cause != NULL && strstr(cause,
	    "invalid UTF-8 at byte 2") != NULL, "text_encode refuses invalid "
	    "UTF-8 (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;
	ids = text_encode(&c.voc, &o, "", 0, &n, &skipped, &cause);
	ok(ids != NULL && n == 0 && skipped == 0, "empty prime");
	free(ids);
	corpus_free(&c);

	o.min_count = 2;
	if (load(&c, &o, NULL, 0, &cause, 1, p) == 0) {
		/* Seen twice or more: 'l', 'o', '\n'. */
		ids = text_encode(&c.voc, &o, "Lz", 2, &n, &skipped, &cause);
		got = ids ? render_ids(&c.voc, ids, n) : xstrdup("");
		ok(ids != NULL && strcmp(got, "l?") == 0 && skipped == 1,
		    "unknowns map to UNK when the vocabulary has one ('%s')",
		    got);
		free(got);
		free(ids);
		corpus_free(&c);
	} else {
		ok(0, "%s", cause);
		free(cause);
	}
	free(p);
}

static void
test_batcher(void)
{
	uint16_t data[21], x[6], y[6];
	batcher b;
	char *cause = NULL;
	size_t i;
	int r;

	for (i = 0; i < NELEMS(data); i++)
		data[i] = (uint16_t)i;
	r = batcher_init(&b, data, 21, 2, 3, &cause);
	ok(r == 0 && b.L == 10 && b.nbatches == 3,
	    "21 ids, B=2, T=3: L=10, 3 batches");
	batcher_get(&b, 1, x, y);
	ok(x[0] == 3 && x[1] == 4 && x[2] == 5 && y[0] == 4 && y[1] == 5 &&
	    y[2] == 6 && x[3] == 13 && x[4] == 14 && x[5] == 15 &&
	    y[3] == 14 && y[4] == 15 && y[5] == 16, "batch 1 inputs and "
	    "targets, row b is stream b");
	batcher_get(&b, 2, x, y);
	ok(x[3] == 16 && y[5] == 19, "last batch stays inside the data");
	batcher_get(&b, 0, x, y);
	ok(x[0] == 0 && y[2] == 3 && x[3] == 10 && y[5] == 13, "batch 0");

	ok(batcher_init(&b, data, 7, 2, 3, &cause) == 0 && b.nbatches == 1,
	    "exactly B*T+1 ids: one batch");
	r = batcher_init(&b, data, 6, 2, 3, &cause);
	ok(r == -1 && cause != NULL && strcmp(cause, "text has 6 characters; "
	    "batch 2 x seq 3 needs at least 7") == 0, "too short: %s",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	r = batcher_init(&b, data, 500, 64, 100, &cause);
	ok(r == -1 && cause != NULL && strstr(cause, "6401") != NULL,
	    "500 characters for 64 x 100: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	r = batcher_init(&b, data, 21, 0, 3, &cause);
	ok(r == -1 && cause != NULL, "B = 0 refused: %s", cause ? cause : "");
	free(cause);
}

/* Random bytes, mostly UTF-8, under random options: every load either
 * succeeds with ids inside the vocabulary or fails with one line naming
 * the file. Run under the sanitizers this also checks the bounds. */
static void
test_fuzz(void)
{
	static const char *pieces[] = {
		"a", "b", "Z", " ", "\n", "\r", "\r\n", "%", "\t", "\xd0\x96",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbb\xbf", "\xc2\xad",
		"\xcc\x81", "\x01", "\xff", "\xc0\xaf", "\xe2\x82", "\xed\xa0\x80",
		"\0",
	};
	uint64_t x = 0x9e3779b97f4a7c15u;
	char buf[256], *path, *cause;
	size_t len, i, bad = 0, loaded = 0, j;
	int iter, k;
	text_opts o;
	corpus c;
	uint16_t *ids;
	size_t n, nsk;

#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	for (iter = 0; iter < 1500; iter++) {
		len = 0;
		k = (int)(RND() % 40);
		for (i = 0; i < (size_t)k; i++) {
			const char *pc = pieces[RND() % (NELEMS(pieces) -
			    (iter % 3 ? 6 : 0))];
			size_t pl = pc[0] == '\0' ? 1 : strlen(pc);

			if (len + pl > sizeof buf)
				break;
			memcpy(buf + len, pc, pl);
			len += pl;
		}
		path = put("fuzz.txt", buf, len);
		memset(&o, 0, sizeof o);
		o.lowercase = (int)(RND() % 2);
		o.filter = (enum text_filter)(RND() % 3);
		if (o.filter == TEXT_FILTER_SET)
			o.filter_set = xstrdup("ab %\n\xd0\xb6");
		o.min_count = (long)(RND() % 3);
		o.lines = RND() % 4 == 0;
		if (RND() % 3 == 0)
			o.record_sep = xstrdup(RND() % 2 ? "%" : "");
		if (load(&c, &o, NULL, 0, &cause, 1, path) == 0) {
			loaded++;
			for (j = 0; j < c.n; j++)
				if (c.ids[j] >= c.voc.V)
					bad++;
			if (c.n == 0 || c.voc.V < 2 || !sorted(&c.voc))
				bad++;
			ids = text_encode(&c.voc, &o, buf, len, &n, &nsk,
			    &cause);
			if (ids != NULL) {
				for (j = 0; j < n; j++)
					if (ids[j] >= c.voc.V)
						bad++;
				free(ids);
			} else
				free(cause);
			corpus_free(&c);
		} else {
			if (cause == NULL || strchr(cause, '\n') != NULL ||
			    (strncmp(cause, path, strlen(path)) != 0 &&
			    strncmp(cause, "--", 2) != 0)) {
				bad++;
				diag("bad message: %s", cause ? cause : "-");
			}
			free(cause);
		}
		text_opts_free(&o);
		free(path);
	}
#undef RND
	ok(bad == 0, "1500 random inputs: valid ids or a one-line message "
	    "(%zu loaded)", loaded);
}

/* Open the FIFO p for writing once a reader has it open (a few seconds at
 * most: a writer must not wait for a reader that has gone). */
static int
fifo_writer(const char *p)
{
	for (int i = 0; i < 500; i++) {
		int fd = open(p, O_WRONLY | O_NONBLOCK);
		if (fd >= 0)
			return fd;
		usleep(10000);
	}
	return -1;
}

/* Pipes and FIFOs are read (a FIFO waits for its writer); directories,
 * devices and sockets are refused before anything can block on them. */
static void
test_special_files(void)
{
	corpus c;
	char *cause = NULL, *p;
	int fds[2];
	pid_t pid;

	/* A FIFO whose writer comes a little later. */
	p = xasprintf("%s/fifo", dir);
	if (mkfifo(p, 0600) != 0) {
		skip("mkfifo failed");
		skip("mkfifo failed");
	} else {
		pid = fork();
		if (pid == 0) {
			usleep(500000);	/* the reader is waiting by then */
			int fd = fifo_writer(p);
			if (fd < 0 || write(fd, "hello world\n", 12) != 12)
				_exit(1);
			_exit(0);
		}
		alarm(30);	/* a hang fails the test */
		int r = load(&c, NULL, NULL, 0, &cause, 1, p);
		waitpid(pid, NULL, 0);
		alarm(0);
		ok(r == 0 && c.n == 12, "a FIFO is read once its writer comes "
		    "(%s)", cause ? cause : "ok");
		if (r == 0)
			corpus_free(&c);
		free(cause);
		cause = NULL;
		/* A writer that opens and goes without a word. */
		pid = fork();
		if (pid == 0)
			_exit(fifo_writer(p) < 0);
		alarm(30);
		check_error("a FIFO closed without data", NULL, NULL, 0, p,
		    ": empty file", 1, p, NULL);
		waitpid(pid, NULL, 0);
		alarm(0);
	}
	free(p);

	/* A pipe, as bash's <(zcat x.gz) gives it: /dev/fd/N. */
	if (pipe(fds) == 0) {
		char path[32];
		snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
		if (write(fds[1], "ab\nba\n", 6) != 6)
			diag("pipe write failed");
		close(fds[1]);
		int r = load(&c, NULL, NULL, 0, &cause, 1, path);
		ok(r == 0 && c.n == 6, "a pipe is read (%s)",
		    cause ? cause : "ok");
		if (r == 0)
			corpus_free(&c);
		free(cause);
		cause = NULL;
		close(fds[0]);
	}

	/* Devices: /dev/zero would never end, a terminal would wait. */
	check_error("a character device", NULL, NULL, 0, "/dev/null",
	    ": is a character device, not a text file", 1, "/dev/null", NULL);

	/* A socket: open(2) would fail with "no such device or address". */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	p = xasprintf("%s/sock", dir);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p);
	if (sock >= 0 && bind(sock, (struct sockaddr *)&sa, sizeof sa) == 0)
		check_error("a socket", NULL, NULL, 0, p,
		    ": is a socket, not a text file", 1, p, NULL);
	else
		skip("cannot bind a unix socket");
	if (sock >= 0)
		close(sock);
	unlink(p);
	free(p);
}

/* file_same: device and inode, links followed; a missing file is never
 * the same. */
static void
test_same(void)
{
	char *a = puts_file("same-a.txt", "a\n");
	char *b = puts_file("same-b.txt", "a\n");
	char *h = xasprintf("%s/same-hard.txt", dir);
	char *s = xasprintf("%s/same-sym.txt", dir);
	char *dot = xasprintf("%s/./same-a.txt", dir);
	char *none = xasprintf("%s/same-none.txt", dir);

	ok(file_same(a, a) && file_same(a, dot), "a file is itself, however "
	    "its path is spelled");
	ok(link(a, h) == 0 && file_same(a, h), "a hard link is the same file");
	ok(symlink(a, s) == 0 && file_same(s, a), "a symbolic link is the file "
	    "it leads to");
	ok(!file_same(a, b), "two files with the same content are not the "
	    "same");
	ok(!file_same(none, none) && !file_same(a, none) &&
	    !file_same(none, a) && !file_same(NULL, a),
	    "a missing file is never the same, not even as itself");
	free(a);
	free(b);
	free(h);
	free(s);
	free(dot);
	free(none);
}

static void
test_speed(void)
{
	const char *line = "The quick brown fox — Быстрая лиса — jumps over "
	    "the lazy dog, 1234567890!\n";
	size_t ll = strlen(line), want = 20u << 20, len = 0;
	char *buf = xmalloc(want + ll), *p, *cause;
	double t0, dt;
	corpus c;
	text_opts o;

	while (len < want) {
		memcpy(buf + len, line, ll);
		len += ll;
	}
	p = put("big.txt", buf, len);
	free(buf);
	memset(&o, 0, sizeof o);
	o.lowercase = 1;
	o.filter = TEXT_FILTER_PRINTABLE;
	t0 = now_seconds();
	if (load(&c, &o, NULL, 0, &cause, 1, p) != 0) {
		ok(0, "20 MB corpus (%s)", cause);
		free(cause);
		free(p);
		return;
	}
	dt = now_seconds() - t0;
	diag("%.1f MB, %zu characters, lowercase + printable: %.3f s",
	    (double)len / 1e6, c.n, dt);
	ok(dt < 3.0, "a 20 MB corpus loads in %.3f s", dt);
	ok(c.bytes == len, "all of it read");
	corpus_free(&c);
	unlink(p);
	free(p);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	test_utf8();
	test_roundtrip();
	test_normalise();
	test_filters();
	test_min_count();
	test_records();
	test_errors();
	test_fixed();
	test_encode();
	test_batcher();
	test_fuzz();
	test_special_files();
	test_same();
	test_speed();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
