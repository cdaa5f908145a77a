/* headless.h - plain progress lines: the view of a training session
 * without a terminal to draw on (the twin of dash_run).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_HEADLESS_H
#define BURBLE_HEADLESS_H

#include "session.h"

/* Print s's events as lines on standard output (notes and errors on
 * standard error) until training is done. sig_fd is sig_catch()'s pipe:
 * the first SIGINT, SIGTERM or SIGHUP saves and stops, a second one exits
 * at once. quiet_steps: a progress line every 2 s at most (not every
 * report). When standard output cannot be written, it says so ("burble:
 * standard output: write error; ...") and the run saves and stops.
 * Returns the exit status: 1 when training diverged, the last save
 * failed, the metrics or standard output could not be written; else 0. */
int headless_run(session *s, int sig_fd, int quiet_steps);

/* Can the terminal not show the dashboard (TERM unset or dumb, unknown
 * to terminfo, or without cursor addressing)? Then 1, and why ("TERM=dumb
 * has no cursor addressing") in why[size]. */
int headless_needed(char *why, size_t size);

#endif
