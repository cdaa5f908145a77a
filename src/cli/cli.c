/* cli.c - what the subcommands share: messages, validated numbers, the
 * model loader.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "curves.h"
#include "kernels.h"
#include "model.h"

const char *cli_command = NULL;
static int stdout_said;		/* "standard output: write error" was said */

static void
vmessage(const char *fmt, va_list ap)
{
	fputs("burble: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	if (cli_command != NULL)
		fprintf(stderr, "Try 'burble %s --help'.\n", cli_command);
	else
		fprintf(stderr, "Try 'burble --help'.\n");
	return EXIT_USAGE;
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return 1;
}

int
cli_stdout_error(void)
{
	if (!stdout_said)
		cli_error("standard output: write error");
	stdout_said = 1;
	return 1;
}

void
cli_stdout_said(void)
{
	stdout_said = 1;
}

int
cli_exit(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || stdout_said) {
		cli_stdout_error();
		if (status == 0)
			status = 1;
	}
	return status;
}

/* The long options that name (up to '=' or its end) abbreviates; the
 * one that matches exactly wins. */
static const struct option *
long_option(const struct option *lo, const char *name, int *nmatch)
{
	size_t len = strcspn(name, "=");
	const struct option *found = NULL;

	*nmatch = 0;
	for (; lo != NULL && lo->name != NULL; lo++) {
		if (strncmp(lo->name, name, len) != 0)
			continue;
		if (lo->name[len] == '\0') {	/* exact */
			*nmatch = 1;
			return lo;
		}
		found = lo;
		++*nmatch;
	}
	return *nmatch == 1 ? found : NULL;
}

int
cli_option_error(int opt, char **argv, const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = NULL;
	int n = 0;

	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0')
		o = long_option(longopts, arg + 2, &n);
	/* A short option's error leaves argv[optind - 1] at whatever came
	 * before it (perhaps a long option): it is long only if it names
	 * the option getopt complains about. */
	int is_long = strncmp(arg, "--", 2) == 0 && (n > 1 ||
	    (o != NULL ? optopt == 0 || o->val == optopt : optopt == 0));
	if (!is_long) {
		if (opt == ':')
			return cli_usage_error("option '-%c' needs an argument",
			    optopt);
		return cli_usage_error("unknown option '-%c'", optopt);
	}
	int len = (int)strcspn(arg, "=");
	if (n > 1) {
		char list[256];
		size_t k = 0;
		list[0] = '\0';
		for (o = longopts; o->name != NULL && k < sizeof list; o++)
			if (strncmp(o->name, arg + 2, (size_t)len - 2) == 0)
				k += (size_t)snprintf(list + k, sizeof list - k,
				    "%s--%s", k ? ", " : "", o->name);
		return cli_usage_error("option '%.*s' is ambiguous (%s)", len,
		    arg, list);
	}
	if (o == NULL)
		return cli_usage_error("unknown option '%.*s'", len, arg);
	if (opt == ':')
		return cli_usage_error("option '--%s' needs an argument",
		    o->name);
	if (o->has_arg == no_argument && strchr(arg, '=') != NULL)
		return cli_usage_error("option '--%s' takes no argument",
		    o->name);
	return cli_usage_error("invalid use of option '--%s'", o->name);
}

int
cli_long(const char *opt, const char *arg, long min, long max, long *out)
{
	long v;

	if (num_long(arg, &v) != 0 || v < min || v > max) {
		if (max == LONG_MAX)
			cli_usage_error("%s: must be an integer >= %ld, got '%s'",
			    opt, min, arg);
		else
			cli_usage_error("%s: must be an integer from %ld to %ld, "
			    "got '%s'", opt, min, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int
cli_int(const char *opt, const char *arg, int min, int max, int *out)
{
	long v;
	if (cli_long(opt, arg, min, max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

int
cli_range(const char *opt, const char *arg, const num_range *r, double *out)
{
	char what[96];

	if (num_parse(r, arg, out) != 0) {
		cli_usage_error("%s: must be %s, got '%s'", opt,
		    num_describe(r, what, sizeof what), arg);
		return -1;
	}
	return 0;
}

int
cli_float(const char *opt, const char *arg, double min, int min_open,
    double max, int max_open, float *out)
{
	num_range r = { .lo = min, .hi = max, .lo_open = (unsigned char)min_open,
	    .hi_open = (unsigned char)max_open };
	double v;

	if (cli_range(opt, arg, &r, &v) != 0)
		return -1;
	*out = (float)v;
	return 0;
}

int
cli_setting(const char *opt, const char *arg, enum setting s, float *out)
{
	double v;

	if (cli_range(opt, arg, setting_range(s), &v) != 0)
		return -1;
	*out = (float)v;
	return 0;
}

int
cli_setting_int(const char *opt, const char *arg, enum setting s, int *out)
{
	double v;

	if (cli_range(opt, arg, setting_range(s), &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

int
cli_duration(const char *opt, const char *arg, double *seconds)
{
	static const num_range year = { .lo = 0, .lo_open = 1,
	    .hi = 366 * 86400.0 };
	char num[64];
	size_t n = strlen(arg);
	double v = 0, unit = 1;
	int bad = n >= sizeof num;

	if (!bad) {
		memcpy(num, arg, n + 1);
		if (n > 0 && strchr("smh", num[n - 1]) != NULL) {
			unit = num[n - 1] == 's' ? 1 : num[n - 1] == 'm' ? 60 :
			    3600;
			num[n - 1] = '\0';
		}
		bad = num_real(num, &v) != 0 || !num_in(&year, v * unit);
	}
	if (bad) {
		cli_usage_error("%s: must be a duration such as 90, 90s, 10m or "
		    "1.5h (more than 0, at most a year), got '%s'", opt, arg);
		return -1;
	}
	*seconds = v * unit;
	return 0;
}

int
cli_u64(const char *opt, const char *arg, uint64_t *out)
{
	if (num_u64(arg, out) != 0) {
		cli_usage_error("%s: must be a non-negative integer, got '%s'",
		    opt, arg);
		return -1;
	}
	return 0;
}

int
cli_precision(const char *arg, int *precision)
{
	if ((*precision = precision_parse(arg)) < 0) {
		cli_usage_error("--precision: must be fp16 or fp32, got '%s'",
		    arg);
		return -1;
	}
	return 0;
}

int
cli_kernels(const char *arg)
{
	char *cause = NULL;

	if (kernels_select(arg, &cause) != 0) {
		cli_usage_error("--kernels: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

uint64_t
cli_clock_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 32);
}

int
cli_no_color_env(void)
{
	const char *nc = getenv("NO_COLOR");
	return nc != NULL && nc[0] != '\0';
}

char *
cli_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state != NULL && state[0] == '/')
		return xasprintf("%s/burble/history", state);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/state/burble/history", home);
	return NULL;
}

int
cli_load_model(const char *path, ckpt *c)
{
	char *cause = NULL;
	if (path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	if (ckpt_load(path, c, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}

int
cli_load_run(const char *path, curve_run *r)
{
	const char *base = strrchr(path, '/');
	ckpt c;
	int st;

	if ((st = cli_load_model(path, &c)) != 0)
		return st;
	if (!c.has_train || c.prog.nhist == 0) {
		ckpt_free(&c);
		return cli_error("%s: no training history to plot (a "
		    "weights-only file)", path);
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", base != NULL && base[1] ?
	    base + 1 : path);
	for (char *p = r->name; *p != '\0'; p++)	/* never a control */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	r->mc = c.m->cfg;
	r->set = c.settings;
	r->hist = c.prog.hist;		/* taken over */
	r->nhist = r->cap = c.prog.nhist;
	c.prog.hist = NULL;
	c.prog.nhist = c.prog.cap = 0;
	ckpt_free(&c);
	return 0;
}

int
cli_load_runs(char *const *paths, int n, curve_run *runs)
{
	for (int i = 0; i < n; i++) {
		int st = cli_load_run(paths[i], &runs[i]);
		if (st != 0) {
			while (i-- > 0)
				curve_run_free(&runs[i]);
			return st;
		}
	}
	return 0;
}
