/* jwrite.c - a small writer of compact JSON with exact, shortest numbers.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwrite.h"
#include "utf8.h"
#include "util.h"

static void
jwrite_raw(jwrite *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->s = xreallocarray(b->s, cap, 1);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* A comma unless a value or key would be the first of its container: every
 * complete value ends in a character other than these three. */
static void
jwrite_sep(jwrite *b)
{
	if (b->len > 0) {
		char c = b->s[b->len - 1];
		if (c != '{' && c != '[' && c != ':')
			jwrite_raw(b, ",", 1);
	}
}

void
jwrite_open(jwrite *b, const char *bracket)
{
	jwrite_sep(b);
	jwrite_raw(b, bracket, 1);
}

void
jwrite_close(jwrite *b, const char *bracket)
{
	jwrite_raw(b, bracket, 1);
}

void
jwrite_str(jwrite *b, const char *s)
{
	jwrite_sep(b);
	jwrite_raw(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			jwrite_raw(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			jwrite_raw(b, esc, 6);
		} else
			jwrite_raw(b, (const char *)p, 1);
	}
	jwrite_raw(b, "\"", 1);
}

void
jwrite_key(jwrite *b, const char *k)
{
	jwrite_str(b, k);
	jwrite_raw(b, ":", 1);
}

void
jwrite_null(jwrite *b)
{
	jwrite_sep(b);
	jwrite_raw(b, "null", 4);
}

void
jwrite_bool(jwrite *b, int v)
{
	jwrite_sep(b);
	jwrite_raw(b, v ? "true" : "false", v ? 4 : 5);
}

void
jwrite_int(jwrite *b, long long v)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%lld", v);
	jwrite_sep(b);
	jwrite_raw(b, t, (size_t)n);
}

/* Finite x printed with the fewest digits (from lo to hi) that read back
 * exactly; "-0.0" keeps the sign, which an integer token would lose. */
static void
jwrite_number(jwrite *b, double x, int is_float)
{
	char t[40];
	int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
	jwrite_sep(b);
	if (isnan(x)) {
		jwrite_raw(b, "null", 4);
		return;
	}
	if (isinf(x)) {
		jwrite_raw(b, x > 0 ? "\"inf\"" : "\"-inf\"", x > 0 ? 5 : 6);
		return;
	}
	if (x == 0 && signbit(x)) {
		jwrite_raw(b, "-0.0", 4);
		return;
	}
	for (int p = lo; p <= hi; p++) {
		snprintf(t, sizeof t, "%.*g", p, x);
		double y = strtod(t, NULL);
		if (is_float ? (float)y == (float)x : y == x)
			break;
	}
	jwrite_raw(b, t, strlen(t));
}

void
jwrite_text(jwrite *b, const char *s)
{
	if (s == NULL) {
		jwrite_null(b);
		return;
	}
	char *c = utf8_clean(s);
	jwrite_str(b, c);
	free(c);
}

void
jwrite_float(jwrite *b, float x)
{
	jwrite_number(b, x, 1);
}

void
jwrite_double(jwrite *b, double x)
{
	jwrite_number(b, x, 0);
}
