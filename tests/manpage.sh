#!/bin/sh
# manpage.sh - every long option that `burble --help` and `burble CMD --help`
# print is documented in man/burble.1, and every option the man page
# documents under COMMANDS and TEXT OPTIONS is printed by some --help.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/setup.sh"

MAN=$top_srcdir/man/burble.1
[ -f "$MAN" ] || skip_all "man/burble.1 not found"
[ -x "$BURBLE" ] || skip_all "burble is not built ($BURBLE)"

# Long options of a --help text: every --name on an option line, that is a
# line whose first non-blank character is '-' (GNU style:
# "  -o, --output FILE   ..."; also "--prime TEXT | --prime-file FILE").
help_opts() {
	grep -E '^[[:space:]]*-' |
	grep -oE -- '--[a-z][a-z0-9-]*' |
	sort -u
}

# Long options in man page source: \-\- and -- both count.
man_opts() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' |
	grep -oE -- '--[a-z][a-z0-9-]*' |
	sort -u
}

man_all=$T/man.all
man_opts <"$MAN" >"$man_all"

# The COMMANDS and TEXT OPTIONS sections only (from ".SH COMMANDS" to the
# first .SH after TEXT OPTIONS).
man_doc=$T/man.doc
awk '
	/^\.SH/ { insec = ($0 ~ /COMMANDS/ || $0 ~ /TEXT OPTIONS/) }
	insec
' "$MAN" | man_opts >"$man_doc"
[ -s "$man_doc" ] || { echo "# no options found in COMMANDS/TEXT OPTIONS"; }

all_help=$T/help.all
: >"$all_help"

check_help() { # check_help NAME [CMD]
	name=$1; shift
	out=$T/help.$name
	if ! "$BURBLE" "$@" --help >"$out" 2>"$T/err.$name"; then
		ok 1 "burble $* --help exits 0 (man page check for $name)"
		sed 's/^/#   /' "$T/err.$name"
		return
	fi
	help_opts <"$out" >"$out.opts"
	cat "$out.opts" >>"$all_help"
	if [ ! -s "$out.opts" ]; then
		ok 1 "$name: --help lists options"
		return
	fi
	missing=$(comm -23 "$out.opts" "$man_all")
	if [ -z "$missing" ]; then
		ok 0 "$name: every option of --help is in man/burble.1"
	else
		ok 1 "$name: every option of --help is in man/burble.1"
		for o in $missing; do echo "#   not in the man page: $o"; done
	fi
}

check_help burble
for cmd in train sample repl eval info plot bench; do
	check_help "$cmd" "$cmd"
done

sort -u "$all_help" -o "$all_help"
missing=$(comm -23 "$man_doc" "$all_help")
if [ -z "$missing" ] && [ -s "$man_doc" ]; then
	ok 0 "every option documented in the man page is in some --help"
else
	ok 1 "every option documented in the man page is in some --help"
	for o in $missing; do echo "#   not in any --help: $o"; done
fi

done_testing
