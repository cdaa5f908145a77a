/* main.c - the burble command: train, sample, repl, eval, info, bench.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ckpt.h"
#include "cli.h"
#include "dash.h"
#include "fmt.h"
#include "gen.h"
#include "model.h"
#include "sampler.h"
#include "session.h"
#include "sig.h"
#include "text.h"
#include "util.h"

#define DEFAULT_CORPUS "quillfeather.txt"
#define DEFAULT_OUTPUT "burble.safetensors"

/* ---- help texts (the man page mirrors them; tests/manpage.sh checks) --- */

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
"  bench                training and sampling speed on this machine\n"
"\n"
"Options:\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"'burble COMMAND --help' shows a command's options. See burble(1).\n";

static const char usage_train[] =
"Usage: burble train [OPTION]... [FILE]...\n"
"Train a model on the concatenated FILEs ('-' is standard input; no FILE:\n"
"the installed default corpus). A live dashboard on a terminal, plain\n"
"progress lines otherwise.\n"
"\n"
"Output:\n"
"  -o, --output FILE        checkpoint (default " DEFAULT_OUTPUT "); may hold\n"
"                           {epoch}, {step} and {loss}; the best model also\n"
"                           goes to FILE with .best before the extension\n"
"      --resume FILE        continue exactly where a checkpoint stopped\n"
"      --map-unknown        with --resume: characters outside the vocabulary\n"
"                           become the unknown symbol\n"
"      --keep N             keep at most N templated checkpoints (0 = all)\n"
"      --weights-only       save weights and metadata only (no optimizer\n"
"                           state: smaller, but cannot be resumed)\n"
"      --metrics FILE       append one JSON object per report and evaluation\n"
"      --headless           plain progress lines, no dashboard\n"
"      --no-color           no colours (also when NO_COLOR is set)\n"
"\n"
"Training:\n"
"      --epochs N           epochs to train (30)\n"
"      --steps N            stop after N optimizer steps in all\n"
"      --time DURATION      train this long (90, 90s, 10m, 1.5h), then\n"
"                           evaluate, save and stop\n"
"  -b, --batch B            parallel streams (32)\n"
"      --seq T              time steps of truncated BPTT (64)\n"
"      --lr RATE            learning rate (2e-3)\n"
"      --lr-decay F         multiply the rate by F at each epoch end (1.0)\n"
"      --lr-decay-after N   ... once N epochs are done (0)\n"
"      --optim NAME         adam, rmsprop or sgd (adam)\n"
"      --momentum M         momentum for sgd (0.9) and rmsprop (0)\n"
"      --clip NORM          clip gradients to this global norm (5; 0 = off)\n"
"      --val FRACTION       validation split: the last part of the text (0.1)\n"
"      --patience N         stop after N evaluations without a better\n"
"                           validation loss (0 = off)\n"
"      --eval-every N       evaluate, sample and save every N steps instead\n"
"                           of at each epoch end\n"
"      --report-every N     a progress report every N steps (default: four\n"
"                           a second, printed headless every 2 s)\n"
"      --seed S             make the run reproducible (default: the clock)\n"
"      --threads N          BLAS threads (default: all cores)\n"
"      --sample-len N       characters per end-of-epoch sample (200)\n"
"      --sample-temps LIST  their temperatures (0.2,0.5,1.0)\n"
"      --precision P        weights the samples and the prompt read: fp16\n"
"                           (faster) or fp32 (fp16)\n"
"\n"
"Model:\n"
"      --cell NAME          lstm, gru or rnn (lstm)\n"
"      --layers N           recurrent layers (2)\n"
"      --hidden N           hidden units per layer (256)\n"
"      --embed N            embedding size; 0 = one-hot input (0)\n"
"      --dropout P          between layers and before the output (0.2)\n"
"\n"
"Text:\n"
"      --lowercase          lowercase the text\n"
"      --filter printable   keep letters, digits, punctuation and whitespace\n"
"      --charset CHARS      keep only these characters\n"
"      --min-count N        fold characters seen fewer than N times into one\n"
"                           unknown symbol\n"
"      --lines              each line is a record ending in an end-of-record\n"
"                           symbol\n"
"      --record-sep STR     records are separated by lines holding STR\n"
"  -h, --help               show this help and exit\n";

#define SAMPLING_HELP \
"  -t, --temperature T[,T]...  0 = greedy; a list is cycled per character\n" \
"                           (1.0)\n" \
"  -k, --top-k K            keep the K most likely characters (0 = off)\n" \
"  -p, --top-p P            keep the most likely characters up to mass P,\n" \
"                           in (0, 1] (1.0 = off)\n" \
"  -n, --length N           characters per sample (500)\n" \
"      --stop STR           stop at STR (may be repeated)\n" \
"      --seed S             reproducible output (default: the clock)\n" \
"      --precision P        fp16: half-precision weights, about 1.5x faster;\n" \
"                           fp32: exact (fp16)\n" \
"      --threads N          BLAS threads (default: all cores)\n"

static const char usage_sample[] =
"Usage: burble sample -m MODEL [OPTION]...\n"
"Print text generated by MODEL, streaming.\n"
"\n"
"  -m, --model FILE         the model (a .safetensors checkpoint)\n"
"      --prime TEXT         text to continue\n"
"      --prime-file FILE    ... read from FILE\n"
"      --random-prime FILE  ... a random line of FILE\n"
"      --no-prime           do not print the prime before the continuation\n"
SAMPLING_HELP
"  -c, --count N            samples, separated by a blank line (1)\n"
"  -o, --output FILE        write to FILE instead of standard output\n"
"  -h, --help               show this help and exit\n";

static const char usage_repl[] =
"Usage: burble repl -m MODEL [OPTION]...\n"
"The prompt on a saved model. Not on a terminal: read one prime per line\n"
"(or per record with --records) and print each continuation.\n"
"\n"
"  -m, --model FILE         the model\n"
SAMPLING_HELP
"      --records            primes are separated by blank lines\n"
"      --no-color           no colours (also when NO_COLOR is set)\n"
"  -h, --help               show this help and exit\n";

static const char usage_eval[] =
"Usage: burble eval -m MODEL [OPTION]... FILE...\n"
"Loss (nats), bits per character, perplexity and accuracy of MODEL on the\n"
"concatenated FILEs: one stream, state carried, every character predicted.\n"
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
"  -h, --help               show this help and exit\n";

static const char usage_info[] =
"Usage: burble info [OPTION]... MODEL\n"
"Layers, shapes, parameter counts, vocabulary, text options, training\n"
"settings and history of a model file.\n"
"\n"
"      --json               one JSON object\n"
"  -h, --help               show this help and exit\n";

/* ---- shared pieces ------------------------------------------------------ */

static uint64_t
clock_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 32);
}

static int
is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The installed default corpus, or the one beside the binary in a build
 * tree. */
static char *
default_corpus(void)
{
	char *p = xasprintf("%s/%s", PKGDATADIR, DEFAULT_CORPUS);
	if (is_file(p))
		return p;
	free(p);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			p = xasprintf("%s/corpora/%s", exe, DEFAULT_CORPUS);
			if (is_file(p))
				return p;
			free(p);
		}
	}
	return xasprintf("corpora/%s", DEFAULT_CORPUS);
}

/* The prompt history: $XDG_STATE_HOME/burble/history. */
static char *
history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state != NULL && state[0] == '/')
		return xasprintf("%s/burble/history", state);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/state/burble/history", home);
	return NULL;
}

static int
no_color_env(void)
{
	const char *nc = getenv("NO_COLOR");
	return nc != NULL && nc[0] != '\0';
}

/* ---- sampling options, shared by sample and repl ------------------------ */

struct sample_opts {
	sampler_config smp;
	int length;
	int count;
	uint64_t seed;
	int have_seed;
	const char *stops[GEN_MAX_STOPS];
	int nstops;
	int threads;
	int precision;		/* MODEL_FP16, MODEL_FP32 */
};

static void
sample_opts_default(struct sample_opts *o)
{
	memset(o, 0, sizeof *o);
	sampler_config_default(&o->smp);
	o->length = 500;
	o->count = 1;
	o->precision = MODEL_FP16;
}

static int
parse_precision(const char *arg, int *precision)
{
	if ((*precision = precision_parse(arg)) < 0)
		return cli_usage_error("--precision: must be fp16 or fp32, got "
		    "'%s'", arg);
	return 0;
}

/* Returns 1 if opt was a sampling option, 0 if not, -1 on a bad value. */
static int
sample_opt(struct sample_opts *o, int opt, const char *arg)
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
		return cli_int("--top-k", arg, 0, INT_MAX, &o->smp.top_k) ? -1 : 1;
	case 'p':
		return cli_float("--top-p", arg, 0, 1, 1, 0, &o->smp.top_p) ? -1 : 1;
	case 'n':
		return cli_int("--length", arg, 0, INT_MAX, &o->length) ? -1 : 1;
	case 'c':
		return cli_int("--count", arg, 1, 1000000, &o->count) ? -1 : 1;
	case 1000:	/* --stop */
		if (o->nstops == GEN_MAX_STOPS) {
			cli_usage_error("--stop: at most %d stop strings",
			    GEN_MAX_STOPS);
			return -1;
		}
		if (arg[0] == '\0' || strlen(arg) >= 64) {
			cli_usage_error("--stop: must be 1 to 63 bytes");
			return -1;
		}
		o->stops[o->nstops++] = arg;
		return 1;
	case 1001:	/* --seed */
		o->have_seed = 1;
		return cli_u64("--seed", arg, &o->seed) ? -1 : 1;
	case 1002:	/* --threads */
		return cli_int("--threads", arg, 1, 1024, &o->threads) ? -1 : 1;
	case 1003:	/* --precision */
		return parse_precision(arg, &o->precision) ? -1 : 1;
	}
	return 0;
}

#define SAMPLING_LONGOPTS \
	{ "temperature", required_argument, NULL, 't' }, \
	{ "top-k", required_argument, NULL, 'k' }, \
	{ "top-p", required_argument, NULL, 'p' }, \
	{ "length", required_argument, NULL, 'n' }, \
	{ "stop", required_argument, NULL, 1000 }, \
	{ "seed", required_argument, NULL, 1001 }, \
	{ "threads", required_argument, NULL, 1002 }, \
	{ "precision", required_argument, NULL, 1003 }

/* Generate one continuation of prime into out; streams when out is a
 * terminal. Returns 0, or -1 on a write error. */
static int
write_sample(const ckpt *c, const struct sample_opts *o, const char *prime,
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
		return -1;
	}
	if (skipped > 0)
		fprintf(stderr, "burble: warning: %zu prime character%s not in "
		    "the model's vocabulary, skipped\n", skipped,
		    skipped == 1 ? "" : "s");
	if (echo)
		fputs(prime, out);
	gen_tail tail = { .n = 0 };
	for (int k = 0; k < o->length; k++) {
		char u[8];
		int id = gen_next(&g, u, NULL);
		if (id == c->voc.eor)
			break;
		fputs(u, out);
		if (tty)
			fflush(out);
		gen_tail_add(&tail, u, strlen(u));
		int stop = 0;
		for (int i = 0; i < o->nstops && !stop; i++)
			stop = gen_tail_ends_with(&tail, o->stops[i]);
		if (stop)
			break;
	}
	fputc('\n', out);
	gen_free(&g);
	return ferror(out) ? -1 : 0;
}

static int
load_model(const char *path, ckpt *c)
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

static char *
read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		cli_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (f != stdin && is_dir(path)) {
		cli_error("%s: is a directory", path);
		fclose(f);
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (n > max) {
			cli_error("%s: too large (over %zu bytes)", path, max);
			free(buf);
			if (f != stdin)
				fclose(f);
			return NULL;
		}
	}
	int err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (err) {
		cli_error("%s: read error", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* A random non-empty line of path as the prime. */
static char *
random_line(const char *path, uint64_t seed)
{
	size_t len, nlines = 0;
	char *text = read_file(path, (size_t)1 << 30, &len);
	if (text == NULL)
		return NULL;
	for (char *p = text, *e; *p != '\0'; p = e + (*e != '\0')) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p)
			nlines++;
	}
	if (nlines == 0) {
		cli_error("%s: no non-empty line to take a prime from", path);
		free(text);
		return NULL;
	}
	rng_t r;
	rng_seed(&r, seed ^ 0x9a1e);
	size_t want = (size_t)rng_below(&r, nlines);
	for (char *p = text, *e; *p != '\0'; p = e + (*e != '\0')) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p && want-- == 0) {
			char *line = xstrndup(p, (size_t)(e - p));
			free(text);
			return line;
		}
	}
	free(text);
	return NULL;
}

/* ---- burble sample ------------------------------------------------------ */

static int
cmd_sample(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "prime", required_argument, NULL, 2000 },
		{ "prime-file", required_argument, NULL, 2001 },
		{ "random-prime", required_argument, NULL, 2002 },
		{ "no-prime", no_argument, NULL, 2003 },
		{ "count", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		SAMPLING_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct sample_opts o;
	const char *model_path = NULL, *prime = NULL, *prime_file = NULL;
	const char *random_file = NULL, *output = NULL;
	int echo = 1, opt, r;
	char *cause = NULL;

	sample_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "m:t:k:p:n:c:o:h", longopts,
	    NULL)) != -1) {
		if ((r = sample_opt(&o, opt, optarg)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'm': model_path = optarg; break;
		case 2000: prime = optarg; break;
		case 2001: prime_file = optarg; break;
		case 2002: random_file = optarg; break;
		case 2003: echo = 0; break;
		case 'o': output = optarg; break;
		case 'h': fputs(usage_sample, stdout); return 0;
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((prime != NULL) + (prime_file != NULL) + (random_file != NULL) > 1)
		return cli_usage_error("--prime, --prime-file and --random-prime "
		    "exclude each other");
	if (sampler_config_check(&o.smp, &cause) != 0) {
		cli_usage_error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (model_path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	if (!o.have_seed)
		o.seed = clock_seed();
	session_set_threads(o.threads);

	ckpt c;
	if ((r = load_model(model_path, &c)) != 0)
		return r;
	model_set_precision(c.m, o.precision);
	char *owned = NULL;
	size_t len;
	if (prime_file != NULL) {
		owned = read_file(prime_file, (size_t)1 << 24, &len);
		if (owned == NULL) {
			ckpt_free(&c);
			return 1;
		}
		prime = owned;
	} else if (random_file != NULL) {
		owned = random_line(random_file, o.seed);
		if (owned == NULL) {
			ckpt_free(&c);
			return 1;
		}
		prime = owned;
	}
	if (prime == NULL)
		prime = "";
	FILE *out = stdout;
	if (output != NULL && (out = fopen(output, "w")) == NULL) {
		cli_error("%s: %s", output, strerror(errno));
		free(owned);
		ckpt_free(&c);
		return 1;
	}
	int status = 0;
	for (int i = 0; i < o.count && status == 0; i++) {
		if (i > 0)
			fputc('\n', out);
		if (write_sample(&c, &o, prime, echo, o.seed + (uint64_t)i,
		    out) != 0)
			status = 1;
	}
	if (out != stdout && fclose(out) != 0)
		status = 1;
	else if (out == stdout && fflush(stdout) != 0)
		status = 1;
	if (status != 0 && !ferror(stderr))
		cli_error("%s: write error", output ? output : "standard output");
	free(owned);
	ckpt_free(&c);
	return status;
}

/* ---- burble repl -------------------------------------------------------- */

/* Not a terminal: one prime per line (or blank-line-separated record). */
static int
repl_piped(const char *model_path, const struct sample_opts *o, int records)
{
	ckpt c;
	int r = load_model(model_path, &c);
	if (r != 0)
		return r;
	model_set_precision(c.m, o->precision);
	char *line = NULL, *rec = NULL;
	size_t cap = 0, nrec = 0;
	ssize_t n;
	int status = 0;
	for (;;) {
		n = getline(&line, &cap, stdin);
		int eof = n < 0;
		if (!eof && n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (records && !eof && n > 0) {
			rec = xreallocarray(rec, nrec + (size_t)n + 2, 1);
			if (nrec > 0)
				rec[nrec++] = '\n';
			memcpy(rec + nrec, line, (size_t)n);
			nrec += (size_t)n;
			rec[nrec] = '\0';
			continue;
		}
		const char *prime = records ? (rec ? rec : "") : (eof ? NULL : line);
		if (prime != NULL && (!records || nrec > 0)) {
			if (write_sample(&c, o, prime, 1, o->seed, stdout) != 0) {
				status = 1;
				break;
			}
			fflush(stdout);
		}
		nrec = 0;
		if (eof)
			break;
	}
	free(line);
	free(rec);
	ckpt_free(&c);
	return status;
}

static int
cmd_repl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "records", no_argument, NULL, 2000 },
		{ "no-color", no_argument, NULL, 2001 },
		{ "help", no_argument, NULL, 'h' },
		SAMPLING_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct sample_opts o;
	const char *model_path = NULL;
	int records = 0, no_color = no_color_env(), opt, r;
	char *cause = NULL;

	sample_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "m:t:k:p:n:h", longopts,
	    NULL)) != -1) {
		if ((r = sample_opt(&o, opt, optarg)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'm': model_path = optarg; break;
		case 2000: records = 1; break;
		case 2001: no_color = 1; break;
		case 'h': fputs(usage_repl, stdout); return 0;
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (sampler_config_check(&o.smp, &cause) != 0) {
		cli_usage_error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (model_path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	if (!o.have_seed)
		o.seed = clock_seed();

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		session_set_threads(o.threads);
		return repl_piped(model_path, &o, records);
	}
	session *s = session_open_model(model_path, o.threads,
	    o.precision, &cause);
	if (s == NULL) {
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	gen_settings gs;
	gen_settings_default(&gs);
	gs.smp = o.smp;
	gs.length = o.length > 0 ? o.length : gs.length;
	gs.seed = o.seed;
	gs.reseed = 1;
	gs.nstops = o.nstops;
	for (int i = 0; i < o.nstops; i++)
		snprintf(gs.stops[i], sizeof gs.stops[i], "%s", o.stops[i]);
	session_set_generation(s, &gs);
	char *hist = history_path();
	dash_options d = { .history_path = hist, .no_color = no_color };
	int status = dash_run(s, &d, stdout);
	session_free(s);
	free(hist);
	return status;
}

/* ---- burble eval -------------------------------------------------------- */

static int
cmd_eval(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "seq", required_argument, NULL, 2000 },
		{ "map-unknown", no_argument, NULL, 2001 },
		{ "json", no_argument, NULL, 2002 },
		{ "threads", required_argument, NULL, 2003 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model_path = NULL;
	int B = 1, T = 100, map_unknown = 0, json = 0, threads = 0, opt, r;
	char *cause = NULL;

	while ((opt = getopt_long(argc, argv, "m:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': model_path = optarg; break;
		case 'b':
			if (cli_int("--batch", optarg, 1, 65536, &B) != 0)
				return EXIT_USAGE;
			break;
		case 2000:
			if (cli_int("--seq", optarg, 1, 100000, &T) != 0)
				return EXIT_USAGE;
			break;
		case 2001: map_unknown = 1; break;
		case 2002: json = 1; break;
		case 2003:
			if (cli_int("--threads", optarg, 1, 1024, &threads) != 0)
				return EXIT_USAGE;
			break;
		case 'h': fputs(usage_eval, stdout); return 0;
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("a text to evaluate on is needed: FILE...");
	if (model_path == NULL)
		return cli_usage_error("a model is needed: -m MODEL");
	session_set_threads(threads);

	ckpt c;
	if ((r = load_model(model_path, &c)) != 0)
		return r;
	corpus corp;
	if (corpus_load(&corp, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &c.text, &c.voc, map_unknown, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		ckpt_free(&c);
		return 1;
	}
	if (corp.n < 2) {
		cli_error("%s: too short to evaluate (needs 2 characters)",
		    corp.name);
		corpus_free(&corp);
		ckpt_free(&c);
		return 1;
	}
	double sum = 0;
	size_t correct = 0, ntargets;
	if (B > 1) {
		/* B streams as in training; the remainder is left out. */
		batcher b;
		if (batcher_init(&b, corp.ids, corp.n, B, T, &cause) != 0) {
			cli_error("%s: %s", corp.name, cause);
			free(cause);
			corpus_free(&corp);
			ckpt_free(&c);
			return 1;
		}
		model_ws *ws = model_ws_create(c.m, B, T);
		uint16_t *x = xreallocarray(NULL, (size_t)B * T, sizeof *x);
		uint16_t *y = xreallocarray(NULL, (size_t)B * T, sizeof *y);
		for (size_t k = 0; k < b.nbatches; k++) {
			size_t cc = 0;
			batcher_get(&b, k, x, y);
			sum += model_forward(c.m, ws, x, y, 0, NULL, &cc) *
			    (double)B * T;
			correct += cc;
		}
		ntargets = b.nbatches * (size_t)B * T;
		free(x);
		free(y);
		model_ws_free(ws);
	} else {
		/* One stream, the state carried from chunk to chunk, every
		 * character after the first predicted: the last chunk is
		 * shorter. */
		ntargets = corp.n - 1;
		size_t full = ntargets / (size_t)T;
		size_t rest = ntargets - full * (size_t)T;
		model_ws *ws = model_ws_create(c.m, 1, T);
		for (size_t k = 0; k < full; k++) {
			size_t cc = 0;
			const uint16_t *x = corp.ids + k * (size_t)T;
			sum += model_forward(c.m, ws, x, x + 1, 0, NULL, &cc) * T;
			correct += cc;
		}
		if (rest > 0) {
			size_t n, n2, cc = 0;
			model_ws *w2 = model_ws_create(c.m, 1, (int)rest);
			float *src = model_ws_state(ws, &n);
			float *dst = model_ws_state(w2, &n2);
			memcpy(dst, src, MIN(n, n2) * sizeof(float));
			const uint16_t *x = corp.ids + full * (size_t)T;
			sum += model_forward(c.m, w2, x, x + 1, 0, NULL, &cc) *
			    (double)rest;
			correct += cc;
			model_ws_free(w2);
		}
		model_ws_free(ws);
	}
	double loss = sum / (double)ntargets;
	double acc = (double)correct / (double)ntargets;
	if (json)
		printf("{\"loss\":%.9g,\"bpc\":%.9g,\"perplexity\":%.9g,"
		    "\"accuracy\":%.9g,\"chars\":%zu}\n", loss, loss / M_LN2,
		    exp(loss), acc, ntargets);
	else
		printf("loss %.6f nats  bpc %.4f  perplexity %.4f  accuracy "
		    "%.2f%%  chars %zu\n", loss, loss / M_LN2, exp(loss),
		    100 * acc, ntargets);
	corpus_free(&corp);
	ckpt_free(&c);
	return 0;
}

/* ---- burble info -------------------------------------------------------- */

static uint64_t
weights_checksum(const model *m)
{
	/* FNV-1a over the bytes of the weights: equal iff bit-identical
	 * (for all practical purposes). */
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)m->params;
	for (size_t i = 0; i < m->nparams * sizeof(float); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
print_symbol(const vocab *v, int id)
{
	uint32_t cp = v->cp[id];
	if (cp == TEXT_UNK)
		fputs("<unk>", stdout);
	else if (cp == TEXT_EOR)
		fputs("<eor>", stdout);
	else if (cp == '\n')
		fputs("\\n", stdout);
	else if (cp == '\t')
		fputs("\\t", stdout);
	else if (cp == ' ')
		fputs("␠", stdout);
	else if (cp < 0x20 || cp == 0x7f)
		printf("U+%04X", cp);
	else {
		char u[8];
		vocab_utf8(v, id, u);
		fputs(u, stdout);
	}
}

static int
info_json(const char *path, const ckpt *c)
{
	const model *m = c->m;
	json_t *o = json_object(), *tensors = json_array(), *voc = json_array();
	json_t *hist = json_array();
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		json_t *shape = json_array();
		for (int d = 0; d < t->ndim; d++)
			json_array_append_new(shape, json_integer((json_int_t)t->shape[d]));
		json_array_append_new(tensors, json_pack("{s:s,s:o,s:I}",
		    "name", t->name, "shape", shape, "params", (json_int_t)t->size));
	}
	for (int i = 0; i < c->voc.V; i++)
		json_array_append_new(voc, json_integer(c->voc.cp[i]));
	for (size_t i = 0; c->has_train && i < c->prog.nhist; i++) {
		const hist_point *h = &c->prog.hist[i];
		json_array_append_new(hist, json_pack("{s:I,s:f,s:f,s:f,s:o,s:o}",
		    "step", (json_int_t)h->step, "epoch", h->epoch,
		    "train_loss", (double)h->train_loss, "lr", (double)h->lr,
		    "val_loss", isnan(h->val_loss) ? json_null() : json_real(h->val_loss),
		    "val_acc", isnan(h->val_acc) ? json_null() : json_real(h->val_acc)));
	}
	char sum[32];
	snprintf(sum, sizeof sum, "%016llx", (unsigned long long)weights_checksum(m));
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "cell", json_string(cell_name(m->cfg.cell)));
	json_object_set_new(o, "layers", json_integer(m->cfg.L));
	json_object_set_new(o, "hidden", json_integer(m->cfg.H));
	json_object_set_new(o, "vocab_size", json_integer(m->cfg.V));
	json_object_set_new(o, "embed", json_integer(m->cfg.E));
	json_object_set_new(o, "dropout", json_real(m->cfg.dropout));
	json_object_set_new(o, "params", json_integer((json_int_t)m->nparams));
	json_object_set_new(o, "checksum", json_string(sum));
	json_object_set_new(o, "tensors", tensors);
	json_object_set_new(o, "vocab", voc);
	json_object_set_new(o, "has_train", json_boolean(c->has_train));
	if (c->has_train) {
		json_object_set_new(o, "step", json_integer(c->prog.step));
		json_object_set_new(o, "epoch", json_integer(c->prog.epoch));
		json_object_set_new(o, "best_val_loss", isfinite(c->prog.best_val) ?
		    json_real(c->prog.best_val) : json_null());
		json_object_set_new(o, "best_step", json_integer(c->prog.best_step));
	}
	json_object_set_new(o, "history", hist);
	char *s = json_dumps(o, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(o);
	return 0;
}

static int
cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 2000 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, opt, r;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 2000: json = 1; break;
		case 'h': fputs(usage_info, stdout); return 0;
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("one model file is needed: burble info MODEL");
	const char *path = argv[optind];
	ckpt c;
	if ((r = load_model(path, &c)) != 0)
		return r;
	if (json) {
		r = info_json(path, &c);
		ckpt_free(&c);
		return r;
	}

	const model *m = c.m;
	const model_config *mc = &m->cfg;
	printf("Model: %s\n", path);
	printf("  %s, %d layer%s x %d hidden, %s input, vocabulary %d, "
	    "dropout %.2f\n", fmt_cell(mc->cell), mc->L, mc->L == 1 ? "" : "s",
	    mc->H, mc->E > 0 ? "embedding" : "one-hot", mc->V, (double)mc->dropout);
	printf("\n%-22s %-16s %12s   %s\n", "Layer (type)", "Output shape",
	    "Param #", "Tensors");
	printf("%.*s\n", 78, "=============================================="
	    "================================================");
	int ti = 0;
	size_t total = 0;
	char name[64], shape[32];
	if (mc->E > 0)
		snprintf(shape, sizeof shape, "(B, T)");
	else
		snprintf(shape, sizeof shape, "(B, T, %d)", mc->V);
	printf("%-22s %-16s %12d\n", mc->E > 0 ? "input (ids)" :
	    "input (one-hot)", shape, 0);
	for (int l = -1; l <= mc->L; l++) {
		size_t n = 0;
		int first = ti;
		if (l == -1 && mc->E == 0)
			continue;
		int count = l == -1 ? 1 : l == mc->L ? 2 : 4;
		for (int k = 0; k < count && ti < m->ntensors; k++)
			n += m->tensors[ti++].size;
		total += n;
		if (l == -1)
			snprintf(name, sizeof name, "embedding (Embedding)");
		else if (l == mc->L)
			snprintf(name, sizeof name, "fc (Linear)");
		else
			snprintf(name, sizeof name, "%s_%d (%s)",
			    cell_name(mc->cell), l, fmt_cell(mc->cell));
		int width = l == -1 ? mc->E : l == mc->L ? mc->V : mc->H;
		snprintf(shape, sizeof shape, "(B, T, %d)", width);
		printf("%-22s %-16s %12zu  ", name, shape, n);
		for (int k = first; k < ti; k++) {
			const model_tensor *t = &m->tensors[k];
			if (t->ndim == 2)
				printf(" %s (%zu, %zu)", t->name, t->shape[0], t->shape[1]);
			else
				printf(" %s (%zu)", t->name, t->shape[0]);
		}
		printf("\n");
	}
	printf("%.*s\n", 78, "=============================================="
	    "================================================");
	printf("Total params: %zu (%.2f MB as float32)\n\n", total,
	    (double)total * 4 / 1e6);

	printf("Vocabulary (%d):", c.voc.V);
	for (int i = 0; i < c.voc.V; i++) {
		putchar(' ');
		print_symbol(&c.voc, i);
	}
	printf("\n");
	printf("Text: %s%s%s%s", c.corpus ? c.corpus : "?",
	    c.text.lowercase ? ", lowercased" : "",
	    c.text.filter == TEXT_FILTER_PRINTABLE ? ", printable only" :
	    c.text.filter == TEXT_FILTER_SET ? ", charset" : "",
	    c.text.lines ? ", one record per line" : "");
	if (c.text.record_sep != NULL)
		printf(", records separated by '%s'", c.text.record_sep);
	if (c.text.min_count > 1)
		printf(", min count %ld", c.text.min_count);
	printf("\n");
	printf("Weights checksum: %016llx\n",
	    (unsigned long long)weights_checksum(m));
	if (!c.has_train) {
		printf("\nWeights only (no optimizer state: cannot be resumed).\n");
		ckpt_free(&c);
		return 0;
	}
	const train_settings *s = &c.settings;
	printf("\nTraining: %s lr %.3g (now %.3g), batch %d x seq %d, clip %g, "
	    "val %.0f%%, seed %llu\n", optim_name(s->opt.kind),
	    (double)s->opt.lr, (double)c.prog.lr, s->B, s->T, (double)s->clip,
	    100 * (double)s->val_frac, (unsigned long long)s->seed);
	char el[32];
	fmt_duration(el, sizeof el, c.prog.elapsed);
	printf("Progress: step %ld, epoch %ld (batch %zu), %s of training\n",
	    c.prog.step, c.prog.epoch, c.prog.batch, el);
	if (isfinite(c.prog.best_val))
		printf("Best validation loss: %.4f (%.4f bits/char) at step %ld\n",
		    (double)c.prog.best_val, (double)c.prog.best_val / M_LN2,
		    c.prog.best_step);
	size_t nval = 0;
	for (size_t i = 0; i < c.prog.nhist; i++)
		nval += !isnan(c.prog.hist[i].val_loss);
	if (nval > 0) {
		printf("\nHistory (evaluations):\n  %8s %7s %10s %10s %8s %10s\n",
		    "step", "epoch", "train", "val", "val acc", "lr");
		for (size_t i = 0; i < c.prog.nhist; i++) {
			const hist_point *h = &c.prog.hist[i];
			if (isnan(h->val_loss))
				continue;
			printf("  %8ld %7.2f %10.4f %10.4f %7.1f%% %10.3g\n",
			    h->step, h->epoch, (double)h->train_loss,
			    (double)h->val_loss, 100 * (double)h->val_acc,
			    (double)h->lr);
		}
	}
	ckpt_free(&c);
	return 0;
}

/* ---- burble train ------------------------------------------------------- */

/* Plain lines: the headless view of the same events the dashboard shows. */
static int
headless(session *s, int sig_fd, int quiet_steps)
{
	const session_info *in = session_get_info(s);
	double last_line = -1e9;
	int status = 0, interrupted = 0, sig;
	char el[32], eta[32], n1[32];
	struct pollfd pfd[2] = {
		{ .fd = session_event_fd(s), .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};

	for (;;) {
		while ((sig = sig_next()) != 0) {
			if (interrupted) {	/* the second one */
				fprintf(stderr, "burble: %s again, exiting\n",
				    sig_verb(sig));
				_exit(128 + sig);
			}
			interrupted = sig;
			fprintf(stderr, "burble: %s: saving and stopping "
			    "(again to exit at once)\n", sig_verb(sig));
			session_quit(s);
		}
		event *e = session_next_event(s);
		if (e == NULL) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return 1;
			continue;
		}
		switch (e->type) {
		case EV_START:
			fmt_count(n1, sizeof n1, (double)in->nparams, "");
			printf("burble: training %s %dx%d (%s params) on %s: "
			    "%zu train / %zu val characters, vocabulary %d, "
			    "batch %d x %d, %zu steps per epoch, %d BLAS "
			    "thread%s (%s)\n", fmt_cell(in->cell), in->L,
			    in->H, n1, in->corpus, in->ntrain, in->nval, in->V,
			    in->B, in->T, in->nbatches, in->threads,
			    in->threads == 1 ? "" : "s", in->blas);
			break;
		case EV_HISTORY:
			printf("resumed at step %ld, epoch %ld (%zu history "
			    "points)\n", e->step, e->epoch, e->nhist);
			break;
		case EV_STEP: {
			double now = now_seconds();
			if (quiet_steps && now - last_line < 2.0 &&
			    e->batch != 0)
				break;
			last_line = now;
			fmt_duration(el, sizeof el, e->elapsed);
			double left = e->total_steps > 0 && e->chars_per_s > 0 ?
			    (double)(e->total_steps - e->step) * in->B * in->T /
			    e->chars_per_s : NAN;
			fmt_duration(eta, sizeof eta, left);
			char ep[32];
			if (e->epochs > 0)
				snprintf(ep, sizeof ep, "%ld/%d",
				    MIN(e->epoch + 1, (long)e->epochs), e->epochs);
			else
				snprintf(ep, sizeof ep, "%ld", e->epoch + 1);
			printf("epoch %s step %ld", ep, e->step);
			if (e->total_steps > 0)
				printf("/%ld", e->total_steps);
			printf(" batch %zu/%zu loss %.4f acc %.1f%% lr %.2e "
			    "%.0f chars/s elapsed %s ETA %s\n", e->batch,
			    e->nbatches, (double)e->loss, 100 * (double)e->acc,
			    (double)e->lr, e->chars_per_s, el, eta);
			break;
		}
		case EV_EVAL:
			printf("val epoch %ld step %ld loss %.4f bpc %.4f acc "
			    "%.1f%%%s\n", e->epoch, e->step, (double)e->loss,
			    (double)e->loss / M_LN2, 100 * (double)e->acc,
			    e->best_step == e->step ? " (best)" : "");
			break;
		case EV_SAMPLE:
			printf("sample T=%.1f:\n%s\n\n", (double)e->temp, e->text);
			break;
		case EV_STATUS:
			fprintf(stderr, "burble: note: %s\n", e->text);
			break;
		case EV_ERROR:
			fprintf(stderr, "burble: error: %s\n", e->text);
			break;
		case EV_SAVED:
			printf("saved %s\n", e->text);
			break;
		case EV_DONE: {
			char where[1100];
			if (e->save_failed)	/* the error came before */
				snprintf(where, sizeof where, "the last save "
				    "failed");
			else
				snprintf(where, sizeof where, "saved %s",
				    in->output[0] ? in->output : "nothing");
			if (isfinite(e->best_val))
				printf("done (%s): best val loss %.4f at step "
				    "%ld; %s\n", e->text, (double)e->best_val,
				    e->best_step, where);
			else
				printf("done (%s) at step %ld; %s\n", e->text,
				    e->step, where);
			if (strncmp(e->text, "training diverged", 17) == 0 ||
			    e->save_failed)
				status = 1;
			event_free(e);
			fflush(stdout);
			return status;
		}
		}
		event_free(e);
		fflush(stdout);
	}
}

enum {
	OPT_RESUME = 3000, OPT_MAP_UNKNOWN, OPT_KEEP, OPT_METRICS, OPT_HEADLESS,
	OPT_NO_COLOR, OPT_EPOCHS, OPT_STEPS, OPT_SEQ, OPT_LR, OPT_LR_DECAY,
	OPT_LR_DECAY_AFTER, OPT_OPTIM, OPT_MOMENTUM, OPT_CLIP, OPT_VAL,
	OPT_PATIENCE, OPT_EVAL_EVERY, OPT_SEED, OPT_THREADS, OPT_SAMPLE_LEN,
	OPT_SAMPLE_TEMPS, OPT_CELL, OPT_LAYERS, OPT_HIDDEN, OPT_EMBED,
	OPT_DROPOUT, OPT_LOWERCASE, OPT_FILTER, OPT_CHARSET, OPT_MIN_COUNT,
	OPT_LINES, OPT_RECORD_SEP, OPT_REPORT_EVERY, OPT_WEIGHTS_ONLY,
	OPT_PRECISION, OPT_TIME,
};

static int
cmd_train(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "map-unknown", no_argument, NULL, OPT_MAP_UNKNOWN },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "weights-only", no_argument, NULL, OPT_WEIGHTS_ONLY },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "epochs", required_argument, NULL, OPT_EPOCHS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "batch", required_argument, NULL, 'b' },
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ "lr", required_argument, NULL, OPT_LR },
		{ "lr-decay", required_argument, NULL, OPT_LR_DECAY },
		{ "lr-decay-after", required_argument, NULL, OPT_LR_DECAY_AFTER },
		{ "optim", required_argument, NULL, OPT_OPTIM },
		{ "momentum", required_argument, NULL, OPT_MOMENTUM },
		{ "clip", required_argument, NULL, OPT_CLIP },
		{ "val", required_argument, NULL, OPT_VAL },
		{ "patience", required_argument, NULL, OPT_PATIENCE },
		{ "eval-every", required_argument, NULL, OPT_EVAL_EVERY },
		{ "report-every", required_argument, NULL, OPT_REPORT_EVERY },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "sample-len", required_argument, NULL, OPT_SAMPLE_LEN },
		{ "sample-temps", required_argument, NULL, OPT_SAMPLE_TEMPS },
		{ "precision", required_argument, NULL, OPT_PRECISION },
		{ "cell", required_argument, NULL, OPT_CELL },
		{ "layers", required_argument, NULL, OPT_LAYERS },
		{ "hidden", required_argument, NULL, OPT_HIDDEN },
		{ "embed", required_argument, NULL, OPT_EMBED },
		{ "dropout", required_argument, NULL, OPT_DROPOUT },
		{ "lowercase", no_argument, NULL, OPT_LOWERCASE },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "charset", required_argument, NULL, OPT_CHARSET },
		{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "record-sep", required_argument, NULL, OPT_RECORD_SEP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	session_config c;
	memset(&c, 0, sizeof c);
	train_settings_default(&c.train);
	c.model = (model_config){ .cell = CELL_LSTM, .L = 2, .H = 256, .E = 0,
	    .dropout = 0.2f };
	c.output = DEFAULT_OUTPUT;
	c.precision = MODEL_FP16;
	int headless_flag = 0, no_color = no_color_env(), have_seed = 0;
	int have_momentum = 0, opt, momentum_kind = -1;
	float momentum = 0;
	long l;
	char *cause = NULL;

#define INT_OPT(name, lo, hi, dst) \
	if (cli_int(name, optarg, lo, hi, &(dst)) != 0) return EXIT_USAGE
#define LONG_OPT(name, lo, hi, dst) \
	if (cli_long(name, optarg, lo, hi, &(dst)) != 0) return EXIT_USAGE
	while ((opt = getopt_long(argc, argv, "o:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': c.output = optarg; break;
		case OPT_RESUME: c.resume = optarg; break;
		case OPT_MAP_UNKNOWN: c.map_unknown = 1; break;
		case OPT_KEEP: INT_OPT("--keep", 0, INT_MAX, c.keep); break;
		case OPT_METRICS: c.metrics = optarg; break;
		case OPT_WEIGHTS_ONLY: c.weights_only = 1; break;
		case OPT_HEADLESS: headless_flag = 1; break;
		case OPT_NO_COLOR: no_color = 1; break;
		case OPT_EPOCHS:
			INT_OPT("--epochs", 0, 1000000, c.train.epochs);
			c.overrides |= OVERRIDE_EPOCHS;
			break;
		case OPT_STEPS:
			LONG_OPT("--steps", 1, LONG_MAX, c.train.max_steps);
			c.overrides |= OVERRIDE_STEPS;
			break;
		case 'b': INT_OPT("--batch", 1, 65536, c.train.B); break;
		case OPT_SEQ: INT_OPT("--seq", 1, 100000, c.train.T); break;
		case OPT_LR:
			if (cli_float("--lr", optarg, 0, 1, 10, 0, &c.train.opt.lr))
				return EXIT_USAGE;
			c.overrides |= OVERRIDE_LR;
			break;
		case OPT_LR_DECAY:
			if (cli_float("--lr-decay", optarg, 0, 1, 1, 0,
			    &c.train.lr_decay))
				return EXIT_USAGE;
			c.overrides |= OVERRIDE_LR;
			break;
		case OPT_LR_DECAY_AFTER:
			INT_OPT("--lr-decay-after", 0, 1000000, c.train.lr_decay_after);
			c.overrides |= OVERRIDE_LR;
			break;
		case OPT_OPTIM: {
			int k = optim_parse(optarg);
			if (k < 0)
				return cli_usage_error("--optim: must be adam, "
				    "rmsprop or sgd, got '%s'", optarg);
			momentum_kind = k;
			break;
		}
		case OPT_MOMENTUM:
			if (cli_float("--momentum", optarg, 0, 0, 1, 1, &momentum))
				return EXIT_USAGE;
			have_momentum = 1;
			break;
		case OPT_CLIP:
			if (cli_float("--clip", optarg, 0, 0, INFINITY, 0,
			    &c.train.clip))
				return EXIT_USAGE;
			c.overrides |= OVERRIDE_CLIP;
			break;
		case OPT_VAL:
			if (cli_float("--val", optarg, 0, 0, 0.9, 0,
			    &c.train.val_frac))
				return EXIT_USAGE;
			break;
		case OPT_PATIENCE:
			INT_OPT("--patience", 0, 1000000, c.train.patience);
			c.overrides |= OVERRIDE_PATIENCE;
			break;
		case OPT_EVAL_EVERY:
			LONG_OPT("--eval-every", 0, LONG_MAX, c.train.eval_every);
			c.overrides |= OVERRIDE_EVAL_EVERY;
			break;
		case OPT_REPORT_EVERY:
			LONG_OPT("--report-every", 0, LONG_MAX, c.train.report_every);
			break;
		case OPT_SEED:
			if (cli_u64("--seed", optarg, &c.train.seed))
				return EXIT_USAGE;
			have_seed = 1;
			break;
		case OPT_THREADS: INT_OPT("--threads", 1, 1024, c.threads); break;
		case OPT_PRECISION:
			if (parse_precision(optarg, &c.precision) != 0)
				return EXIT_USAGE;
			break;
		case OPT_TIME:
			if (cli_duration("--time", optarg, &c.time_limit) != 0)
				return EXIT_USAGE;
			break;
		case OPT_SAMPLE_LEN:
			INT_OPT("--sample-len", 0, 100000, c.train.sample_len);
			c.overrides |= OVERRIDE_SAMPLES;
			break;
		case OPT_SAMPLE_TEMPS: {
			sampler_config sc;
			if (sampler_parse_temps(&sc, optarg, &cause) != 0) {
				cli_usage_error("--sample-temps: %s", cause);
				free(cause);
				return EXIT_USAGE;
			}
			if (sc.ntemps > TRAIN_MAX_SAMPLE_TEMPS)
				return cli_usage_error("--sample-temps: at most "
				    "%d temperatures", TRAIN_MAX_SAMPLE_TEMPS);
			c.train.nsample_temps = sc.ntemps;
			memcpy(c.train.sample_temps, sc.temps,
			    (size_t)sc.ntemps * sizeof(float));
			c.overrides |= OVERRIDE_SAMPLES;
			break;
		}
		case OPT_CELL:
			if ((c.model.cell = cell_parse(optarg)) < 0)
				return cli_usage_error("--cell: must be lstm, gru "
				    "or rnn, got '%s'", optarg);
			break;
		case OPT_LAYERS:
			INT_OPT("--layers", 1, MODEL_MAX_LAYERS, c.model.L);
			break;
		case OPT_HIDDEN:
			INT_OPT("--hidden", 1, MODEL_MAX_HIDDEN, c.model.H);
			break;
		case OPT_EMBED:
			INT_OPT("--embed", 0, MODEL_MAX_EMBED, c.model.E);
			break;
		case OPT_DROPOUT:
			if (cli_float("--dropout", optarg, 0, 0, 1, 1,
			    &c.model.dropout))
				return EXIT_USAGE;
			break;
		case OPT_LOWERCASE: c.text.lowercase = 1; break;
		case OPT_FILTER:
			if (strcmp(optarg, "printable") != 0)
				return cli_usage_error("--filter: the only class "
				    "is 'printable' (use --charset for a set), "
				    "got '%s'", optarg);
			c.text.filter = TEXT_FILTER_PRINTABLE;
			break;
		case OPT_CHARSET:
			if (optarg[0] == '\0')
				return cli_usage_error("--charset: must not be empty");
			c.text.filter = TEXT_FILTER_SET;
			c.text.filter_set = optarg;
			break;
		case OPT_MIN_COUNT:
			LONG_OPT("--min-count", 0, LONG_MAX, l);
			c.text.min_count = l;
			break;
		case OPT_LINES: c.text.lines = 1; break;
		case OPT_RECORD_SEP:
			if (optarg[0] == '\0' || strchr(optarg, '\n') != NULL)
				return cli_usage_error("--record-sep: must be a "
				    "non-empty string without a newline");
			c.text.record_sep = optarg;
			break;
		case 'h': fputs(usage_train, stdout); return 0;
		default: return cli_usage_error("unknown option");
		}
	}
#undef INT_OPT
#undef LONG_OPT
	if (momentum_kind >= 0) {
		float lr = c.train.opt.lr;
		optim_defaults(&c.train.opt, momentum_kind);
		c.train.opt.lr = lr;
	}
	if (have_momentum)
		c.train.opt.momentum = momentum;
	if (!have_seed)
		c.train.seed = clock_seed();
	if (c.train.epochs == 0 && c.train.max_steps == 0)
		return cli_usage_error("--epochs 0 needs --steps N");

	char *def = NULL;
	const char *const *files = (const char *const *)argv + optind;
	size_t nfiles = (size_t)(argc - optind);
	if (nfiles == 0) {
		def = default_corpus();
		files = (const char *const *)&def;
		nfiles = 1;
	}
	c.files = files;
	c.nfiles = nfiles;

	int use_dash = !headless_flag && isatty(STDOUT_FILENO) &&
	    isatty(STDIN_FILENO);
	c.generator = use_dash;
	int sig_fd = -1;
	if (!use_dash && (sig_fd = sig_catch(0, &cause)) < 0) {
		cli_error("%s", cause);
		free(cause);
		free(def);
		return 1;
	}
	session *s = session_create(&c, &cause);
	if (s == NULL) {
		sig_release();
		cli_error("%s", cause);
		free(cause);
		free(def);
		return 1;
	}
	int status;
	if (use_dash) {
		char *hist = history_path();
		dash_options d = { .history_path = hist, .no_color = no_color };
		status = dash_run(s, &d, stdout);
		free(hist);
	} else
		status = headless(s, sig_fd, c.train.report_every == 0);
	session_free(s);
	sig_release();
	free(def);
	return status;
}

/* ---- main --------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "train", cmd_train },
	{ "sample", cmd_sample },
	{ "repl", cmd_repl },
	{ "eval", cmd_eval },
	{ "info", cmd_info },
	{ "bench", bench_main },
};

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* A file grown past RLIMIT_FSIZE is a failed write (EFBIG) that the
	 * checkpoint code reports, not a dead process. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("burble %s\n"
		    "Copyright (C) 2026 The burble developers\n"
		    "License GPLv3+: GNU GPL version 3 or later "
		    "<https://gnu.org/licenses/gpl.html>.\n"
		    "This is free software: you are free to change and "
		    "redistribute it.\n"
		    "There is NO WARRANTY, to the extent permitted by law.\n",
		    PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NELEMS(commands); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			cli_command = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	return cli_usage_error("unknown command '%s'", cmd);
}
