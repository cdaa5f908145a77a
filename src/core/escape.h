/* escape.h - code points a terminal must not be sent as they are.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A vocabulary or a generated text may hold characters that a terminal
 * acts on instead of showing (controls, U+0085), that turn the rest of
 * the line around (bidirectional overrides and isolates) or that cannot be
 * seen at all (format characters). The views show them escaped, as
 * "U+202E", so what the model learnt is what the screen says.
 */
#ifndef BURBLE_ESCAPE_H
#define BURBLE_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* Is cp to be shown escaped? C0 and C1 controls and DEL (tab and newline
 * too: the caller keeps those where they are wanted), the line and
 * paragraph separators U+2028/U+2029, the bidirectional controls and
 * marks (U+061C, U+200E/F, U+202A-E, U+2066-9), and the other format
 * characters (soft hyphen, zero-width space, word joiner, invisible
 * operators, byte-order mark, interlinear annotation, ...), except the
 * zero-width joiner and non-joiner and the emoji tags, which scripts and
 * emoji sequences need. */
int escape_needed(uint32_t cp);
/* text (n bytes of UTF-8) for a terminal: each code point escape_needed
 * says as "<U+202E>" (tab and newline kept), an invalid byte as "<0xFF>".
 * Allocated, NUL-terminated. */
char *escape_text(const char *text, size_t n);

#endif
