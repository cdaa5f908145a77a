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
 * "__metadata__" to a string -> string map (ckpt_meta.c). Model tensors
 * come first, in m->tensors order, then "burble.optim.state" (2, P): the
 * first and second optimizer moments gathered tensor by tensor in the same
 * order (P is the sum of the tensor sizes, so padding inside params never
 * reaches the file), then "burble.state" (k*L*B*H): the carried hidden
 * state, h then (LSTM) c.
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt_int.h"
#include "file.h"

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24,
    "checkpoints hold IEEE 754 binary32 floats");

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CKPT_BIG_ENDIAN 1
#else
#define CKPT_BIG_ENDIAN 0
#endif

#define CKPT_MAX_FILE_TENSORS 1024

#define NAME_OPTIM "burble.optim.state"
#define NAME_STATE "burble.state"

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
	int bad = root == NULL;

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

	ckpt_meta_ctx mc = { .stride = stride, .optim_t = c->opt ? c->opt->t :
	    0 };
	bad |= meta == NULL || ckpt_meta_write(meta, c, &mc) < 0;
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

struct save_job {
	const ckpt *c;
	int with_train;
	const char *hdr;
	size_t hlen;
};

static int
save_body(int fd, void *arg)
{
	const struct save_job *j = arg;
	return write_body(fd, j->c, j->with_train, j->hdr, j->hlen);
}

int
ckpt_save(const char *path, const ckpt *c, int weights_only, char **cause)
{
	const model *m = c->m;
	int with_train = c->has_train && !weights_only;
	uint64_t ntotal = 0;

	if (m == NULL || (c->voc.cp == NULL && c->voc.pool == NULL) ||
	    c->voc.V != m->cfg.V)
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

	struct save_job job = { c, with_train, hdr, hlen };
	int rc = ckpt_write_atomic(path, save_body, &job, 0, cause);
	free(hdr);
	return rc;
}

/* ---- loading ----------------------------------------------------------- */

int
ckpt_fail(ckpt_reader *x, const char *fmt, ...)
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
		utf8_one_line(x->cause);
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

/* An estimate of the memory jansson needs to parse s (see
 * CKPT_MAX_JSON_COST): containers and members are what cost. */
uint64_t
ckpt_json_cost(const char *s, size_t n)
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

static int
parse_u64_dims(ckpt_reader *x, const char *name, json_t *shape, ckpt_ftensor *t)
{
	if (!json_is_array(shape))
		return ckpt_fail(x, "tensor '%s': shape must be an array",
		    name);
	size_t nd = json_array_size(shape);
	if (nd < 1 || nd > 2)
		return ckpt_fail(x, "tensor '%s' has %zu dimensions (1 or 2 "
		    "expected)", name, nd);
	t->ndim = (int)nd;
	t->shape[1] = 1;
	for (size_t i = 0; i < nd; i++) {
		json_t *d = json_array_get(shape, i);
		if (!json_is_integer(d))
			return ckpt_fail(x, "tensor '%s': shape must hold "
			    "integers", name);
		if (json_integer_value(d) < 0)
			return ckpt_fail(x, "tensor '%s' has a negative size",
			    name);
		t->shape[i] = (uint64_t)json_integer_value(d);
	}
	return 0;
}

/* Every tensor entry: F32, 1-2 dims, sizes that cannot overflow, a byte
 * range inside the data matching the shape; together they tile the data
 * section exactly (no gap, no overlap, nothing after). */
static int
parse_tensors(ckpt_reader *x, json_t *root)
{
	const char *key;
	json_t *v;
	size_t n = json_object_size(root);

	if (n > CKPT_MAX_FILE_TENSORS + 1)
		return ckpt_fail(x, "too many tensors (%zu)", n);
	x->t = xcalloc(n ? n : 1, sizeof *x->t);
	x->nt = 0;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			continue;
		ckpt_ftensor *t = &x->t[x->nt++];
		t->name = key;
		if (!json_is_object(v))
			return ckpt_fail(x, "tensor '%s' is not a JSON object",
			    key);
		json_t *dt = json_object_get(v, "dtype");
		if (!json_is_string(dt))
			return ckpt_fail(x, "tensor '%s' has no dtype", key);
		if (strcmp(json_string_value(dt), "F32") != 0)
			return ckpt_fail(x, "tensor '%s' has dtype %.16s; only "
			    "F32 is supported", key, json_string_value(dt));
		if (parse_u64_dims(x, key, json_object_get(v, "shape"), t) < 0)
			return -1;
		uint64_t elems, bytes;
		if (__builtin_mul_overflow(t->shape[0], t->shape[1], &elems) ||
		    __builtin_mul_overflow(elems, (uint64_t)4, &bytes))
			return ckpt_fail(x, "tensor '%s': shape is too large",
			    key);
		if (t->ndim == 1)
			t->shape[1] = 0;
		json_t *off = json_object_get(v, "data_offsets");
		if (!json_is_array(off) || json_array_size(off) != 2 ||
		    !json_is_integer(json_array_get(off, 0)) ||
		    !json_is_integer(json_array_get(off, 1)))
			return ckpt_fail(x, "tensor '%s': data_offsets must be "
			    "two integers", key);
		json_int_t b = json_integer_value(json_array_get(off, 0));
		json_int_t e = json_integer_value(json_array_get(off, 1));
		if (b < 0 || e < b)
			return ckpt_fail(x, "tensor '%s': bad data_offsets "
			    "[%lld, %lld]", key, (long long)b, (long long)e);
		if ((uint64_t)e > x->data_size)
			return ckpt_fail(x, "tensor '%s' ends at byte %lld, "
			    "past the end of the data (%" PRIu64 " bytes; "
			    "truncated?)", key, (long long)e, x->data_size);
		t->begin = (uint64_t)b;
		t->end = (uint64_t)e;
		if (t->end - t->begin != bytes) {
			char s[64];
			shape_str(s, sizeof s, t->ndim, t->shape);
			return ckpt_fail(x, "tensor '%s' lies about its size: "
			    "shape %s needs %" PRIu64 " bytes, data_offsets "
			    "give %" PRIu64, key, s, bytes, t->end - t->begin);
		}
	}
	/* Tile check: sort a copy of the indices by begin (n is small). */
	size_t *ord = xcalloc(x->nt ? x->nt : 1, sizeof *ord);
	for (size_t i = 0; i < x->nt; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			const ckpt_ftensor *a = &x->t[ord[j - 1]];
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
		const ckpt_ftensor *t = &x->t[ord[k]];
		if (t->begin < at)
			rc = ckpt_fail(x, "tensors '%s' and '%s' overlap",
			    x->t[ord[k - 1]].name, t->name);
		else if (t->begin > at)
			rc = ckpt_fail(x, "%" PRIu64 " unused bytes before "
			    "tensor '%s'", t->begin - at, t->name);
		at = t->end;
	}
	free(ord);
	if (rc == 0 && at != x->data_size)
		rc = ckpt_fail(x, "%" PRIu64 " bytes after the last tensor",
		    x->data_size - at);
	return rc;
}

static ckpt_ftensor *
find_tensor(ckpt_reader *x, const char *name)
{
	for (size_t i = 0; i < x->nt; i++)
		if (strcmp(x->t[i].name, name) == 0)
			return &x->t[i];
	return NULL;
}

/* Read n floats of tensor t starting at float index first; all finite. */
static int
read_floats(ckpt_reader *x, const ckpt_ftensor *t, uint64_t first,
    float *dst, size_t n)
{
	if (pread_all(x->fd, dst, n * sizeof *dst, x->data_start +
	    t->begin + 4 * first) < 0) {
		if (errno == 0)
			return ckpt_fail(x, "truncated (the file shrank while "
			    "being read)");
		return ckpt_fail(x, "%s", strerror(errno));
	}
#if CKPT_BIG_ENDIAN
	swap32(dst, n);
#endif
	for (size_t i = 0; i < n; i++)
		if (!isfinite(dst[i]))
			return ckpt_fail(x, "tensor '%s' holds %s at index %"
			    PRIu64 " (a diverged model?)", t->name,
			    isnan(dst[i]) ? "NaN" : "infinity", first + i);
	return 0;
}

/* Every tensor the configuration implies, with its exact shape; nothing
 * else but the burble.* training tensors. Before anything is allocated,
 * so a lying configuration cannot ask for more than the file holds. */
static int
check_layout(ckpt_reader *x, const model_config *c)
{
	expect_tensor e[MODEL_MAX_TENSORS];
	int n = expect_layout(c, e);

	for (int i = 0; i < n; i++) {
		ckpt_ftensor *t = find_tensor(x, e[i].name);
		if (t == NULL)
			return ckpt_fail(x, "tensor '%s' is missing "
			    "(burble.config: %s, layers %d, hidden %d, vocab "
			    "%d, embed %d)",
			    e[i].name, cell_name(c->cell), c->L, c->H, c->V,
			    c->E);
		if (t->ndim != e[i].ndim || t->shape[0] != e[i].shape[0] ||
		    (t->ndim == 2 && t->shape[1] != e[i].shape[1])) {
			char got[64], want[64];
			shape_str(got, sizeof got, t->ndim, t->shape);
			shape_str(want, sizeof want, e[i].ndim, e[i].shape);
			return ckpt_fail(x, "lies about its sizes: tensor '%s' "
			    "is %s, but burble.config (%s, layers %d, hidden "
			    "%d, vocab %d, embed %d) needs %s", e[i].name, got,
			    cell_name(c->cell), c->L, c->H, c->V, c->E, want);
		}
		t->used = 1;
	}
	return 0;
}

static void
reader_free(ckpt_reader *x)
{
	free(x->t);
	x->t = NULL;
	free(x->cause);
	x->cause = NULL;
}

int
ckpt_read_header(ckpt_reader *x, json_t **root)
{
	struct stat st;
	unsigned char len8[8];
	json_error_t err;

	*root = NULL;
	if (fstat(x->fd, &st) < 0)
		return ckpt_fail(x, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return ckpt_fail(x, "is a directory");
	if (!S_ISREG(st.st_mode))
		return ckpt_fail(x, "not a regular file");
	uint64_t size = (uint64_t)st.st_size;
	if (size < 8)
		return ckpt_fail(x, "truncated (%" PRIu64 " bytes; not a "
		    "safetensors file)", size);
	if (pread_all(x->fd, len8, 8, 0) < 0)
		return ckpt_fail(x, "%s", errno ? strerror(errno) :
		    "truncated");
	uint64_t N = get_le64(len8);
	if (N > CKPT_MAX_HEADER && N > size - 8)
		return ckpt_fail(x, "not a safetensors file, or corrupt "
		    "(header length %" PRIu64 ")", N);
	if (N > size - 8)
		return ckpt_fail(x, "truncated (header says %" PRIu64 " bytes, "
		    "file has %" PRIu64 ")", N, size);
	if (N > CKPT_MAX_HEADER)
		return ckpt_fail(x, "header of %" PRIu64 " bytes is larger "
		    "than the %" PRIu64 " allowed", N, CKPT_MAX_HEADER);
	if (N < 2)
		return ckpt_fail(x, "empty header (not a safetensors file)");
	x->data_start = 8 + N;
	x->data_size = size - 8 - N;

	char *hdr = xmalloc((size_t)N);
	int rc = -1;
	if (pread_all(x->fd, hdr, (size_t)N, 8) < 0)
		ckpt_fail(x, "%s", errno ? strerror(errno) : "truncated");
	else if (hdr[0] != '{')
		ckpt_fail(x, "not a safetensors file (the header is not a JSON "
		    "object)");
	else if (ckpt_json_cost(hdr, (size_t)N) > CKPT_MAX_JSON_COST)
		ckpt_fail(x, "header too large or too deeply structured to "
		    "read");
	else if ((*root = json_loadb(hdr, (size_t)N, JSON_REJECT_DUPLICATES,
	    &err)) == NULL)
		ckpt_fail(x, "header is not valid JSON: %s (at byte %d)",
		    err.text, err.position);
	else if (!json_is_object(*root))
		ckpt_fail(x, "the header is not a JSON object");
	else
		rc = 0;
	free(hdr);
	return rc;
}

/* __metadata__, if there, must map strings to strings. */
static int
check_metadata(ckpt_reader *x, json_t *meta)
{
	const char *k;
	json_t *v;

	if (meta == NULL)
		return 0;
	if (!json_is_object(meta))
		return ckpt_fail(x, "__metadata__ must be an object");
	json_object_foreach(meta, k, v)
		if (!json_is_string(v))
			return ckpt_fail(x, "__metadata__ '%.64s' is not a "
			    "string", k);
	return 0;
}

/* The training tensors, if any, and nothing unexpected; *fo and *fs are
 * the optimizer state and the carried state, or NULL. */
static int
check_train_tensors(ckpt_reader *x, const ckpt *c, const ckpt_meta_ctx *m,
    ckpt_ftensor **fo, ckpt_ftensor **fs)
{
	const model_config *cfg = &m->cfg;
	uint64_t total = 0;
	expect_tensor e[MODEL_MAX_TENSORS];
	int ne = expect_layout(cfg, e);
	char got[64];

	for (int i = 0; i < ne; i++)
		total += e[i].shape[0] * (e[i].ndim == 2 ? e[i].shape[1] : 1);
	*fo = find_tensor(x, NAME_OPTIM);
	*fs = find_tensor(x, NAME_STATE);
	if (*fo != NULL) {
		const ckpt_ftensor *t = *fo;
		if (!m->has_settings || !m->has_progress)
			return ckpt_fail(x, "optimizer state without "
			    "burble.settings and burble.progress");
		if (t->ndim != 2 || t->shape[0] != 2 || t->shape[1] != total) {
			shape_str(got, sizeof got, t->ndim, t->shape);
			return ckpt_fail(x, "lies about its sizes: tensor '%s' "
			    "is %s, the model needs [2, %" PRIu64 "]",
			    NAME_OPTIM, got, total);
		}
		(*fo)->used = 1;
	}
	if (*fs != NULL) {
		const ckpt_ftensor *t = *fs;
		uint64_t want = state_floats(cfg, c->settings.B);
		if (*fo == NULL)
			return ckpt_fail(x, "carried state without optimizer "
			    "state");
		if (t->ndim != 1 || t->shape[0] != want) {
			shape_str(got, sizeof got, t->ndim, t->shape);
			return ckpt_fail(x, "lies about its sizes: tensor '%s' "
			    "is %s, the model with batch %d needs [%" PRIu64
			    "]", NAME_STATE, got, c->settings.B, want);
		}
		(*fs)->used = 1;
	}
	for (size_t i = 0; i < x->nt; i++)
		if (!x->t[i].used)
			return ckpt_fail(x, "unexpected tensor '%.64s'",
			    x->t[i].name);
	return 0;
}

/* Everything checked: create the model and read the weights. */
static int
read_model(ckpt_reader *x, ckpt *c, const model_config *cfg)
{
	expect_tensor e[MODEL_MAX_TENSORS];
	int ne = expect_layout(cfg, e);

	c->m = model_create(cfg);
	if (c->m == NULL)
		return ckpt_fail(x, "cannot create the model");
	model *m = c->m;
	if (m->ntensors != ne)
		return ckpt_fail(x, "internal error: model layout differs from "
		    "the file's");
	for (int i = 0; i < ne; i++) {
		const model_tensor *t = &m->tensors[i];
		if (strcmp(t->name, e[i].name) != 0 ||
		    t->shape[0] != e[i].shape[0] || t->ndim != e[i].ndim ||
		    (t->ndim == 2 && t->shape[1] != e[i].shape[1]) ||
		    t->offset + t->size > m->nparams)
			return ckpt_fail(x, "internal error: model layout "
			    "differs from the file's at '%s'", t->name);
		if (read_floats(x, find_tensor(x, t->name), 0,
		    m->params + t->offset, t->size) < 0)
			return -1;
	}
	return 0;
}

/* The optimizer moments (fo) and the carried state (fs, may be NULL). */
static int
read_train(ckpt_reader *x, ckpt *c, long optim_t, const ckpt_ftensor *fo,
    const ckpt_ftensor *fs)
{
	model *m = c->m;
	optim_config oc = c->settings.opt;
	uint64_t first = 0;

	oc.lr = c->prog.lr;
	c->opt = optim_create(&oc, m->nparams);
	c->opt->t = optim_t;
	for (int half = 0; half < 2; half++) {
		float *s = c->opt->state + (size_t)half * m->nparams;
		for (int i = 0; i < m->ntensors; i++) {
			const model_tensor *t = &m->tensors[i];
			if (read_floats(x, fo, first, s + t->offset,
			    t->size) < 0)
				return -1;
			first += t->size;
		}
	}
	if (fs != NULL) {
		c->prog.nstate = (size_t)fs->shape[0];
		c->prog.state = xalloc_floats(c->prog.nstate);
		if (read_floats(x, fs, 0, c->prog.state, c->prog.nstate) < 0)
			return -1;
	}
	c->has_train = 1;
	return 0;
}

/* In an order that validates everything before anything big is
 * allocated: the container, the model's metadata, the tensors against
 * it, the rest of the metadata, the training tensors; then the data. */
static int
load_all(ckpt_reader *x, ckpt *c)
{
	json_t *root, *meta;
	ckpt_meta_ctx m;
	ckpt_ftensor *fo, *fs;
	int rc = -1;

	memset(&m, 0, sizeof m);
	if (ckpt_read_header(x, &root) < 0) {
		json_decref(root);
		return -1;
	}
	meta = json_object_get(root, "__metadata__");
	if (check_metadata(x, meta) == 0 && parse_tensors(x, root) == 0 &&
	    ckpt_meta_read(x, meta, 1, c, &m) == 0 &&
	    check_layout(x, &m.cfg) == 0 &&
	    ckpt_meta_read(x, meta, 2, c, &m) == 0 &&
	    check_train_tensors(x, c, &m, &fo, &fs) == 0 &&
	    read_model(x, c, &m.cfg) == 0 &&
	    (fo == NULL || read_train(x, c, m.optim_t, fo, fs) == 0))
		rc = 0;
	json_decref(root);
	return rc;
}

int
ckpt_load(const char *path, ckpt *c, char **cause)
{
	ckpt_reader x;

	memset(c, 0, sizeof *c);
	memset(&x, 0, sizeof x);
	x.path = path;
	x.fd = file_open_read(path, 0, "model file", cause);
	if (x.fd < 0)
		return -1;

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
	reader_free(&x);
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
