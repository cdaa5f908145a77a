/* ckpt_field.c - records described by a table of fields, written and read
 * by walking the same table (ckpt_meta.c holds burble's tables).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writing uses the exact writer of jwrite.c; reading uses jansson. Every
 * problem of a value is one line naming the field; the first one wins.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_int.h"

/* ---- numbers ------------------------------------------------------------ */

/* A number, null (NaN, or +inf when null_inf) or "inf", "-inf", "nan". */
static int
num_value(ckpt_reader *x, json_t *j, const char *key, int null_inf,
    double *v)
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
	return ckpt_fail(x, "'%s' must be a number", key);
}

static int
to_float(ckpt_reader *x, const char *key, double d, float *v)
{
	/* Beyond FLT_MAX + half an ulp the value would round to infinity
	 * (and the conversion is undefined). */
	if (isfinite(d) && fabs(d) >= 0x1.ffffffp127)
		return ckpt_fail(x, "'%s' is out of range for a float", key);
	*v = (float)d;
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

void
ckpt_rec_write(jwrite *b, const ckpt_table *t, const void *rec)
{
	jwrite_open(b, "{");
	for (size_t i = 0; i < t->n; i++) {
		const ckpt_field *f = &t->f[i];
		const char *p = (const char *)rec + f->off;
		char u[24];
		jwrite_key(b, f->name);
		switch (f->type) {
		case MT_INT:
		case MT_BOOL:
		case MT_ENUM: {
			int v;
			memcpy(&v, p, sizeof v);
			if (f->type == MT_INT)
				jwrite_int(b, v);
			else if (f->type == MT_BOOL)
				jwrite_bool(b, v);
			else
				jwrite_str(b, f->e->name(v));
			break;
		}
		case MT_LONG:
			jwrite_int(b, *(const long *)p);
			break;
		case MT_SIZE:
			jwrite_int(b, (long long)*(const size_t *)p);
			break;
		case MT_FLOAT: {
			float v = *(const float *)p;
			if ((f->flags & MF_INF_NULL) && isinf(v) && v > 0)
				jwrite_null(b);
			else
				jwrite_float(b, v);
			break;
		}
		case MT_DOUBLE:
			jwrite_double(b, *(const double *)p);
			break;
		case MT_STR:
			jwrite_text(b, *(char *const *)p);
			break;
		case MT_U64:
			snprintf(u, sizeof u, "%" PRIu64, *(const uint64_t *)p);
			jwrite_str(b, u);
			break;
		case MT_OBJECT:
			ckpt_rec_write(b, f->sub, p);
			break;
		case MT_CUSTOM:
			f->write(b, rec);
			break;
		}
	}
	jwrite_close(b, "}");
}

/* ---- reading ----------------------------------------------------------- */

static int
read_int(ckpt_reader *x, const ckpt_field *f, json_t *j, void *p)
{
	if (j == NULL)
		return ckpt_fail(x, "'%s' is missing", f->name);
	if (!json_is_integer(j) || json_integer_value(j) < f->lo ||
	    json_integer_value(j) > f->hi)
		return ckpt_fail(x, "'%s' must be an integer in [%lld, %lld]",
		    f->name, f->lo, f->hi);
	json_int_t v = json_integer_value(j);
	if (f->type == MT_INT)
		*(int *)p = (int)v;
	else if (f->type == MT_LONG)
		*(long *)p = (long)v;
	else
		*(size_t *)p = (size_t)v;
	return 0;
}

static int
read_bool(ckpt_reader *x, const ckpt_field *f, json_t *j, int *v)
{
	if (json_is_boolean(j))
		*v = json_is_true(j);
	else if (json_is_integer(j) && (json_integer_value(j) == 0 ||
	    json_integer_value(j) == 1))
		*v = (int)json_integer_value(j);
	else
		return ckpt_fail(x, "'%s' must be true or false", f->name);
	return 0;
}

static int
read_real(ckpt_reader *x, const ckpt_field *f, json_t *j, void *p)
{
	double d = 0;
	float v = 0;

	if (num_value(x, j, f->name, (f->flags & MF_INF_NULL) != 0, &d) < 0)
		return -1;
	if (f->type == MT_DOUBLE) {
		*(double *)p = d;
		return 0;
	}
	if (to_float(x, f->name, d, &v) < 0)
		return -1;
	if ((f->flags & MF_RANGE) && !(v >= f->flo && v <= f->fhi))
		return ckpt_fail(x, "'%s' must be in [%g, %g]", f->name, f->flo,
		    f->fhi);
	*(float *)p = v;
	return 0;
}

/* A string or null; NULL where it does not apply (the caller's message). */
static int
read_str(ckpt_reader *x, const ckpt_field *f, json_t *j, const char **s)
{
	*s = NULL;
	if (json_is_string(j))
		*s = json_string_value(j);
	else if (j != NULL && !json_is_null(j))
		return ckpt_fail(x, "'%s' must be a string", f->name);
	return 0;
}

static int
read_enum(ckpt_reader *x, const ckpt_field *f, json_t *j, void *rec)
{
	const char *s;
	int v;

	if (read_str(x, f, j, &s) < 0)
		return -1;
	if (s == NULL) {
		if (f->flags & MF_REQUIRED)
			return ckpt_fail(x, "'%s' must be %s", f->name,
			    f->e->choices);
		return 0;
	}
	if ((v = f->e->parse(s)) < 0)
		return ckpt_fail(x, "unknown %s '%.32s'", f->e->noun, s);
	if (f->e->set != NULL)
		f->e->set(rec, v);
	else
		memcpy((char *)rec + f->off, &v, sizeof v);
	return 0;
}

static int
read_u64(ckpt_reader *x, const ckpt_field *f, json_t *j, uint64_t *v)
{
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*v = (uint64_t)json_integer_value(j);
		return 0;
	}
	if (json_is_string(j)) {
		const char *p = json_string_value(j);
		char *end;
		errno = 0;
		unsigned long long u = strtoull(p, &end, 10);
		if (*p >= '0' && *p <= '9' && *end == '\0' && errno == 0) {
			*v = u;
			return 0;
		}
	}
	return ckpt_fail(x, "'%s' must be a decimal integer", f->name);
}

/* One field; j is NULL only for a required field that is absent. */
static int
field_read(ckpt_reader *x, const ckpt_field *f, json_t *j, void *rec)
{
	char *p = (char *)rec + f->off;
	const char *s;

	switch (f->type) {
	case MT_INT:
	case MT_LONG:
	case MT_SIZE:
		return read_int(x, f, j, p);
	case MT_BOOL:
		return read_bool(x, f, j, (int *)p);
	case MT_FLOAT:
	case MT_DOUBLE:
		return read_real(x, f, j, p);
	case MT_STR:
		if (read_str(x, f, j, &s) < 0)
			return -1;
		free(*(char **)p);
		*(char **)p = s ? xstrdup(s) : NULL;
		return 0;
	case MT_ENUM:
		return read_enum(x, f, j, rec);
	case MT_U64:
		return read_u64(x, f, j, (uint64_t *)p);
	case MT_OBJECT:
		if (!json_is_object(j))
			return ckpt_fail(x, "'%s' must be an object", f->name);
		return ckpt_rec_read(x, j, f->sub, p);
	case MT_CUSTOM:
		return f->read(x, j, f->name, rec);
	}
	return ckpt_fail(x, "internal error: field '%s'", f->name);
}

/* The fields of t found in o; the others keep the value rec had. */
int
ckpt_rec_read(ckpt_reader *x, json_t *o, const ckpt_table *t, void *rec)
{
	for (size_t i = 0; i < t->n; i++) {
		const ckpt_field *f = &t->f[i];
		json_t *j = json_object_get(o, f->name);
		if (j == NULL && !(f->flags & MF_REQUIRED))
			continue;
		if (field_read(x, f, j, rec) < 0)
			return -1;
	}
	return 0;
}
