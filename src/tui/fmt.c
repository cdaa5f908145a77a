/* fmt.c - numbers and durations as both views show them.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "fmt.h"
#include "model.h"

void
fmt_duration(char *buf, size_t size, double s)
{
	long t;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, size, "--:--");
		return;
	}
	t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
		    t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

void
fmt_count(char *buf, size_t size, double v, const char *unit)
{
	const char *sp = *unit ? " " : "";

	if (v >= 1e6)
		snprintf(buf, size, "%.2f M%s%s", v / 1e6, sp, unit);
	else if (v >= 1e4)
		snprintf(buf, size, "%.1f k%s%s", v / 1e3, sp, unit);
	else
		snprintf(buf, size, "%.0f%s%s", v, sp, unit);
}

const char *
fmt_cell(int cell)
{
	return cell == CELL_GRU ? "GRU" : cell == CELL_RNN ? "RNN" : "LSTM";
}
