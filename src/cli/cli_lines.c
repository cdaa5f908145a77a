/* cli_lines.c - the piped prompt's input: primes, one per line (or per
 * blank-line separated record), read as the corpus reader reads text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_lines.h"
#include "text.h"
#include "util.h"

void
lines_init(lines *r, int records)
{
	memset(r, 0, sizeof *r);
	r->records = records;
	r->max = LINES_MAX;
	r->cap = 1;
	r->buf = xmalloc(r->cap);
	r->buf[0] = '\0';
}

void
lines_free(lines *r)
{
	free(r->buf);
	free(r->rec);
	memset(r, 0, sizeof *r);
}

int
lines_check(const char *p, size_t n, char **cause)
{
	const unsigned char *s = (const unsigned char *)p;
	const void *nul = memchr(p, '\0', n);
	uint32_t cp;

	if (nul != NULL)
		return set_cause(cause, "binary data (NUL byte at offset %zu)",
		    (size_t)((const char *)nul - p));
	for (size_t i = 0; i < n;) {
		size_t k = utf8_decode(s + i, n - i, &cp);
		if (k == 0)
			return set_cause(cause, "invalid UTF-8 at byte %zu", i);
		i += k;
	}
	return 0;
}

static void
append(char **buf, size_t *n, size_t *cap, const char *p, size_t len)
{
	if (*n + len + 1 > *cap) {
		*cap = MAX(2 * *cap, *n + len + 1);
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *n, p, len);
	*n += len;
	(*buf)[*n] = '\0';
}

static void
say_bad(lines *r, const lines_calls *c, const char *why)
{
	if (c->bad != NULL)
		c->bad(c->arg, r->line, why);
}

static void
give(lines *r, const lines_calls *c, const char *p, size_t len)
{
	if (!r->stopped && c->prime(c->arg, p, len) != 0)
		r->stopped = 1;
}

/* The record so far is complete. */
static void
end_record(lines *r, const lines_calls *c)
{
	if (r->nrec == 0)
		return;
	give(r, c, r->rec, r->nrec);
	r->nrec = 0;
}

/* A line ended (its terminator not in buf). */
static void
end_line(lines *r, const lines_calls *c)
{
	char *cause = NULL, why[128];
	char *p = r->buf;
	size_t n = r->n;

	r->line++;
	r->n = 0;
	if (r->overlong) {
		r->overlong = 0;
		snprintf(why, sizeof why, "too long (over %zu bytes)", r->max);
		say_bad(r, c, why);
		return;
	}
	if (r->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;		/* a byte-order mark */
		n -= 3;
	}
	if (lines_check(p, n, &cause) != 0) {
		say_bad(r, c, cause);
		free(cause);
		return;
	}
	p[n] = '\0';
	if (!r->records) {
		give(r, c, p, n);
		return;
	}
	if (n == 0) {
		end_record(r, c);
		return;
	}
	if (r->nrec + n + 1 > r->max) {
		snprintf(why, sizeof why, "the record is too long (over %zu "
		    "bytes)", r->max);
		say_bad(r, c, why);
		return;
	}
	if (r->nrec > 0)
		append(&r->rec, &r->nrec, &r->rcap, "\n", 1);
	append(&r->rec, &r->nrec, &r->rcap, p, n);
}

/* The bytes of p (n) before a CR or LF. */
static size_t
line_part(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] != '\n' && p[k] != '\r')
		k++;
	return k;
}

int
lines_feed(lines *r, const char *p, size_t n, const lines_calls *c)
{
	while (n > 0 && !r->stopped) {
		if (r->cr && *p == '\n') {	/* the LF of a CRLF */
			r->cr = 0;
			p++;
			n--;
			continue;
		}
		r->cr = 0;
		size_t k = line_part(p, n);
		size_t take = r->overlong ? 0 : MIN(k, r->max - r->n);
		if (take < k)
			r->overlong = 1;
		append(&r->buf, &r->n, &r->cap, p, take);
		p += k;
		n -= k;
		if (n == 0)
			break;
		r->cr = *p == '\r';	/* the line ends here */
		p++;
		n--;
		end_line(r, c);
	}
	return r->stopped ? -1 : 0;
}

int
lines_end(lines *r, const lines_calls *c)
{
	if (!r->stopped && (r->n > 0 || r->overlong))
		end_line(r, c);
	if (r->records && !r->stopped)
		end_record(r, c);
	return r->stopped ? -1 : 0;
}
