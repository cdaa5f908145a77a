#!/bin/sh
# race.sh - `make race`: what each tool reaches in the same minutes (issue
# 13). burble with its defaults, the PyTorch CharRNN reference and a small
# character GPT (nanoGPT's CPU recipe) are trained one after the other, for
# the same wall-clock budget, on the same corpus, and judged on the same
# validation split (the last 10% of the text). Not part of `make check`.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Environment: BURBLE (./burble), SHARED (../shared), PYTHON
# (/usr/bin/python3: Debian's, the one with torch), RACE_BUDGET (300
# seconds each), RACE_CORPUS ($SHARED/corpora/tinyshakespeare.txt, else
# the shipped corpora/quillfeather.txt).
#
# Prints each side's validation loss (nats per character) at a fifth, two
# fifths and all of the budget (1, 2 and 5 minutes by default) and the
# fraction of the budget burble needs to reach each other side's final
# loss. The PyTorch reference evaluates only when its budget is over, so
# only its last column is filled. A side that cannot run (no torch, no
# $SHARED/bench) is skipped with a line saying why. The clock is the wall
# clock from the start of each program, evaluation included, except for
# the two Python programs' own reports, which count training time only
# (in their favour).

set -u
BURBLE=${BURBLE:-./burble}
SHARED=${SHARED:-../shared}
PYTHON=${PYTHON:-/usr/bin/python3}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$SHARED" ] || SHARED=$srcdir/../shared
budget=${RACE_BUDGET:-300}
export LC_ALL=C

case $budget in
'' | *[!0-9]*) echo "race.sh: RACE_BUDGET must be whole seconds," \
    "got '$budget'" >&2; exit 2 ;;
esac
if [ "$budget" -lt 10 ]; then
	echo "race.sh: RACE_BUDGET must be at least 10 seconds" >&2
	exit 2
fi
corpus=${RACE_CORPUS:-$SHARED/corpora/tinyshakespeare.txt}
[ -f "$corpus" ] || corpus=${RACE_CORPUS:-$srcdir/corpora/quillfeather.txt}
if [ ! -f "$corpus" ]; then
	echo "race.sh: $corpus: no such file" >&2
	exit 2
fi
if [ ! -x "$BURBLE" ]; then
	echo "race.sh: $BURBLE not found (build it first, or set BURBLE)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/burble-race.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
threads=$(nproc 2>/dev/null || echo 2)
t1=$((budget / 5))
t2=$((2 * budget / 5))

# Each side writes "SECONDS LOSS" lines to $tmp/NAME.curve.

# Lines of stdin, each prefixed with the seconds since $1 (date +%s.%N).
stamp() {
	while IFS= read -r line; do
		printf '%s %s\n' "$(date +%s.%N)" "$line"
	done | awk -v t0="$1" '{ $1 = sprintf("%.1f", $1 - t0); print }'
}

run_burble() {
	echo "burble: train --time ${budget}s (its defaults), $(basename "$corpus")"
	t0=$(date +%s.%N)
	"$BURBLE" train --headless --time "${budget}s" --seed 1 \
	    --sample-len 0 -o "$tmp/race.safetensors" "$corpus" 2>&1 |
	    stamp "$t0" >"$tmp/burble.log"
	sed -n '1s/^[0-9.]* /  /p' "$tmp/burble.log"
	# "T val epoch E step S loss L ..."
	awk '$2 == "val" { for (i = 3; i < NF; i++) if ($i == "loss")
	    print $1, $(i + 1) }' "$tmp/burble.log" >"$tmp/burble.curve"
	[ -s "$tmp/burble.curve" ] || {
		echo "  burble did not evaluate; its output:"; tail -5 "$tmp/burble.log"
	}
}

have_torch() {
	"$PYTHON" -c 'import torch' >/dev/null 2>&1
}

run_torch() {
	ref=$SHARED/bench/torch_charrnn.py
	if [ ! -f "$ref" ] || ! have_torch; then
		echo "torch: skipped ($ref or $PYTHON with torch missing)"
		return 1
	fi
	echo "torch: torch_charrnn.py --seconds $budget (its defaults)"
	"$PYTHON" "$ref" --corpus "$corpus" --seconds "$budget" --threads 1 \
	    --blas-threads "$threads" >"$tmp/torch.log" 2>&1
	grep '^params\|^config' "$tmp/torch.log" | sed 's/^/  /'
	awk -v t="$budget" '/^val loss/ { print t, $3 }' "$tmp/torch.log" \
	    >"$tmp/torch.curve"
	[ -s "$tmp/torch.curve" ] || tail -3 "$tmp/torch.log"
}

run_gpt() {
	ref=$SHARED/bench/gpt_char.py
	if [ ! -f "$ref" ] || ! have_torch; then
		echo "gpt: skipped ($ref or $PYTHON with torch missing)"
		return 1
	fi
	every=$((budget / 20)); [ "$every" -ge 1 ] || every=1
	echo "gpt: gpt_char.py --budget $budget (nanoGPT's CPU recipe)"
	"$PYTHON" "$ref" "$corpus" --budget "$budget" --eval-every "$every" \
	    --threads "$threads" >"$tmp/gpt.log" 2>&1
	head -1 "$tmp/gpt.log" | sed 's/^/  /'
	# "val t 30s step N train L val L chars/s C"
	awk '$1 == "val" { t = $3; sub(/s$/, "", t); print t, $9 }' \
	    "$tmp/gpt.log" >"$tmp/gpt.curve"
	[ -s "$tmp/gpt.curve" ] || tail -3 "$tmp/gpt.log"
}

# The last loss at or before T seconds, or "-".
at() {
	awk -v t="$2" '$1 <= t + 0.5 { l = $2 } END { print (l == "" ? "-" : l) }' \
	    "$tmp/$1.curve" 2>/dev/null || echo -
}

# The first time burble's loss is at or below L, or "-".
reach() {
	awk -v l="$1" '$2 <= l + 0 { print $1; found = 1; exit }
	    END { if (!found) print "-" }' "$tmp/burble.curve"
}

run_burble
run_torch
run_gpt

echo
printf '%-8s %10s %10s %10s   %s\n' side "${t1}s" "${t2}s" "${budget}s" \
    "burble reaches this side's last loss at"
for side in burble torch gpt; do
	[ -s "$tmp/$side.curve" ] || continue
	last=$(tail -1 "$tmp/$side.curve" | cut -d' ' -f2)	# its final one
	when=
	if [ "$side" != burble ] && [ "$last" != - ]; then
		r=$(reach "$last")
		if [ "$r" = - ]; then
			when="not within the budget"
		else
			when=$(awk -v r="$r" -v b="$budget" 'BEGIN {
			    printf "%.0f s (%.2f of the budget)", r, r / b }')
		fi
	fi
	printf '%-8s %10s %10s %10s   %s\n' "$side" "$(at "$side" "$t1")" \
	    "$(at "$side" "$t2")" "$last" "$when"
done
echo "(validation loss, nats per character; the last column is each side's"
echo "final evaluation; torch evaluates only at the end)"
