/* fuzz_lines.c - a libFuzzer target for the piped prompt's input
 * (src/cli/cli_lines.c): how `burble repl` cuts standard input into
 * primes.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first input byte picks the mode (records or lines) and a small line
 * limit, the rest is the input. It is fed three ways: whole, one byte at a
 * time, and in chunks of sizes drawn from the input; the three must give
 * the same primes and the same skipped lines, and those must be what a
 * plain reference (the whole text split at LF, CRLF and lone CR, then
 * each line judged) gives. Every prime must be text: no NUL, valid UTF-8,
 * no CR, no LF outside a record, no longer than the limit. Sanitizers
 * catch the rest.
 *
 * Build and run: tests/fuzz.sh SECONDS lines (CI runs it for 60 s).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_lines.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What came out, as bytes: 'P' len bytes, or 'B' line why '\0'. */
typedef struct {
	char *p;
	size_t n, cap;
	int records;
	size_t max;
	long last_bad;
} trace;

static void
put(trace *t, const void *p, size_t n)
{
	if (t->n + n > t->cap) {
		t->cap = 2 * (t->n + n) + 64;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			abort();
	}
	memcpy(t->p + t->n, p, n);
	t->n += n;
}

static int
on_prime(void *arg, const char *prime, size_t len)
{
	trace *t = arg;
	char *cause = NULL;

	if (strlen(prime) != len || lines_check(prime, len, &cause) != 0 ||
	    memchr(prime, '\r', len) != NULL || len > t->max)
		abort();
	if (!t->records && memchr(prime, '\n', len) != NULL)
		abort();
	if (t->records && (len == 0 || prime[0] == '\n' ||
	    prime[len - 1] == '\n' || strstr(prime, "\n\n") != NULL))
		abort();
	put(t, "P", 1);
	put(t, &len, sizeof len);
	put(t, prime, len);
	return 0;
}

static void
on_bad(void *arg, long line, const char *why)
{
	trace *t = arg;

	if (line <= t->last_bad)
		abort();
	t->last_bad = line;
	put(t, "B", 1);
	put(t, &line, sizeof line);
	put(t, why, strlen(why) + 1);
}

static void
trace_init(trace *t, int records, size_t max)
{
	memset(t, 0, sizeof *t);
	t->records = records;
	t->max = max;
}

/* Feed in chunks: sizes from cuts (0: all at once). */
static void
run(trace *t, const uint8_t *in, size_t n, const uint8_t *cuts,
    size_t ncuts, int bytewise)
{
	lines r;
	lines_calls c = { on_prime, on_bad, t };
	size_t i = 0, k = 0;

	lines_init(&r, t->records);
	r.max = t->max;
	while (i < n) {
		size_t len = n - i;
		if (bytewise)
			len = 1;
		else if (ncuts > 0) {
			size_t cut = (size_t)cuts[k++ % ncuts] % 17 + 1;
			len = MIN(len, cut);	/* MIN evaluates twice */
		}
		lines_feed(&r, (const char *)in + i, len, &c);
		i += len;
	}
	lines_end(&r, &c);
	lines_free(&r);
}

/* The reference: split the whole text, then judge each line. */
static void
reference(trace *t, const uint8_t *in, size_t n)
{
	char *rec = malloc(n + 1), *cause = NULL, why[128];
	size_t nrec = 0, i = 0;
	long line = 0;

	while (i < n) {
		size_t j = i;
		while (j < n && in[j] != '\n' && in[j] != '\r')
			j++;
		int ended = j < n;
		const char *p = (const char *)in + i;
		size_t len = j - i;
		i = j + ended;
		if (ended && in[j] == '\r' && i < n && in[i] == '\n')
			i++;
		line++;
		if (len > t->max) {
			snprintf(why, sizeof why, "too long (over %zu bytes)",
			    t->max);
			on_bad(t, line, why);
			continue;
		}
		if (line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			len -= 3;
		}
		if (lines_check(p, len, &cause) != 0) {
			on_bad(t, line, cause);
			free(cause);
			continue;
		}
		char *copy = xstrndup(p, len);
		if (!t->records)
			on_prime(t, copy, len);
		else if (len == 0) {
			if (nrec > 0)
				on_prime(t, rec, nrec);
			nrec = 0;
		} else if (nrec + len + 1 > t->max) {
			snprintf(why, sizeof why, "the record is too long "
			    "(over %zu bytes)", t->max);
			on_bad(t, line, why);
		} else {
			if (nrec > 0)
				rec[nrec++] = '\n';
			memcpy(rec + nrec, copy, len);
			nrec += len;
			rec[nrec] = '\0';
		}
		free(copy);
	}
	if (t->records && nrec > 0)
		on_prime(t, rec, nrec);
	free(rec);
}

static int
same(const trace *a, const trace *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	trace whole, bytes, chunks, ref;

	if (size < 1)
		return 0;
	int records = data[0] & 1;
	size_t max = (size_t)(data[0] >> 1) % 48 + 4;
	const uint8_t *in = data + 1;
	size_t n = size - 1;

	trace_init(&whole, records, max);
	trace_init(&bytes, records, max);
	trace_init(&chunks, records, max);
	trace_init(&ref, records, max);
	run(&whole, in, n, NULL, 0, 0);
	run(&bytes, in, n, NULL, 0, 1);
	run(&chunks, in, n, in, n, 0);
	reference(&ref, in, n);
	if (!same(&whole, &bytes) || !same(&whole, &chunks) ||
	    !same(&whole, &ref))
		abort();
	free(whole.p);
	free(bytes.p);
	free(chunks.p);
	free(ref.p);
	return 0;
}
