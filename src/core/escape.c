/* escape.c - code points a terminal must not be sent as they are.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "text.h"
#include "util.h"

/* The format characters (general category Cf, Unicode 15) and the
 * separators U+2028/U+2029, as closed ranges, ascending. */
static const uint32_t hidden[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200b },
	/* 0x200c, 0x200d: the joiners, kept */
	{ 0x200e, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x2064 },
	{ 0x2066, 0x206f }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
	{ 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
	{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
	/* 0xe0020-0xe007f: the emoji tags, kept */
};

int
escape_needed(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1;
	for (size_t i = 0; i < NELEMS(hidden) && cp >= hidden[i][0]; i++)
		if (cp <= hidden[i][1])
			return 1;
	return 0;
}

char *
escape_text(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t cap = n + 1, len = 0;
	char *out = xmalloc(cap);

	for (size_t i = 0; i < n;) {
		char esc[16];
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp), add;
		const char *from = text + i;
		if (k == 0) {
			snprintf(esc, sizeof esc, "<0x%02X>", s[i]);
			from = esc;
			add = strlen(esc);
			k = 1;
		} else if (escape_needed(cp) && cp != '\n' && cp != '\t') {
			snprintf(esc, sizeof esc, "<U+%04X>", (unsigned)cp);
			from = esc;
			add = strlen(esc);
		} else
			add = k;
		if (len + add + 1 > cap) {
			cap = 2 * (len + add + 1);
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + len, from, add);
		len += add;
		i += k;
	}
	out[len] = '\0';
	return out;
}
