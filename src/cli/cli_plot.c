/* cli_plot.c - `burble plot`: finished runs' curves on one chart.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "curves.h"
#include "plotview.h"

#define PLOT_MAX_FILES CURVE_MAX_COMPARE

static const char usage_plot[] =
"Usage: burble plot [OPTION]... RUN.safetensors...\n"
"The validation curves of 1 to 4 runs on one full-screen chart, with a\n"
"legend: each file's name and the settings in which it differs from the\n"
"first. Keys: x cycles the x axis (steps, characters seen, seconds of\n"
"training), a shows the training curves too, e smooths them (off, 0.6,\n"
"0.9, 0.99), q quits.\n"
"\n"
"      --no-color           no colour: each run has its own mark (also\n"
"                           NO_COLOR)\n"
"  -h, --help               show this help and exit\n";

enum { OPT_NO_COLOR = 2000 };

static const struct option longopts[] = {
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
cli_plot(int argc, char **argv)
{
	curve_run runs[PLOT_MAX_FILES], *rp[PLOT_MAX_FILES];
	int no_color = cli_no_color_env(), opt, n, st;

	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_NO_COLOR: no_color = 1; break;
		case 'h': fputs(usage_plot, stdout); return 0;
		default: return cli_option_error(opt, argv, longopts);
		}
	}
	n = argc - optind;
	if (n < 1)
		return cli_usage_error("a checkpoint to plot is needed: "
		    "burble plot RUN.safetensors...");
	if (n > PLOT_MAX_FILES)
		return cli_usage_error("at most %d runs on one plot, got %d",
		    PLOT_MAX_FILES, n);
	if ((st = cli_load_runs(argv + optind, n, runs)) != 0)
		return st;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		st = cli_error("plot: needs a terminal (burble info --csv "
		    "prints a history for plotting elsewhere)");
	} else {
		for (int i = 0; i < n; i++)
			rp[i] = &runs[i];
		st = plotview_run(rp, n, no_color);
	}
	for (int i = 0; i < n; i++)
		curve_run_free(&runs[i]);
	return st;
}
