/* cli_sampling.h - the sampling options `burble sample` and `burble repl`
 * share: parsing, their help lines, and writing one continuation.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_CLI_SAMPLING_H
#define BURBLE_CLI_SAMPLING_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "ckpt.h"
#include "sampler.h"
#include "session.h"

typedef struct {
	sampler_config smp;
	int length;
	int count;
	uint64_t seed;
	int have_seed;
	const char *stops[GEN_MAX_STOPS];
	int nstops;
	int threads;
	int precision;		/* MODEL_FP16, MODEL_FP32 */
	int beam;		/* beam width; 0 = sample */
} sampling_opts;

/* The short options and help lines of the shared options. */
#define SAMPLING_SHORTOPTS "t:k:p:n:"
#define SAMPLING_HELP \
"  -t, --temperature T[,T]...  0 = greedy; a list is cycled per character\n" \
"                           (1.0)\n" \
"  -k, --top-k K            keep the K most likely characters (0 = off)\n" \
"  -p, --top-p P            keep the most likely characters up to mass P,\n" \
"                           in (0, 1] (1.0 = off)\n" \
"  -n, --length N           characters per sample, tokens for a word model\n" \
"                           (500)\n" \
"      --stop STR           stop at STR (may be repeated)\n" \
"      --beam N             the likeliest text a beam of N finds instead of\n" \
"                           sampling (1 to 1000; 1 = greedy)\n" \
"      --seed S             reproducible output (default: the clock)\n" \
"      --precision P        fp16: half-precision weights, about 1.5x faster;\n" \
"                           fp32: exact (fp16)\n" \
"      --threads N          BLAS threads (default: all cores)\n" \
"      --kernels NAME       kernel set: avx512, avx2, neon, generic (none\n" \
"                           of its own) or auto (the best this CPU runs)\n"

enum {
	SAMPLING_OPT_STOP = 1000, SAMPLING_OPT_SEED, SAMPLING_OPT_THREADS,
	SAMPLING_OPT_PRECISION, SAMPLING_OPT_KERNELS, SAMPLING_OPT_BEAM,
};

#define SAMPLING_LONGOPTS \
	{ "temperature", required_argument, NULL, 't' }, \
	{ "top-k", required_argument, NULL, 'k' }, \
	{ "top-p", required_argument, NULL, 'p' }, \
	{ "length", required_argument, NULL, 'n' }, \
	{ "stop", required_argument, NULL, SAMPLING_OPT_STOP }, \
	{ "seed", required_argument, NULL, SAMPLING_OPT_SEED }, \
	{ "threads", required_argument, NULL, SAMPLING_OPT_THREADS }, \
	{ "precision", required_argument, NULL, SAMPLING_OPT_PRECISION }, \
	{ "kernels", required_argument, NULL, SAMPLING_OPT_KERNELS }, \
	{ "beam", required_argument, NULL, SAMPLING_OPT_BEAM }

void sampling_opts_default(sampling_opts *o);
/* Returns 1 if opt was a sampling option, 0 if not, -1 on a bad value
 * (said why). -c/--count is sample's, parsed here too. */
int sampling_opt(sampling_opts *o, int opt, const char *arg);
/* getopt_long over argv, taking the sampling options itself: returns the
 * next other option, -1 at the end, or -2 after a bad value (said why). */
int sampling_getopt(sampling_opts *o, int argc, char **argv,
    const char *shortopts, const struct option *longopts);
/* After the options: check the sampler settings and that there is a
 * model; seed from the clock without --seed. 0, or EXIT_USAGE (said). */
int sampling_finish(sampling_opts *o, const char *model_path);
/* Generate one continuation of prime into out; streams when out is a
 * terminal. Returns 0, -1 on a write error (not said: the caller knows
 * the file), or 1 when the prime is not text (said). */
int sampling_write(const ckpt *c, const sampling_opts *o, const char *prime,
    int echo, uint64_t seed, FILE *out);
/* The n (1..PEEK_MAX) likeliest characters after prime, one a line,
 * "  0  'e'   12.5%", blanks and controls escaped. As sampling_write. */
int sampling_pick(const ckpt *c, const sampling_opts *o, const char *prime,
    int n, FILE *out);

#endif
