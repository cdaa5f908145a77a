/* ckpt_meta.c - the metadata of a checkpoint: one table per record, walked
 * by both the writer and the reader.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "__metadata__" of a safetensors header maps strings to strings; most
 * of burble's hold compact JSON:
 *     format            "burble"
 *     burble.version    "1"
 *     burble.config     {"cell","layers","hidden","vocab","embed","dropout"}
 *     burble.vocab      {"cp":[code points, ascending; 1114112 = unknown,
 *                        1114113 = end of record],"unk":id|-1,"eor":id|-1}
 *     burble.text       {"lowercase","filter","filter_set","min_count",
 *                        "lines","record_sep"}
 *     burble.corpus     the corpus name (plain text)
 *     burble.settings   train_settings (optimizer under "optim"; the seed
 *                       as a decimal string)
 *     burble.progress   {"step","epoch","batch","lr","best_val",
 *                        "best_step","restored_step","stale","elapsed",
 *                        "optim_t",
 *                        "rng":[4 x 16 hex digits]}
 *     burble.history    [{"step","epoch","train_loss","train_acc",
 *                        "val_loss","val_acc","lr","elapsed"}, ...]
 * Only burble.config and burble.vocab are required, so a PyTorch state_dict
 * saved with those two (contrib/burble_torch.py) loads as weights.
 *
 * Each record (config, vocab, text, settings with its optimizer, progress,
 * a history point) is a table of fields (ckpt_int.h, ckpt_field.c): the
 * JSON name, the C member, the range a reader accepts, the rules for null
 * and the infinities, all in one line per field that the writer and the
 * reader both walk. The few values that are not one scalar (the code
 * points, the rng state, the sample temperatures) are custom fields with
 * their writer and reader side by side below. The top-level keys are a
 * table too (meta_keys): how each is written, read, and in which phase.
 *
 * The strings are written by jwrite.c (exact, shortest numbers; jwrite.h
 * says what jansson cannot do); the header around them is built, and all
 * JSON is read, with jansson.
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_int.h"

/* ---- reading a metadata value ------------------------------------------ */

/* Parse metadata value `key` (JSON text) into *out; absent: *out = NULL. */
static int
meta_json(ckpt_reader *x, json_t *s, const char *key, json_type type,
    json_t **out)
{
	json_error_t err;

	*out = NULL;
	if (s == NULL)
		return 0;
	x->where = key;
	if (ckpt_json_cost(json_string_value(s), json_string_length(s)) >
	    CKPT_MAX_JSON_COST)
		return ckpt_fail(x, "too large or too deeply structured to "
		    "read");
	*out = json_loadb(json_string_value(s), json_string_length(s),
	    JSON_REJECT_DUPLICATES, &err);
	if (*out == NULL)
		return ckpt_fail(x, "not valid JSON (%s)", err.text);
	if (json_typeof(*out) != type) {
		json_decref(*out);
		*out = NULL;
		return ckpt_fail(x, "must be a JSON %s", type == JSON_OBJECT ?
		    "object" : "array");
	}
	return 0;
}

/* ---- custom fields ----------------------------------------------------- */

/* vocab.cp: the code points, V of them (V set beforehand by the reader). */
static void
cp_write(jwrite *b, const void *rec)
{
	const vocab *v = rec;
	if (v->kind == VOCAB_WORD) {
		jwrite_null(b);
		return;
	}
	jwrite_open(b, "[");
	for (int i = 0; i < v->V; i++)
		jwrite_int(b, v->cp[i]);
	jwrite_close(b, "]");
}

static int
cp_read(ckpt_reader *x, json_t *cp, const char *key, void *rec)
{
	vocab *v = rec;
	int V = v->V;

	if (json_is_null(cp))
		return 0;
	if (!json_is_array(cp))
		return ckpt_fail(x, "'%s' must be an array of code points",
		    key);
	if (json_array_size(cp) != (size_t)V)
		return ckpt_fail(x, "%zu symbols, but burble.config says "
		    "vocab %d", json_array_size(cp), V);
	v->cp = xcalloc((size_t)V, sizeof *v->cp);
	for (int i = 0; i < V; i++) {
		json_t *j = json_array_get(cp, (size_t)i);
		json_int_t c = json_is_integer(j) ? json_integer_value(j) : -1;
		if (c < 0 || c > (json_int_t)TEXT_EOR ||
		    (c >= 0xd800 && c <= 0xdfff))
			return ckpt_fail(x, "symbol %d is not a valid code "
			    "point", i);
		if (i > 0 && (uint32_t)c <= v->cp[i - 1])
			return ckpt_fail(x, "code points are not strictly "
			    "ascending at symbol %d", i);
		v->cp[i] = (uint32_t)c;
	}
	return 0;
}

/* vocab.tokens: a word vocabulary's tokens, strings in id order (null in
 * a character vocabulary); read after unk and eor. */
static void
tokens_write(jwrite *b, const void *rec)
{
	const vocab *v = rec;
	if (v->kind != VOCAB_WORD) {
		jwrite_null(b);
		return;
	}
	jwrite_open(b, "[");
	for (int i = 0; i < v->V; i++)
		jwrite_str(b, v->pool + v->off[i]);
	jwrite_close(b, "]");
}

static int
tokens_read(ckpt_reader *x, json_t *a, const char *key, void *rec)
{
	vocab *v = rec;
	int V = v->V, kind = v->kind, unk = v->unk, eor = v->eor, r;
	size_t size = 0, at = 0, i;
	char *toks, *cause = NULL;

	if (json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) != (size_t)V)
		return ckpt_fail(x, "'%s' must be an array of %d strings", key,
		    V);
	for (i = 0; i < (size_t)V; i++) {
		json_t *s = json_array_get(a, i);
		if (!json_is_string(s) || memchr(json_string_value(s), 0,
		    json_string_length(s)) != NULL)
			return ckpt_fail(x, "token %zu is not a string", i);
		size += json_string_length(s) + 1;
	}
	toks = xmalloc(size ? size : 1);
	for (i = 0; i < (size_t)V; i++) {
		json_t *s = json_array_get(a, i);
		memcpy(toks + at, json_string_value(s), json_string_length(s));
		at += json_string_length(s);
		toks[at++] = '\0';
	}
	r = vocab_words_init(v, toks, size, V, unk, eor < 0 ? -1 : eor,
	    &cause);
	free(toks);
	v->kind = kind;
	if (r != 0) {
		r = ckpt_fail(x, "%s", cause);
		free(cause);
	}
	return r;
}

static const ckpt_enum kind_enum = {
	vocab_kind_name, vocab_kind_parse, "tokenizer", NULL, NULL
};

/* train_settings.sample_temps: at most TRAIN_MAX_SAMPLE_TEMPS numbers. */
static void
temps_write(jwrite *b, const void *rec)
{
	const train_settings *s = rec;
	jwrite_open(b, "[");
	for (int i = 0; i < s->nsample_temps && i < TRAIN_MAX_SAMPLE_TEMPS; i++)
		jwrite_float(b, s->sample_temps[i]);
	jwrite_close(b, "]");
}

static int
temps_read(ckpt_reader *x, json_t *temps, const char *key, void *rec)
{
	train_settings *s = rec;

	if (!json_is_array(temps) ||
	    json_array_size(temps) > TRAIN_MAX_SAMPLE_TEMPS)
		return ckpt_fail(x, "'%s' must be an array of at most %d "
		    "numbers", key, TRAIN_MAX_SAMPLE_TEMPS);
	s->nsample_temps = (int)json_array_size(temps);
	for (int i = 0; i < s->nsample_temps; i++) {
		json_t *j = json_array_get(temps, (size_t)i);
		double d = json_is_number(j) ? json_number_value(j) : -1;
		if (!(d >= 0 && d <= 100))
			return ckpt_fail(x, "'%s' must hold numbers in "
			    "[0, 100]", key);
		s->sample_temps[i] = (float)d;
	}
	return 0;
}

/* What burble.progress holds: train_progress's scalars and the optimizer's
 * step count, which lives in the optimizer. */
typedef struct {
	train_progress p;
	long optim_t;
} progress_rec;

/* progress.rng: the dropout generator, 4 x 16 hex digits. */
static void
rng_write(jwrite *b, const void *rec)
{
	const progress_rec *r = rec;
	jwrite_open(b, "[");
	for (int i = 0; i < 4; i++) {
		char h[20];
		snprintf(h, sizeof h, "%016" PRIx64, r->p.rng.s[i]);
		jwrite_str(b, h);
	}
	jwrite_close(b, "]");
}

static int
parse_hex64(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	if (n < 1 || n > 16)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = (*v << 4) | (uint64_t)d;
	}
	return 0;
}

static int
rng_read(ckpt_reader *x, json_t *rng, const char *key, void *rec)
{
	progress_rec *r = rec;
	uint64_t any = 0;

	if (!json_is_array(rng) || json_array_size(rng) != 4)
		return ckpt_fail(x, "'%s' must be 4 hex strings", key);
	for (size_t i = 0; i < 4; i++) {
		json_t *j = json_array_get(rng, i);
		if (!json_is_string(j) || parse_hex64(json_string_value(j),
		    &r->p.rng.s[i]) < 0)
			return ckpt_fail(x, "'%s' must be 4 hex strings", key);
		any |= r->p.rng.s[i];
	}
	if (any == 0)
		return ckpt_fail(x, "'%s' state is all zero", key);
	return 0;
}

/* ---- the records ------------------------------------------------------- */

static const ckpt_enum cell_enum = {
	cell_name, cell_parse, "cell", "lstm, gru or rnn", NULL
};
static const ckpt_enum filter_enum = {
	text_filter_name, text_filter_parse, "filter", NULL, NULL
};

/* A named optimizer starts from its own defaults. */
static void
optim_kind_set(void *rec, int kind)
{
	optim_defaults(rec, kind);
}

static const ckpt_enum schedule_enum = {
	train_schedule_name, train_schedule_parse, "learning-rate schedule",
	"constant, cosine, linear or step", NULL
};

static const ckpt_enum optim_enum = {
	optim_name, optim_parse, "optimizer", NULL, optim_kind_set
};

static const ckpt_field config_fields[] = {
	FIELD_ENUM("cell", model_config, cell, &cell_enum, MF_REQUIRED),
	FIELD_INT("layers", model_config, L, 1, INT_MAX, MF_REQUIRED),
	FIELD_INT("hidden", model_config, H, 1, INT_MAX, MF_REQUIRED),
	FIELD_INT("vocab", model_config, V, 1, INT_MAX, MF_REQUIRED),
	FIELD_INT("embed", model_config, E, 0, INT_MAX, 0),
	FIELD_FLOAT("dropout", model_config, dropout, 0),
};

/* unk and eor are read back to be compared with the code points. */
static const ckpt_field vocab_fields[] = {
	FIELD_CUSTOM("cp", cp_write, cp_read, 0),
	FIELD_INT("unk", vocab, unk, -1, INT_MAX, 0),
	FIELD_INT("eor", vocab, eor, -1, INT_MAX, 0),
	/* A word vocabulary's (written only for one): */
	FIELD_ENUM("tokenizer", vocab, kind, &kind_enum, 0),
	FIELD_CUSTOM("tokens", tokens_write, tokens_read, 0),
};

static const ckpt_field text_fields[] = {
	FIELD_BOOL("lowercase", text_opts, lowercase),
	FIELD_ENUM("filter", text_opts, filter, &filter_enum, 0),
	FIELD_STR("filter_set", text_opts, filter_set),
	FIELD_LONG("min_count", text_opts, min_count, 0, LONG_MAX, 0),
	FIELD_BOOL("lines", text_opts, lines),
	FIELD_STR("record_sep", text_opts, record_sep),
	/* A word model's (written only for one): */
	FIELD_ENUM("tokens", text_opts, tokens, &kind_enum, 0),
	FIELD_LONG("max_words", text_opts, max_words, 0, LONG_MAX, 0),
};

static const ckpt_field optim_fields[] = {
	FIELD_ENUM("name", optim_config, kind, &optim_enum, 0),
	FIELD_FLOAT_IN("lr", optim_config, lr, 0, FLT_MAX),
	FIELD_FLOAT_IN("beta1", optim_config, beta1, 0, 1),
	FIELD_FLOAT_IN("beta2", optim_config, beta2, 0, 1),
	FIELD_FLOAT_IN("eps", optim_config, eps, 0, FLT_MAX),
	FIELD_FLOAT_IN("alpha", optim_config, alpha, 0, 1),
	FIELD_FLOAT_IN("momentum", optim_config, momentum, 0, 1),
};
static const ckpt_table optim_table = TABLE(optim_fields);

static const ckpt_field settings_fields[] = {
	FIELD_INT("batch", train_settings, B, 1, CKPT_MAX_BT, 0),
	FIELD_INT("seq", train_settings, T, 1, CKPT_MAX_BT, 0),
	FIELD_FLOAT_IN("val_frac", train_settings, val_frac, 0, 1),
	FIELD_OBJECT("optim", train_settings, opt, &optim_table),
	FIELD_ENUM("lr_schedule", train_settings, schedule, &schedule_enum, 0),
	FIELD_LONG("warmup", train_settings, warmup, 0, LONG_MAX, 0),
	FIELD_FLOAT_IN("lr_min", train_settings, lr_min, 0, 1),
	FIELD_FLOAT_IN("lr_decay", train_settings, lr_decay, 0, FLT_MAX),
	FIELD_INT("lr_decay_after", train_settings, lr_decay_after, 0,
	    INT_MAX, 0),
	FIELD_FLOAT_IN("clip", train_settings, clip, 0, FLT_MAX),
	FIELD_INT("epochs", train_settings, epochs, 0, INT_MAX, 0),
	FIELD_LONG("max_steps", train_settings, max_steps, 0, LONG_MAX, 0),
	FIELD_INT("patience", train_settings, patience, 0, INT_MAX, 0),
	FIELD_LONG("eval_every", train_settings, eval_every, 0, LONG_MAX, 0),
	FIELD_LONG("report_every", train_settings, report_every, 0,
	    LONG_MAX, 0),
	FIELD_U64("seed", train_settings, seed),
	FIELD_INT("sample_len", train_settings, sample_len, 0, 1 << 24, 0),
	FIELD_CUSTOM("sample_temps", temps_write, temps_read, 0),
};

static const ckpt_field progress_fields[] = {
	FIELD_LONG("step", progress_rec, p.step, 0, LONG_MAX, MF_REQUIRED),
	FIELD_LONG("epoch", progress_rec, p.epoch, 0, LONG_MAX, MF_REQUIRED),
	FIELD_SIZE("batch", progress_rec, p.batch, 0, LLONG_MAX, MF_REQUIRED),
	FIELD_FLOAT("lr", progress_rec, p.lr, 0),
	FIELD_FLOAT("best_val", progress_rec, p.best_val, MF_INF_NULL),
	FIELD_LONG("best_step", progress_rec, p.best_step, -1, LONG_MAX, 0),
	FIELD_LONG("restored_step", progress_rec, p.restored_step, 0, LONG_MAX,
	    0),
	FIELD_INT("stale", progress_rec, p.stale, 0, INT_MAX, 0),
	FIELD_DOUBLE("elapsed", progress_rec, p.elapsed),
	FIELD_LONG("optim_t", progress_rec, optim_t, 0, LONG_MAX, 0),
	FIELD_CUSTOM("rng", rng_write, rng_read, 0),
};

static const ckpt_field hist_fields[] = {
	FIELD_LONG("step", hist_point, step, 0, LONG_MAX, 0),
	FIELD_DOUBLE("epoch", hist_point, epoch),
	FIELD_FLOAT("train_loss", hist_point, train_loss, 0),
	FIELD_FLOAT("train_acc", hist_point, train_acc, 0),
	FIELD_FLOAT("val_loss", hist_point, val_loss, 0),
	FIELD_FLOAT("val_acc", hist_point, val_acc, 0),
	FIELD_FLOAT("lr", hist_point, lr, 0),
	FIELD_DOUBLE("elapsed", hist_point, elapsed),
};

static const ckpt_table config_table = TABLE(config_fields);
static const ckpt_table vocab_table = TABLE(vocab_fields);
static const ckpt_table text_table = TABLE(text_fields);
/* What a character model writes: the fields before the word ones, so that
 * its files are what they were before word tokens. */
static const ckpt_table vocab_char_table = { vocab_fields, 3 };
static const ckpt_table text_char_table = { text_fields, 6 };
static const ckpt_table settings_table = TABLE(settings_fields);
static const ckpt_table progress_table = TABLE(progress_fields);
static const ckpt_table hist_table = TABLE(hist_fields);

/* ---- the top-level keys ------------------------------------------------ */

static char *
rec_string(const ckpt_table *t, const void *rec)
{
	jwrite b = { 0 };
	ckpt_rec_write(&b, t, rec);
	return b.s;
}

static char *
vocab_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)m;
	return rec_string(c->voc.kind == VOCAB_WORD ? &vocab_table :
	    &vocab_char_table, &c->voc);
}

static char *
text_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)m;
	return rec_string(c->voc.kind == VOCAB_WORD ? &text_table :
	    &text_char_table, &c->text);
}

static char *
format_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)c;
	(void)m;
	return xstrdup("burble");
}

static char *
version_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)c;
	(void)m;
	return xasprintf("%d", CKPT_FORMAT_VERSION);
}

static int
version_read(ckpt_reader *x, json_t *v, ckpt *c, ckpt_meta_ctx *m)
{
	json_t *f = json_object_get(m->meta, "format");

	(void)c;
	if (v == NULL) {
		/* Files from PyTorch may carry only config and vocab. */
		if (f != NULL && strcmp(json_string_value(f), "burble") == 0)
			return ckpt_fail(x, "no burble.version metadata");
		return 0;
	}
	const char *s = json_string_value(v);
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0)
		return ckpt_fail(x, "bad format version '%.20s'", s);
	if (n > CKPT_FORMAT_VERSION)
		return ckpt_fail(x, "was written by a newer burble (format "
		    "%ld; this one reads format %d)", n, CKPT_FORMAT_VERSION);
	if (n < CKPT_FORMAT_VERSION)
		return ckpt_fail(x, "was written by an older burble (format "
		    "%ld; this one reads format %d)", n, CKPT_FORMAT_VERSION);
	return 0;
}

static char *
config_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)m;
	return rec_string(&config_table, &c->m->cfg);
}

static int
config_read(ckpt_reader *x, json_t *o, ckpt *c, ckpt_meta_ctx *m)
{
	model_config *cfg = &m->cfg;
	char *why = NULL;

	(void)c;
	memset(cfg, 0, sizeof *cfg);
	if (o == NULL)
		return ckpt_fail(x, "not a burble model: no burble.config "
		    "metadata (contrib/burble_torch.py save writes it)");
	if (ckpt_rec_read(x, o, &config_table, cfg) < 0)
		return -1;
	if (model_config_check(cfg, &why) < 0) {
		ckpt_fail(x, "%s", why ? why : "invalid");
		free(why);
		return -1;
	}
	/* Our own bounds too: the expected layout's arrays depend on them. */
	if (cfg->L > MODEL_MAX_LAYERS || cfg->H > MODEL_MAX_HIDDEN ||
	    cfg->V > TEXT_MAX_VOCAB || cfg->E > MODEL_MAX_EMBED)
		return ckpt_fail(x, "sizes out of range");
	return 0;
}

/* On error, c->voc is freed by ckpt_free. */
static int
vocab_read(ckpt_reader *x, json_t *o, ckpt *c, ckpt_meta_ctx *m)
{
	vocab *v = &c->voc;

	memset(v, 0, sizeof *v);
	if (o == NULL)
		return ckpt_fail(x, "no burble.vocab metadata");
	v->V = m->cfg.V;
	v->unk = v->eor = -2;	/* not given */
	if (ckpt_rec_read(x, o, &vocab_table, v) < 0)
		return -1;
	if (v->kind == VOCAB_WORD)
		return v->pool == NULL || v->cp != NULL ? ckpt_fail(x, "a word "
		    "vocabulary needs 'tokens' (and no 'cp')") : 0;
	if (v->cp == NULL || v->pool != NULL)
		return ckpt_fail(x, "a character vocabulary needs 'cp' (and "
		    "no 'tokens')");
	int unk = v->unk, eor = v->eor;
	v->unk = v->eor = -1;
	for (int i = 0; i < v->V; i++) {
		if (v->cp[i] == TEXT_UNK)
			v->unk = i;
		if (v->cp[i] == TEXT_EOR)
			v->eor = i;
	}
	if ((unk != -2 && unk != v->unk) || (eor != -2 && eor != v->eor))
		return ckpt_fail(x, "'unk'/'eor' do not match the code points");
	return 0;
}

static int
text_read(ckpt_reader *x, json_t *o, ckpt *c, ckpt_meta_ctx *m)
{
	text_opts *t = &c->text;

	(void)m;
	memset(t, 0, sizeof *t);
	if (o == NULL)
		return 0;
	if (ckpt_rec_read(x, o, &text_table, t) < 0)
		return -1;
	/* jansson has checked the UTF-8; NUL inside is refused by it too. */
	if (t->filter == TEXT_FILTER_SET &&
	    (t->filter_set == NULL || *t->filter_set == '\0'))
		return ckpt_fail(x, "filter 'set' without a filter_set");
	return 0;
}

static char *
corpus_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	(void)m;
	return c->corpus != NULL ? utf8_clean(c->corpus) : NULL;
}

static int
corpus_read(ckpt_reader *x, json_t *v, ckpt *c, ckpt_meta_ctx *m)
{
	(void)x;
	(void)m;
	if (v != NULL)
		c->corpus = xstrdup(json_string_value(v));
	return 0;
}

static int
settings_read(ckpt_reader *x, json_t *o, ckpt *c, ckpt_meta_ctx *m)
{
	train_settings *s = &c->settings;

	train_settings_default(s);
	m->has_settings = o != NULL;
	if (o == NULL)
		return 0;
	if (ckpt_rec_read(x, o, &settings_table, s) < 0)
		return -1;
	/* Files from before the schedules trained at a constant rate, or
	 * decayed it per epoch: they resume as they ran. */
	if (json_object_get(o, "lr_schedule") == NULL) {
		s->schedule = s->lr_decay != 1.0f ? TRAIN_LR_STEP :
		    TRAIN_LR_CONSTANT;
		s->warmup = 0;
	}
	if ((long long)s->B * s->T > CKPT_MAX_BT)
		return ckpt_fail(x, "batch x seq is too large");
	return 0;
}

static char *
progress_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	progress_rec r = { c->prog, m->optim_t };
	return rec_string(&progress_table, &r);
}

/* After the settings: the defaults depend on them. */
static int
progress_read(ckpt_reader *x, json_t *o, ckpt *c, ckpt_meta_ctx *m)
{
	progress_rec r;

	train_progress_init(&c->prog, &c->settings);
	m->optim_t = 0;
	m->has_progress = o != NULL;
	if (o == NULL)
		return 0;
	r.p = c->prog;
	r.optim_t = 0;
	if (ckpt_rec_read(x, o, &progress_table, &r) < 0)
		return -1;
	c->prog = r.p;
	m->optim_t = r.optim_t;
	return 0;
}

/* Points: all evaluations, the last point, and every stride-th other. */
static char *
history_write(const ckpt *c, const ckpt_meta_ctx *m)
{
	const train_progress *p = &c->prog;
	jwrite b = { 0 };

	jwrite_open(&b, "[");
	for (size_t i = 0; i < p->nhist; i++) {
		const hist_point *h = &p->hist[i];
		if (m->stride > 1 && i % m->stride != 0 && i + 1 != p->nhist &&
		    isnan(h->val_loss))
			continue;
		ckpt_rec_write(&b, &hist_table, h);
	}
	jwrite_close(&b, "]");
	return b.s;
}

/* After the progress, which starts an empty history. */
static int
history_read(ckpt_reader *x, json_t *a, ckpt *c, ckpt_meta_ctx *m)
{
	train_progress *p = &c->prog;

	(void)m;
	if (a == NULL)
		return 0;
	/* The array lives in the (capped) header, so its size is bounded by
	 * what the file holds: each point takes at least 2 bytes there. */
	size_t n = json_array_size(a);
	if (n > 0) {
		p->hist = xreallocarray(NULL, n, sizeof *p->hist);
		p->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(a, i);
		hist_point h;
		memset(&h, 0, sizeof h);
		h.val_loss = h.val_acc = NAN;
		if (!json_is_object(o))
			return ckpt_fail(x, "point %zu is not an object", i);
		if (ckpt_rec_read(x, o, &hist_table, &h) < 0)
			return -1;
		p->hist[p->nhist++] = h;
	}
	return 0;
}

/* In the order they are read. Phase 1 comes before the tensors are checked
 * against the configuration, phase 2 after. */
static const struct meta_key {
	const char *key;
	json_type type;		/* JSON_STRING: the value is plain text */
	int phase;		/* 1, 2; 0: written, not read on its own */
	int train;		/* written only with training state */
	const ckpt_table *table;	/* written: the record at ckpt + off */
	size_t off;
	char *(*write)(const ckpt *, const ckpt_meta_ctx *);	/* or this;
				   NULL result: not written */
	int (*read)(ckpt_reader *, json_t *, ckpt *, ckpt_meta_ctx *);
} meta_keys[] = {
	{ "format", JSON_STRING, 0, 0, NULL, 0, format_write, NULL },
	{ "burble.version", JSON_STRING, 1, 0, NULL, 0, version_write,
	  version_read },
	{ "burble.config", JSON_OBJECT, 1, 0, NULL, 0, config_write,
	  config_read },
	{ "burble.vocab", JSON_OBJECT, 1, 0, NULL, 0, vocab_write,
	  vocab_read },
	{ "burble.text", JSON_OBJECT, 2, 0, NULL, 0, text_write, text_read },
	{ "burble.corpus", JSON_STRING, 2, 0, NULL, 0, corpus_write,
	  corpus_read },
	{ "burble.settings", JSON_OBJECT, 2, 1, &settings_table,
	  offsetof(ckpt, settings), NULL, settings_read },
	{ "burble.progress", JSON_OBJECT, 2, 1, NULL, 0, progress_write,
	  progress_read },
	{ "burble.history", JSON_ARRAY, 2, 1, NULL, 0, history_write,
	  history_read },
};

int
ckpt_meta_write(json_t *meta, const ckpt *c, const ckpt_meta_ctx *m)
{
	for (size_t i = 0; i < NELEMS(meta_keys); i++) {
		const struct meta_key *k = &meta_keys[i];
		if (k->train && !c->has_train)
			continue;
		char *s = k->table != NULL ? rec_string(k->table,
		    (const char *)c + k->off) : k->write(c, m);
		if (s == NULL)
			continue;
		json_t *v = json_string(s);
		free(s);
		if (v == NULL || json_object_set_new(meta, k->key, v) < 0)
			return -1;
	}
	return 0;
}

int
ckpt_meta_read(ckpt_reader *x, json_t *meta, int phase, ckpt *c,
    ckpt_meta_ctx *m)
{
	m->meta = meta;
	for (size_t i = 0; i < NELEMS(meta_keys); i++) {
		const struct meta_key *k = &meta_keys[i];
		json_t *s = meta ? json_object_get(meta, k->key) : NULL, *v = s;
		int rc;
		if (k->phase != phase)
			continue;
		x->where = NULL;
		if (k->type != JSON_STRING && meta_json(x, s, k->key, k->type,
		    &v) < 0)
			return -1;
		rc = k->read(x, v, c, m);
		if (v != s)
			json_decref(v);
		if (rc < 0)
			return -1;
	}
	x->where = NULL;
	return 0;
}
