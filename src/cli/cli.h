/* cli.h - command-line helpers: validated numbers, usage errors.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_CLI_H
#define BURBLE_CLI_H

#include <stdint.h>

#include "util.h"

#define EXIT_USAGE 2

/* The command being parsed ("train", ...) for "Try 'burble CMD --help'". */
extern const char *cli_command;

/* Print "burble: MESSAGE" and the --help hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) BURBLE_PRINTF(1, 2);
/* Print "burble: MESSAGE" to stderr; returns 1. */
int cli_error(const char *fmt, ...) BURBLE_PRINTF(1, 2);

/* Parse arg as an integer in [min, max] / a float in [min, max] (open ends
 * where min_open / max_open). On failure print a usage error naming the
 * option and what is allowed, and return -1. */
int cli_long(const char *opt, const char *arg, long min, long max, long *out);
int cli_int(const char *opt, const char *arg, int min, int max, int *out);
int cli_float(const char *opt, const char *arg, double min, int min_open,
    double max, int max_open, float *out);
int cli_u64(const char *opt, const char *arg, uint64_t *out);
/* A duration > 0: seconds, or a number with s, m or h ("90", "10m",
 * "1.5h"), at most a year. */
int cli_duration(const char *opt, const char *arg, double *seconds);

#endif
