/* fuzz_text.c - a libFuzzer target for the text reader and the prime
 * encoder.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first bytes of an input choose the text options, the rest is the
 * text, handed to corpus_load as one or two files (memfds, so no disk
 * traffic). What loads must hang together: ids inside the vocabulary, a
 * vocabulary of at least two symbols in ascending order; a second load
 * with that vocabulary fixed gives the same ids; without a filter or
 * records, text_encode of the same bytes gives the same ids too. A failure
 * is one line. text_encode also runs on every input, with whatever
 * vocabulary there is. Sanitizers catch the rest. Not part of `make check`;
 * run it with tests/fuzz.sh SECONDS text.
 *
 * Option bytes: flags (bit 0: lowercase; bits 1-2: filter none, printable,
 * set, or an invalid value; bit 3: lines; bit 4: a record separator; bit
 * 5: two files; bit 6: min-count), min-count, the length of the filter set
 * (mod 16) and the set, the length of the record separator (mod 8) and the
 * separator, where the second file starts.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fds[2] = { -1, -1 };
static char paths[2][64];

static void
setup(void)
{
	for (int i = 0; i < 2; i++) {
#ifdef MFD_CLOEXEC
		fds[i] = memfd_create("text", MFD_CLOEXEC);
#endif
		if (fds[i] < 0) {
			char tmpl[] = "/tmp/fuzz_text.XXXXXX";
			fds[i] = mkstemp(tmpl);
			if (fds[i] < 0) {
				perror("fuzz_text: temporary file");
				abort();
			}
			unlink(tmpl);
		}
		snprintf(paths[i], sizeof paths[i], "/proc/self/fd/%d", fds[i]);
	}
}

static void
put(int fd, const uint8_t *p, size_t n)
{
	if (ftruncate(fd, 0) != 0 ||
	    (n > 0 && pwrite(fd, p, n, 0) != (ssize_t)n))
		abort();
}

/* A string of at most max bytes taken from the input (NUL ends it). */
static char *
take_str(const uint8_t **p, size_t *left, size_t max)
{
	size_t n = 0;
	if (*left > 0) {
		n = MIN(**p % (max + 1), *left - 1);
		(*p)++;
		(*left)--;
	}
	char *s = xstrndup((const char *)*p, n);
	*p += n;
	*left -= n;
	return s;
}

static void
check_corpus(const corpus *c)
{
	if (c->n == 0 || c->voc.V < 2 || c->voc.V > TEXT_MAX_VOCAB)
		abort();
	for (int i = 1; i < c->voc.V; i++)
		if (c->voc.cp[i] <= c->voc.cp[i - 1])
			abort();
	for (size_t i = 0; i < c->n; i++)
		if (c->ids[i] >= c->voc.V)
			abort();
}

/* Loading again with the vocabulary fixed reads the same ids. */
static void
check_fixed(const corpus *c, const char *const *pp, size_t np,
    const text_opts *o)
{
	corpus d;
	char *cause = NULL;

	if (corpus_load(&d, pp, np, o, &c->voc, 1, &cause) != 0) {
		fprintf(stderr, "fixed vocabulary: %s\n", cause);
		abort();
	}
	if (d.n != c->n || memcmp(d.ids, c->ids, c->n * sizeof *c->ids) != 0)
		abort();
	corpus_free(&d);
}

/* Without filter, records or folding, a prime reads as the corpus does. */
static void
check_encode(const corpus *c, const text_opts *o, const uint8_t *p, size_t n)
{
	size_t m = 0, skipped = 0;
	uint16_t *ids = text_encode(&c->voc, o, (const char *)p, n, &m,
	    &skipped, NULL);

	if (ids == NULL || skipped != 0 || m != c->n ||
	    memcmp(ids, c->ids, m * sizeof *ids) != 0)
		abort();
	free(ids);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t small[] = { '\n', ' ', 'a', 'e', 0xe9, TEXT_UNK };
	const uint8_t *p = data;
	size_t left = size;
	text_opts o;
	corpus c;
	char *cause = NULL;

	if (fds[0] < 0)
		setup();
	memset(&o, 0, sizeof o);
	unsigned flags = left > 0 ? (left--, *p++) : 0;
	long mc = left > 0 ? (left--, *p++) : 0;
	o.lowercase = flags & 1;
	o.filter = (enum text_filter)((flags >> 1) & 3);
	o.filter_set = take_str(&p, &left, 15);
	o.lines = (flags & 8) != 0;
	char *sep = take_str(&p, &left, 7);
	if (flags & 16)
		o.record_sep = sep;
	else
		free(sep);
	o.min_count = flags & 64 ? mc % 8 : 0;
	size_t split = left > 0 ? (left--, *p++) : 0;
	size_t np = (flags & 32) && left > 0 ? 2 : 1;
	split = np == 2 ? split % (left + 1) : left;
	put(fds[0], p, split);
	put(fds[1], p + split, left - split);
	const char *pp[2] = { paths[0], paths[1] };

	if (corpus_load(&c, pp, np, &o, NULL, 0, &cause) == 0) {
		check_corpus(&c);
		check_fixed(&c, pp, np, &o);
		if (np == 1 && o.filter == TEXT_FILTER_NONE && !o.lines &&
		    o.record_sep == NULL && o.min_count <= 1)
			check_encode(&c, &o, p, left);
	} else {
		if (cause == NULL || *cause == '\0' ||
		    strchr(cause, '\n') != NULL)
			abort();
		free(cause);
		c.voc.V = (int)NELEMS(small);
		c.voc.unk = c.voc.V - 1;
		c.voc.eor = -1;
		c.voc.cp = xcalloc(NELEMS(small), sizeof *c.voc.cp);
		memcpy(c.voc.cp, small, sizeof small);
	}
	/* Any bytes as a prime. */
	size_t m = 0, skipped = 0;
	uint16_t *ids = text_encode(&c.voc, &o, (const char *)data, size, &m,
	    &skipped, &cause);
	if (ids != NULL) {
		for (size_t i = 0; i < m; i++)
			if (ids[i] >= c.voc.V)
				abort();
		free(ids);
	} else {
		if (cause == NULL || strchr(cause, '\n') != NULL)
			abort();
		free(cause);
	}
	corpus_free(&c);
	text_opts_free(&o);
	return 0;
}
