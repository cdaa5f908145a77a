/* jwrite.h - a small writer of compact JSON with exact, shortest numbers.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why not jansson's json_dumps: jansson prints every real with one
 * precision per dump (17 significant digits by default), so 0.2f comes out
 * as 0.20000000298023224 and 0.2 as 0.20000000000000001, and it refuses
 * NaN and the infinities. This writer prints each float or double with the
 * fewest digits that read back bit-identical (a float through a double, as
 * JSON readers do), keeps -0.0 as "-0.0", writes NaN as null and the
 * infinities as the strings "inf" and "-inf". Numbers are printed with
 * snprintf: the caller runs it in the C locale (uselocale).
 *
 * Commas are placed by the writer: open a container, write keys and
 * values, close it. Allocation failure aborts (xreallocarray).
 */
#ifndef BURBLE_JWRITE_H
#define BURBLE_JWRITE_H

#include <stddef.h>

typedef struct {
	char *s;	/* (len) NUL-terminated; the caller frees it */
	size_t len, cap;
} jwrite;

void jwrite_open(jwrite *b, const char *bracket);	/* "{" or "[" */
void jwrite_close(jwrite *b, const char *bracket);	/* "}" or "]" */
void jwrite_key(jwrite *b, const char *k);	/* valid UTF-8 */
void jwrite_str(jwrite *b, const char *s);	/* valid UTF-8 */
/* Any string (NULL is null); invalid UTF-8 becomes U+FFFD. */
void jwrite_text(jwrite *b, const char *s);
void jwrite_null(jwrite *b);
void jwrite_bool(jwrite *b, int v);
void jwrite_int(jwrite *b, long long v);
void jwrite_float(jwrite *b, float x);
void jwrite_double(jwrite *b, double x);

#endif
