#!/bin/sh
# cross-arm64.sh [BUILDDIR] - cross-build the core's tests for ARM64
# (aarch64, the NEON kernels) and run them under qemu-user: test_model,
# test_gradcheck, test_kernels, test_sampler. Correctness only: speed on
# ARM cannot be measured under an emulator.
#
# Needs, on Debian or Ubuntu (as root):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install gcc-aarch64-linux-gnu qemu-user libc6-dev:arm64 \
#       libopenblas-dev:arm64 libjansson-dev:arm64 libncurses-dev:arm64 \
#       libreadline-dev:arm64
# (configure asks for ncursesw and readline too, though these tests link
# the core alone), plus autoconf and automake when the tree has no
# configure script. Without them it says what is missing and exits 77
# (skip).
#
# It copies the working tree (tracked and untracked, not ignored files) to
# BUILDDIR/src, configures there with --host=aarch64-linux-gnu and the
# arm64 pkg-config files, builds the four programs and runs each under
# qemu-aarch64. Prints TAP, one line per program (a failing program's
# failures follow as comments), and last "cross-arm64: PASS" or
# "cross-arm64: FAIL"; exits 0 when all passed.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
host=aarch64-linux-gnu
tests="test_model test_gradcheck test_kernels test_sampler"
top=$(cd "$(dirname "$0")/.." && pwd)
pcdir=/usr/lib/$host/pkgconfig

skip() {
	echo "1..0 # SKIP $*"
	echo "cross-arm64: skipped: $*"
	exit 77
}

for tool in $host-gcc qemu-aarch64 pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
for pc in openblas jansson ncursesw readline; do
	[ -f "$pcdir/$pc.pc" ] || skip "no arm64 $pc ($pcdir/$pc.pc)"
done
# The arm64 C library: multiarch (libc6:arm64) or the cross one.
if [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
	[ -e /usr/$host/lib/ld-linux-aarch64.so.1 ] ||
	    skip "no arm64 C library (libc6:arm64 or libc6-arm64-cross)"
	QEMU_LD_PREFIX=${QEMU_LD_PREFIX:-/usr/$host}
	export QEMU_LD_PREFIX
fi
[ -x "$top/configure" ] || command -v autoreconf >/dev/null 2>&1 ||
    skip "no configure script and no autoreconf"

if [ $# -ge 1 ]; then
	work=$1
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
src=$work/src
build=$work/build
log=$work/cross-arm64.log
rm -rf "$src" "$build"
mkdir -p "$src" "$build"

fail() {
	echo "Bail out! $*"
	[ -f "$log" ] && tail -30 "$log" | sed 's/^/# /'
	echo "cross-arm64: FAIL"
	exit 1
}

# A copy of the sources: the tree may be configured in place, and a
# configured tree cannot host a second build directory.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z |
	    xargs -0 tar -cf - 2>/dev/null) | (cd "$src" && tar -xf -) ||
	    fail "copying the tree"
else
	cp -R "$top/." "$src" || fail "copying the tree"
	[ -f "$src/Makefile" ] && (cd "$src" && make distclean >/dev/null 2>&1)
fi
if [ ! -x "$src/configure" ]; then
	(cd "$src" && autoreconf -fi) >"$log" 2>&1 || fail "autoreconf"
fi

echo "# configuring for $host in $build"
(cd "$build" && PKG_CONFIG=pkg-config PKG_CONFIG_LIBDIR="$pcdir:/usr/share/pkgconfig" \
    "$src/configure" -q --host=$host --enable-werror) >>"$log" 2>&1 ||
    fail "configure --host=$host (see $log)"
progs=
for t in $tests; do
	progs="$progs tests/$t"
done
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# shellcheck disable=SC2086
(cd "$build" && make -j"$jobs" $progs) >>"$log" 2>&1 ||
    fail "building$progs (see $log)"

n=0
bad=0
set -- $tests
echo "1..$#"
for t in $tests; do
	n=$((n + 1))
	out=$work/$t.tap
	(cd "$build" && qemu-aarch64 "./tests/$t") >"$out" 2>&1
	rc=$?
	pass=$(grep -c '^ok ' "$out")
	skips=$(grep -c '^ok .*# SKIP' "$out")
	fails=$(grep -c '^not ok' "$out")
	if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$pass" -gt 0 ]; then
		echo "ok $n - $t under qemu-aarch64: $pass passed ($skips skipped)"
	else
		echo "not ok $n - $t under qemu-aarch64: exit $rc, $fails failed, $pass passed"
		grep -v '^ok ' "$out" | head -40 | sed 's/^/# /'
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then
	echo "cross-arm64: PASS"
	exit 0
fi
echo "cross-arm64: FAIL ($bad of $n programs)"
exit 1
