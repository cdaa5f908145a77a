/* cli_sampling.c - the sampling options `burble sample` and `burble repl`
 * share.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_sampling.h"
#include "escape.h"
#include "gen.h"
#include "model.h"

void
sampling_opts_default(sampling_opts *o)
{
	memset(o, 0, sizeof *o);
	sampler_config_default(&o->smp);
	o->length = 500;
	o->count = 1;
	o->precision = MODEL_FP16;
}

static int
add_stop(sampling_opts *o, const char *arg)
{
	if (o->nstops == GEN_MAX_STOPS) {
		cli_usage_error("--stop: at most %d stop strings", GEN_MAX_STOPS);
		return -1;
	}
	if (arg[0] == '\0' || strlen(arg) >= 64) {
		cli_usage_error("--stop: must be 1 to 63 bytes");
		return -1;
	}
	o->stops[o->nstops++] = arg;
	return 1;
}

int
sampling_opt(sampling_opts *o, int opt, const char *arg)
{
	char *cause = NULL;
	switch (opt) {
	case 't':
		if (sampler_parse_temps(&o->smp, arg, &cause) != 0) {
			cli_usage_error("--temperature: %s", cause);
			free(cause);
			return -1;
		}
		return 1;
	case 'k':
		return cli_setting_int("--top-k", arg, SETTING_TOP_K,
		    &o->smp.top_k) ? -1 : 1;
	case 'p':
		return cli_setting("--top-p", arg, SETTING_TOP_P,
		    &o->smp.top_p) ? -1 : 1;
	case 'n':
		return cli_int("--length", arg, 0, INT_MAX, &o->length) ? -1 : 1;
	case 'c':
		return cli_int("--count", arg, 1, 1000000, &o->count) ? -1 : 1;
	case SAMPLING_OPT_STOP:
		return add_stop(o, arg);
	case SAMPLING_OPT_SEED:
		o->have_seed = 1;
		return cli_u64("--seed", arg, &o->seed) ? -1 : 1;
	case SAMPLING_OPT_THREADS:
		return cli_int("--threads", arg, 1, 1024, &o->threads) ? -1 : 1;
	case SAMPLING_OPT_PRECISION:
		return cli_precision(arg, &o->precision) ? -1 : 1;
	case SAMPLING_OPT_KERNELS:
		return cli_kernels(arg) ? -1 : 1;
	case SAMPLING_OPT_BEAM:
		return cli_setting_int("--beam", arg, SETTING_BEAM, &o->beam) ?
		    -1 : 1;
	}
	return 0;
}

int
sampling_getopt(sampling_opts *o, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if ((r = sampling_opt(o, opt, optarg)) < 0)
			return -2;
		if (r == 0)
			return opt;
	}
	return -1;
}

int
sampling_finish(sampling_opts *o, const char *model_path)
{
	char *cause = NULL;

	if (sampler_config_check(&o->smp, &cause) != 0) {
		cli_usage_error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (model_path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	beam_config bc = { .width = o->beam, .n = o->length };
	if (o->beam > 0 && o->length > 0 && beam_config_check(&bc, &cause)) {
		cli_usage_error("--beam: %s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (!o->have_seed)
		o->seed = cli_clock_seed();
	return 0;
}

/* Has the text generated so far reached a stop string? */
static int
stop_reached(const sampling_opts *o, const gen_tail *tail)
{
	for (int i = 0; i < o->nstops; i++)
		if (gen_tail_ends_with(tail, o->stops[i]))
			return 1;
	return 0;
}

/* The continuation a beam of o->beam finds, after the prime. */
static int
beam_write(generator *g, const sampling_opts *o, FILE *out)
{
	beam_config bc = { .width = o->beam, .n = o->length };
	beam_result r;
	char *cause = NULL;
	size_t n, nc;

	if (o->length > 0 && gen_beam(g, &bc, &r, &cause) != 0) {
		cli_error("--beam: %s", cause);
		free(cause);
		return 1;
	}
	if (o->length > 0) {
		char *text = gen_beam_text(g, &r, o->stops, o->nstops, NULL, &nc,
		    &n);
		fputs(text, out);
		free(text);
		beam_result_free(&r);
	}
	return 0;
}

int
sampling_write(const ckpt *c, const sampling_opts *o, const char *prime,
    int echo, uint64_t seed, FILE *out)
{
	generator g;
	char *cause = NULL;
	size_t skipped = 0;
	int tty = isatty(fileno(out));

	gen_init(&g, c->m, &c->voc, &c->text, &o->smp, seed);
	if (gen_feed(&g, prime, strlen(prime), &skipped, &cause) != 0) {
		cli_error("prime: %s", cause);
		free(cause);
		gen_free(&g);
		return 1;
	}
	if (skipped > 0) {
		char *why = gen_skipped_message(&g, "prime", skipped);
		fprintf(stderr, "burble: warning: %s\n", why);
		free(why);
	}
	if (echo)
		fputs(prime, out);
	gen_tail tail = { .n = 0 };
	int r = o->beam > 0 ? beam_write(&g, o, out) : 0;
	for (int k = 0; k < o->length && o->beam == 0; k++) {
		char u[VOCAB_SYM_MAX];
		int id = gen_next(&g, u, NULL);
		if (id == c->voc.eor)
			break;
		fputs(u, out);
		if (tty)
			fflush(out);
		gen_tail_add(&tail, u, strlen(u));
		if (stop_reached(o, &tail))
			break;
	}
	fputc('\n', out);
	gen_free(&g);
	return ferror(out) ? -1 : r;
}

/* A candidate as the piped :pick shows it: blanks and controls escaped. */
static const char *
pick_glyph(const char *u, char buf[16])
{
	uint32_t cp = (unsigned char)u[0];

	if (strcmp(u, " ") == 0)
		return "SP";
	if (strcmp(u, "\n") == 0)
		return "\\n";
	if (strcmp(u, "\t") == 0)
		return "\\t";
	if (u[1] != '\0' || !escape_needed(cp))
		return u;
	snprintf(buf, 16, "<U+%04X>", (unsigned)cp);
	return buf;
}

int
sampling_pick(const ckpt *c, const sampling_opts *o, const char *prime,
    int n, FILE *out)
{
	generator g;
	char *cause = NULL, u[VOCAB_SYM_MAX], buf[VOCAB_SYM_MAX + 8];
	int ids[PEEK_MAX];
	float p[PEEK_MAX];

	gen_init(&g, c->m, &c->voc, &c->text, &o->smp, o->seed);
	if (gen_feed(&g, prime, strlen(prime), NULL, &cause) != 0) {
		cli_error("prime: %s", cause);
		free(cause);
		gen_free(&g);
		return 1;
	}
	int k = gen_peek(&g, n < 1 ? 1 : n > PEEK_MAX ? PEEK_MAX : n, ids, p);
	for (int i = 0; i < k; i++) {
		vocab_utf8(&c->voc, ids[i], u);
		fprintf(out, "  %*d  '%s'  %5.1f%%\n", k > 10 ? 2 : 1, i,
		    pick_glyph(u, buf), p[i] * 100.0);
	}
	gen_free(&g);
	return ferror(out) ? -1 : 0;
}
