/* headless.c - plain progress lines: the view of a training session
 * without a terminal to draw on.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same events the dashboard draws arrive here and become one line
 * each (a sample is a few); the numbers are formatted by fmt.h, as the
 * dashboard's are, and the signals come through sig.h's pipe.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fmt.h"
#include "headless.h"
#include "sig.h"
#include "util.h"

/* Last: term.h defines macros named after capabilities (lines, columns). */
#include <curses.h>
#include <term.h>

struct view {
	session *s;
	const session_info *in;
	int quiet_steps;	/* a line every 2 s at most */
	double last_line;	/* when the last progress line was printed */
	int interrupted;	/* the first signal, 0 if none yet */
	int out_failed;		/* standard output failed: print no more */
};

static void
print_start(const struct view *v)
{
	const session_info *in = v->in;
	char n1[32];

	fmt_count(n1, sizeof n1, (double)in->nparams, "");
	if (in->plan[0] != '\0')	/* the size chosen for --time */
		printf("burble: %s\n", in->plan);
	printf("burble: training %s %dx%d (%s params) on %s: %zu train / %zu "
	    "val %s, vocabulary %d, batch %d x %d, rate %.3g (%s), %zu steps "
	    "per epoch, %d BLAS thread%s (%s)\n", fmt_cell(in->cell), in->L,
	    in->H, n1, in->corpus, in->ntrain, in->nval, in->words ? "tokens" :
	    "characters", in->V, in->B, in->T, (double)in->set.opt.lr,
	    train_schedule_name(in->set.schedule), in->nbatches, in->threads,
	    in->threads == 1 ? "" : "s", in->blas);
}

static void
print_step(struct view *v, const event *e)
{
	char el[32], eta[32], ep[32];
	double now = now_seconds();

	if (v->quiet_steps && now - v->last_line < 2.0 && e->batch != 0)
		return;
	v->last_line = now;
	fmt_duration(el, sizeof el, e->elapsed);
	double left = e->total_steps > 0 && e->chars_per_s > 0 ?
	    (double)(e->total_steps - e->step) * v->in->B * v->in->T /
	    e->chars_per_s : NAN;
	if (e->time_limit > 0) {	/* the budget, or the steps if sooner */
		double t = MAX(0.0, e->time_limit - e->run_elapsed);
		left = isnan(left) ? t : MIN(left, t);
	}
	fmt_duration(eta, sizeof eta, left);
	if (e->epochs > 0)
		snprintf(ep, sizeof ep, "%ld/%d",
		    MIN(e->epoch + 1, (long)e->epochs), e->epochs);
	else
		snprintf(ep, sizeof ep, "%ld", e->epoch + 1);
	printf("epoch %s step %ld", ep, e->step);
	if (e->total_steps > 0)
		printf("/%ld", e->total_steps);
	printf(" batch %zu/%zu loss %.4f acc %.1f%% lr %.2e %.0f %s/s "
	    "elapsed %s ETA %s\n", e->batch, e->nbatches, (double)e->loss,
	    100 * (double)e->acc, (double)e->lr, e->chars_per_s,
	    v->in->words ? "tokens" : "chars", el, eta);
}

/* The last line: the file the output template last became. */
static void
print_done(const event *e)
{
	const char *where = e->save_failed ? "the last save failed" :
	    e->path != NULL ? "saved " : "saved nothing";

	if (isfinite(e->best_val))
		printf("done (%s): best val loss %.4f at step %ld; ", e->text,
		    (double)e->best_val, e->best_step);
	else
		printf("done (%s) at step %ld; ", e->text, e->step);
	printf("%s%s\n", where, e->save_failed || e->path == NULL ? "" :
	    e->path);
}

/* The exit status the last event says. */
static int
done_status(const struct view *v, const event *e)
{
	return strncmp(e->text, "training diverged", 17) == 0 ||
	    e->save_failed || e->metrics_failed || v->out_failed ? 1 : 0;
}

/* A sample, its controls and bidirectional characters escaped. */
static void
print_sample(const event *e)
{
	char *text = escape_text(e->text, strlen(e->text));

	printf("sample T=%.1f:\n%s\n\n", (double)e->temp, text);
	free(text);
}

static void
print_event(struct view *v, const event *e)
{
	switch (e->type) {
	case EV_START:
		print_start(v);
		break;
	case EV_HISTORY:
		printf("resumed at step %ld, epoch %ld (%zu history points)\n",
		    e->step, e->epoch, e->nhist);
		break;
	case EV_STEP:
		print_step(v, e);
		break;
	case EV_EVAL:
		printf("val epoch %ld step %ld loss %.4f %s %.4f acc "
		    "%.1f%%%s\n", e->epoch, e->step, (double)e->loss,
		    v->in->words ? "bits/token" : "bpc",
		    (double)e->loss / M_LN2, 100 * (double)e->acc,
		    e->best_step == e->step ? " (best)" : "");
		break;
	case EV_SAMPLE:
		print_sample(e);
		break;
	case EV_STATUS:
		fprintf(stderr, "burble: note: %s\n", e->text);
		break;
	case EV_ERROR:
		fprintf(stderr, "burble: error: %s\n", e->text);
		break;
	case EV_SAVED:
		printf("saved %s\n", e->text);
		break;
	}
}

/* Standard output failed (a full disk, a closed pipe): say so once, print
 * no more, save and stop. */
static void
check_output(struct view *v)
{
	if (v->out_failed || (fflush(stdout) == 0 && !ferror(stdout)))
		return;
	v->out_failed = 1;
	fprintf(stderr, "burble: standard output: write error; saving and "
	    "stopping\n");
	if (!v->interrupted)
		session_quit(v->s);
}

/* The first signal saves and stops; a second one leaves at once. */
static void
take_signals(struct view *v)
{
	int sig;

	while ((sig = sig_next()) != 0) {
		if (v->interrupted) {
			fprintf(stderr, "burble: %s again, exiting\n",
			    sig_verb(sig));
			_exit(128 + sig);
		}
		v->interrupted = sig;
		fprintf(stderr, "burble: %s: saving and stopping (again to "
		    "exit at once)\n", sig_verb(sig));
		session_quit(v->s);
	}
}

int
headless_run(session *s, int sig_fd, int quiet_steps)
{
	struct view v = { .s = s, .in = session_get_info(s),
	    .quiet_steps = quiet_steps, .last_line = -1e9 };
	struct pollfd pfd[2] = {
		{ .fd = session_event_fd(s), .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};

	for (;;) {
		take_signals(&v);
		event *e = session_next_event(s);
		if (e == NULL) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return 1;
			continue;
		}
		if (e->type == EV_DONE) {
			if (!v.out_failed)
				print_done(e);
			check_output(&v);
			int status = done_status(&v, e);
			event_free(e);
			return status;
		}
		if (!v.out_failed || e->type == EV_STATUS ||
		    e->type == EV_ERROR)
			print_event(&v, e);
		event_free(e);
		check_output(&v);
	}
}

int
headless_needed(char *why, size_t size)
{
	const char *term = getenv("TERM");
	int err = 0;

	if (term == NULL || term[0] == '\0') {
		snprintf(why, size, "TERM is not set");
		return 1;
	}
	if (strcmp(term, "dumb") == 0) {
		snprintf(why, size, "TERM=dumb cannot show the dashboard");
		return 1;
	}
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, size, "TERM=%s is not a terminal terminfo knows",
		    term);
		return 1;
	}
	const char *cup = tigetstr("cup");
	int hardcopy = tigetflag("hc") > 0, generic = tigetflag("gn") > 0;
	int cannot = cup == NULL || cup == (char *)-1 || hardcopy || generic;
	del_curterm(cur_term);
	if (cannot)
		snprintf(why, size, "TERM=%s has no cursor addressing", term);
	return cannot;
}
