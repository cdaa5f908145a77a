#!/bin/sh
# fuzz.sh SECONDS - build the checkpoint loader's libFuzzer target with clang
# and run it for a bounded time on the broken files in tests/ckpt-bad.
# Run from a configured tree or anywhere: it configures nothing, it compiles
# the core's sources directly. Exit 0 when nothing was found.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang not installed, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/config.h"
cd "$top"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$work" -Isrc/core $(pkg-config --cflags jansson openblas) tests/fuzz_ckpt.c \
	src/core/*.c \
	$(pkg-config --libs jansson openblas) -lm -pthread -o "$work/fuzz_ckpt"
mkdir -p "$work/corpus"
OPENBLAS_NUM_THREADS=1 "$work/fuzz_ckpt" -max_total_time="$secs" -max_len=65536 \
	-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" tests/ckpt-bad 2>"$work/log" || {
	tail -40 "$work/log"; echo "fuzz: the checkpoint loader crashed (see above)"; exit 1; }
grep -E "stat::number_of_executed_units|Done" "$work/log" | head -3
echo "fuzz: no crash in $secs s"
