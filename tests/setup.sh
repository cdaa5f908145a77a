# setup.sh - sourced by every shell test: TAP helpers and the environment.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Provides: $BURBLE (the binary), $CORPORA (the corpora burble ships:
# quillfeather.txt, chastushki.txt, placenames.txt), $SHARED (../shared,
# may be absent: only for checks that need a specific public text),
# $T (a scratch directory removed at exit), ok/not_ok/is/like, skip_all,
# need_shared, need_cmd, kernel_sets, done_testing.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${BURBLE:=$top_builddir/burble}"
: "${SHARED:=$top_srcdir/../shared}"
CORPORA="$top_srcdir/corpora"
export LC_ALL=C.UTF-8 LANG=C.UTF-8
# Leaks inside libraries that burble cannot free (each explained there).
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi
unset NO_COLOR
T=$(mktemp -d "${TMPDIR:-/tmp}/burble-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0

ok() {   # ok CONDITION-STATUS DESCRIPTION  (use: cmd; ok $? "desc")
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"
	else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
is() {   # is GOT EXPECTED DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then echo "ok $_n - $3"
	else echo "not ok $_n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"
		_failed=$((_failed + 1)); fi
}
like() { # like GOT REGEX DESCRIPTION (grep -E)
	_n=$((_n + 1))
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then echo "ok $_n - $3"
	else echo "not ok $_n - $3"; echo "#   got:      '$1'"; echo "#   expected: /$2/"
		_failed=$((_failed + 1)); fi
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
need_shared() { [ -f "$SHARED/corpora/$1" ] || skip_all "../shared/corpora/$1 not present"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip_all "$1 not installed"; }
# The kernel sets this machine runs, best first (burble --kernels NAME:
# options are taken in order, so an unusable set fails before --help).
kernel_sets() {
	for _k in avx512 avx2 neon generic; do
		"$BURBLE" bench --kernels "$_k" --help >/dev/null 2>&1 &&
			echo "$_k"
	done
}
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; exit $?; }
