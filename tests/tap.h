/* tap.h - a tiny TAP producer for burble's C unit tests.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ok(cond, "what %d", x);  skip("why");  return tap_done();
 *   tap_skip_all("no corpus") at the start when nothing can run.
 *   worst = tap_worst(worst, err) keeps the largest error, NaN included.
 * Header-only: each test program is one file.
 */
#ifndef BURBLE_TAP_H
#define BURBLE_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void
skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

static inline void
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

/* The worse of the worst error so far and a new one: NaN once either is
 * NaN (fmax and `if (err > worst)` drop a NaN, and a test then passes on
 * a NaN result). */
static inline double
tap_worst(double worst, double err)
{
	if (isnan(worst) || isnan(err))
		return NAN;
	return err > worst ? err : worst;
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
