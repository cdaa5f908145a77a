/*
 * num.c - parse numbers as typed and check them against one range table.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "num.h"

static const num_range setting_ranges[SETTINGS] = {
	[SETTING_LR] = { .lo = 0, .lo_open = 1, .hi = 10,
	    .note = "e.g. 1e-3" },
	[SETTING_TEMP] = { .lo = 0, .hi = INFINITY, .note = "0 = greedy" },
	[SETTING_TOP_K] = { .lo = 0, .hi = INT_MAX, .integer = 1,
	    .note = "0 = off" },
	[SETTING_TOP_P] = { .lo = 0, .lo_open = 1, .hi = 1,
	    .note = "1 = off" },
	[SETTING_BEAM] = { .lo = 1, .hi = BEAM_MAX_WIDTH, .integer = 1 },
};

const num_range *
setting_range(enum setting s)
{
	return &setting_ranges[s];
}

/* Sign, then digits, then what the grammar allows after them. */
static int
plain_decimal(const char *s, int real)
{
	const char *p = s;
	int digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (real && *p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return 0;
	if (real && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

int
num_real(const char *s, double *v)
{
	static locale_t c_locale;	/* made once, kept */
	locale_t old = (locale_t)0;
	char *end;
	double d;

	if (!plain_decimal(s, 1))
		return -1;
	/* strtod follows LC_NUMERIC; burble's numbers are always "0.5". */
	if (c_locale == (locale_t)0)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale != (locale_t)0)
		old = uselocale(c_locale);
	errno = 0;
	d = strtod(s, &end);
	if (c_locale != (locale_t)0)
		uselocale(old);
	if (*end != '\0' || errno == ERANGE || !isfinite(d))
		return -1;
	*v = d + 0.0;	/* "-0" is 0 */
	return 0;
}

int
num_long(const char *s, long *v)
{
	char *end;
	long l;

	if (!plain_decimal(s, 0))
		return -1;
	errno = 0;
	l = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*v = l;
	return 0;
}

int
num_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long u;

	if (!isdigit((unsigned char)*s) || !plain_decimal(s, 0))
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*v = (uint64_t)u;
	return 0;
}

int
num_in(const num_range *r, double v)
{
	if (!(r->lo_open ? v > r->lo : v >= r->lo))
		return 0;
	if (!(r->hi_open ? v < r->hi : v <= r->hi))
		return 0;
	if (r->integer)
		return v == floor(v);
	/* Stored as a float: 1e-300 must not become a rate of 0. */
	return v == 0 || (fabs(v) >= FLT_MIN && fabs(v) <= FLT_MAX);
}

char *
num_describe(const num_range *r, char *buf, size_t n)
{
	const char *what = r->integer ? "an integer" : "a number";
	char note[48] = "";

	if (r->note != NULL)
		snprintf(note, sizeof note, " (%s)", r->note);
	if (isinf(r->hi))
		snprintf(buf, n, "%s %s %g%s", what, r->lo_open ? ">" : ">=",
		    r->lo, note);
	else if (r->integer && r->hi >= INT_MAX)
		snprintf(buf, n, "%s >= %.0f%s", what, r->lo, note);
	else if (r->integer)
		snprintf(buf, n, "%s from %.0f to %.0f%s", what, r->lo,
		    r->hi, note);
	else
		snprintf(buf, n, "%s in %c%g, %g%c%s", what,
		    r->lo_open ? '(' : '[', r->lo, r->hi, r->hi_open ? ')' : ']',
		    note);
	return buf;
}

int
num_parse(const num_range *r, const char *s, double *v)
{
	double d;
	long l;

	if (r->integer) {
		if (num_long(s, &l) != 0)
			return -1;
		d = (double)l;
	} else if (num_real(s, &d) != 0) {
		return -1;
	}
	if (!num_in(r, d))
		return -1;
	*v = d;
	return 0;
}
