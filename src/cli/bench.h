/* bench.h - `burble bench`: training and sampling speed against the
 * machine's own sgemm peak, measured in one run.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_BENCH_H
#define BURBLE_BENCH_H

/*
 * The whole subcommand: argv[0] is "bench", the options follow (doc/cli.md).
 * Prints the report on stdout (a table, or one JSON object with --json) and
 * errors on stderr. Sets the OpenBLAS thread count. Returns the exit status:
 * 0, 1 on a runtime error (one line "burble: bench: ..."), 2 on a usage
 * error (a line, then "Try 'burble bench --help'.").
 */
int bench_main(int argc, char **argv);

#endif
