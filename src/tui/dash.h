/* dash.h - the full-screen training dashboard (ncurses).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_DASH_H
#define BURBLE_DASH_H

#include <stdio.h>

#include "curves.h"
#include "session.h"

typedef struct {
	const char *history_path;	/* prompt history, or NULL */
	int no_color;			/* NO_COLOR set, or --no-color */
	curve_run *const *compare;	/* runs drawn beside this one (train
					   --compare), the caller's */
	int ncompare;			/* 0 .. CURVE_MAX_COMPARE */
} dash_options;

/* Run the dashboard on s (training, or model-only for `burble repl`) until
 * the user quits. Restores the terminal on every path, then prints a short
 * summary (best loss, checkpoint path) to summary. Returns the exit status. */
int dash_run(session *s, const dash_options *o, FILE *summary);

#endif
