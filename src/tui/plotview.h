/* plotview.h - `burble plot`: the validation curves of finished runs on
 * one full-screen chart, with a legend and the comparison's keys.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_PLOTVIEW_H
#define BURBLE_PLOTVIEW_H

#include "curves.h"

/* Show runs[0..n) (1 to CHART_MAX_RUNS - 1) until q, Ctrl-C, F10 or a
 * signal; the terminal is restored on every path. Returns the exit
 * status: 0, 1 when the terminal cannot be used (said on stderr), 128 +
 * the signal's number. */
int plotview_run(curve_run *const *runs, int n, int no_color);

#endif
