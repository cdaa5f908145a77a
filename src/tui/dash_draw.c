/* dash_draw.c - the dashboard's layout and panes: the header, the progress
 * lines, the prompt's title, the status and key lines, the help overlay;
 * and the helpers that put text into its windows.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plot panes are dash_plot.c's, the samples pane dash_samples.c's.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "dash_priv.h"
#include "fmt.h"
#include "glyph.h"

/* ---- text ------------------------------------------------------------- */

/* Decode one code point of UTF-8; returns the bytes used (invalid: 1 byte,
 * U+FFFD). */
static size_t
u8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (n > len) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	*cp = c;
	return n;
}

size_t
dash_text_cps(const char *s)
{
	size_t n = 0, len = strlen(s), off = 0;
	uint32_t cp;

	while (off < len) {
		off += u8_next(s + off, len - off, &cp);
		n++;
	}
	return n;
}

/* The characters shown for cp (*n of them, into out) and the columns they
 * take (0 for a combining mark, -1 for nothing at all). A newline becomes a
 * return arrow, a tab a space; other controls and the bidi formatting
 * characters show escaped, "<U+202E>" (glyph.h); without a UTF-8 locale
 * everything else beyond ASCII is '?'. */
static int
disp_char(const dash *d, uint32_t cp, wchar_t out[GLYPH_ESCAPE_SIZE], int *n)
{
	int w;

	*n = 1;
	if (cp == '\n') {
		out[0] = d->utf8 ? 0x21b5 : '|';
		return 1;
	}
	if (cp == '\r') {
		*n = 0;
		return -1;
	}
	if (cp == '\t') {
		out[0] = ' ';
		return 1;
	}
	if (glyph_is_control(cp)) {
		char e[GLYPH_ESCAPE_SIZE];
		*n = glyph_escape(cp, e);
		for (int i = 0; i < *n; i++)
			out[i] = (wchar_t)e[i];
		return *n;
	}
	if (!d->utf8 && cp >= 0x80) {
		out[0] = '?';
		return 1;
	}
	out[0] = (wchar_t)cp;
	w = wcwidth(out[0]);
	if (w < 0) {
		out[0] = 0xfffd;
		w = 1;
	}
	return w;
}

/* Lay out UTF-8 text (len bytes, at most *budget code points) into one line
 * of at most maxw columns: wide characters (and escapes) that do not fit
 * end the line. Fills out[] (NUL-terminated, up to cap - 1), advances *off
 * and *budget, returns the columns used. */
int
dash_fit_line(const dash *d, const char *s, size_t len, size_t *off,
    size_t *budget, int maxw, wchar_t *out, size_t cap)
{
	size_t n = 0;
	int cols = 0;

	while (*off < len && *budget > 0 && n + 2 < cap) {
		uint32_t cp;
		wchar_t g[GLYPH_ESCAPE_SIZE];
		int ng;
		size_t k = u8_next(s + *off, len - *off, &cp);
		int w = disp_char(d, cp, g, &ng);

		if ((w > 0 && cols + w > maxw) || n + (size_t)ng + 1 >= cap)
			break;
		if (w == 0 && n == 0)
			w = -1;	/* a combining mark with nothing to sit on */
		if (w >= 0) {
			memcpy(out + n, g, (size_t)ng * sizeof *g);
			n += (size_t)ng;
			cols += w;
		}
		*off += k;
		(*budget)--;
	}
	out[n] = L'\0';
	return cols;
}

/* Draw UTF-8 s at (y, x) in at most maxw columns; returns columns used. */
int
dash_put_text(const dash *d, WINDOW *w, int y, int x, int maxw,
    const char *s)
{
	wchar_t buf[512];
	size_t off = 0, budget = SIZE_MAX;
	int cols;

	if (w == NULL || maxw <= 0)
		return 0;
	cols = dash_fit_line(d, s, strlen(s), &off, &budget, MIN(maxw, 500), buf,
	    NELEMS(buf));
	mvwaddnwstr(w, y, x, buf, -1);
	return cols;
}

/* Display columns of UTF-8 s. */
static int
str_cols(const dash *d, const char *s)
{
	size_t len = strlen(s), off = 0;
	int cols = 0;

	while (off < len) {
		uint32_t cp;
		wchar_t g[GLYPH_ESCAPE_SIZE];
		int w, ng;
		off += u8_next(s + off, len - off, &cp);
		w = disp_char(d, cp, g, &ng);
		cols += w > 0 ? w : 0;
	}
	return cols;
}

/* Append part to buf (separated by sep) if the result fits in maxw
 * columns; returns 1 if it was appended. */
static int
add_part(const dash *d, char *buf, size_t size, const char *sep,
    const char *part, int maxw)
{
	size_t n = strlen(buf);
	int cols = str_cols(d, buf) + (n ? str_cols(d, sep) : 0) +
	    str_cols(d, part);

	if (cols > maxw || n + strlen(sep) + strlen(part) + 1 > size)
		return 0;
	snprintf(buf + n, size - n, "%s%s", n ? sep : "", part);
	return 1;
}

void
dash_hline(const dash *d, WINDOW *w, int y, int x, int n)
{
	chart_hline(w, y, x, n, d->utf8);
}

attr_t
dash_pair(const dash *d, int c)
{
	return d->color ? COLOR_PAIR(c) : 0;
}

/* A pane title: "── text ───────". */
void
dash_title_bar(const dash *d, WINDOW *w, int y, int width,
    const char *text)
{
	int x;

	wattr_set(w, A_NORMAL, 0, NULL);
	if (d->color)
		wattron(w, COLOR_PAIR(C_TITLE));
	dash_hline(d, w, y, 0, 2);
	wattron(w, A_BOLD);
	mvwaddstr(w, y, 2, " ");
	x = 3 + dash_put_text(d, w, y, 3, width - 5, text);
	mvwaddstr(w, y, x, " ");
	wattroff(w, A_BOLD);
	dash_hline(d, w, y, x + 1, width - x - 1);
	wattr_set(w, A_NORMAL, 0, NULL);
}

/* ---- layout ----------------------------------------------------------- */

void
dash_del_window(WINDOW **w)
{
	if (*w != NULL)
		delwin(*w);
	*w = NULL;
}

static WINDOW *
win(const plot_rect *r)
{
	WINDOW *w;

	if (r->h <= 0 || r->w <= 0)
		return NULL;
	w = newwin(r->h, r->w, r->y, r->x);
	if (w != NULL) {
		keypad(w, FALSE);
		leaveok(w, TRUE);
	}
	return w;
}

void
dash_layout(dash *d)
{
	WINDOW *old[10] = { d->w_header, d->w_plot[0], d->w_plot[1],
	    d->w_progress, d->w_samples, d->w_otitle, d->w_out, d->w_in,
	    d->w_status, d->w_help };
	size_t i;

	plot_layout_compute(&d->lay, LINES, COLS, d->training);
	d->w_header = d->w_plot[0] = d->w_plot[1] = d->w_progress = NULL;
	d->w_samples = d->w_otitle = d->w_out = d->w_in = NULL;
	d->w_status = d->w_help = NULL;
	if (!d->lay.too_small) {
		plot_rect title = d->lay.output, body = d->lay.output;

		title.h = MIN(title.h, 1);
		body.y++;
		body.h--;
		d->w_header = win(&d->lay.header);
		d->w_plot[0] = win(&d->lay.plot[0]);
		d->w_plot[1] = win(&d->lay.plot[1]);
		d->w_progress = win(&d->lay.progress);
		d->w_samples = win(&d->lay.samples);
		d->w_otitle = win(&title);
		d->w_out = win(&body);
		d->w_in = win(&d->lay.prompt);
		d->w_status = win(&d->lay.status);
		d->w_help = win(&d->lay.help);
		if (d->w_in != NULL)
			leaveok(d->w_in, FALSE);
	}
	prompt_set_windows(d->p, d->w_out, d->w_in);
	for (i = 0; i < NELEMS(old); i++)
		if (old[i] != NULL)
			delwin(old[i]);
	dash_del_window(&d->w_overlay);
	d->dirty = D_ALL;
}

void
dash_resize(dash *d)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && is_term_resized(ws.ws_row, ws.ws_col))
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	dash_layout(d);
}

/* ---- panes ------------------------------------------------------------ */

static void
draw_header(dash *d)
{
	const session_info *in = session_get_info(d->s);
	session_info gi;
	WINDOW *w = d->w_header;
	char buf[1024], part[256], cell[16];
	const char *sep = d->utf8 ? " \xc2\xb7 " : " | ";
	const char *tag;
	int width = d->lay.header.w, maxw, taglen;

	if (w == NULL)
		return;
	if (!d->training) {	/* repl: the model :load gave, if any */
		session_gen_info(d->s, &gi);
		in = &gi;
	}
	if (d->quitting)
		tag = "saving...";
	else if (d->done)
		tag = "done";
	else if (d->paused)
		tag = "PAUSED";
	else if (d->training)
		tag = d->started ? "training" : "starting";
	else
		tag = "";
	taglen = (int)strlen(tag);
	maxw = width - 1 - (taglen ? taglen + 3 : 0);
	snprintf(cell, sizeof(cell), "%s", fmt_cell(in->cell));

	snprintf(buf, sizeof(buf), "burble%s", in->training ? "" : " repl");
	add_part(d, buf, sizeof(buf), sep, in->corpus[0] ? in->corpus :
	    "(model)", maxw);
	snprintf(part, sizeof(part), "%s %d%s%d", cell, in->L,
	    d->utf8 ? "\xc3\x97" : "x", in->H);
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	fmt_count(part, sizeof(part), (double)in->nparams, "params");
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	snprintf(part, sizeof(part), "vocab %d", in->V);
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	snprintf(part, sizeof(part), "%d thread%s", in->threads,
	    in->threads == 1 ? "" : "s");
	add_part(d, buf, sizeof(buf), sep, part, maxw);
	if (in->blas[0])
		add_part(d, buf, sizeof(buf), sep, in->blas, maxw);

	wbkgdset(w, ' ' | A_REVERSE | dash_pair(d, C_HEADER));
	werase(w);
	wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_HEADER : 0, NULL);
	dash_put_text(d, w, 0, 1, width - 1, buf);
	if (taglen && taglen + 2 < width)
		mvwaddstr(w, 0, width - taglen - 1, tag);
	wattr_set(w, A_NORMAL, 0, NULL);
	wnoutrefresh(w);
}

/* The bound that ends the run first, as the bar's label (" epoch 3/30 ",
 * " steps ", " time "), and how far along it is, 0 to 1. */
static double
progress_bound(const event *e, char *left, size_t n)
{
	/* --steps ends the run before the epochs do: the bar follows it. */
	int steps_first = e->total_steps > 0 && e->epochs > 0 &&
	    e->total_steps < (long)e->epochs * (long)e->nbatches;
	double frac;

	if (e->epochs > 0 && !steps_first) {
		long ep = MIN(e->epoch + 1, (long)e->epochs);
		frac = e->nbatches ? (double)e->batch / (double)e->nbatches : 0;
		if (e->epoch >= e->epochs)
			frac = 1;
		snprintf(left, n, " epoch %ld/%d ", ep, e->epochs);
	} else {
		frac = e->total_steps > 0 ? (double)e->step /
		    (double)e->total_steps : 0;
		snprintf(left, n, " steps ");
	}
	if (e->time_limit > 0) {	/* whichever bound ends first */
		frac = MAX(frac, MIN(1.0, e->run_elapsed / e->time_limit));
		if (e->epochs <= 0 || steps_first)
			snprintf(left, n, " time ");
	}
	return frac;
}

static void
draw_progress(dash *d)
{
	WINDOW *w = d->w_progress;
	const session_info *in = session_get_info(d->s);
	const event *e = &d->last;
	char left[96], right[96], line[512], cps[32], el[32], eta[32];
	double frac = 0, remain = NAN;
	int width = d->lay.progress.w, barw, x, filled, k;

	if (w == NULL)
		return;
	werase(w);
	if (!d->have_step) {
		dash_put_text(d, w, 0, 1, width - 2, d->training ?
		    "starting: reading the corpus, building the model..." :
		    "");
		goto out;
	}
	frac = progress_bound(e, left, sizeof left);
	if (e->total_steps > 0)
		snprintf(right, sizeof(right), " %3.0f%%  step %ld/%ld ",
		    frac * 100, e->step, e->total_steps);
	else
		snprintf(right, sizeof(right), " %3.0f%%  step %ld ",
		    frac * 100, e->step);
	fmt_count(cps, sizeof(cps), e->chars_per_s, in->words ? "tokens/s" :
	    "chars/s");
	fmt_duration(el, sizeof(el), e->elapsed);
	if (e->total_steps > 0 && e->step < e->total_steps) {
		double steps_per_s = 0;
		if (e->chars_per_s > 0 && in->B > 0 && in->T > 0)
			steps_per_s = e->chars_per_s / ((double)in->B * in->T);
		else if (e->elapsed > 0)
			steps_per_s = (double)e->step / e->elapsed;
		if (steps_per_s > 0)
			remain = (double)(e->total_steps - e->step) /
			    steps_per_s;
	} else if (e->total_steps > 0)
		remain = 0;
	if (e->time_limit > 0)	/* the budget, or the steps if sooner */
		remain = MIN(isnan(remain) ? INFINITY : remain,
		    MAX(0.0, e->time_limit - e->run_elapsed));
	fmt_duration(eta, sizeof(eta), remain);

	/* Line 1: epoch, bar, percent, step. */
	x = dash_put_text(d, w, 0, 0, width, left);
	barw = width - x - (int)strlen(right);
	if (barw >= 8) {
		wchar_t bar[512];
		barw = MIN(barw, 500);
		filled = (int)lround(frac * barw);
		for (k = 0; k < barw; k++)
			bar[k] = k < filled ? (d->utf8 ? 0x2588 : '#') :
			    (d->utf8 ? 0x2591 : '.');
		wattr_set(w, A_NORMAL, d->color ? C_BAR : 0, NULL);
		mvwaddnwstr(w, 0, x, bar, filled);
		wattr_set(w, A_DIM, 0, NULL);
		mvwaddnwstr(w, 0, x + filled, bar + filled, barw - filled);
		wattr_set(w, A_NORMAL, 0, NULL);
		x += barw;
	}
	dash_put_text(d, w, 0, x, width - x, right);

	/* Line 2: speed, time, lr, best. */
	if (d->lay.progress.h >= 2) {
		int x2 = 1;
		char part[128];
		if (d->paused) {
			wattr_set(w, A_REVERSE | A_BOLD, 0, NULL);
			x2 += dash_put_text(d, w, 1, 1, width - 1, " PAUSED ") + 1;
			wattr_set(w, A_NORMAL, 0, NULL);
		}
		line[0] = '\0';
		add_part(d, line, sizeof(line), "  ", cps, width - x2);
		snprintf(part, sizeof(part), "elapsed %s", el);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		snprintf(part, sizeof(part), "ETA %s", eta);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		snprintf(part, sizeof(part), "lr %.2e", (double)e->lr);
		add_part(d, line, sizeof(line), "  ", part, width - x2);
		if (isfinite(e->best_val)) {
			snprintf(part, sizeof(part), "best val %.4f (%.3f %s) "
			    "at step %ld", (double)e->best_val,
			    e->best_val / M_LN2, in->words ? "bits/token" :
			    "bpc", e->best_step);
			if (!add_part(d, line, sizeof(line), "  ", part,
			    width - x2)) {
				snprintf(part, sizeof(part), "best val %.4f at "
				    "step %ld", (double)e->best_val,
				    e->best_step);
				if (!add_part(d, line, sizeof(line), "  ",
				    part, width - x2)) {
					snprintf(part, sizeof(part),
					    "best %.3f@%ld",
					    (double)e->best_val, e->best_step);
					add_part(d, line, sizeof(line), "  ",
					    part, width - x2);
				}
			}
		}
		dash_put_text(d, w, 1, x2, width - x2, line);
	}
out:
	wnoutrefresh(w);
}

static void
draw_otitle(dash *d)
{
	char set[128], title[192];

	if (d->w_otitle == NULL)
		return;
	werase(d->w_otitle);
	set[0] = '\0';
	prompt_settings_line(d->p, set, sizeof(set));
	snprintf(title, sizeof(title), "prompt%s%s", set[0] ?
	    (d->utf8 ? " \xc2\xb7 " : " | ") : "", set);
	dash_title_bar(d, d->w_otitle, 0, d->lay.output.w, title);
	wnoutrefresh(d->w_otitle);
}

static void
draw_status(dash *d)
{
	WINDOW *w = d->w_status;
	int width = d->lay.status.w;

	if (w == NULL)
		return;
	werase(w);
	if (d->status_error)
		wattr_set(w, A_BOLD, d->color ? C_ERROR : 0, NULL);
	dash_put_text(d, w, 0, 1, width - 2, d->status);
	wattr_set(w, A_NORMAL, 0, NULL);
	wnoutrefresh(w);
}

static void
draw_helpline(dash *d)
{
	WINDOW *w = d->w_help;
	const char *keys[][2] = {
		{ "F1", "Help" }, { "F2", d->paused ? "Resume" : "Pause" },
		{ "F3", "Save" }, { "F4", "Sample" }, { "F5", "Plot" },
		{ "PgUp/Dn", "Samples" }, { "F10", "Quit" },
	};
	size_t i, n = NELEMS(keys);
	int x = 0, width = d->lay.help.w;

	if (w == NULL)
		return;
	werase(w);
	if (!d->training)
		n = 0;
	for (i = 0; i < n; i++) {
		int kl = (int)strlen(keys[i][0]), ll = (int)strlen(keys[i][1]);
		if (x + kl + ll + 1 > width)
			break;
		wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_KEY : 0, NULL);
		mvwaddstr(w, 0, x, keys[i][0]);
		wattr_set(w, A_NORMAL, 0, NULL);
		mvwaddstr(w, 0, x + kl, keys[i][1]);
		x += kl + ll + 1;
	}
	if (!d->training) {
		const char *t[][2] = { { "F1", "Help" }, { "F10", "Quit" },
		    { ":help", " commands" } };
		for (i = 0; i < NELEMS(t); i++) {
			int kl = (int)strlen(t[i][0]);
			int ll = (int)strlen(t[i][1]);
			if (x + kl + ll + 1 > width)
				break;
			wattr_set(w, A_REVERSE | A_BOLD, d->color ? C_KEY : 0,
			    NULL);
			mvwaddstr(w, 0, x, t[i][0]);
			wattr_set(w, A_NORMAL, 0, NULL);
			mvwaddstr(w, 0, x + kl, t[i][1]);
			x += kl + ll + 1;
		}
	}
	wnoutrefresh(w);
}

/* The help overlay; lines starting with '+' only for training sessions. */
static const char *const help_text[] = {
	"burble: keys",
	"",
	"F1, ? (empty line)  this help",
	"+F2                  pause / resume training",
	"+F3                  save a checkpoint now",
	"+F4                  sample at each temperature now",
	"+F5                  plot: loss, accuracy, log scale, last N steps",
	"+Alt-X Alt-A Alt-E   plot: x axis (step, chars, seconds),",
	"+                    compared runs' training curves, smoothing",
	"+PgUp / PgDn         samples of earlier / later epochs",
	"F6 / F7             temperature down / up (also Alt-Down / Alt-Up)",
	"F8 / F9             top-k fewer / more (also Alt-PgDn / Alt-PgUp)",
	"F11 / F12           top-p down / up (also Ctrl-Down / Ctrl-Up)",
	"Alt-S               colour text by the model's surprise",
	"Alt-I               pick the next character (:pick); Esc leaves",
	"Shift-PgUp / PgDn   scroll the prompt's output",
	"Alt-Enter, \\ at end  a newline in the prime",
	"Ctrl-L              redraw the screen",
	"Ctrl-C              stop a continuation, or clear the line;",
	"                    on an empty line, twice: quit",
	"Ctrl-D              quit (on an empty line)",
	"+F10, :quit          quit (training is saved first)",
	"-F10, :quit          quit",
	"",
	"Type text and press Enter: the model continues it.",
	":help lists the commands",
	"(:temp :topk :len :beam :peek :pick :cell :save ...).",
	"",
	"Press any key to close.",
};

static void
draw_overlay(dash *d)
{
	const char *lines[NELEMS(help_text)];
	int n = 0, h, wd = 0, y, x, i;
	size_t k;

	for (k = 0; k < NELEMS(help_text); k++) {
		const char *t = help_text[k];
		if ((t[0] == '+' && !d->training) ||
		    (t[0] == '-' && d->training))
			continue;
		if (t[0] == '+' || t[0] == '-')
			t++;
		lines[n++] = t;
		wd = MAX(wd, (int)strlen(t));
	}
	wd += 4;
	h = MIN(n + 2, LINES);
	wd = MIN(wd, COLS);
	if (d->w_overlay == NULL) {
		y = MAX(0, (LINES - h) / 2);
		x = MAX(0, (COLS - wd) / 2);
		d->w_overlay = newwin(h, wd, y, x);
		if (d->w_overlay == NULL)
			return;
		leaveok(d->w_overlay, TRUE);
	}
	werase(d->w_overlay);
	if (d->utf8)
		wborder_set(d->w_overlay, WACS_VLINE, WACS_VLINE, WACS_HLINE,
		    WACS_HLINE, WACS_ULCORNER, WACS_URCORNER, WACS_LLCORNER,
		    WACS_LRCORNER);
	else
		wborder(d->w_overlay, '|', '|', '-', '-', '+', '+', '+', '+');
	for (i = 0; i < n && i + 1 < h - 1; i++) {
		if (i == 0)
			wattr_set(d->w_overlay, A_BOLD, 0, NULL);
		dash_put_text(d, d->w_overlay, i + 1, 2, wd - 4, lines[i]);
		wattr_set(d->w_overlay, A_NORMAL, 0, NULL);
	}
	touchwin(d->w_overlay);
	wnoutrefresh(d->w_overlay);
}

static void
draw_too_small(dash *d)
{
	char msg[96];
	int n;

	werase(stdscr);
	snprintf(msg, sizeof(msg), "terminal too small (%dx%d, need %dx%d)",
	    COLS, LINES, PLOT_MIN_COLS, PLOT_MIN_ROWS);
	n = (int)strlen(msg);
	if (n > COLS) {
		snprintf(msg, sizeof(msg), "too small");
		n = (int)strlen(msg);
	}
	mvwaddnstr(stdscr, LINES / 2, MAX(0, (COLS - n) / 2), msg, COLS);
	if (LINES > 2 && COLS >= 14)
		mvwaddnstr(stdscr, LINES / 2 + 1, MAX(0, (COLS - 14) / 2),
		    "F10: quit", COLS);
	wnoutrefresh(stdscr);
}

void
dash_draw(dash *d)
{
	unsigned dirty = d->dirty;
	int i;

	d->dirty = 0;
	d->last_draw = now_seconds();
	d->key_frame = 0;
	if (d->lay.too_small) {
		curs_set(0);
		draw_too_small(d);
		doupdate();
		return;
	}
	if (dirty & D_HEADER)
		draw_header(d);
	if (dirty & D_PLOT)
		for (i = 0; i < d->lay.nplots; i++)
			dash_draw_plot(d, i);
	if (dirty & D_PROGRESS)
		draw_progress(d);
	if (dirty & D_SAMPLES)
		dash_draw_samples(d);
	if (dirty & D_STATUS)
		draw_status(d);
	if (dirty & D_HELPLINE)
		draw_helpline(d);
	if ((dirty & D_OTITLE) || prompt_dirty(d->p))
		draw_otitle(d);
	if ((dirty & D_PROMPT) || prompt_dirty(d->p)) {
		if (dirty & D_PROMPT) {
			if (d->w_out != NULL)
				touchwin(d->w_out);
			if (d->w_in != NULL)
				touchwin(d->w_in);
		}
		prompt_draw(d->p);
	}
	if (d->help_shown) {
		curs_set(0);
		draw_overlay(d);
	} else {
		curs_set(1);
		prompt_place_cursor(d->p);
	}
	doupdate();
}

