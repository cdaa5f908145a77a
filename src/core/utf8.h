/* utf8.h - UTF-8 decoding and encoding, and the character classes of text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Strict UTF-8 throughout: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequence. The classes (lowercase, printable) use a
 * "C.UTF-8" locale object, never the global locale; where that locale does
 * not exist, built-in tables cover Latin-1, Latin Extended-A, Greek and
 * Cyrillic.
 */
#ifndef BURBLE_UTF8_H
#define BURBLE_UTF8_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence at s (len bytes available). Returns its length
 * (1-4) and stores the code point, or 0 if invalid/incomplete. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Encode cp (< 0x110000) into out; returns 1-4. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* The number of code points in s (n bytes of valid UTF-8). */
size_t utf8_count(const char *s, size_t n);

/* A copy of the NUL-terminated s with every invalid byte replaced by
 * U+FFFD, so that it can go into JSON (a file name). */
char *utf8_clean(const char *s);
/* In place: every invalid byte and every control character becomes '?',
 * so that a message quoting a file stays one line of valid UTF-8. */
void utf8_one_line(char *s);

/* The "C.UTF-8" character classes, or (locale_t)0 for the built-in
 * fallbacks; the caller frees it (freelocale) when not 0. */
locale_t utf8_locale(void);
/* The lowercase form of cp (cp itself when it has none). */
uint32_t utf8_lower(locale_t loc, uint32_t cp);
/* What the printable filter keeps: letters, marks, digits, punctuation,
 * symbols, spaces, newline and tab; no control or format character (but
 * the joiners and emoji tags). */
int utf8_printable(locale_t loc, uint32_t cp);
/* Whether cp can be shown between quotes in a one-line message. */
int utf8_showable(uint32_t cp);

#endif
