/* cli_train.c - `burble train`: the options into a session_config, then the
 * dashboard on a terminal or the headless lines.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "curves.h"
#include "dash.h"
#include "headless.h"
#include "model.h"
#include "plan.h"
#include "sampler.h"
#include "session.h"
#include "sig.h"

#define DEFAULT_CORPUS "quillfeather.txt"
#define DEFAULT_OUTPUT "burble.safetensors"

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
"      --force              let -o replace a file that is not a burble\n"
"                           checkpoint (never a directory or a device)\n"
"      --weights-only       save weights and metadata only (no optimizer\n"
"                           state: smaller, but cannot be resumed)\n"
"      --metrics FILE       append one JSON object per report and evaluation\n"
"      --headless           plain progress lines, no dashboard (chosen by\n"
"                           itself where curses cannot draw: TERM=dumb)\n"
"      --no-color           no colours (also when NO_COLOR is set)\n"
"      --compare RUN        draw RUN's validation curve (a checkpoint\n"
"                           with a history) in the plot, dimmed, with a\n"
"                           legend; up to 4 times\n"
"\n"
"Training:\n"
"      --epochs N           epochs to train (30; no limit with --time)\n"
"      --steps N            stop after N optimizer steps in all\n"
"      --time DURATION      train this long (90, 90s, 10m, 1.5h), then\n"
"                           evaluate, save and stop; without --epochs\n"
"                           the time alone bounds the run; a new run is\n"
"                           sized for it (width, depth and dropout not\n"
"                           given are chosen from timed steps)\n"
"  -b, --batch B            parallel streams (32)\n"
"      --seq T              time steps of truncated BPTT (64)\n"
"      --lr RATE            peak learning rate (1e-2; with Adam, wider\n"
"                           models than 256 units 1e-2 x 256 / width)\n"
"      --lr-schedule NAME   constant, cosine, linear or step (cosine: from\n"
"                           the rate down to --lr-min times it at the end\n"
"                           of --time, --steps or --epochs)\n"
"      --warmup N           steps of linear warm-up from 0 (100)\n"
"      --lr-min F           the cosine and linear floor, a fraction of the\n"
"                           rate (0.1)\n"
"      --lr-decay F         step schedule: multiply the rate by F at each\n"
"                           epoch end (1.0; implies --lr-schedule step)\n"
"      --lr-decay-after N   ... once N epochs are done (0)\n"
"      --optim NAME         adam, rmsprop or sgd (adam)\n"
"      --momentum M         momentum for sgd (0.9) and rmsprop (0)\n"
"      --clip NORM          clip gradients to this global norm (5; 0 = off)\n"
"      --val FRACTION       validation split: the last part of the text (0.1)\n"
"      --patience N         stop after N evaluations without a better\n"
"                           validation loss (0 = off)\n"
"      --restore-best       end on the weights of the best evaluation when\n"
"                           the last is worse (the default with --time)\n"
"      --no-restore-best    end on the last weights\n"
"      --eval-every N       evaluate, sample and save every N steps instead\n"
"                           of at each epoch end\n"
"      --report-every N     a progress report every N steps (default: four\n"
"                           a second, printed headless every 2 s)\n"
"      --seed S             make the run reproducible (default: the clock)\n"
"      --threads N          BLAS threads (default: all cores)\n"
"      --kernels NAME       kernel set: avx512, avx2, neon, generic (none\n"
"                           of its own) or auto (the best this CPU runs)\n"
"      --sample-len N       characters (tokens with --tokens word) per\n"
"                           end-of-epoch sample (200)\n"
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
"      --tokens KIND        char (code points) or word (words and\n"
"                           punctuation marks; see burble(1)) (char)\n"
"      --max-words N        word tokens: keep the N most frequent, fold the\n"
"                           rest into <unk> (10000)\n"
"  -h, --help               show this help and exit\n";

enum {
	OPT_RESUME = 3000, OPT_MAP_UNKNOWN, OPT_KEEP, OPT_METRICS, OPT_HEADLESS,
	OPT_NO_COLOR, OPT_EPOCHS, OPT_STEPS, OPT_SEQ, OPT_LR, OPT_LR_DECAY,
	OPT_LR_DECAY_AFTER, OPT_OPTIM, OPT_MOMENTUM, OPT_CLIP, OPT_VAL,
	OPT_PATIENCE, OPT_EVAL_EVERY, OPT_SEED, OPT_THREADS, OPT_SAMPLE_LEN,
	OPT_SAMPLE_TEMPS, OPT_CELL, OPT_LAYERS, OPT_HIDDEN, OPT_EMBED,
	OPT_DROPOUT, OPT_LOWERCASE, OPT_FILTER, OPT_CHARSET, OPT_MIN_COUNT,
	OPT_LINES, OPT_RECORD_SEP, OPT_REPORT_EVERY, OPT_WEIGHTS_ONLY, OPT_FORCE,
	OPT_RESTORE_BEST, OPT_NO_RESTORE_BEST,
	OPT_PRECISION, OPT_TIME, OPT_KERNELS, OPT_LR_SCHEDULE, OPT_WARMUP,
	OPT_LR_MIN, OPT_COMPARE, OPT_TOKENS, OPT_MAX_WORDS,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "map-unknown", no_argument, NULL, OPT_MAP_UNKNOWN },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "weights-only", no_argument, NULL, OPT_WEIGHTS_ONLY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "restore-best", no_argument, NULL, OPT_RESTORE_BEST },
	{ "no-restore-best", no_argument, NULL, OPT_NO_RESTORE_BEST },
	{ "lr-schedule", required_argument, NULL, OPT_LR_SCHEDULE },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "lr-min", required_argument, NULL, OPT_LR_MIN },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "compare", required_argument, NULL, OPT_COMPARE },
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
	{ "kernels", required_argument, NULL, OPT_KERNELS },
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
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "max-words", required_argument, NULL, OPT_MAX_WORDS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The numeric options: where each value goes in the session_config, what
 * is allowed, and which resume override it sets. */
enum { NUM_INT, NUM_LONG, NUM_FLOAT, NUM_SETTING };
#define AT(field) .at = offsetof(session_config, field)
static const struct numeric_opt {
	int opt;
	const char *name;
	int kind;
	long lo, hi;		/* NUM_INT, NUM_LONG */
	double flo, fhi;	/* NUM_FLOAT ... */
	int lo_open, hi_open;	/* ... (flo / fhi) excluded */
	enum setting setting;	/* NUM_SETTING: shared with the prompt */
	size_t at;
	unsigned overrides;
} numeric_opts[] = {
	{ OPT_KEEP, "--keep", NUM_INT, .lo = 0, .hi = INT_MAX, AT(keep) },
	{ OPT_EPOCHS, "--epochs", NUM_INT, .lo = 0, .hi = 1000000,
	    AT(train.epochs), .overrides = OVERRIDE_EPOCHS },
	{ OPT_STEPS, "--steps", NUM_LONG, .lo = 1, .hi = LONG_MAX,
	    AT(train.max_steps), .overrides = OVERRIDE_STEPS },
	{ 'b', "--batch", NUM_INT, .lo = 1, .hi = 65536, AT(train.B) },
	{ OPT_SEQ, "--seq", NUM_INT, .lo = 1, .hi = 100000, AT(train.T) },
	{ OPT_LR, "--lr", NUM_SETTING, .setting = SETTING_LR,
	    AT(train.opt.lr), .overrides = OVERRIDE_LR },
	{ OPT_WARMUP, "--warmup", NUM_LONG, .lo = 0, .hi = LONG_MAX,
	    AT(train.warmup), .overrides = OVERRIDE_WARMUP },
	{ OPT_LR_MIN, "--lr-min", NUM_FLOAT, .flo = 0, .fhi = 1,
	    AT(train.lr_min), .overrides = OVERRIDE_LR_MIN },
	{ OPT_LR_DECAY, "--lr-decay", NUM_FLOAT, .flo = 0, .lo_open = 1,
	    .fhi = 1, AT(train.lr_decay), .overrides = OVERRIDE_SCHEDULE },
	{ OPT_LR_DECAY_AFTER, "--lr-decay-after", NUM_INT, .lo = 0,
	    .hi = 1000000, AT(train.lr_decay_after),
	    .overrides = OVERRIDE_SCHEDULE },
	{ OPT_CLIP, "--clip", NUM_FLOAT, .flo = 0, .fhi = INFINITY,
	    AT(train.clip), .overrides = OVERRIDE_CLIP },
	{ OPT_VAL, "--val", NUM_FLOAT, .flo = 0, .fhi = 0.9,
	    AT(train.val_frac) },
	{ OPT_PATIENCE, "--patience", NUM_INT, .lo = 0, .hi = 1000000,
	    AT(train.patience), .overrides = OVERRIDE_PATIENCE },
	{ OPT_EVAL_EVERY, "--eval-every", NUM_LONG, .lo = 0, .hi = LONG_MAX,
	    AT(train.eval_every), .overrides = OVERRIDE_EVAL_EVERY },
	{ OPT_REPORT_EVERY, "--report-every", NUM_LONG, .lo = 0,
	    .hi = LONG_MAX, AT(train.report_every) },
	{ OPT_THREADS, "--threads", NUM_INT, .lo = 1, .hi = 1024, AT(threads) },
	{ OPT_SAMPLE_LEN, "--sample-len", NUM_INT, .lo = 0, .hi = 100000,
	    AT(train.sample_len), .overrides = OVERRIDE_SAMPLES },
	{ OPT_LAYERS, "--layers", NUM_INT, .lo = 1, .hi = MODEL_MAX_LAYERS,
	    AT(model.L) },
	{ OPT_HIDDEN, "--hidden", NUM_INT, .lo = 1, .hi = MODEL_MAX_HIDDEN,
	    AT(model.H) },
	{ OPT_EMBED, "--embed", NUM_INT, .lo = 0, .hi = MODEL_MAX_EMBED,
	    AT(model.E) },
	{ OPT_DROPOUT, "--dropout", NUM_FLOAT, .flo = 0, .fhi = 1,
	    .hi_open = 1, AT(model.dropout) },
	{ OPT_MIN_COUNT, "--min-count", NUM_LONG, .lo = 0, .hi = LONG_MAX,
	    AT(text.min_count) },
	{ OPT_MAX_WORDS, "--max-words", NUM_LONG, .lo = 1,
	    .hi = TEXT_MAX_VOCAB - 2, AT(text.max_words) },
};
#undef AT

enum { GIVEN_HIDDEN = 1, GIVEN_LAYERS = 2, GIVEN_DROPOUT = 4 };

/* What the options say beyond the session_config. */
struct train_args {
	session_config c;
	int headless, no_color, have_seed;
	int restore_best;	/* --restore-best 1, --no-restore-best 0, -1 */
	char *compare[CURVE_MAX_COMPARE];	/* --compare RUN */
	int ncompare;
	int have_schedule;	/* --lr-schedule given */
	unsigned given;		/* GIVEN_*: what --time's plan leaves alone */
	int momentum_kind;	/* --optim, -1 if not given */
	int have_momentum;
	float momentum;
};

/* Returns 1 when opt is a numeric option (stored), 0 when not, -1 on a
 * bad value (said why). */
static int
option_numeric(session_config *c, int opt, const char *arg)
{
	const struct numeric_opt *n = NULL;

	for (size_t i = 0; i < NELEMS(numeric_opts) && n == NULL; i++)
		if (numeric_opts[i].opt == opt)
			n = &numeric_opts[i];
	if (n == NULL)
		return 0;
	void *dst = (char *)c + n->at;
	int rc;
	if (n->kind == NUM_INT)
		rc = cli_int(n->name, arg, (int)n->lo, (int)n->hi, dst);
	else if (n->kind == NUM_LONG)
		rc = cli_long(n->name, arg, n->lo, n->hi, dst);
	else if (n->kind == NUM_SETTING)
		rc = cli_setting(n->name, arg, n->setting, dst);
	else
		rc = cli_float(n->name, arg, n->flo, n->lo_open, n->fhi,
		    n->hi_open, dst);
	if (rc != 0)
		return -1;
	c->overrides |= n->overrides;
	return 1;
}

static int
option_sample_temps(session_config *c, const char *arg)
{
	sampler_config sc;
	char *cause = NULL;

	if (sampler_parse_temps(&sc, arg, &cause) != 0) {
		cli_usage_error("--sample-temps: %s", cause);
		free(cause);
		return -1;
	}
	if (sc.ntemps > TRAIN_MAX_SAMPLE_TEMPS) {
		cli_usage_error("--sample-temps: at most %d temperatures",
		    TRAIN_MAX_SAMPLE_TEMPS);
		return -1;
	}
	c->train.nsample_temps = sc.ntemps;
	memcpy(c->train.sample_temps, sc.temps, (size_t)sc.ntemps * sizeof(float));
	c->overrides |= OVERRIDE_SAMPLES;
	return 1;
}

/* The options of the model and the text. Returns 1 (taken), 0 (not one
 * of them) or -1 (said why). */
static int
option_text(session_config *c, int opt, char *arg)
{
	switch (opt) {
	case OPT_CELL:
		if ((c->model.cell = cell_parse(arg)) < 0) {
			cli_usage_error("--cell: must be lstm, gru or rnn, got "
			    "'%s'", arg);
			return -1;
		}
		return 1;
	case OPT_LOWERCASE:
		c->text.lowercase = 1;
		return 1;
	case OPT_FILTER:
		if (strcmp(arg, "printable") != 0) {
			cli_usage_error("--filter: the only class is "
			    "'printable' (use --charset for a set), got '%s'",
			    arg);
			return -1;
		}
		c->text.filter = TEXT_FILTER_PRINTABLE;
		return 1;
	case OPT_CHARSET:
		if (arg[0] == '\0') {
			cli_usage_error("--charset: must not be empty");
			return -1;
		}
		c->text.filter = TEXT_FILTER_SET;
		c->text.filter_set = arg;
		return 1;
	case OPT_LINES:
		c->text.lines = 1;
		return 1;
	case OPT_TOKENS:
		if ((c->text.tokens = vocab_kind_parse(arg)) < 0) {
			cli_usage_error("--tokens: must be char or word, got "
			    "'%s'", arg);
			return -1;
		}
		return 1;
	case OPT_RECORD_SEP:
		if (arg[0] == '\0' || strchr(arg, '\n') != NULL) {
			cli_usage_error("--record-sep: must be a non-empty "
			    "string without a newline");
			return -1;
		}
		c->text.record_sep = arg;
		return 1;
	}
	return 0;
}

/* The options of the run itself. Returns as text_option does. */
static int
option_run(struct train_args *a, int opt, const char *arg)
{
	session_config *c = &a->c;

	switch (opt) {
	case 'o': c->output = arg; return 1;
	case OPT_RESUME: c->resume = arg; return 1;
	case OPT_MAP_UNKNOWN: c->map_unknown = 1; return 1;
	case OPT_METRICS: c->metrics = arg; return 1;
	case OPT_WEIGHTS_ONLY: c->weights_only = 1; return 1;
	case OPT_FORCE: c->force = 1; return 1;
	case OPT_RESTORE_BEST: a->restore_best = 1; return 1;
	case OPT_NO_RESTORE_BEST: a->restore_best = 0; return 1;
	case OPT_HEADLESS: a->headless = 1; return 1;
	case OPT_NO_COLOR: a->no_color = 1; return 1;
	case OPT_COMPARE:
		if (a->ncompare == CURVE_MAX_COMPARE) {
			cli_usage_error("--compare: at most %d runs",
			    CURVE_MAX_COMPARE);
			return -1;
		}
		a->compare[a->ncompare++] = (char *)arg;
		return 1;
	case OPT_KERNELS: return cli_kernels(arg) ? -1 : 1;
	case OPT_OPTIM:
		if ((a->momentum_kind = optim_parse(arg)) < 0) {
			cli_usage_error("--optim: must be adam, rmsprop or sgd, "
			    "got '%s'", arg);
			return -1;
		}
		return 1;
	case OPT_MOMENTUM:
		a->have_momentum = 1;
		return cli_float("--momentum", arg, 0, 0, 1, 1, &a->momentum) ?
		    -1 : 1;
	case OPT_SEED:
		a->have_seed = 1;
		return cli_u64("--seed", arg, &c->train.seed) ? -1 : 1;
	case OPT_PRECISION:
		return cli_precision(arg, &c->precision) ? -1 : 1;
	case OPT_TIME:
		return cli_duration("--time", arg, &c->time_limit) ? -1 : 1;
	case OPT_SAMPLE_TEMPS:
		return option_sample_temps(c, arg);
	case OPT_LR_SCHEDULE:
		if ((c->train.schedule = train_schedule_parse(arg)) < 0) {
			cli_usage_error("--lr-schedule: must be constant, cosine, "
			    "linear or step, got '%s'", arg);
			return -1;
		}
		a->have_schedule = 1;
		c->overrides |= OVERRIDE_SCHEDULE;
		return 1;
	}
	return 0;
}

/* A new run with --time: plan what was not given (plan.h). */
static unsigned
plan_wanted(const struct train_args *a)
{
	unsigned size = a->given & GIVEN_HIDDEN ?
	    (a->given & GIVEN_LAYERS ? 0 : PLAN_DEPTH) :
	    (a->given & GIVEN_LAYERS ? PLAN_WIDTH : PLAN_SIZE);

	if (a->c.time_limit <= 0 || a->c.resume != NULL)
		return 0;
	return size | (a->given & GIVEN_DROPOUT ? 0 : PLAN_DROPOUT);
}

/* The defaults, the options, then what follows from them. Returns -1 to
 * go on, else the exit status (help: 0, a usage error). */
static int
parse_args(struct train_args *a, int argc, char **argv)
{
	session_config *c = &a->c;
	int opt, r;

	memset(a, 0, sizeof *a);
	train_settings_default(&c->train);
	train_model_default(&c->model);
	c->output = DEFAULT_OUTPUT;
	c->precision = MODEL_FP16;
	a->no_color = cli_no_color_env();
	a->momentum_kind = -1;
	a->restore_best = -1;
	while ((opt = getopt_long(argc, argv, ":o:b:h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_train, stdout);
			return 0;
		}
		if ((r = option_numeric(c, opt, optarg)) == 0 &&
		    (r = option_run(a, opt, optarg)) == 0 &&
		    (r = option_text(c, opt, optarg)) == 0)
			return cli_option_error(opt, argv, longopts);
		if (r < 0)
			return EXIT_USAGE;
		a->given |= opt == OPT_HIDDEN ? GIVEN_HIDDEN : opt == OPT_LAYERS ?
		    GIVEN_LAYERS : opt == OPT_DROPOUT ? GIVEN_DROPOUT : 0;
	}
	c->plan = plan_wanted(a);
	/* A budget asks for the best model it can buy. */
	c->restore_best = a->restore_best >= 0 ? a->restore_best :
	    c->time_limit > 0;
	if (a->momentum_kind >= 0) {
		float lr = c->train.opt.lr;
		optim_defaults(&c->train.opt, a->momentum_kind);
		c->train.opt.lr = lr;
	}
	if (a->have_momentum)
		c->train.opt.momentum = a->momentum;
	/* --lr-decay is the step schedule's. */
	if (c->train.lr_decay != 1.0f && !a->have_schedule)
		c->train.schedule = TRAIN_LR_STEP;
	else if (c->train.lr_decay != 1.0f &&
	    c->train.schedule != TRAIN_LR_STEP)
		return cli_usage_error("--lr-decay needs --lr-schedule step, "
		    "not %s", train_schedule_name(c->train.schedule));
	if (!a->have_seed)
		c->train.seed = cli_clock_seed();
	if (c->text.max_words != 0 && c->text.tokens != VOCAB_WORD)
		return cli_usage_error("--max-words needs --tokens word");
	if (c->text.min_count > 1 && c->text.tokens == VOCAB_WORD)
		return cli_usage_error("--min-count is for characters; use "
		    "--max-words with --tokens word");
	if (c->train.epochs == 0 && c->train.max_steps == 0 &&
	    c->time_limit == 0)
		return cli_usage_error("--epochs 0 needs --steps N or --time");
	return -1;
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

/* Start the session and run a view on it until training is done; the
 * dashboard draws runs[0 .. a->ncompare) beside it. */
static int
run_view(struct train_args *a, curve_run *runs)
{
	session_config *c = &a->c;
	char *cause = NULL, why[128];
	int use_dash = !a->headless && isatty(STDOUT_FILENO) &&
	    isatty(STDIN_FILENO);
	int sig_fd = -1, status;

	if (use_dash && headless_needed(why, sizeof why)) {
		fprintf(stderr, "burble: note: %s: plain progress lines "
		    "instead\n", why);
		use_dash = 0;
	}

	if (!use_dash && a->ncompare > 0)
		fprintf(stderr, "burble: note: --compare draws in the dashboard; "
		    "without it, 'burble plot' draws the runs afterwards\n");
	c->generator = use_dash;
	if (!use_dash && (sig_fd = sig_catch(0, &cause)) < 0) {
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	if ((c->plan & ~PLAN_DROPOUT) != 0 && isatty(STDERR_FILENO))
		fprintf(stderr, "burble: sizing the model for the budget "
		    "(a few timed steps)...\n");
	session *s = session_create(c, &cause);
	if (s == NULL) {
		sig_release();
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	if (use_dash) {
		char *hist = cli_history_path();
		curve_run *cmp[CURVE_MAX_COMPARE];
		for (int i = 0; i < a->ncompare; i++)
			cmp[i] = &runs[i];
		dash_options d = { .history_path = hist,
		    .no_color = a->no_color, .compare = cmp,
		    .ncompare = a->ncompare };
		status = dash_run(s, &d, stdout);
		free(hist);
	} else {
		status = headless_run(s, sig_fd, c->train.report_every == 0);
		if (ferror(stdout))	/* headless_run said so */
			cli_stdout_said();
	}
	session_free(s);
	sig_release();
	return status;
}

int
cli_train(int argc, char **argv)
{
	struct train_args a;
	char *def = NULL;
	int r;

	if ((r = parse_args(&a, argc, argv)) >= 0)
		return r;
	/* Runs to compare with: refused before anything trains. */
	curve_run runs[CURVE_MAX_COMPARE];
	if ((r = cli_load_runs(a.compare, a.ncompare, runs)) != 0)
		return r;
	a.c.files = (const char *const *)argv + optind;
	a.c.nfiles = (size_t)(argc - optind);
	if (a.c.nfiles == 0) {
		def = default_corpus();
		a.c.files = (const char *const *)&def;
		a.c.nfiles = 1;
	}
	r = run_view(&a, runs);
	free(def);
	for (int i = 0; i < a.ncompare; i++)
		curve_run_free(&runs[i]);
	return r;
}
