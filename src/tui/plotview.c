/* plotview.c - `burble plot`: finished runs on one full-screen chart.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chart is chart.c's, the runs' curves, keys and legend compare.c's:
 * the same as the dashboard's with --compare. The loop polls the terminal
 * and sig.c's pipe, so that SIGWINCH redraws and SIGTERM restores the
 * terminal before leaving.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>

#include "compare.h"
#include "plotview.h"
#include "sig.h"
#include "util.h"

typedef struct {
	cmp_view v;
	int utf8, color;
	int quit;		/* 1: q; 128 + n: signal n */
} plotview;

static void
draw_title(const plotview *p, int cols)
{
	char title[160];

	cmp_view_title(&p->v, title, sizeof(title));
	attrset(p->color ? COLOR_PAIR(C_TITLE) : A_NORMAL);
	chart_hline(stdscr, 0, 0, cols, p->utf8);
	attron(A_BOLD);
	mvprintw(0, 2, " %.*s ", MAX(0, cols - 6), title);
	attrset(A_NORMAL);
}

static void
draw_keys(const plotview *p, int y, int cols)
{
	static const char *const keys[][2] = {
		{ "x", "x axis" }, { "a", "all curves" }, { "e", "smooth" },
		{ "q", "quit" },
	};
	int x = 0;

	for (size_t i = 0; i < NELEMS(keys); i++) {
		int kl = (int)strlen(keys[i][0]), ll = (int)strlen(keys[i][1]);
		if (x + kl + ll + 2 > cols)
			break;
		attrset(A_REVERSE | A_BOLD |
		    (p->color ? COLOR_PAIR(C_KEY) : 0));
		mvaddstr(y, x, keys[i][0]);
		attrset(A_NORMAL);
		mvaddstr(y, x + kl + 1, keys[i][1]);
		x += kl + ll + 3;
	}
}

static void
plotview_draw(plotview *p)
{
	chart_curve c[2 * CHART_MAX_RUNS];
	/* Without colour, a glyph a cell: each run its own pattern. */
	int braille = p->utf8 && p->color;
	chart_style st = { .utf8 = p->utf8, .braille = braille,
	    .color = p->color };
	int rows = LINES, cols = COLS, h = rows - p->v.n - 1, n;

	erase();
	if (h < 5 || cols < 24) {
		mvaddnstr(0, 0, "burble plot: the terminal is too small", cols);
		refresh();
		return;
	}
	draw_title(p, cols);
	cmp_view_update(&p->v, 0);
	n = cmp_view_curves(&p->v, c, braille, p->color);
	st.xname = curve_x_name(p->v.xaxis);
	if (!chart_draw(stdscr, h, cols, c, n, &st))
		mvaddstr(h / 2, 2, "nothing to plot");
	cmp_view_legend(&p->v, stdscr, h, 1, cols - 2, braille, p->color);
	draw_keys(p, rows - 1, cols);
	refresh();
}

static void
plotview_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && is_term_resized(ws.ws_row, ws.ws_col))
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* The keys waiting; Esc is passed over, so Alt-X is x as in the
 * dashboard. */
static void
plotview_keys(plotview *p)
{
	int ch;

	while ((ch = getch()) != ERR) {
		if (ch == 'q' || ch == 'Q' || ch == 3 || ch == 4 ||
		    ch == KEY_F(10)) {
			p->quit = 1;
			return;
		}
		if (ch == 12)		/* Ctrl-L */
			clearok(curscr, TRUE);
		else if (ch == KEY_RESIZE)
			plotview_resize();
		else if (ch > 0 && ch < 128)
			cmp_view_key(&p->v, ch | 0x20);
	}
}

static void
plotview_signals(plotview *p)
{
	int sig;

	while ((sig = sig_next()) != 0) {
		if (sig == SIGWINCH || sig == SIGCONT)
			plotview_resize();
		else
			p->quit = 128 + sig;
	}
}

static int
plotview_loop(plotview *p, int sig_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};

	while (!p->quit) {
		plotview_draw(p);
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[1].revents)
			plotview_signals(p);
		if (pfd[0].revents & (POLLHUP | POLLERR))
			p->quit = 1;
		else if (pfd[0].revents)
			plotview_keys(p);
	}
	return p->quit > 1 ? p->quit : 0;
}

int
plotview_run(curve_run *const *runs, int n, int no_color)
{
	plotview p;
	const char *cs = nl_langinfo(CODESET);
	char *cause = NULL;
	SCREEN *scr;
	int sig_fd, status;

	memset(&p, 0, sizeof(p));
	p.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	if ((sig_fd = sig_catch(SIG_RESIZE, &cause)) < 0) {
		fprintf(stderr, "burble: %s\n", cause);
		free(cause);
		return 1;
	}
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		sig_release();
		fprintf(stderr, "burble: cannot use the terminal (TERM=%s)\n",
		    getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	p.color = chart_colors_init(no_color);
	cmp_view_init(&p.v, runs, n, 0);
	status = plotview_loop(&p, sig_fd);
	cmp_view_free(&p.v);
	erase();		/* a terminal without an alternate screen */
	refresh();
	endwin();
	delscreen(scr);
	sig_release();
	return status;
}
