# src/tui/local.mk - the terminal views: the dashboard, the plot, the prompt
# and its command table. Talks to the core through the session's messages.
#
# dash*.c: the dashboard (dash.c the loop, events and actions; dash_draw.c
# the layout and panes; dash_plot.c, dash_samples.c those panes); plot.c the
# plot's arithmetic; prompt.c readline and the input line, feed.c keyboard
# bytes to readline, cont.c continuations, transcript.c the output pane;
# cmd.c the pure command table, cmd_exec.c what each command does; glyph.c,
# fmt.c, sig.c small helpers both views use. chart.c draws a chart (the
# dashboard's plots, burble plot's), compare.c the runs compared on it with
# their keys and legend, curves.c their arithmetic; plotview.c burble plot.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

TUI_CPPFLAGS = -I$(srcdir)/src/core -I$(srcdir)/src/tui
TUI_CFLAGS = $(CORE_CFLAGS) $(NCURSES_CFLAGS) $(READLINE_CFLAGS)
TUI_LIBS = $(NCURSES_LIBS) $(READLINE_LIBS)

noinst_LIBRARIES += libburble_tui.a
libburble_tui_a_CPPFLAGS = $(TUI_CPPFLAGS)
libburble_tui_a_CFLAGS = $(TUI_CFLAGS)
libburble_tui_a_SOURCES = \
	src/tui/plot.c src/tui/plot.h src/tui/curves.c src/tui/curves.h \
	src/tui/chart.c src/tui/chart.h src/tui/compare.c src/tui/compare.h \
	src/tui/plotview.c src/tui/plotview.h \
	src/tui/dash.c src/tui/dash.h src/tui/dash_priv.h \
	src/tui/dash_draw.c src/tui/dash_plot.c src/tui/dash_samples.c \
	src/tui/prompt.c src/tui/prompt.h src/tui/prompt_priv.h \
	src/tui/feed.c src/tui/cont.c src/tui/pick.c \
	src/tui/transcript.c src/tui/transcript.h \
	src/tui/glyph.c src/tui/glyph.h \
	src/tui/cmd.c src/tui/cmd.h \
	src/tui/cmd_exec.c src/tui/cmd_exec.h \
	src/tui/fmt.c src/tui/fmt.h \
	src/tui/sig.c src/tui/sig.h \
	src/tui/headless.c src/tui/headless.h
