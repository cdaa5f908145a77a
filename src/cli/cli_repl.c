/* cli_repl.c - `burble repl`: the prompt on a saved model; not on a
 * terminal, one continuation per line (or record) of standard input.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_lines.h"
#include "cli_sampling.h"
#include "cmd.h"
#include "dash.h"
#include "headless.h"
#include "model.h"
#include "session.h"

static const char usage_repl[] =
"Usage: burble repl -m MODEL [OPTION]...\n"
"The prompt on a saved model. Not on a terminal: read one prime per line\n"
"(or per record with --records) and print each continuation; a line that\n"
"is not text (a NUL byte, invalid UTF-8) is reported and skipped; a line\n"
"':pick [N]' lists the N likeliest characters after the last prime.\n"
"\n"
"  -m, --model FILE         the model\n"
SAMPLING_HELP
"      --records            primes are separated by blank lines\n"
"      --no-color           no colours (also when NO_COLOR is set)\n"
"  -h, --help               show this help and exit\n";

enum { OPT_RECORDS = 2000, OPT_NO_COLOR };

static const char shortopts[] = ":m:" SAMPLING_SHORTOPTS "h";

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "records", no_argument, NULL, OPT_RECORDS },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "help", no_argument, NULL, 'h' },
	SAMPLING_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

struct repl_args {
	sampling_opts o;
	const char *model_path;
	int records, no_color;
};

struct piped {
	const ckpt *c;
	const sampling_opts *o;
	char *last;		/* the last prime, for :pick */
	int status;
};

/* ":pick [N]" (or ":pi", ":pic"): the likeliest characters after the
 * last prime. 1 if the line was one, -1 when the output failed. */
static int
piped_pick(struct piped *p, const char *line)
{
	size_t w = strcspn(line, " \t");
	cmd_result r;
	char *cause = NULL;

	if (w < 3 || w > 5 || strncmp(line, ":pick", w) != 0)
		return 0;
	if (cmd_parse(line, &r, &cause) != 0) {
		cli_error("stdin: %s", cause);
		free(cause);
		p->status = 1;
		return 1;
	}
	int rc = sampling_pick(p->c, p->o, p->last ? p->last : "",
	    r.nargs > 0 ? (int)r.integer : 10, stdout);
	cmd_result_free(&r);
	if (rc < 0 || fflush(stdout) != 0)
		return -1;
	if (rc > 0)
		p->status = 1;
	return 1;
}

static int
piped_prime(void *arg, const char *prime, size_t len)
{
	struct piped *p = arg;
	int r;

	(void)len;
	if ((r = piped_pick(p, prime)) != 0) {
		if (r < 0)
			p->status = 1;
		return r < 0 ? -1 : 0;
	}
	free(p->last);
	p->last = xstrdup(prime);
	if ((r = sampling_write(p->c, p->o, prime, 1, p->o->seed, stdout)) < 0 ||
	    fflush(stdout) != 0) {
		p->status = 1;		/* main says: standard output failed */
		return -1;
	}
	if (r > 0)
		p->status = 1;
	return 0;
}

static void
piped_bad(void *arg, long line, const char *why)
{
	struct piped *p = arg;

	cli_error("stdin: line %ld: %s; skipped", line, why);
	p->status = 1;
}

/* Not a terminal: one prime per line (or blank-line-separated record),
 * answered as it arrives. */
static int
repl_piped(const char *model_path, const sampling_opts *o, int records)
{
	struct piped p = { .o = o };
	lines_calls calls = { piped_prime, piped_bad, &p };
	char buf[65536];
	lines in;
	ckpt c;
	int r = cli_load_model(model_path, &c);

	if (r != 0)
		return r;
	model_set_precision(c.m, o->precision);
	p.c = &c;
	lines_init(&in, records);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p.status = cli_error("stdin: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			lines_end(&in, &calls);
			break;
		}
		if (lines_feed(&in, buf, (size_t)n, &calls) != 0)
			break;
	}
	lines_free(&in);
	ckpt_free(&c);
	free(p.last);
	return p.status;
}

/* Returns -1 to go on, else the exit status (help: 0, a usage error). */
static int
parse_args(struct repl_args *a, int argc, char **argv)
{
	int opt, r;

	memset(a, 0, sizeof *a);
	a->no_color = cli_no_color_env();
	sampling_opts_default(&a->o);
	while ((opt = sampling_getopt(&a->o, argc, argv, shortopts,
	    longopts)) != -1) {
		if (opt == -2)
			return EXIT_USAGE;
		switch (opt) {
		case 'm': a->model_path = optarg; break;
		case OPT_RECORDS: a->records = 1; break;
		case OPT_NO_COLOR: a->no_color = 1; break;
		case 'h': fputs(usage_repl, stdout); return 0;
		default: return cli_option_error(opt, argv, longopts);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((r = sampling_finish(&a->o, a->model_path)) != 0)
		return r;
	return -1;
}

/* The prompt on a terminal. */
static int
repl_dash(const struct repl_args *a)
{
	char *cause = NULL;
	session *s = session_open_model(a->model_path, a->o.threads,
	    a->o.precision, &cause);
	if (s == NULL) {
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	gen_settings gs;
	gen_settings_default(&gs);
	gs.smp = a->o.smp;
	gs.length = a->o.length > 0 ? a->o.length : gs.length;
	gs.seed = a->o.seed;
	gs.beam = a->o.beam;
	gs.reseed = 1;
	gs.nstops = a->o.nstops;
	for (int i = 0; i < a->o.nstops; i++)
		snprintf(gs.stops[i], sizeof gs.stops[i], "%s", a->o.stops[i]);
	session_set_generation(s, &gs);
	char *hist = cli_history_path();
	dash_options d = { .history_path = hist, .no_color = a->no_color };
	int status = dash_run(s, &d, stdout);
	session_free(s);
	free(hist);
	return status;
}

int
cli_repl(int argc, char **argv)
{
	struct repl_args a;
	int r;

	if ((r = parse_args(&a, argc, argv)) >= 0)
		return r;
	int piped = !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO);
	char why[128];
	if (!piped && headless_needed(why, sizeof why)) {
		fprintf(stderr, "burble: note: %s: reading primes line by "
		    "line instead\n", why);
		piped = 1;
	}
	if (piped) {
		session_set_threads(a.o.threads);
		return repl_piped(a.model_path, &a.o, a.records);
	}
	return repl_dash(&a);
}
