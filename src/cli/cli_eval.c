/* cli_eval.c - `burble eval`: loss, bits per character, perplexity and
 * accuracy of a model on text.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "session.h"
#include "text.h"
#include "train.h"

static const char usage_eval[] =
"Usage: burble eval -m MODEL [OPTION]... FILE...\n"
"Loss (nats), bits per character, perplexity and accuracy of MODEL on the\n"
"concatenated FILEs: one stream, state carried, every character predicted.\n"
"A word model: loss, perplexity and accuracy per token, and loss and bits\n"
"per character of the decoded text (total nats / its characters).\n"
"\n"
"  -m, --model FILE         the model\n"
"  -b, --batch B            parallel streams (1: every character is\n"
"                           predicted; more: faster, the remainder that does\n"
"                           not fill a batch is left out)\n"
"      --seq T              characters per forward pass (100)\n"
"      --map-unknown        characters outside the vocabulary become the\n"
"                           unknown symbol\n"
"      --json               one JSON object\n"
"      --threads N          BLAS threads (default: all cores)\n"
"      --kernels NAME       kernel set: avx512, avx2, neon, generic (none\n"
"                           of its own) or auto (the best this CPU runs)\n"
"  -h, --help               show this help and exit\n";

enum { OPT_SEQ = 2000, OPT_MAP_UNKNOWN, OPT_JSON, OPT_THREADS, OPT_KERNELS };

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "batch", required_argument, NULL, 'b' },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "map-unknown", no_argument, NULL, OPT_MAP_UNKNOWN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "kernels", required_argument, NULL, OPT_KERNELS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct eval_args {
	const char *model_path;
	int B, T, map_unknown, json, threads;
};

/* Returns -1 to go on, else the exit status (help: 0, a usage error). */
static int
parse_args(struct eval_args *a, int argc, char **argv)
{
	int opt;

	*a = (struct eval_args){ .B = 1, .T = 100 };
	while ((opt = getopt_long(argc, argv, ":m:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': a->model_path = optarg; break;
		case 'b':
			if (cli_int("--batch", optarg, 1, 65536, &a->B) != 0)
				return EXIT_USAGE;
			break;
		case OPT_SEQ:
			if (cli_int("--seq", optarg, 1, 100000, &a->T) != 0)
				return EXIT_USAGE;
			break;
		case OPT_MAP_UNKNOWN: a->map_unknown = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_THREADS:
			if (cli_int("--threads", optarg, 1, 1024,
			    &a->threads) != 0)
				return EXIT_USAGE;
			break;
		case OPT_KERNELS:
			if (cli_kernels(optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'h': fputs(usage_eval, stdout); return 0;
		default: return cli_option_error(opt, argv, longopts);
		}
	}
	if (optind >= argc)
		return cli_usage_error("a text to evaluate on is needed: FILE...");
	if (a->model_path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	return -1;
}

/* B streams as in training (the remainder is left out), or one stream
 * with every character after the first predicted. 0, or 1 (said why). */
static int
evaluate(const struct eval_args *a, model *m, const corpus *corp,
    train_eval *ev)
{
	char *cause = NULL;

	if (a->B == 1)
		return train_eval_stream(m, corp->ids, corp->n, a->T, NULL, ev) ?
		    1 : 0;
	batcher b;
	if (batcher_init(&b, corp->ids, corp->n, a->B, a->T, &cause) != 0) {
		cli_error("%s: %s", corp->name, cause);
		free(cause);
		return 1;
	}
	model_ws *ws = model_ws_create(m, a->B, a->T);
	uint16_t *x = xreallocarray(NULL, (size_t)a->B * a->T, sizeof *x);
	uint16_t *y = xreallocarray(NULL, (size_t)a->B * a->T, sizeof *y);
	train_eval_batches(m, ws, &b, x, y, NULL, ev);
	free(x);
	free(y);
	model_ws_free(ws);
	return 0;
}

/* A word model: per token, and per character of the decoded text of the
 * tokens predicted (with -b > 1, those of the whole text scaled to the
 * share predicted). */
static void
print_words(const struct eval_args *a, const train_eval *ev,
    const corpus *corp)
{
	double loss = ev->sum / (double)ev->count;
	double acc = (double)ev->correct / (double)ev->count;
	double chars = (double)vocab_decoded_chars(&corp->voc, corp->ids + 1,
	    corp->n - 1, corp->ids[0]);
	chars *= (double)ev->count / (double)(corp->n - 1);
	double lc = chars > 0 ? ev->sum / chars : NAN;

	if (a->json)
		printf("{\"tokenizer\":\"word\",\"loss\":%.9g,"
		    "\"perplexity\":%.9g,\"accuracy\":%.9g,\"tokens\":%zu,"
		    "\"loss_per_char\":%.9g,\"bpc\":%.9g,\"chars\":%.0f}\n",
		    loss, exp(loss), acc, ev->count, lc, lc / M_LN2, chars);
	else
		printf("loss %.6f nats/token  perplexity %.4f  accuracy %.2f%%  "
		    "tokens %zu\nloss %.6f nats/char  bpc %.4f  chars %.0f\n",
		    loss, exp(loss), 100 * acc, ev->count, lc, lc / M_LN2,
		    chars);
}

static void
print_result(const struct eval_args *a, const train_eval *ev)
{
	double loss = ev->sum / (double)ev->count;
	double acc = (double)ev->correct / (double)ev->count;

	if (a->json)
		printf("{\"loss\":%.9g,\"bpc\":%.9g,\"perplexity\":%.9g,"
		    "\"accuracy\":%.9g,\"chars\":%zu}\n", loss, loss / M_LN2,
		    exp(loss), acc, ev->count);
	else
		printf("loss %.6f nats  bpc %.4f  perplexity %.4f  accuracy "
		    "%.2f%%  chars %zu\n", loss, loss / M_LN2, exp(loss),
		    100 * acc, ev->count);
}

int
cli_eval(int argc, char **argv)
{
	struct eval_args a;
	char *cause = NULL;
	train_eval ev;
	corpus corp;
	ckpt c;
	int r;

	if ((r = parse_args(&a, argc, argv)) >= 0)
		return r;
	session_set_threads(a.threads);
	if ((r = cli_load_model(a.model_path, &c)) != 0)
		return r;
	if (corpus_load(&corp, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &c.text, &c.voc, a.map_unknown,
	    &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		ckpt_free(&c);
		return 1;
	}
	if (corp.n < 2)
		r = cli_error("%s: too short to evaluate (needs 2 characters)",
		    corp.name);
	else if ((r = evaluate(&a, c.m, &corp, &ev)) == 0 &&
	    corp.voc.kind == VOCAB_WORD)
		print_words(&a, &ev, &corp);
	else if (r == 0)
		print_result(&a, &ev);
	corpus_free(&corp);
	ckpt_free(&c);
	return r;
}
