/* cli_info.c - `burble info`: a summary of a model file.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "curves.h"
#include "escape.h"
#include "fmt.h"
#include "model.h"
#include "text.h"
#include "words.h"

static const char usage_info[] =
"Usage: burble info [OPTION]... MODEL\n"
"Layers, shapes, parameter counts, vocabulary, text options, training\n"
"settings and history of a model file.\n"
"\n"
"      --json               one JSON object\n"
"      --history            the training history as a table: step, epoch,\n"
"                           characters seen, seconds, learning rate, train\n"
"                           and validation loss and accuracy\n"
"      --csv                the history as CSV with a header line\n"
"  -h, --help               show this help and exit\n";

enum { OPT_JSON = 2000, OPT_HISTORY, OPT_CSV };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "history", no_argument, NULL, OPT_HISTORY },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char rule[] = "=============================================="
    "================================================";

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

#define INFO_WORDS_SHOWN 100

/* A word token: specials in angle brackets, a newline as \n, a token
 * that a terminal would act on as U+XXXX. */
static void
print_word(const vocab *v, int id)
{
	char u[VOCAB_SYM_MAX];

	size_t len = vocab_utf8(v, id, u);
	uint32_t cp;

	if (id == v->eor)
		fputs("<eor>", stdout);
	else if (strcmp(u, "\n") == 0)
		fputs("\\n", stdout);
	else if (utf8_decode((const unsigned char *)u, len, &cp) == len &&
	    escape_needed(cp))	/* a lone control, bidi or invisible mark */
		printf("U+%04X", cp);
	else
		fputs(u, stdout);
}

static void
print_symbol(const vocab *v, int id)
{
	if (v->kind == VOCAB_WORD) {
		print_word(v, id);
		return;
	}
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
	else if (escape_needed(cp))	/* controls, bidi, invisible */
		printf("U+%04X", cp);
	else {
		char u[VOCAB_SYM_MAX];
		vocab_utf8(v, id, u);
		fputs(u, stdout);
	}
}

static json_t *
tensors_json(const model *m)
{
	json_t *tensors = json_array();
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		json_t *shape = json_array();
		for (int d = 0; d < t->ndim; d++)
			json_array_append_new(shape, json_integer((json_int_t)t->shape[d]));
		json_array_append_new(tensors, json_pack("{s:s,s:o,s:I}",
		    "name", t->name, "shape", shape, "params", (json_int_t)t->size));
	}
	return tensors;
}

static json_t *
history_json(const ckpt *c)
{
	json_t *hist = json_array();
	for (size_t i = 0; c->has_train && i < c->prog.nhist; i++) {
		const hist_point *h = &c->prog.hist[i];
		json_array_append_new(hist, json_pack("{s:I,s:f,s:f,s:f,s:o,s:o}",
		    "step", (json_int_t)h->step, "epoch", h->epoch,
		    "train_loss", (double)h->train_loss, "lr", (double)h->lr,
		    "val_loss", isnan(h->val_loss) ? json_null() : json_real(h->val_loss),
		    "val_acc", isnan(h->val_acc) ? json_null() : json_real(h->val_acc)));
	}
	return hist;
}

static int
info_json(const char *path, const ckpt *c)
{
	const model *m = c->m;
	json_t *o = json_object(), *voc = json_array();
	char u[VOCAB_SYM_MAX];
	for (int i = 0; i < c->voc.V; i++)
		json_array_append_new(voc, c->voc.kind == VOCAB_WORD ?
		    json_string((vocab_utf8(&c->voc, i, u), u)) :
		    json_integer(c->voc.cp[i]));
	char sum[32];
	snprintf(sum, sizeof sum, "%016llx", (unsigned long long)weights_checksum(m));
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "cell", json_string(cell_name(m->cfg.cell)));
	json_object_set_new(o, "layers", json_integer(m->cfg.L));
	json_object_set_new(o, "hidden", json_integer(m->cfg.H));
	json_object_set_new(o, "vocab_size", json_integer(m->cfg.V));
	json_object_set_new(o, "tokenizer",
	    json_string(vocab_kind_name(c->voc.kind)));
	json_object_set_new(o, "embed", json_integer(m->cfg.E));
	json_object_set_new(o, "dropout", json_real(m->cfg.dropout));
	json_object_set_new(o, "params", json_integer((json_int_t)m->nparams));
	json_object_set_new(o, "checksum", json_string(sum));
	json_object_set_new(o, "tensors", tensors_json(m));
	json_object_set_new(o, "vocab", voc);
	json_object_set_new(o, "has_train", json_boolean(c->has_train));
	if (c->has_train) {
		json_object_set_new(o, "step", json_integer(c->prog.step));
		json_object_set_new(o, "epoch", json_integer(c->prog.epoch));
		json_object_set_new(o, "best_val_loss", isfinite(c->prog.best_val) ?
		    json_real(c->prog.best_val) : json_null());
		json_object_set_new(o, "best_step", json_integer(c->prog.best_step));
	}
	json_object_set_new(o, "history", history_json(c));
	char *s = json_dumps(o, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(o);
	return 0;
}

/* The Keras-style table: one row per layer, with its tensors. */
static void
print_layers(const model *m)
{
	const model_config *mc = &m->cfg;
	int ti = 0;
	size_t total = 0;
	char name[64], shape[32];

	printf("\n%-22s %-16s %12s   %s\n", "Layer (type)", "Output shape",
	    "Param #", "Tensors");
	printf("%.*s\n", 78, rule);
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
	printf("%.*s\n", 78, rule);
	printf("Total params: %zu (%.2f MB as float32)\n\n", total,
	    (double)total * 4 / 1e6);
}

/* The vocabulary, the text options and the checksum. */
static void
print_text(const ckpt *c)
{
	int shown = c->voc.kind == VOCAB_WORD && c->voc.V > INFO_WORDS_SHOWN ?
	    INFO_WORDS_SHOWN : c->voc.V;
	printf("Tokenizer: %s\n", vocab_kind_name(c->voc.kind));
	printf("Vocabulary (%d%s):", c->voc.V, c->voc.kind != VOCAB_WORD ?
	    "" : shown < c->voc.V ? " word tokens, the most frequent first" :
	    " word tokens");
	for (int i = 0; i < shown; i++) {
		putchar(' ');
		print_symbol(&c->voc, i);
	}
	if (shown < c->voc.V) {
		printf(" ... <unk>");
		if (c->voc.eor >= 0)
			printf(" <eor>");
	}
	printf("\n");
	printf("Text: %s%s%s%s", c->corpus ? c->corpus : "?",
	    c->text.lowercase ? ", lowercased" : "",
	    c->text.filter == TEXT_FILTER_PRINTABLE ? ", printable only" :
	    c->text.filter == TEXT_FILTER_SET ? ", charset" : "",
	    c->text.lines ? ", one record per line" : "");
	if (c->text.record_sep != NULL)
		printf(", records separated by '%s'", c->text.record_sep);
	if (c->text.min_count > 1)
		printf(", min count %ld", c->text.min_count);
	if (c->voc.kind == VOCAB_WORD)
		printf(", max words %ld", c->text.max_words > 0 ?
		    c->text.max_words : (long)WORD_MAX_DEFAULT);
	printf("\n");
	printf("Weights checksum: %016llx\n",
	    (unsigned long long)weights_checksum(c->m));
}

/* The training settings, progress and evaluations. */
static void
print_training(const ckpt *c)
{
	const train_settings *s = &c->settings;
	char el[32];

	printf("\nTraining: %s lr %.3g (now %.3g), batch %d x seq %d, clip %g, "
	    "val %.0f%%, seed %llu\n", optim_name(s->opt.kind),
	    (double)s->opt.lr, (double)c->prog.lr, s->B, s->T, (double)s->clip,
	    100 * (double)s->val_frac, (unsigned long long)s->seed);
	fmt_duration(el, sizeof el, c->prog.elapsed);
	printf("Progress: step %ld, epoch %ld (batch %zu), %s of training\n",
	    c->prog.step, c->prog.epoch, c->prog.batch, el);
	if (isfinite(c->prog.best_val))
		printf("Best validation loss: %.4f (%.4f bits/%s) at step %ld\n",
		    (double)c->prog.best_val, (double)c->prog.best_val / M_LN2,
		    c->voc.kind == VOCAB_WORD ? "token" : "char",
		    c->prog.best_step);
	if (c->prog.restored_step > 0)
		printf("Weights: those of step %ld, the best evaluation "
		    "(the run ended on them; --restore-best)\n",
		    c->prog.restored_step);
	size_t nval = 0;
	for (size_t i = 0; i < c->prog.nhist; i++)
		nval += !isnan(c->prog.hist[i].val_loss);
	if (nval == 0)
		return;
	printf("\nHistory (evaluations):\n  %8s %7s %10s %10s %8s %10s\n",
	    "step", "epoch", "train", "val", "val acc", "lr");
	for (size_t i = 0; i < c->prog.nhist; i++) {
		const hist_point *h = &c->prog.hist[i];
		if (isnan(h->val_loss))
			continue;
		printf("  %8ld %7.2f %10.4f %10.4f %7.1f%% %10.3g\n",
		    h->step, h->epoch, (double)h->train_loss,
		    (double)h->val_loss, 100 * (double)h->val_acc,
		    (double)h->lr);
	}
}

static void
info_text(const char *path, const ckpt *c)
{
	const model_config *mc = &c->m->cfg;

	printf("Model: %s\n", path);
	printf("  %s, %d layer%s x %d hidden, %s input, vocabulary %d, "
	    "dropout %.2f\n", fmt_cell(mc->cell), mc->L, mc->L == 1 ? "" : "s",
	    mc->H, mc->E > 0 ? "embedding" : "one-hot", mc->V, (double)mc->dropout);
	print_layers(c->m);
	print_text(c);
	if (!c->has_train) {
		printf("\nWeights only (no optimizer state: cannot be resumed).\n");
		return;
	}
	print_training(c);
}

/* A metric for the history table: "-" where there is none. */
static void
put_metric(int width, float v)
{
	if (isfinite(v))
		printf(" %*.4f", width, (double)v);
	else
		printf(" %*s", width, "-");
}

/* A metric for CSV: an empty field where there is none. */
static void
put_csv(float v)
{
	if (isfinite(v))
		printf(",%.6g", (double)v);
	else
		fputs(",", stdout);
}

/* Every point of the history, one row each: the reports (validation
 * empty) and the evaluations. */
static int
info_history(const char *path, const ckpt *c, int csv)
{
	static const char header[] = "step,epoch,chars,seconds,lr,"
	    "train_loss,train_acc,val_loss,val_acc";
	double cps = curve_chars_per_step(&c->settings);

	if (!c->has_train || c->prog.nhist == 0) {
		printf("%s: no training history\n", path);
		return 0;
	}
	if (csv)
		puts(header);
	else
		printf("%8s %8s %12s %10s %10s %10s %9s %10s %9s\n", "step",
		    "epoch", "chars", "seconds", "lr", "train_loss", "train_acc",
		    "val_loss", "val_acc");
	for (size_t i = 0; i < c->prog.nhist; i++) {
		const hist_point *h = &c->prog.hist[i];
		double chars = curve_x(h, CURVE_X_CHARS, cps);
		if (csv) {
			printf("%ld,%.4f,%.0f,%.3f,%.6g", h->step, h->epoch,
			    chars, h->elapsed, (double)h->lr);
			put_csv(h->train_loss);
			put_csv(h->train_acc);
			put_csv(h->val_loss);
			put_csv(h->val_acc);
			putchar('\n');
			continue;
		}
		printf("%8ld %8.3f %12.0f %10.2f %10.3g", h->step, h->epoch,
		    chars, h->elapsed, (double)h->lr);
		put_metric(10, h->train_loss);
		put_metric(9, h->train_acc);
		put_metric(10, h->val_loss);
		put_metric(9, h->val_acc);
		putchar('\n');
	}
	return 0;
}

int
cli_info(int argc, char **argv)
{
	int json = 0, history = 0, csv = 0, opt, r;
	ckpt c;

	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON: json = 1; break;
		case OPT_HISTORY: history = 1; break;
		case OPT_CSV: csv = history = 1; break;
		case 'h': fputs(usage_info, stdout); return 0;
		default: return cli_option_error(opt, argv, longopts);
		}
	}
	if (json && history)
		return cli_usage_error("--json and --history/--csv: one at "
		    "a time");
	if (optind != argc - 1)
		return cli_usage_error("one model file is needed: burble info MODEL");
	const char *path = argv[optind];
	if ((r = cli_load_model(path, &c)) != 0)
		return r;
	if (history)
		r = info_history(path, &c, csv);
	else if (json)
		r = info_json(path, &c);
	else
		info_text(path, &c);
	ckpt_free(&c);
	return r;
}
