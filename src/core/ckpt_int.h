/* ckpt_int.h - what the files of the checkpoint module share; not for
 * callers (they include ckpt.h).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ckpt.c       the safetensors container: the header's tensor entries,
 *                saving and loading, validation of every byte range
 *   ckpt_field.c records described by a table of fields: one writer and
 *                one reader walk any table
 *   ckpt_meta.c  the __metadata__ strings: burble's tables and top-level
 *                keys
 *   ckpt_out.c   the output's safety: may a checkpoint be written there,
 *                the lock, the atomic replacement, stale temporary files
 */
#ifndef BURBLE_CKPT_INT_H
#define BURBLE_CKPT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ckpt.h"
#include "jwrite.h"
#include "util.h"

/* A header bigger than this is not one burble wrote: burble thins the
 * training points of the history (every 2nd, 4th, ...; evaluations are all
 * kept) to stay under CKPT_WRITE_HEADER; a day of reports is about 8 MB. */
#define CKPT_MAX_HEADER ((uint64_t)32 << 20)
#define CKPT_WRITE_HEADER ((size_t)16 << 20)
/* jansson takes up to ~80 bytes of memory per byte of JSON ("[{},{},..."):
 * the most a parse may be estimated to need (ckpt_json_cost). */
#define CKPT_MAX_JSON_COST ((uint64_t)512 << 20)
#define CKPT_MAX_BT ((long long)1 << 24)

/* A tensor entry of a file's header. */
typedef struct {
	const char *name;	/* a key of the header (lives with the root) */
	int ndim;
	uint64_t shape[2];
	uint64_t begin, end;	/* bytes, relative to the data start */
	int used;
} ckpt_ftensor;

/* Reading one file: everything is checked, and the first error wins. */
typedef struct {
	const char *path;
	const char *where;	/* metadata key being read, or NULL */
	char *cause;		/* the first error */
	int fd;
	uint64_t data_start, data_size;
	ckpt_ftensor *t;	/* (nt) */
	size_t nt;
} ckpt_reader;

/* Record the first error ("PATH: [WHERE: ]message", one line); -1. */
int ckpt_fail(ckpt_reader *x, const char *fmt, ...) BURBLE_PRINTF(2, 3);
/* An estimate of the memory jansson needs to parse s (n bytes). */
uint64_t ckpt_json_cost(const char *s, size_t n);
/* Read 8 + N header bytes of x->fd, check them and parse the JSON object
 * (data_start and data_size set); *root is the caller's. */
int ckpt_read_header(ckpt_reader *x, json_t **root);

/* ---- records described by a table of fields (ckpt_field.c) ----------------
 *
 * A record is a C struct written as one JSON object. Its table lists each
 * field once: the JSON name, the type and member (the FIELD_* macros check
 * the member's type at compile time), whether it is required, the range a
 * reader accepts and how non-finite numbers are spelled. The writer and the
 * reader walk the same table; a reader leaves absent fields as they were
 * (the defaults) and fails on the first bad one.
 */

enum ckpt_ftype {
	MT_INT,		/* int, long, size_t: a JSON integer in [lo, hi] */
	MT_LONG,
	MT_SIZE,
	MT_BOOL,	/* int: true or false (0 and 1 are read too) */
	MT_FLOAT,	/* float, double: a number, null = NaN, "inf", "-inf" */
	MT_DOUBLE,
	MT_STR,		/* char * (owned): a string, or null = NULL */
	MT_ENUM,	/* int: written as its name, read by the name */
	MT_U64,		/* uint64_t: a decimal string (an integer is read) */
	MT_OBJECT,	/* a record of its own table (sub) */
	MT_CUSTOM,	/* anything else: write and read, given the record */
};

#define MF_REQUIRED	1	/* absent is an error */
#define MF_INF_NULL	2	/* +inf is written null, and null read +inf:
				   "none yet" */
#define MF_RANGE	4	/* a float that must be finite and within
				   [flo, fhi] */

typedef struct {
	const char *(*name)(int);
	int (*parse)(const char *);	/* -1: unknown */
	const char *noun;	/* "unknown NOUN 'x'" */
	const char *choices;	/* required and absent: "'key' must be ..." */
	void (*set)(void *rec, int v);	/* NULL: store v in the member */
} ckpt_enum;

typedef struct ckpt_field ckpt_field;

typedef struct {
	const ckpt_field *f;
	size_t n;
} ckpt_table;

struct ckpt_field {
	const char *name;
	enum ckpt_ftype type;
	size_t off;		/* the member's offset in the record */
	int flags;		/* MF_* */
	long long lo, hi;	/* MT_INT, MT_LONG, MT_SIZE */
	double flo, fhi;	/* MF_RANGE */
	const ckpt_enum *e;	/* MT_ENUM */
	const ckpt_table *sub;	/* MT_OBJECT */
	void (*write)(jwrite *, const void *rec);		/* MT_CUSTOM */
	/* MT_CUSTOM; j is NULL when absent (then called only if required) */
	int (*read)(ckpt_reader *, json_t *j, const char *key, void *rec);
};

#define TABLE(a) { a, NELEMS(a) }

/* The offset of member m of struct s, which must have type T (a compile
 * error otherwise, so that a table cannot disagree with the struct). */
#define M_(T, s, m) _Generic(((s *)0)->m, T: offsetof(s, m))
/* An enum member: int-sized (it is accessed as an int). */
#define M_ENUM(s, m) (offsetof(s, m) + 0 * sizeof(char[sizeof(((s *)0)->m) \
	== sizeof(int) ? 1 : -1]))

#define FIELD_INT(k, s, m, a, b, fl) \
	{ .name = k, .type = MT_INT, .off = M_(int, s, m), .flags = fl, \
	  .lo = a, .hi = b }
#define FIELD_LONG(k, s, m, a, b, fl) \
	{ .name = k, .type = MT_LONG, .off = M_(long, s, m), .flags = fl, \
	  .lo = a, .hi = b }
#define FIELD_SIZE(k, s, m, a, b, fl) \
	{ .name = k, .type = MT_SIZE, .off = M_(size_t, s, m), .flags = fl, \
	  .lo = a, .hi = b }
#define FIELD_BOOL(k, s, m) \
	{ .name = k, .type = MT_BOOL, .off = M_(int, s, m) }
#define FIELD_FLOAT(k, s, m, fl) \
	{ .name = k, .type = MT_FLOAT, .off = M_(float, s, m), .flags = fl }
#define FIELD_FLOAT_IN(k, s, m, a, b) \
	{ .name = k, .type = MT_FLOAT, .off = M_(float, s, m), \
	  .flags = MF_RANGE, .flo = a, .fhi = b }
#define FIELD_DOUBLE(k, s, m) \
	{ .name = k, .type = MT_DOUBLE, .off = M_(double, s, m) }
#define FIELD_STR(k, s, m) \
	{ .name = k, .type = MT_STR, .off = M_(char *, s, m) }
#define FIELD_ENUM(k, s, m, en, fl) \
	{ .name = k, .type = MT_ENUM, .off = M_ENUM(s, m), .flags = fl, \
	  .e = en }
#define FIELD_U64(k, s, m) \
	{ .name = k, .type = MT_U64, .off = M_(uint64_t, s, m) }
#define FIELD_OBJECT(k, s, m, t) \
	{ .name = k, .type = MT_OBJECT, .off = offsetof(s, m), .sub = t }
#define FIELD_CUSTOM(k, w, r, fl) \
	{ .name = k, .type = MT_CUSTOM, .flags = fl, .write = w, .read = r }


/* Write rec as a JSON object of t's fields. */
void ckpt_rec_write(jwrite *b, const ckpt_table *t, const void *rec);
/* Read the fields of t found in the JSON object o into rec. */
int ckpt_rec_read(ckpt_reader *x, json_t *o, const ckpt_table *t, void *rec);

/* What travels between the metadata and the rest of a save or a load. */
typedef struct {
	size_t stride;		/* save: keep every stride-th training point
				   of the history (evaluations all kept) */
	long optim_t;		/* the optimizer's step count */
	model_config cfg;	/* load: the configuration read (the model is
				   created once the tensors are checked) */
	int has_settings, has_progress;	/* load: found in the file */
	json_t *meta;		/* load: the whole __metadata__ object */
} ckpt_meta_ctx;

/* Fill meta (an empty JSON object) with the metadata strings of c. */
int ckpt_meta_write(json_t *meta, const ckpt *c, const ckpt_meta_ctx *m);
/* Read the metadata of phase 1 (format version, configuration into
 * m->cfg, vocabulary into c->voc) or 2 (text options, corpus name,
 * settings, progress and history into c, the optimizer step into m). */
int ckpt_meta_read(ckpt_reader *x, json_t *meta, int phase, ckpt *c,
    ckpt_meta_ctx *m);

/* Write a new file at path through write_fn (which returns -1 with errno
 * on failure) atomically: an unnamed temporary file in the directory
 * (O_TMPFILE, so that a kill leaves nothing), or "PATH.tmp.XXXXXX" where
 * that is not supported or named is set; fsync; a temporary name (linkat)
 * and rename over path; fsync of the directory. A symbolic link at path
 * is written through (the file it leads to is replaced, the link stays).
 * On failure the previous file is untouched and no temporary file is left
 * (ckpt_out.c). */
int ckpt_write_atomic(const char *path, int (*write_fn)(int, void *),
    void *arg, int named, char **cause);

#endif
