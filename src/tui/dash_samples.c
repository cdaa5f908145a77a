/* dash_samples.c - the samples pane: the text sampled at each temperature
 * at the end of an epoch (or on F4), streaming in side by side, and the
 * groups of earlier epochs, paged with PgUp / PgDn.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "dash_priv.h"

/* "T=0.2", "T=1.0", "T=0.25". */
static void
temp_label(char *buf, size_t size, float t)
{
	size_t n;

	snprintf(buf, size, "T=%.2f", (double)t);
	n = strlen(buf);
	if (n > 4 && buf[n - 1] == '0' && buf[n - 3] == '.')
		buf[n - 1] = '\0';
}

/* A copy of sample text for the one-line-per-sample view: no leading or
 * trailing line breaks, runs of them shown once. */
static char *
squeeze_lines(const char *t)
{
	char *out = xmalloc(strlen(t) + 1), *o = out;

	while (*t == '\n' || *t == '\r')
		t++;
	for (; *t; t++) {
		if (*t == '\r')
			continue;
		if (*t == '\n' && o > out && o[-1] == '\n')
			continue;
		*o++ = *t;
	}
	while (o > out && o[-1] == '\n')
		o--;
	*o = '\0';
	return out;
}

void
dash_take_sample(dash *d, const event *e)
{
	sample_group *g = d->ngroups ? &d->groups[d->ngroups - 1] : NULL;

	if (g == NULL || e->sample_index == 0 || g->step != e->step ||
	    g->n >= TRAIN_MAX_SAMPLE_TEMPS) {
		if (d->ngroups == MAX_GROUPS) {
			int i;
			for (i = 0; i < d->groups[0].n; i++)
				free(d->groups[0].text[i]);
			memmove(d->groups, d->groups + 1,
			    (MAX_GROUPS - 1) * sizeof(*d->groups));
			d->ngroups--;
		} else
			d->groups = xreallocarray(d->groups, d->ngroups + 1,
			    sizeof(*d->groups));
		g = &d->groups[d->ngroups++];
		memset(g, 0, sizeof(*g));
		g->epoch = e->epoch;
		g->step = e->step;
		g->t0 = now_seconds();
		if (d->scroll > 0)
			d->scroll = MIN(d->scroll + 1, d->ngroups - 1);
	}
	g->temp[g->n] = e->temp;
	g->text[g->n] = squeeze_lines(e->text ? e->text : "");
	g->ncp[g->n] = dash_text_cps(g->text[g->n]);
	g->n++;
	d->dirty |= D_SAMPLES;
}

/* Code points of each sample of the newest group revealed so far: all the
 * temperatures stream in side by side. */
static size_t
group_shown(const sample_group *g, double now, int newest)
{
	double t;

	if (!newest)
		return SIZE_MAX;
	t = (now - g->t0) * SAMPLE_CPS;
	return t >= (double)SIZE_MAX / 2 ? SIZE_MAX : (size_t)t;
}

int
dash_samples_animating(const dash *d)
{
	const sample_group *g;
	size_t shown;
	int i;

	if (d->ngroups == 0 || d->w_samples == NULL || d->scroll != 0)
		return 0;
	g = &d->groups[d->ngroups - 1];
	shown = group_shown(g, now_seconds(), 1);
	for (i = 0; i < g->n; i++)
		if (shown < g->ncp[i])
			return 1;
	return 0;
}

void
dash_draw_samples(dash *d)
{
	WINDOW *w = d->w_samples;
	int width = d->lay.samples.w, rows = d->lay.samples.h - 1, i, r, y;
	const sample_group *g;
	char title[160];
	size_t shown;

	if (w == NULL)
		return;
	werase(w);
	if (d->ngroups == 0) {
		dash_title_bar(d, w, 0, width, "samples");
		wattr_set(w, A_DIM, d->color ? C_DIM : 0, NULL);
		if (rows > 0)
			dash_put_text(d, w, 1, 1, width - 2, d->training ?
			    "text sampled at several temperatures appears "
			    "here at the end of each epoch (F4: now)" : "");
		wattr_set(w, A_NORMAL, 0, NULL);
		goto out;
	}
	if (d->scroll >= d->ngroups)
		d->scroll = d->ngroups - 1;
	g = &d->groups[d->ngroups - 1 - d->scroll];
	snprintf(title, sizeof(title), "samples %s epoch %ld %s step %ld",
	    d->utf8 ? "\xc2\xb7" : "|", g->epoch, d->utf8 ? "\xc2\xb7" : "|",
	    g->step);
	if (d->ngroups > 1)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    "  [%zu/%zu, PgUp/PgDn]", d->ngroups - d->scroll,
		    d->ngroups);
	dash_title_bar(d, w, 0, width, title);
	shown = group_shown(g, now_seconds(), d->scroll == 0);
	y = 1;
	for (i = 0; i < g->n && y <= rows; i++) {
		int nr = rows >= g->n ? rows / g->n + (i < rows % g->n) : 1;
		size_t off = 0, len = strlen(g->text[i]);
		size_t budget = MIN(shown, g->ncp[i]);

		char pre[24];
		int pw;

		temp_label(pre, sizeof(pre), g->temp[i]);
		wattr_set(w, A_BOLD, d->color ? C_TITLE : 0, NULL);
		dash_put_text(d, w, y, 0, width, pre);
		wattr_set(w, A_NORMAL, 0, NULL);
		pw = 7;
		for (r = 0; r < nr && y <= rows; r++, y++) {
			wchar_t buf[512];
			if (off >= len || budget == 0)
				continue;
			dash_fit_line(d, g->text[i], len, &off, &budget,
			    MIN(width - pw, 500), buf, NELEMS(buf));
			mvwaddnwstr(w, y, pw, buf, -1);
		}
	}
out:
	wnoutrefresh(w);
}


void
dash_samples_free(dash *d)
{
	for (size_t i = 0; i < d->ngroups; i++)
		for (int k = 0; k < d->groups[i].n; k++)
			free(d->groups[i].text[k]);
	free(d->groups);
	d->groups = NULL;
	d->ngroups = 0;
}
