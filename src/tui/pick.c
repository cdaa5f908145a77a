/* pick.c - pick mode (:pick, Alt-I): the model's likeliest next
 * characters, numbered, and the user chooses the next one.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generator does the feeding (session_pick): the character chosen,
 * one it samples, or text typed. Each answer is an EV_GEN with what was
 * fed, which the transcript shows as a continuation, then an EV_PEEK with
 * the next list, drawn below the text in place of the last one.
 */
#include "config.h"

#include <math.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "prompt_priv.h"
#include "util.h"

_Static_assert(CMD_MAX_PICK == PEEK_MAX, ":pick shows at most PEEK_MAX");

void
pick_start(prompt *p, int n)
{
	if (p->pick_n == 0)
		transcript_msg(&p->tr, ST_NOTE, "pick mode: a digit chooses "
		    "the next %s, Enter or Tab lets the model sample it, "
		    "text and Enter force it, #K chooses the K-th, Esc "
		    "leaves", prompt_unit(p));
	p->pick_n = n;
	p->tr.scroll = 0;
	p->in_dirty = 1;
	session_pick(p->s, NULL, PICK_SHOW, n);
}

void
pick_unlist(prompt *p)
{
	if (!p->pick_listed)
		return;
	transcript_cut(&p->tr, p->pick_mark);
	p->tr.gen_open = p->pick_gen_open;
	p->pick_listed = 0;
}

void
pick_leave(prompt *p)
{
	if (p->pick_n == 0)
		return;
	pick_unlist(p);
	p->pick_n = 0;
	p->npick = 0;
	p->in_dirty = 1;
	transcript_msg(&p->tr, ST_NOTE, "pick mode off");
}

static void
pick_choose(prompt *p, int k)
{
	if (k < 0 || k >= p->npick) {
		transcript_msg(&p->tr, ST_ERROR, ":pick: choose 0 to %d",
		    p->npick - 1);
		return;
	}
	session_pick(p->s, NULL, p->pick_id[k], p->pick_n);
}

int
pick_key(prompt *p, int c)
{
	if (p->pick_n == 0 || rl_end != 0 || p->cont != NULL)
		return 0;
	if (c >= '0' && c <= '9' && c - '0' < p->npick) {
		pick_choose(p, c - '0');
		return 1;
	}
	if (c == '\t') {
		session_pick(p->s, NULL, PICK_SAMPLE, p->pick_n);
		return 1;
	}
	return 0;
}

void
pick_line(prompt *p, const char *line)
{
	char *end;
	long k;

	if (*line == '\0') {
		session_pick(p->s, NULL, PICK_SAMPLE, p->pick_n);
		return;
	}
	if (line[0] == '#' && line[1] >= '0' && line[1] <= '9') {
		k = strtol(line + 1, &end, 10);
		if (*end == '\0') {
			pick_choose(p, (int)MIN(k, PEEK_MAX));
			return;
		}
	}
	session_pick(p->s, line, 0, p->pick_n);
}

/* One choice: "  3  'e'  12.5%". */
static void
pick_row(prompt *p, int i, const char *sym, double pr, int w)
{
	transcript *t = &p->tr;
	const char *g = cont_glyph(p, sym);
	char num[32], pct[40];

	snprintf(num, sizeof num, "  %*d  '", p->npick > 10 ? 2 : 1, i);
	transcript_new_line(t);
	transcript_text(t, num, i < 10 ? ST_HEAD : ST_TEXT);
	transcript_text(t, g, ST_HEAD);
	transcript_text(t, "'", ST_TEXT);
	for (int j = transcript_width(g); j < w; j++)
		transcript_cp(t, ' ', ST_TEXT);
	prompt_real(num, sizeof num, pr * 100, 1, 0);
	snprintf(pct, sizeof pct, " %5s%%", num);
	transcript_text(t, pct, ST_TEXT);
}

void
pick_list(prompt *p, const event *e)
{
	if (p->pick_n == 0)	/* left pick mode meanwhile */
		return;
	pick_unlist(p);
	p->pick_mark = transcript_mark(&p->tr);
	p->pick_gen_open = p->tr.gen_open;
	p->pick_listed = 1;
	p->npick = e->npeek;
	transcript_msg(&p->tr, ST_NOTE, "next %s (digit, Enter or Tab, text, "
	    "Esc):", prompt_unit(p));
	int w = cont_glyph_width(p, e->peek_sym, e->npeek);
	for (int i = 0; i < e->npeek; i++) {
		p->pick_id[i] = e->peek_id[i];
		pick_row(p, i, e->peek_sym[i], e->peek_p[i], w);
	}
	p->tr.gen_open = 0;
	p->tr.scroll = 0;
}
