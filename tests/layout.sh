#!/bin/sh
# layout.sh - the house rules of src/ (HACKING.md), checked: no file over
# 1,000 lines, no function over 120 lines, nothing under src/core that
# includes curses or readline (the build refuses that too: see
# src/core/poison), and tui and core never include cli headers.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
cd "$top_srcdir/src" || exit 1

long_files=$(wc -l core/*.[ch] tui/*.[ch] cli/*.[ch] | awk '$2 != "total" && $1 > 1000 { print $2 " (" $1 ")" }')
is "$long_files" "" "no file in src/ over 1,000 lines"

# A function starts with its name at the start of a line (the return type
# is on the line before, as everywhere here) and ends at the first "}" at
# the start of a line.
long_fns=$(awk '
	FNR == 1 { name = "" }
	/^[a-z_][a-z_0-9]*\(/ && name == "" { name = $0; sub(/\(.*/, "", name); start = FNR; next }
	/^}/ && name != "" { if (FNR - start + 1 > 120) printf "%s:%s (%d lines) ", FILENAME, name, FNR - start + 1; name = "" }
' core/*.c tui/*.c cli/*.c)
is "$long_fns" "" "no function in src/ over 120 lines"

# The awk above must see functions at all: a rule that matches nothing
# passes everything.
nfns=$(grep -c '^[a-z_][a-z_0-9]*(' core/*.c tui/*.c cli/*.c | awk -F: '{ n += $2 } END { print n }')
[ "$nfns" -gt 300 ]; ok $? "the function rule sees the functions ($nfns)"

bad=$(grep -ln '#include *[<"]\(n\{0,1\}curses\|ncursesw/\|readline/\|term\.h\)' core/*.[ch])
is "$bad" "" "nothing in src/core includes curses or readline"
bad=$(grep -ln '#include *"\(cli\|bench\|train_cmd\)\.h"' core/*.[ch] tui/*.[ch] 2>/dev/null)
is "$bad" "" "core and tui include no header of src/cli"
done_testing
