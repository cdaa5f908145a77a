/* cli_bench.c - `burble bench`: training and sampling speed against the
 * machine's own sgemm peak, measured in one run.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conventions (doc/performance.md says more):
 *  - Training: each timed step is batcher_get + train_step (forward with
 *    dropout, backward, clip, Adam: the step `burble train` takes, without
 *    the divergence guard), after 2 untimed warm-up steps; chars/s =
 *    B*T*steps / seconds.
 *  - FLOPs: forward+backward counts as 3x the forward matrix FLOPs, per
 *    character 2*G*H*(in+H) per layer plus 2*V*H for the output layer,
 *    where in = H above the first layer and in = E for the first (0 for
 *    one-hot input: a column gather, not a product). This gives the
 *    issue's 4.8 MFLOP per character for 2x256 and 19 for 2x512.
 *  - Peak: the best cblas_sgemm GFLOP/s over a square product and the
 *    LSTM-shaped products of this configuration, same thread count, same
 *    run. It is measured last, so its buffers do not count in peak RSS.
 *  - Sampling: batch 1, model_step + sampler_pick at T=1, after a short
 *    untimed warm-up; with the half-precision weights `burble sample`
 *    uses by default (where the CPU has them), and with float weights.
 */
#include "config.h"

#include <cblas.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "kernels.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "sampler.h"
#include "text.h"
#include "train.h"
#include "util.h"

#define BENCH_WARMUP 2
#define BENCH_DROPOUT 0.5f	/* the PyTorch reference's default */
#define BENCH_GEN_V 65
#define BENCH_GEN_CHARS (1u << 20)
#define BENCH_SEED 20260101u
#define PEAK_MIN_S 0.3		/* per shape: best of 3 blocks of 0.1 s */
#define PEAK_TRIES 3		/* attempts while others are busy */
#define BUSY_CORES 0.1		/* foreign load spoiling a timing */

typedef struct {
	model_config mc;
	int B, T, steps, threads, json;
	long sample_chars;
	const char *corpus;
} bench_opts;

typedef struct {
	double peak, train_cps, train_s, flop_per_char, rss_mib;
	double sample_cps;	/* the default precision (sample_prec) */
	double sample32_cps;	/* float weights */
	int sample_prec;
	double foreign;		/* other processes' cores: training */
	double peak_foreign;	/* ... and the peak's best attempt */
	double loss0, loss1;
	char peak_shape[64];
	size_t n, nparams;
} bench_result;

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: burble bench [options]\n"
"Measure training and sampling speed against this machine's sgemm peak.\n"
"\n"
"      --cell NAME        lstm | gru | rnn (lstm)\n"
"      --layers N         (2)\n"
"      --hidden N         (256)\n"
"      --embed N          embedding size; 0 = one-hot input (0)\n"
"  -b, --batch B          parallel streams (64)\n"
"      --seq T            steps of truncated BPTT (100)\n"
"      --steps N          timed training steps, after %d warm-up steps (20)\n"
"      --sample-chars N   characters sampled at batch 1; 0 = skip (20000)\n"
"      --dropout P        (%.1f, the PyTorch reference's; burble train's\n"
"                         default is 0.2)\n"
"      --threads N        BLAS threads (default: all cores)\n"
"      --kernels NAME     kernel set: avx512, avx2, neon, generic (none of\n"
"                         its own: OpenBLAS) or auto (the best this CPU\n"
"                         runs, the default); the table names it\n"
"      --corpus FILE      train on FILE (default: generated text, V=%d)\n"
"      --json             one JSON object instead of the table\n"
"  -h, --help             show this help\n"
"\n"
"The optimizer is Adam with clipping at 5. FLOPs count forward+backward\n"
"as 3x the forward matrix products; one-hot input counts as a gather\n"
"(0 FLOPs).\n",
	    BENCH_WARMUP, (double)BENCH_DROPOUT, BENCH_GEN_V);
}

/* ---- measurement helpers ---------------------------------------------- */

/* Busy CPU-seconds of the whole machine (/proc/stat) and of this process. */
static void
cpu_snap(double *machine, double *self)
{
	unsigned long long v[8] = { 0 };
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	*machine = NAN;
	if (f != NULL) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		    &v[7]) == 8)
			*machine = (double)(v[0] + v[1] + v[2] + v[5] + v[6] +
			    v[7]) / (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	*self = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static double
peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;	/* KiB on Linux */
}

static float *
random_floats(size_t n, rng_t *r)
{
	float *p = xalloc_floats(n);

	for (size_t i = 0; i < n; i++)
		p[i] = rng_float(r) - 0.5f;
	return p;
}

/* GFLOP/s of C[M,N] += op(A) op(B), row-major: best of 3 blocks. */
static double
time_sgemm(int M, int N, int K, int ta, int tb, rng_t *r)
{
	float *A = random_floats((size_t)M * K, r);
	float *Bm = random_floats((size_t)K * N, r);
	float *C = random_floats((size_t)M * N, r);
	int lda = ta ? M : K, ldb = tb ? K : N;
	enum CBLAS_TRANSPOSE tA = ta ? CblasTrans : CblasNoTrans;
	enum CBLAS_TRANSPOSE tB = tb ? CblasTrans : CblasNoTrans;
	double flop = 2.0 * M * N * K, best = 0.0;

	cblas_sgemm(CblasRowMajor, tA, tB, M, N, K, 1.0f, A, lda, Bm, ldb,
	    1.0f, C, N);
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now_seconds(), t;
		long n = 0;
		do {
			cblas_sgemm(CblasRowMajor, tA, tB, M, N, K, 1.0f, A,
			    lda, Bm, ldb, 1.0f, C, N);
			n++;
			t = now_seconds() - t0;
		} while (t < PEAK_MIN_S / 3);
		best = MAX(best, flop * (double)n / t / 1e9);
	}
	free(A);
	free(Bm);
	free(C);
	return best;
}

/*
 * The best sgemm GFLOP/s over a square product and this model's shapes.
 * Other processes on a 2-core machine (a compiler) can halve a GEMM's speed
 * and make the fraction of peak meaningless, so while they were busy the
 * shapes are timed again, up to PEAK_TRIES times, keeping the best.
 * *foreign gets the foreign load of the attempt that gave the best.
 */
static double
measure_peak(const bench_opts *o, int G, char *shape, size_t shapelen,
    double *foreign)
{
	int H = o->mc.H, B = o->B, BT = o->B * o->T, V = o->mc.V;
	int K2 = o->mc.L > 1 ? 2 * H : H;
	struct {
		const char *name;
		int M, N, K, ta, tb;
	} s[] = {
		{ "square", 2048, 2048, 2048, 0, 0 },
		{ "input projection", G * H, BT, H, 0, 0 },
		{ "step", G * H, B, K2, 0, 0 },
		{ "output", V, BT, H, 0, 0 },
		{ "weight grad (NT)", G * H, H, BT, 0, 1 },
		{ "input grad (TN)", H, BT, G * H, 1, 0 },
	};
	rng_t r;
	double best = 0.0;

	rng_seed(&r, BENCH_SEED);
	*foreign = NAN;
	for (int try = 0; try < PEAK_TRIES; try++) {
		double m0, s0, m1, s1, t0, f;
		int improved = 0;

		if (try > 0)
			sleep(1);
		cpu_snap(&m0, &s0);
		t0 = now_seconds();
		for (size_t i = 0; i < NELEMS(s); i++) {
			double g = time_sgemm(s[i].M, s[i].N, s[i].K, s[i].ta,
			    s[i].tb, &r);
			if (g > best) {
				best = g;
				improved = 1;
				snprintf(shape, shapelen, "%s %dx%dx%d",
				    s[i].name, s[i].M, s[i].N, s[i].K);
			}
		}
		cpu_snap(&m1, &s1);
		f = MAX(0.0, ((m1 - m0) - (s1 - s0)) / (now_seconds() - t0));
		if (improved)
			*foreign = f;
		if (!(f > BUSY_CORES))
			break;
	}
	return best;
}

/* Forward matrix FLOPs per character, times 3 for forward+backward. */
static double
flop_per_char(const model_config *c, int G)
{
	double f = 2.0 * c->V * c->H;

	for (int l = 0; l < c->L; l++) {
		double in = l == 0 ? c->E : c->H;
		f += 2.0 * G * c->H * (in + c->H);
	}
	return 3.0 * f;
}

/*
 * Pseudo-text over V = 65 ids from a fixed seed: words of Zipf-ish letters,
 * spaces, punctuation, line breaks. Speed does not depend on the text, but
 * a text with some structure gives a loss that visibly falls.
 */
static uint16_t *
generate_text(size_t n)
{
	uint16_t *ids = xreallocarray(NULL, n, sizeof *ids);
	rng_t r;
	size_t i = 0, col = 0;

	rng_seed(&r, BENCH_SEED);
	/* Every id once, so V is 65 whatever follows. */
	for (; i < BENCH_GEN_V && i < n; i++)
		ids[i] = (uint16_t)i;
	/* ids: 0 newline, 1 space, 2..11 punctuation, 12..64 letters. */
	while (i < n) {
		int len = 1 + (int)rng_below(&r, 9);
		for (int k = 0; k < len && i < n; k++) {
			float u = rng_float(&r);
			ids[i++] = (uint16_t)(12 + (int)(u * u * 53.0f));
		}
		col += (size_t)len + 1;
		if (i < n && rng_below(&r, 8) == 0)
			ids[i++] = (uint16_t)(2 + rng_below(&r, 10));
		if (i < n) {
			if (col > 60) {
				ids[i++] = 0;
				col = 0;
			} else
				ids[i++] = 1;
		}
	}
	return ids;
}

/* ---- the runs --------------------------------------------------------- */

static int
run_training(const bench_opts *o, model *m, const uint16_t *data, size_t n,
    bench_result *res, char **cause)
{
	size_t BT = (size_t)o->B * o->T;
	uint16_t *x = xreallocarray(NULL, BT, sizeof *x);
	uint16_t *y = xreallocarray(NULL, BT, sizeof *y);
	model_ws *ws = NULL;
	optim *opt = NULL;
	optim_config oc;
	train_settings ts;
	train_step_result r;
	float lr;
	batcher bt;
	rng_t rng;
	double t0 = 0.0, m0 = 0.0, s0 = 0.0, m1, s1;
	int rc = -1;

	if (batcher_init(&bt, data, n, o->B, o->T, cause) != 0)
		goto out;
	train_settings_default(&ts);
	oc = ts.opt;	/* Adam at the rate `burble train` peaks at */
	lr = oc.lr;
	opt = optim_create(&oc, m->nparams);
	ws = model_ws_create(m, o->B, o->T);
	rng_seed(&rng, BENCH_SEED + 1);

	for (int step = 0; step < BENCH_WARMUP + o->steps; step++) {
		size_t k = (size_t)step % bt.nbatches;

		if (step == BENCH_WARMUP) {
			cpu_snap(&m0, &s0);
			t0 = now_seconds();
		}
		if (k == 0)
			model_ws_reset(ws);
		batcher_get(&bt, k, x, y);
		train_step(m, ws, opt, x, y, &rng, &lr, 1.0, ts.clip, step, NULL,
		    &r);
		if (!isfinite(r.loss)) {
			set_cause(cause, "the training loss is %g at step %d",
			    r.loss, step + 1);
			goto out;
		}
		if (step == BENCH_WARMUP)
			res->loss0 = r.loss;
		res->loss1 = r.loss;
	}
	res->train_s = now_seconds() - t0;
	cpu_snap(&m1, &s1);
	res->foreign = MAX(0.0, ((m1 - m0) - (s1 - s0)) / res->train_s);
	res->train_cps = (double)BT * o->steps / res->train_s;
	rc = 0;
out:
	model_ws_free(ws);
	optim_free(opt);
	free(x);
	free(y);
	return rc;
}

/* Characters per second sampled from m at its current precision. */
static double
chars_per_second(const bench_opts *o, const model *m)
{
	model_state *st = model_state_create(m);
	sampler_config sc;
	sampler s;
	int tok = 0;
	long warm = MIN(o->sample_chars, 100);
	float pm;

	sampler_config_default(&sc);
	sampler_init(&s, &sc, m->cfg.V, BENCH_SEED);
	for (long i = 0; i < warm; i++)
		tok = sampler_pick(&s, model_step(m, st, tok), &pm);
	double t0 = now_seconds();
	for (long i = 0; i < o->sample_chars; i++)
		tok = sampler_pick(&s, model_step(m, st, tok), &pm);
	double dt = now_seconds() - t0;
	sampler_free(&s);
	model_state_free(st);
	return (double)o->sample_chars / dt;
}

static void
run_sampling(const bench_opts *o, model *m, bench_result *res)
{
	res->sample_prec = model_set_precision(m, MODEL_FP16);
	res->sample_cps = chars_per_second(o, m);
	model_set_precision(m, MODEL_FP32);
	res->sample32_cps = res->sample_prec == MODEL_FP32 ?
	    res->sample_cps : chars_per_second(o, m);
}

/* ---- report ----------------------------------------------------------- */

static void
print_table(const bench_opts *o, const bench_result *r)
{
	const model_config *c = &o->mc;
	double gflops = r->train_cps * r->flop_per_char / 1e9;
	char input[32];

	if (c->E > 0)
		snprintf(input, sizeof input, "embedding %d", c->E);
	else
		snprintf(input, sizeof input, "one-hot");
	printf("burble bench: %s %dx%d, %s, V=%d, B=%d, T=%d, dropout %.1f, "
	    "%d thread%s, kernels %s\n", cell_name(c->cell), c->L, c->H,
	    input, c->V, o->B, o->T, (double)c->dropout, o->threads,
	    o->threads == 1 ? "" : "s", kernels_name());
	printf("corpus: %s (%zu chars), %zu parameters\n",
	    o->corpus ? o->corpus : "generated", r->n, r->nparams);
	printf("  %-18s %12.1f GFLOP/s  (best: %s)\n", "sgemm peak", r->peak,
	    r->peak_shape);
	printf("  %-18s %12.0f chars/s  (%d steps, %.1f ms/step, loss "
	    "%.3f -> %.3f)\n", "training", r->train_cps, o->steps,
	    1e3 * r->train_s / o->steps, r->loss0, r->loss1);
	printf("  %-18s %12.1f GFLOP/s  (%.2f MFLOP/char, 3x forward)\n",
	    "achieved", gflops, r->flop_per_char / 1e6);
	printf("  %-18s %12.1f %%        (limit %.0f chars/s at the peak)\n",
	    "fraction of peak", 100.0 * gflops / r->peak,
	    r->peak * 1e9 / r->flop_per_char);
	if (o->sample_chars > 0) {
		printf("  %-18s %12.0f chars/s  (batch 1, T=1, %ld chars, %s "
		    "weights: the default)\n", "sampling", r->sample_cps,
		    o->sample_chars, precision_name(r->sample_prec));
		if (r->sample_prec != MODEL_FP32)
			printf("  %-18s %12.0f chars/s  (--precision fp32)\n",
			    "sampling fp32", r->sample32_cps);
	}
	printf("  %-18s %12.1f MiB\n", "peak RSS", r->rss_mib);
	if (r->foreign > BUSY_CORES)
		printf("warning: other processes used %.2f cores during "
		    "training: its timing is contaminated\n", r->foreign);
	if (r->peak_foreign > BUSY_CORES)
		printf("warning: other processes used %.2f cores while the "
		    "sgemm peak was measured: it is too low\n",
		    r->peak_foreign);
}

static void
put_json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
print_json(const bench_opts *o, const bench_result *r)
{
	const model_config *c = &o->mc;
	double gflops = r->train_cps * r->flop_per_char / 1e9;

	printf("{\"cell\": \"%s\", \"layers\": %d, \"hidden\": %d, "
	    "\"embed\": %d, \"vocab\": %d, \"batch\": %d, \"seq\": %d, "
	    "\"dropout\": %g, \"threads\": %d, \"kernels\": \"%s\", "
	    "\"corpus\": ", cell_name(c->cell), c->L, c->H, c->E, c->V, o->B,
	    o->T, (double)c->dropout, o->threads, kernels_name());
	put_json_string(o->corpus ? o->corpus : "generated");
	printf(", \"corpus_chars\": %zu, \"params\": %zu, "
	    "\"sgemm_peak_gflops\": %.2f, \"sgemm_peak_shape\": ",
	    r->n, r->nparams, r->peak);
	put_json_string(r->peak_shape);
	printf(", \"steps\": %d, \"train_chars_per_s\": %.1f, "
	    "\"train_ms_per_step\": %.3f, \"flop_per_char\": %.0f, "
	    "\"train_gflops\": %.2f, \"peak_fraction\": %.4f, "
	    "\"limit_chars_per_s\": %.0f, \"loss_first\": %.4f, "
	    "\"loss_last\": %.4f, ", o->steps, r->train_cps,
	    1e3 * r->train_s / o->steps, r->flop_per_char, gflops,
	    gflops / r->peak, r->peak * 1e9 / r->flop_per_char, r->loss0,
	    r->loss1);
	if (o->sample_chars > 0)
		printf("\"sample_chars\": %ld, \"sample_precision\": \"%s\", "
		    "\"sample_chars_per_s\": %.1f, "
		    "\"sample_fp32_chars_per_s\": %.1f, ", o->sample_chars,
		    precision_name(r->sample_prec), r->sample_cps,
		    r->sample32_cps);
	else
		printf("\"sample_chars\": 0, \"sample_chars_per_s\": null, "
		    "\"sample_fp32_chars_per_s\": null, ");
	printf("\"peak_rss_mib\": %.1f, \"foreign_cores\": %.2f, "
	    "\"peak_foreign_cores\": %.2f}\n", r->rss_mib,
	    isfinite(r->foreign) ? r->foreign : -1.0,
	    isfinite(r->peak_foreign) ? r->peak_foreign : -1.0);
}

/* ---- main ------------------------------------------------------------- */

enum {
	OPT_CELL = 256, OPT_LAYERS, OPT_HIDDEN, OPT_EMBED, OPT_SEQ, OPT_STEPS,
	OPT_SAMPLE_CHARS, OPT_THREADS, OPT_CORPUS, OPT_JSON, OPT_KERNELS,
	OPT_DROPOUT,
};

static const struct option longopts[] = {
	{ "cell", required_argument, NULL, OPT_CELL },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "embed", required_argument, NULL, OPT_EMBED },
	{ "batch", required_argument, NULL, 'b' },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "sample-chars", required_argument, NULL, OPT_SAMPLE_CHARS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "kernels", required_argument, NULL, OPT_KERNELS },
	{ "dropout", required_argument, NULL, OPT_DROPOUT },
	{ "corpus", required_argument, NULL, OPT_CORPUS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option's value into o. Returns 0, or -1 on a bad value (said). */
static int
bench_option(bench_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case OPT_CELL:
		if ((o->mc.cell = cell_parse(arg)) < 0) {
			cli_usage_error("--cell: must be lstm, gru or rnn, got "
			    "'%s'", arg);
			return -1;
		}
		return 0;
	case OPT_LAYERS:
		return cli_int("--layers", arg, 1, MODEL_MAX_LAYERS, &o->mc.L);
	case OPT_HIDDEN:
		return cli_int("--hidden", arg, 1, MODEL_MAX_HIDDEN, &o->mc.H);
	case OPT_EMBED:
		return cli_int("--embed", arg, 0, MODEL_MAX_EMBED, &o->mc.E);
	case 'b':
		return cli_int("--batch", arg, 1, 1 << 16, &o->B);
	case OPT_SEQ:
		return cli_int("--seq", arg, 1, 1 << 16, &o->T);
	case OPT_STEPS:
		return cli_int("--steps", arg, 1, 1000000, &o->steps);
	case OPT_SAMPLE_CHARS:
		return cli_long("--sample-chars", arg, 0, 1000000000L,
		    &o->sample_chars);
	case OPT_THREADS:
		return cli_int("--threads", arg, 1, 1024, &o->threads);
	case OPT_KERNELS:
		return cli_kernels(arg);
	case OPT_DROPOUT:
		return cli_float("--dropout", arg, 0, 0, 1, 1, &o->mc.dropout);
	case OPT_CORPUS:
		o->corpus = arg;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	}
	return -1;
}

/* Returns -1 to go on, else the exit status (help: 0, a usage error). */
static int
parse_args(bench_opts *o, int argc, char **argv)
{
	long v;
	int ch;

	memset(o, 0, sizeof *o);
	train_model_default(&o->mc);	/* the model `burble train` builds */
	o->mc.V = BENCH_GEN_V;
	o->mc.dropout = BENCH_DROPOUT;
	o->B = 64;
	o->T = 100;
	o->steps = 20;
	o->sample_chars = 20000;
	v = sysconf(_SC_NPROCESSORS_ONLN);
	o->threads = v > 0 ? (int)v : 1;

	while ((ch = getopt_long(argc, argv, ":b:h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 0;
		}
		if (ch == '?' || ch == ':')
			return cli_option_error(ch, argv, longopts);
		if (bench_option(o, ch, optarg) != 0)
			return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((size_t)o->B * (size_t)o->T > 100000000u)
		return cli_usage_error("--batch x --seq must be at most "
		    "100000000, got %zu", (size_t)o->B * (size_t)o->T);
	return -1;
}

int
cli_bench(int argc, char **argv)
{
	bench_opts o;
	bench_result res;
	corpus cp;
	const uint16_t *data;
	uint16_t *gen = NULL;
	model *m = NULL;
	char *cause = NULL;
	int rc;

	if ((rc = parse_args(&o, argc, argv)) >= 0)
		return rc;
	memset(&res, 0, sizeof res);
	memset(&cp, 0, sizeof cp);
	openblas_set_num_threads(o.threads);

	if (o.corpus != NULL) {
		text_opts to;
		const char *paths[1] = { o.corpus };

		memset(&to, 0, sizeof to);
		if (corpus_load(&cp, paths, 1, &to, NULL, 0, &cause) != 0) {
			fprintf(stderr, "burble: bench: %s\n", cause);
			free(cause);
			return 1;
		}
		data = cp.ids;
		res.n = cp.n;
		o.mc.V = cp.voc.V;
	} else {
		res.n = MAX((size_t)BENCH_GEN_CHARS,
		    2 * (size_t)o.B * o.T + 1);
		data = gen = generate_text(res.n);
	}
	if (model_config_check(&o.mc, &cause) != 0) {
		rc = cli_usage_error("%s", cause);
		goto out;
	}

	rng_t rng;
	rng_seed(&rng, BENCH_SEED);
	m = model_create(&o.mc);
	model_init(m, &rng);
	res.nparams = m->nparams;
	res.flop_per_char = flop_per_char(&o.mc, m->G);

	if (run_training(&o, m, data, res.n, &res, &cause) != 0) {
		fprintf(stderr, "burble: bench: %s\n", cause);
		rc = 1;
		goto out;
	}
	if (o.sample_chars > 0)
		run_sampling(&o, m, &res);
	res.rss_mib = peak_rss_mib();
	res.peak = measure_peak(&o, m->G, res.peak_shape,
	    sizeof res.peak_shape, &res.peak_foreign);

	if (o.json)
		print_json(&o, &res);
	else
		print_table(&o, &res);
	fflush(stdout);
	rc = 0;
out:
	free(cause);
	model_free(m);
	free(gen);
	if (o.corpus != NULL)
		corpus_free(&cp);
	return rc;
}
