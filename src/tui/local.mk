# src/tui/local.mk - the terminal views: the dashboard, the plot, the prompt
# and its command table. Talks to the core through the session's messages.
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
	src/tui/plot.c src/tui/plot.h \
	src/tui/dash.c src/tui/dash.h \
	src/tui/prompt.c src/tui/prompt.h \
	src/tui/cmd.c src/tui/cmd.h \
	src/tui/fmt.c src/tui/fmt.h \
	src/tui/sig.c src/tui/sig.h \
	src/tui/headless.c src/tui/headless.h
