/* cli_lines.h - the piped prompt's input: primes, one per line (or per
 * blank-line separated record), read as the corpus reader reads text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bytes go in as they arrive (any chunks); each complete prime comes out
 * through a callback at once, so a program talking to `burble repl`
 * through a pipe gets each answer before it writes the next line. As in
 * a corpus: a line ends at LF, CRLF or a lone CR; a byte-order mark at the
 * start is dropped; a line with a NUL byte or invalid UTF-8 is not text:
 * it is reported with its number and skipped, and the input goes on.
 */
#ifndef BURBLE_CLI_LINES_H
#define BURBLE_CLI_LINES_H

#include <stddef.h>

#define LINES_MAX (1u << 24)	/* bytes in a line, and in a record */

typedef struct {
	/* A prime (NUL-terminated, valid UTF-8, no CR; no LF unless a
	 * record). Returns non-zero to stop the input. */
	int (*prime)(void *arg, const char *prime, size_t len);
	/* Line number `line` (from 1) was skipped: why. */
	void (*bad)(void *arg, long line, const char *why);
	void *arg;
} lines_calls;

typedef struct {
	int records;		/* blank lines separate the primes */
	size_t max;		/* LINES_MAX; smaller in tests */
	long line;		/* lines ended so far */
	int cr;			/* the last byte was a CR (an LF next ends
				   nothing) */
	int overlong;		/* the current line passed max: dropped */
	int stopped;		/* a callback asked to stop */
	char *buf;		/* (n) the current line */
	size_t n, cap;
	char *rec;		/* (nrec) the record so far */
	size_t nrec, rcap;
} lines;

void lines_init(lines *r, int records);
void lines_free(lines *r);
/* n more bytes of input. Returns -1 once a callback asked to stop. */
int lines_feed(lines *r, const char *p, size_t n, const lines_calls *c);
/* The end of the input: the last line (without a newline) and record. */
int lines_end(lines *r, const lines_calls *c);
/* Is p (n bytes) text, as the corpus reader takes it: no NUL byte, valid
 * UTF-8? 0, or -1 with *cause ("binary data (NUL byte at offset 3)",
 * "invalid UTF-8 at byte 5"). */
int lines_check(const char *p, size_t n, char **cause);

#endif
