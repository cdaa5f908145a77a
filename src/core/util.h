/* util.h - allocation, error strings and clocks shared by every module.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conventions used throughout burble:
 *  - A fallible function returns -1 (or NULL) and, when `cause` is not NULL,
 *    stores an allocated one-line message there (no trailing newline, no
 *    program name). The caller decides whether it is shown or fatal.
 *  - The numeric core never prints, never exits, never touches the terminal.
 *  - x* allocators abort on out-of-memory; sizes are checked for overflow.
 */
#ifndef BURBLE_UTIL_H
#define BURBLE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define BURBLE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define BURBLE_UNUSED __attribute__((unused))
#else
#define BURBLE_PRINTF(f, a)
#define BURBLE_UNUSED
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) BURBLE_PRINTF(1, 2);
/* 64-byte aligned, zeroed; release with free(). */
void *xalloc_floats(size_t n);

/* Store an allocated message in *cause (if cause is not NULL); returns -1. */
int set_cause(char **cause, const char *fmt, ...) BURBLE_PRINTF(2, 3);

/* Monotonic seconds; nanoseconds. */
double now_seconds(void);
uint64_t now_ns(void);

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
