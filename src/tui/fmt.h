/* fmt.h - numbers and durations as both views show them.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dashboard and the headless lines format a count or a duration the
 * same way, so a figure read off one reads the same on the other.
 */
#ifndef BURBLE_FMT_H
#define BURBLE_FMT_H

#include <stddef.h>

/* "1:05", "1:02:03" (rounded to the second); "--:--" when s is not a
 * finite, non-negative number (an ETA not known yet). */
void fmt_duration(char *buf, size_t size, double s);
/* "950 chars/s", "48.1 k chars/s", "1.25 M params": three significant
 * figures from 10,000 on; unit may be "". */
void fmt_count(char *buf, size_t size, double v, const char *unit);
/* The cell's name for titles: "LSTM", "GRU", "RNN". */
const char *fmt_cell(int cell);

#endif
