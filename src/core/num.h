/*
 * num.h - the one number parser and the one range table that the command
 * line and the prompt share, so that "--lr 11" and ":lr 11" get the same
 * answer.
 *
 * Numbers are plain decimals as a person types them: an optional sign,
 * digits, a point, an exponent. No leading or trailing blanks, no hex, no
 * "inf" or "nan", and whatever the locale says a decimal point is, it is
 * "." here. A real that a float cannot hold (it would become 0 or lose its
 * precision below FLT_MIN) is refused, since every setting is stored as a
 * float.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef BURBLE_NUM_H
#define BURBLE_NUM_H

#include <stddef.h>
#include <stdint.h>

/* 0 and *v set, or -1 (*v untouched). */
int num_real(const char *s, double *v);
int num_long(const char *s, long *v);	/* [+-]digits */
int num_u64(const char *s, uint64_t *v);	/* digits */

/* An interval of allowed values. */
typedef struct num_range {
	double lo, hi;		/* hi may be INFINITY */
	unsigned char lo_open, hi_open;
	unsigned char integer;	/* whole numbers only */
	const char *note;	/* "0 = greedy", or NULL */
} num_range;

/* The settings both the command line and the prompt change. */
enum setting {
	SETTING_LR,		/* --lr, :lr */
	SETTING_TEMP,		/* --temperature, --sample-temps, :temp, ... */
	SETTING_TOP_K,		/* --top-k, :topk */
	SETTING_TOP_P,		/* --top-p, :topp */
	SETTING_BEAM,		/* --beam, :beam */
	SETTINGS
};

const num_range *setting_range(enum setting s);

/* Whether v lies in r (and, for reals, a float holds it: not beyond
 * FLT_MAX, not below FLT_MIN unless 0). */
int num_in(const num_range *r, double v);

/* What r allows, for messages: "a number in (0, 10]", "an integer >= 0
 * (0 = off)". Returns buf. */
char *num_describe(const num_range *r, char *buf, size_t n);

/* num_real or num_long, then num_in. */
int num_parse(const num_range *r, const char *s, double *v);

#endif
