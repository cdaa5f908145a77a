# src/cli/local.mk - the burble program: dispatch and the subcommands, one
# file each (cli_train.c, ...), and what they share (cli.c, cli_sampling.c).
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

bin_PROGRAMS += burble
burble_CPPFLAGS = $(TUI_CPPFLAGS) -I$(srcdir)/src/cli -DPKGDATADIR='"$(pkgdatadir)"'
burble_CFLAGS = $(TUI_CFLAGS)
burble_SOURCES = \
	src/cli/main.c \
	src/cli/cli.c src/cli/cli.h \
	src/cli/cli_sampling.c src/cli/cli_sampling.h \
	src/cli/cli_lines.c src/cli/cli_lines.h \
	src/cli/cli_train.c \
	src/cli/cli_sample.c \
	src/cli/cli_repl.c \
	src/cli/cli_eval.c \
	src/cli/cli_info.c \
	src/cli/cli_plot.c \
	src/cli/cli_bench.c
burble_LDADD = libburble_tui.a libburble_core.a $(TUI_LIBS) $(CORE_LIBS)
