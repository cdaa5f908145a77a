/* dash.c - the full-screen training dashboard (ncursesw).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread (this one) owns the terminal. The loop poll()s the keyboard,
 * the session's event pipe and a signal self-pipe; it drains every event,
 * updates its copy of the metrics (the series in plot.c) and marks panes
 * dirty; it redraws the dirty panes at most FRAME_HZ times a second (at once
 * after a key), each with wnoutrefresh, then one doupdate(). Nothing here
 * blocks except poll(): the trainer and the generator are the session's
 * threads, reached only through session_* calls.
 *
 * Keyboard bytes go to the prompt untouched (readline decodes escape
 * sequences; no keypad()), and the prompt calls back dash_action() for the
 * dashboard's keys.
 *
 * Signals arrive as bytes on sig.c's pipe. The one global, curses_up,
 * lets an atexit() handler restore the terminal if anything exits the
 * process while the screen is up.
 *
 * This file is the loop, the events, the actions and the terminal; the
 * panes are drawn by dash_draw.c, dash_plot.c and dash_samples.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "dash_priv.h"
#include "sig.h"

static volatile sig_atomic_t curses_up;

/* ---- the terminal ---------------------------------------------------- */

/* Bracketed paste on or off: pasted text arrives between ESC [ 200 ~ and
 * ESC [ 201 ~, so that the prompt takes a pasted paragraph as one prime
 * (feed.c). Terminals that do not know the mode ignore it. write(2):
 * also from the second-signal exit. */
static void
term_paste(int on)
{
	const char *s = on ? "\033[?2004h" : "\033[?2004l";
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));

	(void)r;
}

/* Leave the full screen: the terminal as it was. */
static void
term_leave(void)
{
	term_paste(0);
	endwin();
	curses_up = 0;
}

static void
restore_at_exit(void)
{
	if (curses_up && !isendwin())
		term_leave();
}

/* ---- status ----------------------------------------------------------- */

void
dash_set_status(dash *d, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof(d->status), fmt, ap);
	va_end(ap);
	d->status_error = error;
	d->dirty |= D_STATUS;
}

/* ---- events ----------------------------------------------------------- */

static void
take_progress(dash *d, const event *e)
{
	d->last.step = e->step;
	d->last.total_steps = e->total_steps;
	d->last.epoch = e->epoch;
	d->last.epochs = e->epochs;
	d->last.batch = e->batch;
	d->last.nbatches = e->nbatches;
	d->last.lr = e->lr;
	d->last.elapsed = e->elapsed;
	d->last.time_limit = e->time_limit;
	d->last.run_elapsed = e->run_elapsed;
	d->last.best_val = e->best_val;
	d->last.best_step = e->best_step;
	d->have_step = 1;
	d->dirty |= D_PROGRESS;
}

/* The training curve is the mean loss of each report (all the steps since
 * the previous one), averaged again per column when the points outnumber
 * the columns: smoothed without the lag of a running average. */
static void
push_train(dash *d, double x, float loss, float acc)
{
	plot_series_append(&d->tr_loss, x, loss);
	plot_series_append(&d->tr_acc, x, acc * 100);
}

/* A point of this run's history, for the comparison's curves. */
static void
push_own(dash *d, const event *e, float train_loss, float train_acc,
    float val_loss, float val_acc)
{
	hist_point h = {
		.step = e->step, .train_loss = train_loss,
		.train_acc = train_acc, .val_loss = val_loss,
		.val_acc = val_acc, .lr = e->lr, .elapsed = e->elapsed,
		.epoch = (double)e->epoch + (double)e->batch /
		    (double)MAX(e->nbatches, 1),
	};

	curve_run_push(&d->own, &h);
	d->cmp.stale = 1;
}

static void
take_history(dash *d, const event *e)
{
	size_t i;

	plot_series_clear(&d->tr_loss);
	plot_series_clear(&d->va_loss);
	plot_series_clear(&d->tr_acc);
	plot_series_clear(&d->va_acc);
	d->own.nhist = 0;
	d->cmp.stale = 1;
	for (i = 0; i < e->nhist; i++) {
		const hist_point *h = &e->hist[i];
		curve_run_push(&d->own, h);
		push_train(d, (double)h->step, h->train_loss, h->train_acc);
		if (isfinite(h->val_loss)) {
			plot_series_append(&d->va_loss, (double)h->step,
			    h->val_loss);
			plot_series_append(&d->va_acc, (double)h->step,
			    h->val_acc * 100);
			d->val_loss = h->val_loss;
			d->val_acc = h->val_acc;
		}
		if (isfinite(h->train_loss)) {
			d->last_loss = h->train_loss;
			d->last_acc = h->train_acc;
		}
	}
	d->dirty |= D_PLOT | D_ALL;
}

static void
dash_event(dash *d, event *e)
{
	switch (e->type) {
	case EV_GEN:
	case EV_GEN_END:
	case EV_PEEK:
		prompt_handle_event(d->p, e);
		break;
	case EV_ERROR:
		if (!prompt_handle_event(d->p, e))
			dash_set_status(d, 1, "error: %s", e->text ? e->text : "?");
		break;
	case EV_START: {
		const char *plan = session_get_info(d->s)->plan;
		d->started = 1;
		d->dirty |= D_HEADER | D_PLOT | D_PROGRESS;
		if (plan[0] != '\0')	/* --time's size */
			dash_set_status(d, 0, "%s", plan);
		break;
	}
	case EV_HISTORY:
		take_history(d, e);
		take_progress(d, e);
		break;
	case EV_STEP:
		take_progress(d, e);
		d->last.chars_per_s = e->chars_per_s;
		d->last_loss = e->loss;
		d->last_acc = e->acc;
		push_train(d, (double)e->step, e->loss, e->acc);
		push_own(d, e, e->loss, e->acc, NAN, NAN);
		d->dirty |= D_PLOT;
		break;
	case EV_EVAL:
		take_progress(d, e);
		d->val_loss = e->loss;
		d->val_acc = e->acc;
		plot_series_append(&d->va_loss, (double)e->step, e->loss);
		plot_series_append(&d->va_acc, (double)e->step, e->acc * 100);
		push_own(d, e, NAN, NAN, e->loss, e->acc);
		d->dirty |= D_PLOT;
		break;
	case EV_SAMPLE:
		dash_take_sample(d, e);
		break;
	case EV_STATUS:
		dash_set_status(d, 0, "%s", e->text ? e->text : "");
		d->dirty |= D_HEADER;	/* "loaded X": another model */
		break;
	case EV_SAVED:
		snprintf(d->saved, sizeof(d->saved), "%s",
		    e->text ? e->text : "");
		dash_set_status(d, 0, "saved %s", d->saved);
		break;
	case EV_PAUSED:
		d->paused = d->pause_want = e->paused;
		dash_set_status(d, 0, "%s", e->paused ? "paused (F2 resumes)" :
		    "resumed");
		d->dirty |= D_HEADER | D_PROGRESS | D_HELPLINE;
		break;
	case EV_DONE:
		if (d->training && d->have_step && e->step > 0)
			take_progress(d, e);
		if (!d->done)
			snprintf(d->done_reason, sizeof(d->done_reason), "%s",
			    e->text ? e->text : "done");
		d->done = 1;
		d->save_failed = e->save_failed;
		d->metrics_failed = e->metrics_failed;
		if (e->path != NULL)
			snprintf(d->saved, sizeof d->saved, "%s", e->path);
		d->paused = 0;
		if (d->quitting)
			d->exit_now = 1;
		else if (d->training)
			dash_set_status(d, 0, "training %s; the prompt stays until "
			    "you quit (F10)", d->done_reason);
		d->dirty |= D_HEADER | D_PROGRESS | D_HELPLINE;
		break;
	}
}

static int
drain_events(dash *d)
{
	event *e;
	int n;

	for (n = 0; n < EVENTS_PER_TICK; n++) {
		e = session_next_event(d->s);
		if (e == NULL)
			return 0;
		dash_event(d, e);
		event_free(e);
	}
	return 1;	/* more may be waiting */
}

/* ---- actions ---------------------------------------------------------- */

static void
request_quit(dash *d)
{
	if (d->quitting) {
		/* Asked twice: leave without waiting for the save. */
		d->exit_now = 1;
		return;
	}
	if (!d->training || d->done) {
		d->exit_now = 1;
		return;
	}
	session_quit(d->s);
	d->quitting = 1;
	dash_set_status(d, 0, "saving... (quit again to leave at once)");
	d->dirty |= D_HEADER;
}

static void
dash_action(int action, void *ud)
{
	dash *d = ud;

	switch (action) {
	case PA_QUIT:
		request_quit(d);
		break;
	case PA_HELP:
		d->help_shown = !d->help_shown;
		d->dirty |= d->help_shown ? D_OVERLAY : D_ALL;
		if (!d->help_shown)
			dash_del_window(&d->w_overlay);
		break;
	case PA_PAUSE:
		if (!d->training || d->done || d->quitting)
			break;
		d->pause_want = !d->pause_want;
		session_pause(d->s, d->pause_want);
		dash_set_status(d, 0, "%s", d->pause_want ? "pausing..." :
		    "resuming...");
		break;
	case PA_SAVE:
		if (!d->training)
			break;
		session_save(d->s, NULL);
		dash_set_status(d, 0, "saving...");
		break;
	case PA_SAMPLE:
		if (!d->training)
			break;
		session_sample_now(d->s);
		dash_set_status(d, 0, "sampling...");
		break;
	case PA_PLOT:
		d->view = (d->view + 1) % NVIEWS;
		d->dirty |= D_PLOT;
		break;
	case PA_XAXIS:
	case PA_CURVES:
	case PA_SMOOTH:
		cmp_view_key(&d->cmp, action == PA_XAXIS ? CMP_KEY_XAXIS :
		    action == PA_CURVES ? CMP_KEY_ALL : CMP_KEY_SMOOTH);
		d->dirty |= D_PLOT;
		break;
	case PA_SCROLL_UP:
		if (d->scroll + 1 < d->ngroups) {
			d->scroll++;
			d->dirty |= D_SAMPLES;
		}
		break;
	case PA_SCROLL_DOWN:
		if (d->scroll > 0) {
			d->scroll--;
			d->dirty |= D_SAMPLES;
		}
		break;
	case PA_REDRAW:
		clearok(curscr, TRUE);
		d->dirty = D_ALL;
		break;
	}
}

/* Bytes of the first key in buf: an escape sequence (ESC [ ... final,
 * ESC O x, ESC x), a UTF-8 character or one byte. */
static size_t
first_key_len(const unsigned char *buf, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if (buf[0] == 0x1b) {
		if (n >= 3 && buf[1] == 'O')
			return 3;
		if (n >= 2 && buf[1] == '[') {
			for (i = 2; i < n; i++)
				if (buf[i] >= 0x40 && buf[i] <= 0x7e)
					return i + 1;
			return n;
		}
		return n >= 2 ? 2 : 1;
	}
	if (buf[0] >= 0xc0) {
		for (i = 1; i < n && (buf[i] & 0xc0) == 0x80; i++)
			;
		return i;
	}
	return 1;
}

static void
read_keys(dash *d)
{
	unsigned char buf[256];
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		/* The terminal is gone: quit (saving). */
		request_quit(d);
		if (d->quitting)
			d->sig_quit = SIGHUP;
		return;
	}
	if (n < 0)
		return;
	d->key_frame = 1;
	i = 0;
	if (d->help_shown) {
		/* Any key closes the overlay, and goes no further. */
		d->help_shown = 0;
		dash_del_window(&d->w_overlay);
		d->dirty = D_ALL;
		i = (ssize_t)first_key_len(buf, (size_t)n);
	}
	for (; i < n && !d->exit_now; i++)
		prompt_feed(d->p, buf[i]);
}

static void
read_signals(dash *d)
{
	int sig;

	while ((sig = sig_next()) != 0) {
		if (sig == SIGWINCH || sig == SIGCONT) {
			dash_resize(d);
			continue;
		}
		if (d->sig_quit != 0 || d->quitting) {
			/* The second one: leave at once. */
			if (curses_up)
				term_leave();
			_exit(128 + sig);
		}
		d->sig_quit = sig;
		request_quit(d);
	}
}

/* ---- setup ------------------------------------------------------------ */

static void
dash_free_data(dash *d)
{
	plot_series_free(&d->tr_loss);
	plot_series_free(&d->va_loss);
	plot_series_free(&d->tr_acc);
	plot_series_free(&d->va_acc);
	cmp_view_free(&d->cmp);
	curve_run_free(&d->own);
	dash_samples_free(d);
}

static void
print_summary(const dash *d, FILE *out)
{
	const session_info *in = session_get_info(d->s);
	const char *path = d->saved[0] ? d->saved : in->output;

	if (out == NULL || !d->training)
		return;
	if (isfinite(d->last.best_val) && d->have_step)
		fprintf(out, "best val loss %.4f (%.4f %s) at step %ld",
		    (double)d->last.best_val, d->last.best_val / M_LN2,
		    in->words ? "bits/token" : "bpc", d->last.best_step);
	else if (d->have_step)
		fprintf(out, "no validation loss yet (step %ld)", d->last.step);
	else
		fprintf(out, "training had not started");
	if (d->save_failed && d->saved[0])
		fprintf(out, "; the last save failed; the last written: %s\n",
		    d->saved);
	else if (d->save_failed)
		fprintf(out, "; the last save failed\n");
	else if (d->saved[0])
		fprintf(out, "; saved %s\n", path);
	else if (path[0])
		fprintf(out, "; checkpoint %s\n", path);
	else
		fprintf(out, "\n");
	fflush(out);
}

/* This run as the comparison's first: named after its checkpoint. */
static void
own_run_init(dash *d)
{
	const session_info *in = session_get_info(d->s);
	const char *base = strrchr(in->output, '/');
	curve_run *runs[CHART_MAX_RUNS] = { &d->own };
	int n = 1;

	snprintf(d->own.name, sizeof(d->own.name), "%.*s",
	    (int)sizeof(d->own.name) - 1, base != NULL ? base + 1 :
	    in->output[0] ? in->output : "this run");
	d->own.mc = in->mc;
	d->own.set = in->set;
	for (int i = 0; i < d->o->ncompare && n < CHART_MAX_RUNS; i++)
		runs[n++] = d->o->compare[i];
	cmp_view_init(&d->cmp, runs, n, 1);
}

static void
dash_init(dash *d, session *s, const dash_options *o)
{
	const char *cs;

	memset(d, 0, sizeof(*d));
	d->s = s;
	d->o = o;
	d->training = session_get_info(s)->training;
	d->last.best_val = INFINITY;
	d->val_loss = d->val_acc = NAN;
	d->last_loss = d->last_acc = NAN;
	plot_series_init(&d->tr_loss, 0);
	plot_series_init(&d->va_loss, 0);
	plot_series_init(&d->tr_acc, 0);
	plot_series_init(&d->va_acc, 0);
	own_run_init(d);
	cs = nl_langinfo(CODESET);
	d->utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

/* The full screen: 0, or -1 (said on stderr) if curses cannot drive the
 * terminal. */
static int
term_enter(dash *d)
{
	static int atexit_done;

	d->scr = newterm(NULL, stdout, stdin);
	if (d->scr == NULL) {
		fprintf(stderr, "burble: cannot use the terminal (TERM=%s); "
		    "try --headless\n", getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	curses_up = 1;
	if (!atexit_done) {
		atexit(restore_at_exit);
		atexit_done = 1;
	}
	raw();			/* prompt.h: Ctrl-C is a byte for the prompt */
	noecho();
	nonl();
	keypad(stdscr, FALSE);
	intrflush(stdscr, FALSE);
	typeahead(-1);
	d->color = chart_colors_init(d->o->no_color);
	fflush(stdout);
	term_paste(1);
	return 0;
}

/* Until the user quits: 0, or 1 if poll() failed. */
static int
dash_loop(dash *d, int sig_fd)
{
	struct pollfd pfd[3];

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = session_event_fd(d->s);
	pfd[1].events = POLLIN;
	pfd[2].fd = sig_fd;
	pfd[2].events = POLLIN;

	while (!d->exit_now) {
		double now = now_seconds(), next = -1, wait;
		int timeout = -1, more, anim;

		anim = dash_samples_animating(d);
		if (anim)
			d->dirty |= D_SAMPLES;
		if (d->dirty || prompt_dirty(d->p)) {
			next = d->key_frame ? now :
			    d->last_draw + 1.0 / FRAME_HZ;
			if (next <= now) {
				dash_draw(d);
				continue;
			}
			timeout = (int)((next - now) * 1000) + 1;
		}
		if ((wait = prompt_deadline(d->p)) > 0) {
			/* a lone Esc, an unterminated paste */
			int t = (int)(MAX(wait - now, 0) * 1000) + 1;
			timeout = timeout < 0 ? t : MIN(timeout, t);
		}
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[2].revents & POLLIN)
			read_signals(d);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			read_keys(d);
		if (d->exit_now)
			break;
		prompt_tick(d->p, now_seconds());
		do
			more = drain_events(d);
		while (more && !d->exit_now && now_seconds() - now < 0.05);
	}
	return 0;
}

int
dash_run(session *s, const dash_options *o, FILE *summary)
{
	int sig_fd, status;
	char *cause = NULL;
	dash d;

	dash_init(&d, s, o);
	/* Our SIGWINCH handler goes in before newterm(), so ncurses leaves
	 * the signal to us (it installs its own only over SIG_DFL). */
	sig_fd = sig_catch(SIG_RESIZE, &cause);
	if (sig_fd < 0) {
		fprintf(stderr, "burble: %s\n", cause);
		free(cause);
		dash_free_data(&d);
		return 1;
	}
	if (term_enter(&d) != 0) {
		sig_release();
		dash_free_data(&d);
		return 1;
	}

	d.p = prompt_create(s, o->history_path);
	prompt_set_action_handler(d.p, dash_action, &d);
	dash_set_status(&d, 0, "%s", d.training ? "starting..." :
	    "type text and press Enter; F1 for help");
	dash_layout(&d);
	status = dash_loop(&d, sig_fd);

	if (d.sig_quit)
		status = 128 + d.sig_quit;
	else if (status == 0 && (d.save_failed || d.metrics_failed))
		status = 1;
	prompt_free(d.p);
	d.p = NULL;
	{
		WINDOW **all[] = { &d.w_header, &d.w_plot[0], &d.w_plot[1],
		    &d.w_progress, &d.w_samples, &d.w_otitle, &d.w_out,
		    &d.w_in, &d.w_status, &d.w_help, &d.w_overlay };
		size_t i;
		for (i = 0; i < NELEMS(all); i++)
			dash_del_window(all[i]);
	}
	term_leave();
	delscreen(d.scr);
	sig_release();
	print_summary(&d, summary);
	dash_free_data(&d);
	return status;
}
