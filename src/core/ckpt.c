/* ckpt.c - model files: safetensors that PyTorch opens, and exact resume.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout of a file (https://github.com/huggingface/safetensors):
 *     u64 N (little-endian) | N bytes of JSON, space-padded to a multiple
 *     of 8 | data: the tensors, contiguous, little-endian F32
 * The JSON header maps each tensor name to {"dtype", "shape",
 * "data_offsets": [begin, end)} (relative to the data start) and
 * "__metadata__" to a string -> string map. Model tensors come first, in
 * m->tensors order, then "burble.optim.state" (2, P): the first and second
 * optimizer moments gathered tensor by tensor in the same order (P is the
 * sum of the tensor sizes, so padding inside params never reaches the file),
 * then "burble.state" (k*L*B*H): the carried hidden state, h then (LSTM) c.
 *
 * Metadata values are strings; most hold compact JSON written here with the
 * shortest decimal form that reads back bit-identical (floats through a
 * double, as JSON readers do). Non-finite numbers: NaN is null, infinities
 * are the strings "inf" and "-inf"; best_val null means "none yet" (inf).
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
 *                        "best_step","stale","elapsed","optim_t",
 *                        "rng":[4 x 16 hex digits]}
 *     burble.history    [{"step","epoch","train_loss","train_acc",
 *                        "val_loss","val_acc","lr","elapsed"}, ...]
 * Only burble.config and burble.vocab are required, so a PyTorch state_dict
 * saved with those two (contrib/burble_torch.py) loads as weights.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ckpt.h"
#include "util.h"

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24,
    "checkpoints hold IEEE 754 binary32 floats");

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CKPT_BIG_ENDIAN 1
#else
#define CKPT_BIG_ENDIAN 0
#endif

/* A header bigger than this is not one burble wrote: burble thins the
 * training points of the history (every 2nd, 4th, ...; evaluations are all
 * kept) to stay under CKPT_WRITE_HEADER; a day of reports is about 8 MB. */
#define CKPT_MAX_HEADER ((uint64_t)32 << 20)
#define CKPT_WRITE_HEADER ((size_t)16 << 20)
/* jansson takes up to ~80 bytes of memory per byte of JSON ("[{},{},..."):
 * the most a parse may be estimated to need (json_cost). */
#define CKPT_MAX_JSON_COST ((uint64_t)512 << 20)
#define CKPT_MAX_FILE_TENSORS 1024
#define CKPT_MAX_BT ((long long)1 << 24)

#define NAME_OPTIM "burble.optim.state"
#define NAME_STATE "burble.state"

static const char *const filter_names[] = { "none", "printable", "set" };

/* ---- small helpers ---------------------------------------------------- */

static void
put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#if CKPT_BIG_ENDIAN
static void
swap32(float *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &p[i], 4);
		u = __builtin_bswap32(u);
		memcpy(&p[i], &u, 4);
	}
}
#endif

/* Length of the valid UTF-8 sequence at s (strict: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_valid_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* ---- writing compact JSON ourselves (exact, shortest numbers) ---------- */

typedef struct {
	char *s;
	size_t len, cap;
} jbuf;

static void
jb_raw(jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->s = xreallocarray(b->s, cap, 1);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* A comma unless a value or key would be the first of its container: every
 * complete value ends in a character other than these three. */
static void
jb_sep(jbuf *b)
{
	if (b->len > 0) {
		char c = b->s[b->len - 1];
		if (c != '{' && c != '[' && c != ':')
			jb_raw(b, ",", 1);
	}
}

static void
jb_open(jbuf *b, const char *bracket)
{
	jb_sep(b);
	jb_raw(b, bracket, 1);
}

static void
jb_close(jbuf *b, const char *bracket)
{
	jb_raw(b, bracket, 1);
}

/* s must be valid UTF-8 (see utf8_clean). */
static void
jb_str(jbuf *b, const char *s)
{
	jb_sep(b);
	jb_raw(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			jb_raw(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			jb_raw(b, esc, 6);
		} else
			jb_raw(b, (const char *)p, 1);
	}
	jb_raw(b, "\"", 1);
}

static void
jb_key(jbuf *b, const char *k)
{
	jb_str(b, k);
	jb_raw(b, ":", 1);
}

static void
jb_null(jbuf *b)
{
	jb_sep(b);
	jb_raw(b, "null", 4);
}

static void
jb_bool(jbuf *b, int v)
{
	jb_sep(b);
	jb_raw(b, v ? "true" : "false", v ? 4 : 5);
}

static void
jb_int(jbuf *b, long long v)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%lld", v);
	jb_sep(b);
	jb_raw(b, t, (size_t)n);
}

/* Finite x printed with the fewest digits (from lo to hi) that read back
 * exactly; "-0.0" keeps the sign, which an integer token would lose. */
static void
jb_number(jbuf *b, double x, int is_float)
{
	char t[40];
	int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
	jb_sep(b);
	if (isnan(x)) {
		jb_raw(b, "null", 4);
		return;
	}
	if (isinf(x)) {
		jb_raw(b, x > 0 ? "\"inf\"" : "\"-inf\"", x > 0 ? 5 : 6);
		return;
	}
	if (x == 0 && signbit(x)) {
		jb_raw(b, "-0.0", 4);
		return;
	}
	for (int p = lo; p <= hi; p++) {
		snprintf(t, sizeof t, "%.*g", p, x);
		double y = strtod(t, NULL);
		if (is_float ? (float)y == (float)x : y == x)
			break;
	}
	jb_raw(b, t, strlen(t));
}

static void
jb_float(jbuf *b, float x)
{
	jb_number(b, x, 1);
}

static void
jb_double(jbuf *b, double x)
{
	jb_number(b, x, 0);
}

/* Invalid UTF-8 (a file name) becomes U+FFFD; JSON strings must be valid. */
static char *
utf8_clean(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(3 * n + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t k = utf8_valid_len(p);
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		} else {
			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	*o = '\0';
	return out;
}

static void
jb_cstr(jbuf *b, const char *s)
{
	if (s == NULL) {
		jb_null(b);
		return;
	}
	char *c = utf8_clean(s);
	jb_str(b, c);
	free(c);
}

/* ---- the model layout implied by a configuration ----------------------- */

typedef struct {
	char name[32];
	int ndim;
	uint64_t shape[2];
} expect_tensor;

/* Same order and shapes as model_create's tensors[]. Returns the count. */
static int
expect_layout(const model_config *c, expect_tensor *t)
{
	int n = 0;
	uint64_t G = c->cell == CELL_LSTM ? 4 : c->cell == CELL_GRU ? 3 : 1;
	uint64_t H = (uint64_t)c->H, V = (uint64_t)c->V, E = (uint64_t)c->E;
	const char *p = cell_name(c->cell);

#define EXPECT(nd, a, b, ...) do {					\
	snprintf(t[n].name, sizeof t[n].name, __VA_ARGS__);		\
	t[n].ndim = (nd);						\
	t[n].shape[0] = (a);						\
	t[n].shape[1] = (nd) == 2 ? (b) : 0;				\
	n++;								\
} while (0)
	if (E > 0)
		EXPECT(2, V, E, "embedding.weight");
	for (int l = 0; l < c->L; l++) {
		uint64_t in = l > 0 ? H : E > 0 ? E : V;
		EXPECT(2, G * H, in, "%s.weight_ih_l%d", p, l);
		EXPECT(2, G * H, H, "%s.weight_hh_l%d", p, l);
		EXPECT(1, G * H, 0, "%s.bias_ih_l%d", p, l);
		EXPECT(1, G * H, 0, "%s.bias_hh_l%d", p, l);
	}
	EXPECT(2, V, H, "fc.weight");
	EXPECT(1, V, 0, "fc.bias");
#undef EXPECT
	return n;
}

static uint64_t
state_floats(const model_config *c, int B)
{
	return (c->cell == CELL_LSTM ? 2u : 1u) * (uint64_t)c->L * (uint64_t)B *
	    (uint64_t)c->H;
}

static void
shape_str(char *out, size_t n, int ndim, const uint64_t *shape)
{
	if (ndim == 1)
		snprintf(out, n, "[%" PRIu64 "]", shape[0]);
	else
		snprintf(out, n, "[%" PRIu64 ", %" PRIu64 "]", shape[0],
		    shape[1]);
}

/* ---- saving ------------------------------------------------------------ */

static char *
meta_config(const model_config *c)
{
	jbuf b = { 0 };
	jb_open(&b, "{");
	jb_key(&b, "cell");
	jb_str(&b, cell_name(c->cell));
	jb_key(&b, "layers");
	jb_int(&b, c->L);
	jb_key(&b, "hidden");
	jb_int(&b, c->H);
	jb_key(&b, "vocab");
	jb_int(&b, c->V);
	jb_key(&b, "embed");
	jb_int(&b, c->E);
	jb_key(&b, "dropout");
	jb_float(&b, c->dropout);
	jb_close(&b, "}");
	return b.s;
}

static char *
meta_vocab(const vocab *v)
{
	jbuf b = { 0 };
	jb_open(&b, "{");
	jb_key(&b, "cp");
	jb_open(&b, "[");
	for (int i = 0; i < v->V; i++)
		jb_int(&b, v->cp[i]);
	jb_close(&b, "]");
	jb_key(&b, "unk");
	jb_int(&b, v->unk);
	jb_key(&b, "eor");
	jb_int(&b, v->eor);
	jb_close(&b, "}");
	return b.s;
}

static char *
meta_text(const text_opts *o)
{
	jbuf b = { 0 };
	int f = (int)o->filter;
	jb_open(&b, "{");
	jb_key(&b, "lowercase");
	jb_bool(&b, o->lowercase);
	jb_key(&b, "filter");
	jb_str(&b, f >= 0 && f < (int)NELEMS(filter_names) ?
	    filter_names[f] : "none");
	jb_key(&b, "filter_set");
	jb_cstr(&b, o->filter_set);
	jb_key(&b, "min_count");
	jb_int(&b, o->min_count);
	jb_key(&b, "lines");
	jb_bool(&b, o->lines);
	jb_key(&b, "record_sep");
	jb_cstr(&b, o->record_sep);
	jb_close(&b, "}");
	return b.s;
}

static char *
meta_settings(const train_settings *s)
{
	jbuf b = { 0 };
	char seed[32];
	jb_open(&b, "{");
	jb_key(&b, "batch");
	jb_int(&b, s->B);
	jb_key(&b, "seq");
	jb_int(&b, s->T);
	jb_key(&b, "val_frac");
	jb_float(&b, s->val_frac);
	jb_key(&b, "optim");
	jb_open(&b, "{");
	jb_key(&b, "name");
	jb_str(&b, optim_name(s->opt.kind));
	jb_key(&b, "lr");
	jb_float(&b, s->opt.lr);
	jb_key(&b, "beta1");
	jb_float(&b, s->opt.beta1);
	jb_key(&b, "beta2");
	jb_float(&b, s->opt.beta2);
	jb_key(&b, "eps");
	jb_float(&b, s->opt.eps);
	jb_key(&b, "alpha");
	jb_float(&b, s->opt.alpha);
	jb_key(&b, "momentum");
	jb_float(&b, s->opt.momentum);
	jb_close(&b, "}");
	jb_key(&b, "lr_decay");
	jb_float(&b, s->lr_decay);
	jb_key(&b, "lr_decay_after");
	jb_int(&b, s->lr_decay_after);
	jb_key(&b, "clip");
	jb_float(&b, s->clip);
	jb_key(&b, "epochs");
	jb_int(&b, s->epochs);
	jb_key(&b, "max_steps");
	jb_int(&b, s->max_steps);
	jb_key(&b, "patience");
	jb_int(&b, s->patience);
	jb_key(&b, "eval_every");
	jb_int(&b, s->eval_every);
	jb_key(&b, "report_every");
	jb_int(&b, s->report_every);
	jb_key(&b, "seed");
	snprintf(seed, sizeof seed, "%" PRIu64, s->seed);
	jb_str(&b, seed);
	jb_key(&b, "sample_len");
	jb_int(&b, s->sample_len);
	jb_key(&b, "sample_temps");
	jb_open(&b, "[");
	for (int i = 0; i < s->nsample_temps && i < TRAIN_MAX_SAMPLE_TEMPS; i++)
		jb_float(&b, s->sample_temps[i]);
	jb_close(&b, "]");
	jb_close(&b, "}");
	return b.s;
}

static char *
meta_progress(const train_progress *p, long optim_t)
{
	jbuf b = { 0 };
	jb_open(&b, "{");
	jb_key(&b, "step");
	jb_int(&b, p->step);
	jb_key(&b, "epoch");
	jb_int(&b, p->epoch);
	jb_key(&b, "batch");
	jb_int(&b, (long long)p->batch);
	jb_key(&b, "lr");
	jb_float(&b, p->lr);
	jb_key(&b, "best_val");
	if (isinf(p->best_val) && p->best_val > 0)
		jb_null(&b);
	else
		jb_float(&b, p->best_val);
	jb_key(&b, "best_step");
	jb_int(&b, p->best_step);
	jb_key(&b, "stale");
	jb_int(&b, p->stale);
	jb_key(&b, "elapsed");
	jb_double(&b, p->elapsed);
	jb_key(&b, "optim_t");
	jb_int(&b, optim_t);
	jb_key(&b, "rng");
	jb_open(&b, "[");
	for (int i = 0; i < 4; i++) {
		char h[20];
		snprintf(h, sizeof h, "%016" PRIx64, p->rng.s[i]);
		jb_str(&b, h);
	}
	jb_close(&b, "]");
	jb_close(&b, "}");
	return b.s;
}

/* Points: all evaluations, the last point, and every stride-th other. */
static char *
meta_history(const train_progress *p, size_t stride)
{
	jbuf b = { 0 };
	jb_open(&b, "[");
	for (size_t i = 0; i < p->nhist; i++) {
		const hist_point *h = &p->hist[i];
		if (stride > 1 && i % stride != 0 && i + 1 != p->nhist &&
		    isnan(h->val_loss))
			continue;
		jb_open(&b, "{");
		jb_key(&b, "step");
		jb_int(&b, h->step);
		jb_key(&b, "epoch");
		jb_double(&b, h->epoch);
		jb_key(&b, "train_loss");
		jb_float(&b, h->train_loss);
		jb_key(&b, "train_acc");
		jb_float(&b, h->train_acc);
		jb_key(&b, "val_loss");
		jb_float(&b, h->val_loss);
		jb_key(&b, "val_acc");
		jb_float(&b, h->val_acc);
		jb_key(&b, "lr");
		jb_float(&b, h->lr);
		jb_key(&b, "elapsed");
		jb_double(&b, h->elapsed);
		jb_close(&b, "}");
	}
	jb_close(&b, "]");
	return b.s;
}

/* Takes ownership of s. */
static int
meta_set(json_t *meta, const char *key, char *s)
{
	json_t *v = json_string(s);
	free(s);
	return v == NULL ? -1 : json_object_set_new(meta, key, v);
}

static int
tensor_entry(json_t *root, const char *name, int ndim, const uint64_t *shape,
    uint64_t *off)
{
	uint64_t n = shape[0] * (ndim == 2 ? shape[1] : 1);
	json_t *t = ndim == 2 ?
	    json_pack("{s:s, s:[I, I], s:[I, I]}", "dtype", "F32", "shape",
	    (json_int_t)shape[0], (json_int_t)shape[1], "data_offsets",
	    (json_int_t)*off, (json_int_t)(*off + 4 * n)) :
	    json_pack("{s:s, s:[I], s:[I, I]}", "dtype", "F32", "shape",
	    (json_int_t)shape[0], "data_offsets", (json_int_t)*off,
	    (json_int_t)(*off + 4 * n));
	*off += 4 * n;
	return t == NULL ? -1 : json_object_set_new(root, name, t);
}

/* The JSON header, padded with spaces to a multiple of 8 bytes. */
static char *
build_header(const ckpt *c, int with_train, uint64_t ntotal, size_t stride,
    size_t *len)
{
	const model *m = c->m;
	json_t *root = json_object(), *meta = json_object();
	uint64_t off = 0;
	int bad = root == NULL || meta == NULL;
	char version[16];

	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		uint64_t shape[2] = { t->shape[0], t->shape[1] };
		bad |= tensor_entry(root, t->name, t->ndim, shape, &off) < 0;
	}
	if (with_train) {
		uint64_t shape[2] = { 2, ntotal };
		bad |= tensor_entry(root, NAME_OPTIM, 2, shape, &off) < 0;
		if (c->prog.state != NULL && c->prog.nstate > 0) {
			shape[0] = c->prog.nstate;
			bad |= tensor_entry(root, NAME_STATE, 1, shape,
			    &off) < 0;
		}
	}

	snprintf(version, sizeof version, "%d", CKPT_FORMAT_VERSION);
	bad |= meta_set(meta, "format", xstrdup("burble")) < 0;
	bad |= meta_set(meta, "burble.version", xstrdup(version)) < 0;
	bad |= meta_set(meta, "burble.config", meta_config(&m->cfg)) < 0;
	bad |= meta_set(meta, "burble.vocab", meta_vocab(&c->voc)) < 0;
	bad |= meta_set(meta, "burble.text", meta_text(&c->text)) < 0;
	if (c->corpus != NULL)
		bad |= meta_set(meta, "burble.corpus",
		    utf8_clean(c->corpus)) < 0;
	if (c->has_train) {
		bad |= meta_set(meta, "burble.settings",
		    meta_settings(&c->settings)) < 0;
		bad |= meta_set(meta, "burble.progress",
		    meta_progress(&c->prog, c->opt ? c->opt->t : 0)) < 0;
		bad |= meta_set(meta, "burble.history",
		    meta_history(&c->prog, stride)) < 0;
	}
	bad |= json_object_set_new(root, "__metadata__", meta) < 0;
	meta = NULL;

	char *s = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (s == NULL)
		return NULL;
	size_t n = strlen(s), padded = (n + 7) & ~(size_t)7;
	char *h = xmalloc(padded + 1);
	memcpy(h, s, n);
	memset(h + n, ' ', padded - n);
	h[padded] = '\0';
	free(s);
	*len = padded;
	return h;
}

static int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n > ((size_t)1 << 30) ?
		    (size_t)1 << 30 : n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_floats(int fd, const float *p, size_t n)
{
#if CKPT_BIG_ENDIAN
	float tmp[4096];
	while (n > 0) {
		size_t k = MIN(n, NELEMS(tmp));
		memcpy(tmp, p, k * sizeof *tmp);
		swap32(tmp, k);
		if (write_all(fd, tmp, k * sizeof *tmp) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
#else
	return write_all(fd, p, n * sizeof *p);
#endif
}

static int
write_body(int fd, const ckpt *c, int with_train, const char *hdr,
    size_t hlen)
{
	const model *m = c->m;
	unsigned char len8[8];

	put_le64(len8, hlen);
	if (write_all(fd, len8, 8) < 0 || write_all(fd, hdr, hlen) < 0)
		return -1;
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		if (write_floats(fd, m->params + t->offset, t->size) < 0)
			return -1;
	}
	if (!with_train)
		return 0;
	for (int half = 0; half < 2; half++) {
		const float *s = c->opt->state + (size_t)half * c->opt->n;
		for (int i = 0; i < m->ntensors; i++) {
			const model_tensor *t = &m->tensors[i];
			if (write_floats(fd, s + t->offset, t->size) < 0)
				return -1;
		}
	}
	if (c->prog.state != NULL && c->prog.nstate > 0 &&
	    write_floats(fd, c->prog.state, c->prog.nstate) < 0)
		return -1;
	return 0;
}

/* PATH.tmp.XXXXXX created with O_EXCL and mode 0666 & ~umask (mkstemp would
 * give 0600, and a checkpoint is an ordinary file). */
static int
tmp_create(const char *path, char **tmpname)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;
	rng_t r;

	clock_gettime(CLOCK_REALTIME, &ts);
	rng_seed(&r, ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)tmpname);
	for (int tries = 0; tries < 100; tries++) {
		char sfx[7];
		for (int i = 0; i < 6; i++)
			sfx[i] = chars[rng_below(&r, sizeof chars - 1)];
		sfx[6] = '\0';
		char *name = xasprintf("%s.tmp.%s", path, sfx);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
		if (fd >= 0) {
			*tmpname = name;
			return fd;
		}
		int e = errno;
		free(name);
		if (e != EEXIST) {
			errno = e;
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

static void
fsync_dir_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		/* Some file systems refuse fsync on a directory (EINVAL);
		 * the file itself is already safe then. */
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
ckpt_save(const char *path, const ckpt *c, int weights_only, char **cause)
{
	const model *m = c->m;
	int with_train = c->has_train && !weights_only;
	uint64_t ntotal = 0;

	if (m == NULL || c->voc.cp == NULL || c->voc.V != m->cfg.V)
		return set_cause(cause, "%s: cannot save: the vocabulary does "
		    "not match the model", path);
	for (int i = 0; i < m->ntensors; i++)
		ntotal += m->tensors[i].size;
	if (with_train) {
		if (c->opt == NULL || c->opt->n != m->nparams)
			return set_cause(cause, "%s: cannot save: no optimizer "
			    "state for this model", path);
		uint64_t ns = state_floats(&m->cfg, c->settings.B);
		if (c->prog.state != NULL && c->prog.nstate > 0 &&
		    c->prog.nstate != ns)
			return set_cause(cause, "%s: cannot save: carried "
			    "state has %zu floats, the model with batch %d "
			    "needs %" PRIu64, path, c->prog.nstate,
			    c->settings.B, ns);
	}

	/* Numbers in the C locale whatever the UI set (',' decimal points). */
	locale_t cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0), old = 0;
	if (cloc != (locale_t)0)
		old = uselocale(cloc);
	size_t hlen = 0, stride = 1;
	char *hdr = build_header(c, with_train, ntotal, stride, &hlen);
	while (hdr != NULL && hlen > CKPT_WRITE_HEADER &&
	    stride < c->prog.nhist) {
		free(hdr);
		stride *= 2;
		hdr = build_header(c, with_train, ntotal, stride, &hlen);
	}
	if (cloc != (locale_t)0) {
		uselocale(old);
		freelocale(cloc);
	}
	if (hdr == NULL)
		return set_cause(cause, "%s: cannot save: the metadata could "
		    "not be encoded", path);
	if (hlen > CKPT_MAX_HEADER) {
		free(hdr);
		return set_cause(cause, "%s: cannot save: the metadata takes "
		    "%zu bytes, more than a checkpoint may hold", path, hlen);
	}

	char *tmp = NULL;
	int fd = tmp_create(path, &tmp);
	if (fd < 0) {
		int e = errno;
		free(hdr);
		return set_cause(cause, "%s: cannot save: %s", path,
		    strerror(e));
	}
	const char *what = "writing";
	int rc = write_body(fd, c, with_train, hdr, hlen);
	if (rc == 0) {
		what = "syncing";
		rc = fsync(fd);
	}
	int e = errno;
	if (close(fd) < 0 && rc == 0) {
		what = "closing";
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		what = "replacing";
		rc = -1;
		e = errno;
	}
	free(hdr);
	if (rc < 0) {
		unlink(tmp);
		free(tmp);
		return set_cause(cause, "%s: cannot save (%s): %s; the "
		    "previous file is unchanged", path, what, strerror(e));
	}
	free(tmp);
	fsync_dir_of(path);
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

typedef struct {
	const char *name;	/* a key of the header (lives with root) */
	int ndim;
	uint64_t shape[2];
	uint64_t begin, end;	/* bytes, relative to the data start */
	int used;
} ftensor;

typedef struct {
	const char *path;
	const char *where;	/* metadata key being read, or NULL */
	char *cause;		/* the first error */
	int fd;
	uint64_t data_start, data_size;
	ftensor *t;
	size_t nt;
} lctx;

/* Messages quote the file (names, jansson's "near '...'"): keep them one
 * line of valid UTF-8 whatever it holds. */
static void
one_line_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t k = utf8_valid_len(p);
		if (k == 0 || *p < 0x20 || *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		p += k;
	}
}

static int BURBLE_PRINTF(2, 3)
bad(lctx *x, const char *fmt, ...)
{
	if (x->cause == NULL) {
		va_list ap;
		char msg[512];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		if (x->where != NULL)
			x->cause = xasprintf("%s: %s: %s", x->path, x->where,
			    msg);
		else
			x->cause = xasprintf("%s: %s", x->path, msg);
		one_line_utf8(x->cause);
	}
	return -1;
}

static int
pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = pread(fd, p, n > ((size_t)1 << 30) ?
		    (size_t)1 << 30 : n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = 0;	/* end of file */
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Integer field: 0 found, 1 absent (and not required), -1 error. */
static int
get_int(lctx *x, json_t *o, const char *key, long long lo, long long hi,
    long long *v, int required)
{
	json_t *j = json_object_get(o, key);
	if (j == NULL) {
		if (required)
			return bad(x, "'%s' is missing", key);
		return 1;
	}
	if (!json_is_integer(j) || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi)
		return bad(x, "'%s' must be an integer in [%lld, %lld]", key,
		    lo, hi);
	*v = json_integer_value(j);
	return 0;
}

/* A number, null (NaN, or +inf when null_inf) or "inf", "-inf", "nan". */
static int
num_value(lctx *x, json_t *j, const char *key, int null_inf, double *v)
{
	if (json_is_number(j)) {
		*v = json_number_value(j);
		return 0;
	}
	if (json_is_null(j)) {
		*v = null_inf ? INFINITY : NAN;
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		if (strcmp(s, "inf") == 0) {
			*v = INFINITY;
			return 0;
		}
		if (strcmp(s, "-inf") == 0) {
			*v = -INFINITY;
			return 0;
		}
		if (strcmp(s, "nan") == 0) {
			*v = NAN;
			return 0;
		}
	}
	return bad(x, "'%s' must be a number", key);
}

static int
get_double(lctx *x, json_t *o, const char *key, double *v, int null_inf)
{
	json_t *j = json_object_get(o, key);
	if (j == NULL)
		return 1;
	return num_value(x, j, key, null_inf, v);
}

static int
to_float(lctx *x, const char *key, double d, float *v)
{
	/* Beyond FLT_MAX + half an ulp the value would round to infinity
	 * (and the conversion is undefined). */
	if (isfinite(d) && fabs(d) >= 0x1.ffffffp127)
		return bad(x, "'%s' is out of range for a float", key);
	*v = (float)d;
	return 0;
}

static int
get_float(lctx *x, json_t *o, const char *key, float *v, int null_inf)
{
	double d;
	int r = get_double(x, o, key, &d, null_inf);
	if (r != 0)
		return r;
	return to_float(x, key, d, v);
}

/* A float that must be finite and within [lo, hi]. */
static int
get_float_in(lctx *x, json_t *o, const char *key, float lo, float hi,
    float *v)
{
	float f = *v;
	int r = get_float(x, o, key, &f, 0);
	if (r != 0)
		return r;
	if (!(f >= lo && f <= hi))
		return bad(x, "'%s' must be in [%g, %g]", key, (double)lo,
		    (double)hi);
	*v = f;
	return 0;
}

static int
get_bool(lctx *x, json_t *o, const char *key, int *v)
{
	json_t *j = json_object_get(o, key);
	if (j == NULL)
		return 1;
	if (json_is_boolean(j))
		*v = json_is_true(j);
	else if (json_is_integer(j) && (json_integer_value(j) == 0 ||
	    json_integer_value(j) == 1))
		*v = (int)json_integer_value(j);
	else
		return bad(x, "'%s' must be true or false", key);
	return 0;
}

/* A string or null (*v = NULL); the result is borrowed from o. */
static int
get_str(lctx *x, json_t *o, const char *key, const char **v)
{
	json_t *j = json_object_get(o, key);
	if (j == NULL)
		return 1;
	if (json_is_null(j))
		*v = NULL;
	else if (json_is_string(j))
		*v = json_string_value(j);
	else
		return bad(x, "'%s' must be a string", key);
	return 0;
}

/* An estimate of the memory jansson needs to parse s (see
 * CKPT_MAX_JSON_COST): containers and members are what cost. */
static uint64_t
json_cost(const char *s, size_t n)
{
	uint64_t cost = 2 * (uint64_t)n;
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			cost += 256;
		else if (c == ',' || c == ':')
			cost += 96;
	}
	return cost;
}

/* Parse metadata value `key` (JSON text) into *out; absent: *out = NULL. */
static int
meta_json(lctx *x, json_t *meta, const char *key, json_type type,
    json_t **out)
{
	json_t *s = meta ? json_object_get(meta, key) : NULL;
	json_error_t err;

	*out = NULL;
	if (s == NULL)
		return 0;
	x->where = key;
	if (json_cost(json_string_value(s), json_string_length(s)) >
	    CKPT_MAX_JSON_COST)
		return bad(x, "too large or too deeply structured to read");
	*out = json_loadb(json_string_value(s), json_string_length(s),
	    JSON_REJECT_DUPLICATES, &err);
	if (*out == NULL)
		return bad(x, "not valid JSON (%s)", err.text);
	if (json_typeof(*out) != type) {
		json_decref(*out);
		*out = NULL;
		return bad(x, "must be a JSON %s", type == JSON_OBJECT ?
		    "object" : "array");
	}
	return 0;
}

static int
parse_u64_dims(lctx *x, const char *name, json_t *shape, ftensor *t)
{
	if (!json_is_array(shape))
		return bad(x, "tensor '%s': shape must be an array", name);
	size_t nd = json_array_size(shape);
	if (nd < 1 || nd > 2)
		return bad(x, "tensor '%s' has %zu dimensions (1 or 2 "
		    "expected)", name, nd);
	t->ndim = (int)nd;
	t->shape[1] = 1;
	for (size_t i = 0; i < nd; i++) {
		json_t *d = json_array_get(shape, i);
		if (!json_is_integer(d))
			return bad(x, "tensor '%s': shape must hold integers",
			    name);
		if (json_integer_value(d) < 0)
			return bad(x, "tensor '%s' has a negative size", name);
		t->shape[i] = (uint64_t)json_integer_value(d);
	}
	return 0;
}

/* Every tensor entry: F32, 1-2 dims, sizes that cannot overflow, a byte
 * range inside the data matching the shape; together they tile the data
 * section exactly (no gap, no overlap, nothing after). */
static int
parse_tensors(lctx *x, json_t *root)
{
	const char *key;
	json_t *v;
	size_t n = json_object_size(root);

	if (n > CKPT_MAX_FILE_TENSORS + 1)
		return bad(x, "too many tensors (%zu)", n);
	x->t = xcalloc(n ? n : 1, sizeof *x->t);
	x->nt = 0;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			continue;
		ftensor *t = &x->t[x->nt++];
		t->name = key;
		if (!json_is_object(v))
			return bad(x, "tensor '%s' is not a JSON object", key);
		json_t *dt = json_object_get(v, "dtype");
		if (!json_is_string(dt))
			return bad(x, "tensor '%s' has no dtype", key);
		if (strcmp(json_string_value(dt), "F32") != 0)
			return bad(x, "tensor '%s' has dtype %.16s; only F32 "
			    "is supported", key, json_string_value(dt));
		if (parse_u64_dims(x, key, json_object_get(v, "shape"), t) < 0)
			return -1;
		uint64_t elems, bytes;
		if (__builtin_mul_overflow(t->shape[0], t->shape[1], &elems) ||
		    __builtin_mul_overflow(elems, (uint64_t)4, &bytes))
			return bad(x, "tensor '%s': shape is too large", key);
		if (t->ndim == 1)
			t->shape[1] = 0;
		json_t *off = json_object_get(v, "data_offsets");
		if (!json_is_array(off) || json_array_size(off) != 2 ||
		    !json_is_integer(json_array_get(off, 0)) ||
		    !json_is_integer(json_array_get(off, 1)))
			return bad(x, "tensor '%s': data_offsets must be two "
			    "integers", key);
		json_int_t b = json_integer_value(json_array_get(off, 0));
		json_int_t e = json_integer_value(json_array_get(off, 1));
		if (b < 0 || e < b)
			return bad(x, "tensor '%s': bad data_offsets [%lld, "
			    "%lld]", key, (long long)b, (long long)e);
		if ((uint64_t)e > x->data_size)
			return bad(x, "tensor '%s' ends at byte %lld, past the "
			    "end of the data (%" PRIu64 " bytes; truncated?)",
			    key, (long long)e, x->data_size);
		t->begin = (uint64_t)b;
		t->end = (uint64_t)e;
		if (t->end - t->begin != bytes) {
			char s[64];
			shape_str(s, sizeof s, t->ndim, t->shape);
			return bad(x, "tensor '%s' lies about its size: shape "
			    "%s needs %" PRIu64 " bytes, data_offsets give %"
			    PRIu64, key, s, bytes, t->end - t->begin);
		}
	}
	/* Tile check: sort a copy of the indices by begin (n is small). */
	size_t *ord = xcalloc(x->nt ? x->nt : 1, sizeof *ord);
	for (size_t i = 0; i < x->nt; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			const ftensor *a = &x->t[ord[j - 1]];
			if (a->begin < x->t[i].begin || (a->begin ==
			    x->t[i].begin && a->end <= x->t[i].end))
				break;
			ord[j] = ord[j - 1];
		}
		ord[j] = i;
	}
	uint64_t at = 0;
	int rc = 0;
	for (size_t k = 0; k < x->nt && rc == 0; k++) {
		const ftensor *t = &x->t[ord[k]];
		if (t->begin < at)
			rc = bad(x, "tensors '%s' and '%s' overlap",
			    x->t[ord[k - 1]].name, t->name);
		else if (t->begin > at)
			rc = bad(x, "%" PRIu64 " unused bytes before tensor "
			    "'%s'", t->begin - at, t->name);
		at = t->end;
	}
	free(ord);
	if (rc == 0 && at != x->data_size)
		rc = bad(x, "%" PRIu64 " bytes after the last tensor",
		    x->data_size - at);
	return rc;
}

static ftensor *
find_tensor(lctx *x, const char *name)
{
	for (size_t i = 0; i < x->nt; i++)
		if (strcmp(x->t[i].name, name) == 0)
			return &x->t[i];
	return NULL;
}

/* Read n floats of tensor t starting at float index first; all finite. */
static int
read_floats(lctx *x, const ftensor *t, uint64_t first, float *dst, size_t n)
{
	if (pread_all(x->fd, dst, n * sizeof *dst, x->data_start +
	    t->begin + 4 * first) < 0) {
		if (errno == 0)
			return bad(x, "truncated (the file shrank while being "
			    "read)");
		return bad(x, "%s", strerror(errno));
	}
#if CKPT_BIG_ENDIAN
	swap32(dst, n);
#endif
	for (size_t i = 0; i < n; i++)
		if (!isfinite(dst[i]))
			return bad(x, "tensor '%s' holds %s at index %" PRIu64
			    " (a diverged model?)", t->name, isnan(dst[i]) ?
			    "NaN" : "infinity", first + i);
	return 0;
}

static int
load_config(lctx *x, json_t *meta, model_config *c)
{
	json_t *o;
	const char *cell = NULL;
	long long L, H, V, E = 0;

	if (meta_json(x, meta, "burble.config", JSON_OBJECT, &o) < 0)
		return -1;
	if (o == NULL) {
		x->where = NULL;
		return bad(x, "not a burble model: no burble.config metadata "
		    "(contrib/burble_torch.py save writes it)");
	}
	memset(c, 0, sizeof *c);
	int rc = -1;
	if (get_str(x, o, "cell", &cell) != 0 || cell == NULL) {
		bad(x, "'cell' must be lstm, gru or rnn");
		goto out;
	}
	c->cell = cell_parse(cell);
	if (c->cell < 0) {
		bad(x, "unknown cell '%.32s'", cell);
		goto out;
	}
	if (get_int(x, o, "layers", 1, INT_MAX, &L, 1) < 0 ||
	    get_int(x, o, "hidden", 1, INT_MAX, &H, 1) < 0 ||
	    get_int(x, o, "vocab", 1, INT_MAX, &V, 1) < 0 ||
	    get_int(x, o, "embed", 0, INT_MAX, &E, 0) < 0 ||
	    get_float(x, o, "dropout", &c->dropout, 0) < 0)
		goto out;
	c->L = (int)L;
	c->H = (int)H;
	c->V = (int)V;
	c->E = (int)E;
	char *why = NULL;
	if (model_config_check(c, &why) < 0) {
		bad(x, "%s", why ? why : "invalid");
		free(why);
		goto out;
	}
	/* Our own bounds too: expect_layout's arrays depend on them. */
	if (c->L > MODEL_MAX_LAYERS || c->H > MODEL_MAX_HIDDEN ||
	    c->V > TEXT_MAX_VOCAB || c->E > MODEL_MAX_EMBED) {
		bad(x, "sizes out of range");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

static int
load_vocab(lctx *x, json_t *meta, int V, vocab *v)
{
	json_t *o, *cp;
	long long unk = -2, eor = -2;

	memset(v, 0, sizeof *v);
	if (meta_json(x, meta, "burble.vocab", JSON_OBJECT, &o) < 0)
		return -1;
	if (o == NULL) {
		x->where = NULL;
		return bad(x, "no burble.vocab metadata");
	}
	int rc = -1;
	cp = json_object_get(o, "cp");
	if (!json_is_array(cp)) {
		bad(x, "'cp' must be an array of code points");
		goto out;
	}
	if (json_array_size(cp) != (size_t)V) {
		bad(x, "%zu symbols, but burble.config says vocab %d",
		    json_array_size(cp), V);
		goto out;
	}
	if (get_int(x, o, "unk", -1, V - 1, &unk, 0) < 0 ||
	    get_int(x, o, "eor", -1, V - 1, &eor, 0) < 0)
		goto out;
	v->cp = xcalloc((size_t)V, sizeof *v->cp);
	v->V = V;
	v->unk = v->eor = -1;
	for (int i = 0; i < V; i++) {
		json_t *j = json_array_get(cp, (size_t)i);
		json_int_t c = json_is_integer(j) ? json_integer_value(j) : -1;
		if (c < 0 || c > (json_int_t)TEXT_EOR ||
		    (c >= 0xd800 && c <= 0xdfff)) {
			bad(x, "symbol %d is not a valid code point", i);
			goto out;
		}
		if (i > 0 && (uint32_t)c <= v->cp[i - 1]) {
			bad(x, "code points are not strictly ascending at "
			    "symbol %d", i);
			goto out;
		}
		v->cp[i] = (uint32_t)c;
		if (c == TEXT_UNK)
			v->unk = i;
		if (c == TEXT_EOR)
			v->eor = i;
	}
	if ((unk != -2 && unk != v->unk) || (eor != -2 && eor != v->eor)) {
		bad(x, "'unk'/'eor' do not match the code points");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);		/* v is freed by ckpt_free on error */
	return rc;
}

static int
load_text(lctx *x, json_t *meta, text_opts *t)
{
	json_t *o;
	const char *filter = NULL, *set = NULL, *sep = NULL;
	long long mc = 0;

	memset(t, 0, sizeof *t);
	if (meta_json(x, meta, "burble.text", JSON_OBJECT, &o) < 0)
		return -1;
	if (o == NULL)
		return 0;
	int rc = -1;
	if (get_bool(x, o, "lowercase", &t->lowercase) < 0 ||
	    get_bool(x, o, "lines", &t->lines) < 0 ||
	    get_int(x, o, "min_count", 0, LONG_MAX, &mc, 0) < 0 ||
	    get_str(x, o, "filter", &filter) < 0 ||
	    get_str(x, o, "filter_set", &set) < 0 ||
	    get_str(x, o, "record_sep", &sep) < 0)
		goto out;
	t->min_count = (long)mc;
	t->filter = TEXT_FILTER_NONE;
	if (filter != NULL) {
		size_t i = 0;
		while (i < NELEMS(filter_names) &&
		    strcmp(filter, filter_names[i]) != 0)
			i++;
		if (i == NELEMS(filter_names)) {
			bad(x, "unknown filter '%.32s'", filter);
			goto out;
		}
		t->filter = (enum text_filter)i;
	}
	if (t->filter == TEXT_FILTER_SET && (set == NULL || *set == '\0')) {
		bad(x, "filter 'set' without a filter_set");
		goto out;
	}
	/* jansson has checked the UTF-8; NUL inside is refused by it too. */
	t->filter_set = set ? xstrdup(set) : NULL;
	t->record_sep = sep ? xstrdup(sep) : NULL;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

static int
load_settings(lctx *x, json_t *meta, train_settings *s, int *present)
{
	json_t *o, *opt, *temps;
	long long v;
	const char *str;

	train_settings_default(s);
	*present = 0;
	if (meta_json(x, meta, "burble.settings", JSON_OBJECT, &o) < 0)
		return -1;
	if (o == NULL)
		return 0;
	*present = 1;
	int rc = -1;
#define INT_FIELD(key, lo, hi, dst) do {				\
	int r_ = get_int(x, o, key, lo, hi, &v, 0);			\
	if (r_ < 0)							\
		goto out;						\
	if (r_ == 0)							\
		dst = v;						\
} while (0)
	INT_FIELD("batch", 1, CKPT_MAX_BT, s->B);
	INT_FIELD("seq", 1, CKPT_MAX_BT, s->T);
	if ((long long)s->B * s->T > CKPT_MAX_BT) {
		bad(x, "batch x seq is too large");
		goto out;
	}
	INT_FIELD("lr_decay_after", 0, INT_MAX, s->lr_decay_after);
	INT_FIELD("epochs", 0, INT_MAX, s->epochs);
	INT_FIELD("max_steps", 0, LONG_MAX, s->max_steps);
	INT_FIELD("patience", 0, INT_MAX, s->patience);
	INT_FIELD("eval_every", 0, LONG_MAX, s->eval_every);
	INT_FIELD("report_every", 0, LONG_MAX, s->report_every);
	INT_FIELD("sample_len", 0, 1 << 24, s->sample_len);
#undef INT_FIELD
	if (get_float_in(x, o, "val_frac", 0, 1, &s->val_frac) < 0 ||
	    get_float_in(x, o, "lr_decay", 0, FLT_MAX, &s->lr_decay) < 0 ||
	    get_float_in(x, o, "clip", 0, FLT_MAX, &s->clip) < 0)
		goto out;
	opt = json_object_get(o, "optim");
	if (opt != NULL) {
		if (!json_is_object(opt)) {
			bad(x, "'optim' must be an object");
			goto out;
		}
		str = NULL;
		if (get_str(x, opt, "name", &str) < 0)
			goto out;
		if (str != NULL) {
			int k = optim_parse(str);
			if (k < 0) {
				bad(x, "unknown optimizer '%.32s'", str);
				goto out;
			}
			optim_defaults(&s->opt, k);
		}
		if (get_float_in(x, opt, "lr", 0, FLT_MAX, &s->opt.lr) < 0 ||
		    get_float_in(x, opt, "beta1", 0, 1, &s->opt.beta1) < 0 ||
		    get_float_in(x, opt, "beta2", 0, 1, &s->opt.beta2) < 0 ||
		    get_float_in(x, opt, "eps", 0, FLT_MAX, &s->opt.eps) < 0 ||
		    get_float_in(x, opt, "alpha", 0, 1, &s->opt.alpha) < 0 ||
		    get_float_in(x, opt, "momentum", 0, 1,
		    &s->opt.momentum) < 0)
			goto out;
	}
	json_t *seed = json_object_get(o, "seed");
	if (json_is_integer(seed) && json_integer_value(seed) >= 0)
		s->seed = (uint64_t)json_integer_value(seed);
	else if (json_is_string(seed)) {
		const char *p = json_string_value(seed);
		char *end;
		errno = 0;
		unsigned long long u = strtoull(p, &end, 10);
		if (*p < '0' || *p > '9' || *end != '\0' || errno != 0) {
			bad(x, "'seed' must be a decimal integer");
			goto out;
		}
		s->seed = u;
	} else if (seed != NULL) {
		bad(x, "'seed' must be a decimal integer");
		goto out;
	}
	temps = json_object_get(o, "sample_temps");
	if (temps != NULL) {
		if (!json_is_array(temps) ||
		    json_array_size(temps) > TRAIN_MAX_SAMPLE_TEMPS) {
			bad(x, "'sample_temps' must be an array of at most %d "
			    "numbers", TRAIN_MAX_SAMPLE_TEMPS);
			goto out;
		}
		s->nsample_temps = (int)json_array_size(temps);
		for (int i = 0; i < s->nsample_temps; i++) {
			json_t *j = json_array_get(temps, (size_t)i);
			double d = json_is_number(j) ? json_number_value(j) :
			    -1;
			if (!(d >= 0 && d <= 100)) {
				bad(x, "'sample_temps' must hold numbers in "
				    "[0, 100]");
				goto out;
			}
			s->sample_temps[i] = (float)d;
		}
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
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
load_progress(lctx *x, json_t *meta, const train_settings *s,
    train_progress *p, long *optim_t, int *present)
{
	json_t *o, *rng;
	long long v;
	double d;

	train_progress_init(p, s);
	*optim_t = 0;
	*present = 0;
	if (meta_json(x, meta, "burble.progress", JSON_OBJECT, &o) < 0)
		return -1;
	if (o == NULL)
		return 0;
	*present = 1;
	int rc = -1;
	if (get_int(x, o, "step", 0, LONG_MAX, &v, 1) < 0)
		goto out;
	p->step = (long)v;
	if (get_int(x, o, "epoch", 0, LONG_MAX, &v, 1) < 0)
		goto out;
	p->epoch = (long)v;
	if (get_int(x, o, "batch", 0, LLONG_MAX, &v, 1) < 0)
		goto out;
	p->batch = (size_t)v;
	if (get_int(x, o, "best_step", -1, LONG_MAX, &v, 0) == 0)
		p->best_step = (long)v;
	if (x->cause)
		goto out;
	if (get_int(x, o, "stale", 0, INT_MAX, &v, 0) == 0)
		p->stale = (int)v;
	if (x->cause)
		goto out;
	if (get_int(x, o, "optim_t", 0, LONG_MAX, &v, 0) == 0)
		*optim_t = (long)v;
	if (x->cause)
		goto out;
	if (get_float(x, o, "lr", &p->lr, 0) < 0 ||
	    get_float(x, o, "best_val", &p->best_val, 1) < 0)
		goto out;
	if (get_double(x, o, "elapsed", &d, 0) == 0)
		p->elapsed = d;
	if (x->cause)
		goto out;
	rng = json_object_get(o, "rng");
	if (rng != NULL) {
		uint64_t any = 0;
		if (!json_is_array(rng) || json_array_size(rng) != 4) {
			bad(x, "'rng' must be 4 hex strings");
			goto out;
		}
		for (size_t i = 0; i < 4; i++) {
			json_t *j = json_array_get(rng, i);
			if (!json_is_string(j) || parse_hex64(
			    json_string_value(j), &p->rng.s[i]) < 0) {
				bad(x, "'rng' must be 4 hex strings");
				goto out;
			}
			any |= p->rng.s[i];
		}
		if (any == 0) {
			bad(x, "'rng' state is all zero");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

static int
load_history(lctx *x, json_t *meta, train_progress *p)
{
	json_t *a;

	if (meta_json(x, meta, "burble.history", JSON_ARRAY, &a) < 0)
		return -1;
	if (a == NULL)
		return 0;
	/* The array lives in the (capped) header, so its size is bounded by
	 * what the file holds: each point takes at least 2 bytes there. */
	size_t n = json_array_size(a);
	int rc = -1;
	if (n > 0) {
		p->hist = xreallocarray(NULL, n, sizeof *p->hist);
		p->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(a, i);
		hist_point h;
		long long st = 0;
		double ep = 0, el = 0;
		memset(&h, 0, sizeof h);
		h.val_loss = h.val_acc = NAN;
		if (!json_is_object(o)) {
			bad(x, "point %zu is not an object", i);
			goto out;
		}
		if (get_int(x, o, "step", 0, LONG_MAX, &st, 0) < 0 ||
		    get_double(x, o, "epoch", &ep, 0) < 0 ||
		    get_float(x, o, "train_loss", &h.train_loss, 0) < 0 ||
		    get_float(x, o, "train_acc", &h.train_acc, 0) < 0 ||
		    get_float(x, o, "val_loss", &h.val_loss, 0) < 0 ||
		    get_float(x, o, "val_acc", &h.val_acc, 0) < 0 ||
		    get_float(x, o, "lr", &h.lr, 0) < 0 ||
		    get_double(x, o, "elapsed", &el, 0) < 0)
			goto out;
		h.step = (long)st;
		h.epoch = ep;
		h.elapsed = el;
		p->hist[p->nhist++] = h;
	}
	rc = 0;
out:
	json_decref(a);
	return rc;
}

static int
load_version(lctx *x, json_t *meta)
{
	json_t *v = meta ? json_object_get(meta, "burble.version") : NULL;
	json_t *f = meta ? json_object_get(meta, "format") : NULL;

	if (v == NULL) {
		/* Files from PyTorch may carry only config and vocab. */
		if (f != NULL && strcmp(json_string_value(f), "burble") == 0)
			return bad(x, "no burble.version metadata");
		return 0;
	}
	const char *s = json_string_value(v);
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0)
		return bad(x, "bad format version '%.20s'", s);
	if (n > CKPT_FORMAT_VERSION)
		return bad(x, "was written by a newer burble (format %ld; "
		    "this one reads format %d)", n, CKPT_FORMAT_VERSION);
	if (n < CKPT_FORMAT_VERSION)
		return bad(x, "was written by an older burble (format %ld; "
		    "this one reads format %d)", n, CKPT_FORMAT_VERSION);
	return 0;
}

/* Every tensor the configuration implies, with its exact shape; nothing
 * else but the burble.* training tensors. Before anything is allocated,
 * so a lying configuration cannot ask for more than the file holds. */
static int
check_layout(lctx *x, const model_config *c)
{
	expect_tensor e[MODEL_MAX_TENSORS];
	int n = expect_layout(c, e);

	for (int i = 0; i < n; i++) {
		ftensor *t = find_tensor(x, e[i].name);
		if (t == NULL)
			return bad(x, "tensor '%s' is missing (burble.config: "
			    "%s, layers %d, hidden %d, vocab %d, embed %d)",
			    e[i].name, cell_name(c->cell), c->L, c->H, c->V,
			    c->E);
		if (t->ndim != e[i].ndim || t->shape[0] != e[i].shape[0] ||
		    (t->ndim == 2 && t->shape[1] != e[i].shape[1])) {
			char got[64], want[64];
			shape_str(got, sizeof got, t->ndim, t->shape);
			shape_str(want, sizeof want, e[i].ndim, e[i].shape);
			return bad(x, "lies about its sizes: tensor '%s' is "
			    "%s, but burble.config (%s, layers %d, hidden %d, "
			    "vocab %d, embed %d) needs %s", e[i].name, got,
			    cell_name(c->cell), c->L, c->H, c->V, c->E, want);
		}
		t->used = 1;
	}
	return 0;
}

static void
lctx_free(lctx *x)
{
	free(x->t);
	x->t = NULL;
	free(x->cause);
	x->cause = NULL;
}

static int
load_all(lctx *x, ckpt *c)
{
	struct stat st;
	unsigned char len8[8];
	json_t *root = NULL, *meta = NULL;
	json_error_t err;
	char *hdr = NULL;
	int rc = -1, has_settings = 0, has_progress = 0;
	long optim_t = 0;
	model_config cfg;

	if (fstat(x->fd, &st) < 0)
		return bad(x, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return bad(x, "is a directory");
	if (!S_ISREG(st.st_mode))
		return bad(x, "not a regular file");
	uint64_t size = (uint64_t)st.st_size;
	if (size < 8)
		return bad(x, "truncated (%" PRIu64 " bytes; not a safetensors "
		    "file)", size);
	if (pread_all(x->fd, len8, 8, 0) < 0)
		return bad(x, "%s", errno ? strerror(errno) : "truncated");
	uint64_t N = get_le64(len8);
	if (N > CKPT_MAX_HEADER && N > size - 8)
		return bad(x, "not a safetensors file, or corrupt (header "
		    "length %" PRIu64 ")", N);
	if (N > size - 8)
		return bad(x, "truncated (header says %" PRIu64 " bytes, file "
		    "has %" PRIu64 ")", N, size);
	if (N > CKPT_MAX_HEADER)
		return bad(x, "header of %" PRIu64 " bytes is larger than the "
		    "%" PRIu64 " allowed", N, CKPT_MAX_HEADER);
	if (N < 2)
		return bad(x, "empty header (not a safetensors file)");
	x->data_start = 8 + N;
	x->data_size = size - 8 - N;

	hdr = xmalloc((size_t)N);
	if (pread_all(x->fd, hdr, (size_t)N, 8) < 0) {
		bad(x, "%s", errno ? strerror(errno) : "truncated");
		goto out;
	}
	if (hdr[0] != '{') {
		bad(x, "not a safetensors file (the header is not a JSON "
		    "object)");
		goto out;
	}
	if (json_cost(hdr, (size_t)N) > CKPT_MAX_JSON_COST) {
		bad(x, "header too large or too deeply structured to read");
		goto out;
	}
	root = json_loadb(hdr, (size_t)N, JSON_REJECT_DUPLICATES, &err);
	free(hdr);
	hdr = NULL;
	if (root == NULL) {
		bad(x, "header is not valid JSON: %s (at byte %d)", err.text,
		    err.position);
		goto out;
	}
	if (!json_is_object(root)) {
		bad(x, "the header is not a JSON object");
		goto out;
	}
	meta = json_object_get(root, "__metadata__");
	if (meta != NULL) {
		const char *k;
		json_t *v;
		if (!json_is_object(meta)) {
			bad(x, "__metadata__ must be an object");
			goto out;
		}
		json_object_foreach(meta, k, v)
			if (!json_is_string(v)) {
				bad(x, "__metadata__ '%.64s' is not a string",
				    k);
				goto out;
			}
	}
	if (parse_tensors(x, root) < 0 || load_version(x, meta) < 0 ||
	    load_config(x, meta, &cfg) < 0)
		goto out;
	x->where = NULL;
	if (load_vocab(x, meta, cfg.V, &c->voc) < 0)
		goto out;
	x->where = NULL;
	if (check_layout(x, &cfg) < 0)
		goto out;
	if (load_text(x, meta, &c->text) < 0 ||
	    load_settings(x, meta, &c->settings, &has_settings) < 0 ||
	    load_progress(x, meta, &c->settings, &c->prog, &optim_t,
	    &has_progress) < 0 || load_history(x, meta, &c->prog) < 0)
		goto out;
	x->where = NULL;
	json_t *cn = meta ? json_object_get(meta, "burble.corpus") : NULL;
	if (cn != NULL)
		c->corpus = xstrdup(json_string_value(cn));

	/* The training tensors, if any, before allocating anything big. */
	uint64_t total = 0;
	expect_tensor e[MODEL_MAX_TENSORS];
	int ne = expect_layout(&cfg, e);
	for (int i = 0; i < ne; i++)
		total += e[i].shape[0] * (e[i].ndim == 2 ? e[i].shape[1] : 1);
	ftensor *fo = find_tensor(x, NAME_OPTIM);
	ftensor *fs = find_tensor(x, NAME_STATE);
	if (fo != NULL) {
		if (!has_settings || !has_progress) {
			bad(x, "optimizer state without burble.settings and "
			    "burble.progress");
			goto out;
		}
		if (fo->ndim != 2 || fo->shape[0] != 2 ||
		    fo->shape[1] != total) {
			char got[64];
			shape_str(got, sizeof got, fo->ndim, fo->shape);
			bad(x, "lies about its sizes: tensor '%s' is %s, the "
			    "model needs [2, %" PRIu64 "]", NAME_OPTIM, got,
			    total);
			goto out;
		}
		fo->used = 1;
	}
	if (fs != NULL) {
		uint64_t want = state_floats(&cfg, c->settings.B);
		if (fo == NULL) {
			bad(x, "carried state without optimizer state");
			goto out;
		}
		if (fs->ndim != 1 || fs->shape[0] != want) {
			char got[64];
			shape_str(got, sizeof got, fs->ndim, fs->shape);
			bad(x, "lies about its sizes: tensor '%s' is %s, the "
			    "model with batch %d needs [%" PRIu64 "]",
			    NAME_STATE, got, c->settings.B, want);
			goto out;
		}
		fs->used = 1;
	}
	for (size_t i = 0; i < x->nt; i++)
		if (!x->t[i].used) {
			bad(x, "unexpected tensor '%.64s'", x->t[i].name);
			goto out;
		}

	/* Everything checked: allocate and read. */
	c->m = model_create(&cfg);
	if (c->m == NULL) {
		bad(x, "cannot create the model");
		goto out;
	}
	model *m = c->m;
	if (m->ntensors != ne) {
		bad(x, "internal error: model layout differs from the file's");
		goto out;
	}
	for (int i = 0; i < ne; i++) {
		const model_tensor *t = &m->tensors[i];
		if (strcmp(t->name, e[i].name) != 0 ||
		    t->shape[0] != e[i].shape[0] || t->ndim != e[i].ndim ||
		    (t->ndim == 2 && t->shape[1] != e[i].shape[1]) ||
		    t->offset + t->size > m->nparams) {
			bad(x, "internal error: model layout differs from the "
			    "file's at '%s'", t->name);
			goto out;
		}
		if (read_floats(x, find_tensor(x, t->name), 0,
		    m->params + t->offset, t->size) < 0)
			goto out;
	}
	if (fo != NULL) {
		optim_config oc = c->settings.opt;
		oc.lr = c->prog.lr;
		c->opt = optim_create(&oc, m->nparams);
		c->opt->t = optim_t;
		uint64_t first = 0;
		for (int half = 0; half < 2; half++) {
			float *s = c->opt->state + (size_t)half * m->nparams;
			for (int i = 0; i < ne; i++) {
				const model_tensor *t = &m->tensors[i];
				if (read_floats(x, fo, first, s + t->offset,
				    t->size) < 0)
					goto out;
				first += t->size;
			}
		}
		if (fs != NULL) {
			c->prog.nstate = (size_t)fs->shape[0];
			c->prog.state = xalloc_floats(c->prog.nstate);
			if (read_floats(x, fs, 0, c->prog.state,
			    c->prog.nstate) < 0)
				goto out;
		}
		c->has_train = 1;
	}
	rc = 0;
out:
	free(hdr);
	json_decref(root);
	return rc;
}

int
ckpt_load(const char *path, ckpt *c, char **cause)
{
	lctx x;

	memset(c, 0, sizeof *c);
	memset(&x, 0, sizeof x);
	x.path = path;
	x.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (x.fd < 0)
		return set_cause(cause, "%s: %s", path, strerror(errno));

	locale_t cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0), old = 0;
	if (cloc != (locale_t)0)
		old = uselocale(cloc);
	int rc = load_all(&x, c);
	if (cloc != (locale_t)0) {
		uselocale(old);
		freelocale(cloc);
	}
	close(x.fd);
	if (rc < 0) {
		ckpt_free(c);
		if (cause != NULL) {
			*cause = x.cause ? x.cause :
			    xasprintf("%s: cannot be loaded", path);
			x.cause = NULL;
		}
	}
	lctx_free(&x);
	return rc;
}

void
ckpt_free(ckpt *c)
{
	if (c->m != NULL)
		model_free(c->m);
	vocab_free(&c->voc);
	text_opts_free(&c->text);
	free(c->corpus);
	train_progress_free(&c->prog);
	if (c->opt != NULL)
		optim_free(c->opt);
	memset(c, 0, sizeof *c);
}
