/* utf8.c - UTF-8 decoding and encoding, and the character classes of text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* newlocale, towlower_l */
#endif

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "utf8.h"
#include "util.h"

/* ---- UTF-8 ------------------------------------------------------------ */

size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, v;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)		/* a continuation byte, or an overlong lead */
		return 0;
	if (c < 0xe0) {
		if (len < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0) {
		if (len < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		v = (c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		if (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		*cp = v;
		return 3;
	}
	if (c < 0xf5) {
		if (len < 4 || (s[1] & 0xc0) != 0x80 ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		v = (c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		if (v < 0x10000 || v > 0x10ffff)
			return 0;
		*cp = v;
		return 4;
	}
	return 0;
}

size_t
utf8_encode(uint32_t cp, char out[4])
{
	unsigned char *o = (unsigned char *)out;

	if (cp >= 0x110000 || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;	/* not encodable: the replacement character */
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- character classes ------------------------------------------------ */

/* Format characters (Unicode category Cf) that the printable filter drops:
 * all of them but U+200C/U+200D (joiners) and U+E0020..U+E007F (emoji
 * tags). Sorted ranges. */
static const uint32_t format_ranges[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200b },
	{ 0x200e, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 },
	{ 0x2066, 0x206f }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
	{ 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
	{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
};

static int
is_format(uint32_t cp)
{
	size_t i;

	for (i = 0; i < NELEMS(format_ranges); i++) {
		if (cp < format_ranges[i][0])
			return 0;
		if (cp <= format_ranges[i][1])
			return 1;
	}
	return 0;
}

/* Printable without a locale: everything but controls, line and paragraph
 * separators, format characters and noncharacters. */
static int
fallback_printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if (cp == 0x2028 || cp == 0x2029 || is_format(cp))
		return 0;
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return 0;
	return 1;
}

/* Lowercase without a locale: Latin-1, Latin Extended-A, Greek, Cyrillic. */
static uint32_t
fallback_lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if ((c <= 0x137 || (c >= 0x14a && c <= 0x177)) && c % 2 == 0)
			return c + 1;
		if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) &&
		    c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x386 && c <= 0x3ab) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 37;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 63;
		if (c >= 0x391 && c != 0x3a2)
			return c + 32;
		return c;
	}
	if (c >= 0x400 && c <= 0x52f) {
		if (c <= 0x40f)
			return c + 80;
		if (c <= 0x42f)
			return c + 32;
		if (c == 0x4c0)
			return 0x4cf;
		if (((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
		    c >= 0x4d0) && c % 2 == 0)
			return c + 1;
		if (c >= 0x4c1 && c <= 0x4ce && c % 2 == 1)
			return c + 1;
	}
	return c;
}

locale_t
utf8_locale(void)
{
#ifdef __STDC_ISO_10646__	/* wchar_t values are code points */
	locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (l == (locale_t)0)
		l = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
	return l;
#else
	return (locale_t)0;
#endif
}

uint32_t
utf8_lower(locale_t loc, uint32_t cp)
{
	if (loc != (locale_t)0) {
		wint_t w = towlower_l((wint_t)cp, loc);
		if ((uint32_t)w < 0x110000 &&
		    !((uint32_t)w >= 0xd800 && (uint32_t)w <= 0xdfff))
			return (uint32_t)w;
		return cp;
	}
	return fallback_lower(cp);
}

int
utf8_printable(locale_t loc, uint32_t cp)
{
	if (cp == '\n' || cp == '\t')
		return 1;
	if (loc != (locale_t)0)
		return iswprint_l((wint_t)cp, loc) && !is_format(cp);
	return fallback_printable(cp);
}

int
utf8_showable(uint32_t cp)
{
	if (cp >= 0x110000)
		return 0;
	if (cp == ' ' || (cp >= 0x300 && cp <= 0x36f))	/* combining */
		return 0;
	return fallback_printable(cp);
}

/* ---- making strings safe to show or store ----------------------------- */

size_t
utf8_count(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

char *
utf8_clean(const char *s)
{
	size_t n = strlen(s), k;
	char *out = xmalloc(3 * n + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		k = utf8_decode(p, n - (size_t)(p - (const unsigned char *)s),
		    &cp);
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		} else {
			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	*o = '\0';
	return out;
}

void
utf8_one_line(char *s)
{
	size_t n = strlen(s), k;
	unsigned char *p = (unsigned char *)s, *end = p + n;
	uint32_t cp;

	while (p < end) {
		k = utf8_decode(p, (size_t)(end - p), &cp);
		if (k == 0 || *p < 0x20 || *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		p += k;
	}
}
