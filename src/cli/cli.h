/* cli.h - what the subcommands share: messages, validated numbers, the
 * model loader, and the subcommands' entry points (main.c dispatches).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_CLI_H
#define BURBLE_CLI_H

#include <stdint.h>

#include "ckpt.h"
#include "num.h"
#include "util.h"

#define EXIT_USAGE 2

/* The subcommands: argv[0] is the command's name, the options follow.
 * Each returns the exit status. */
int cli_train(int argc, char **argv);
int cli_sample(int argc, char **argv);
int cli_repl(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_plot(int argc, char **argv);

/* The command being parsed ("train", ...) for "Try 'burble CMD --help'". */
extern const char *cli_command;

/* Print "burble: MESSAGE" and the --help hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) BURBLE_PRINTF(1, 2);
/* Print "burble: MESSAGE" to stderr; returns 1. */
int cli_error(const char *fmt, ...) BURBLE_PRINTF(1, 2);

/* Standard output could not be written: say so, once ("burble: standard
 * output: write error"). Returns 1. */
int cli_stdout_error(void);
/* ... a view has said so itself. */
void cli_stdout_said(void);
/* The exit status: standard output is flushed, and when that fails (now
 * or before) it is said once and a status of 0 becomes 1. Every path out
 * of main goes through here, as GNU's close_stdout. */
int cli_exit(int status);

struct option;
/* getopt_long (opterr 0, an option string starting with ':') returned opt,
 * '?' or ':': say what was wrong with the option in one line, "unknown
 * option '--bogus'", "option '--model' needs an argument", ..., then the
 * --help hint. Returns EXIT_USAGE. */
int cli_option_error(int opt, char **argv, const struct option *longopts);

/* Parse arg (num.h: plain decimals only) as an integer in [min, max] / a
 * float in [min, max] (open ends where min_open / max_open) / a value in
 * r / a setting shared with the prompt. On failure print a usage error
 * naming the option and what is allowed, and return -1. */
int cli_long(const char *opt, const char *arg, long min, long max, long *out);
int cli_int(const char *opt, const char *arg, int min, int max, int *out);
int cli_float(const char *opt, const char *arg, double min, int min_open,
    double max, int max_open, float *out);
int cli_range(const char *opt, const char *arg, const num_range *r,
    double *out);
int cli_setting(const char *opt, const char *arg, enum setting s, float *out);
int cli_setting_int(const char *opt, const char *arg, enum setting s,
    int *out);
int cli_u64(const char *opt, const char *arg, uint64_t *out);
/* A duration > 0: seconds, or a number with s, m or h ("90", "10m",
 * "1.5h"), at most a year. */
int cli_duration(const char *opt, const char *arg, double *seconds);
/* --precision: fp16 or fp32 (MODEL_FP16, MODEL_FP32). */
int cli_precision(const char *arg, int *precision);
/* --kernels NAME: make that kernel set active (kernels.h: avx512, avx2,
 * neon, generic or auto) for what the command makes next. 0, or -1 after
 * a usage error saying why (an unknown name, or a set this machine does
 * not have or cannot run). */
int cli_kernels(const char *arg);


/* A seed from the clock and the process id (no --seed). */
uint64_t cli_clock_seed(void);
/* NO_COLOR is set and not empty. */
int cli_no_color_env(void);
/* The prompt history: $XDG_STATE_HOME/burble/history (allocated), or NULL
 * without a home. */
char *cli_history_path(void);
/* Load the model of -m path into c: 0, EXIT_USAGE without a path, 1 (said
 * why) when it cannot be loaded. */
int cli_load_model(const char *path, ckpt *c);
/* Load the history and settings of the checkpoint at path into r (for
 * `burble plot` and --compare): 0, or 1 (said why: missing, not a
 * checkpoint, no history). cli_load_runs loads n of them, all or none. */
struct curve_run;
int cli_load_run(const char *path, struct curve_run *r);
int cli_load_runs(char *const *paths, int n, struct curve_run *runs);

#endif
