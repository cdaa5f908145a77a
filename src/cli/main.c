/* main.c - the burble command: dispatch to a subcommand (train, sample,
 * repl, eval, info, plot, bench), each in its own cli_*.c with its help text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The man page mirrors the help texts; tests/manpage.sh checks. */
static const char usage_main[] =
"Usage: burble COMMAND [OPTION]... [ARG]...\n"
"Train character-level recurrent networks (LSTM, GRU, RNN) on text, watch\n"
"them learn, and talk to them.\n"
"\n"
"Commands:\n"
"  train [FILE]...      train a model (a live dashboard on a terminal)\n"
"  sample -m MODEL      print generated text\n"
"  repl -m MODEL        the prompt on a saved model\n"
"  eval -m MODEL FILE...  loss, bits per character, perplexity, accuracy\n"
"  info MODEL           a summary of a model file\n"
"  plot RUN...          runs' validation curves on one chart\n"
"  bench                training and sampling speed on this machine\n"
"\n"
"Options:\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"'burble COMMAND --help' shows a command's options. See burble(1).\n";

static const char version[] =
"burble " PACKAGE_VERSION "\n"
"Copyright (C) 2026 The burble developers\n"
"License GPLv3+: GNU GPL version 3 or later "
"<https://gnu.org/licenses/gpl.html>.\n"
"This is free software: you are free to change and redistribute it.\n"
"There is NO WARRANTY, to the extent permitted by law.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "train", cli_train },
	{ "sample", cli_sample },
	{ "repl", cli_repl },
	{ "eval", cli_eval },
	{ "info", cli_info },
	{ "plot", cli_plot },
	{ "bench", cli_bench },
};

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* A file grown past RLIMIT_FSIZE is a failed write (EFBIG) that the
	 * checkpoint code reports, not a dead process. */
	signal(SIGXFSZ, SIG_IGN);
	/* The subcommands report a bad option themselves, in one line
	 * (cli_option_error). */
	opterr = 0;
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage_main, stdout);
		return cli_exit(0);
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		fputs(version, stdout);
		return cli_exit(0);
	}
	for (size_t i = 0; i < NELEMS(commands); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			cli_command = commands[i].name;
			return cli_exit(commands[i].fn(argc - 1, argv + 1));
		}
	}
	return cli_usage_error("unknown command '%s'", cmd);
}
