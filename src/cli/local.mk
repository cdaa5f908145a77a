# src/cli/local.mk - the burble program: dispatch and the subcommands.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

bin_PROGRAMS += burble
burble_CPPFLAGS = $(TUI_CPPFLAGS) -I$(srcdir)/src/cli -DPKGDATADIR='"$(pkgdatadir)"'
burble_CFLAGS = $(TUI_CFLAGS)
burble_SOURCES = \
	src/cli/main.c \
	src/cli/cli.c src/cli/cli.h \
	src/cli/bench.c src/cli/bench.h
burble_LDADD = libburble_tui.a libburble_core.a $(TUI_LIBS) $(CORE_LIBS)
