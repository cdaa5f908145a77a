#!/bin/sh
# fuzz.sh [SECONDS [TARGET]] - build a libFuzzer target with clang and run
# it for a bounded time (60 s by default). TARGET is ckpt (the checkpoint
# loader, tests/fuzz_ckpt.c, seeded with the broken files in
# tests/ckpt-bad; the default), text (the corpus reader and the prime
# encoder, tests/fuzz_text.c, seeded with the starts of corpora/*.txt) or
# lines (how the piped `burble repl` cuts its input into primes,
# tests/fuzz_lines.c).
# FUZZ_KEEP=DIR keeps the corpus of inputs found in DIR between runs.
# Run from a configured tree or anywhere: it configures nothing, it compiles
# the core's sources directly. Exit 0 when nothing was found.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
secs=${1:-60}
target=${2:-ckpt}
top=$(cd "$(dirname "$0")/.." && pwd)
case $target in
ckpt) what="the checkpoint loader"; maxlen=65536 ;;
text) what="the text reader"; maxlen=8192 ;;
lines) what="the piped prompt's input"; maxlen=8192 ;;
*) echo "fuzz: unknown target '$target' (ckpt, text or lines)" >&2; exit 2 ;;
esac
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang not installed, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/config.h"
cd "$top"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$work" -Isrc/core -Isrc/cli $(pkg-config --cflags jansson openblas) \
	"tests/fuzz_$target.c" src/core/*.c $([ "$target" = lines ] && echo src/cli/cli_lines.c) \
	$(pkg-config --libs jansson openblas) -lm -pthread -o "$work/fuzz"
corpus=${FUZZ_KEEP:-$work/corpus}
mkdir -p "$corpus" "$work/seeds"
if [ "$target" = ckpt ]; then
	cp tests/ckpt-bad/*.safetensors "$work/seeds/"
elif [ "$target" = lines ]; then
	for f in corpora/*.txt; do
		{ printf '\000'; head -c 1000 "$f"; } >"$work/seeds/$(basename "$f")"
	done
else
	# Option bytes (see tests/fuzz_text.c), then text.
	i=0
	for f in corpora/*.txt; do
		for opts in '\000\000\000\000\000' '\003\000\000\000\000' \
		    '\030\000\000\001%%\000' '\101\003\000\000\000' \
		    '\004\000\006aeiou \000\000' '\040\000\000\000\100'; do
			i=$((i + 1))
			{ printf "$opts"; head -c 2000 "$f"; } >"$work/seeds/s$i"
		done
	done
fi
OPENBLAS_NUM_THREADS=1 "$work/fuzz" -max_total_time="$secs" -max_len=$maxlen \
	-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$work/" "$corpus" "$work/seeds" 2>"$work/log" || {
	tail -40 "$work/log"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] && cp "$a" "$top/" && echo "fuzz: input kept as $(basename "$a")"
	done
	echo "fuzz: $what crashed (see above)"; exit 1; }
grep -E "stat::number_of_executed_units|Done" "$work/log" | head -3
echo "fuzz: no crash in $what in $secs s"
