#!/bin/sh
# resume.sh - resume really resumes: training 2N steps in one run and N
# steps, save, resume for N more give bit-identical weights (same seed, same
# machine, same kernel set), with dropout on and a mid-epoch stop, for
# every cell type, for the LSTM with every kernel set this machine runs,
# and for an LSTM on word tokens.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

corpus=$top_srcdir/corpora/quillfeather.txt
checksum() { "$BURBLE" info --json "$1" | sed -n 's/.*"checksum":"\([0-9a-f]*\)".*/\1/p'; }

# Every cell with the best kernel set; the LSTM again with each other set
# this machine runs (the set is not in the checkpoint: both runs name it).
runs="lstm:auto gru:auto rnn:auto"
for k in $(kernel_sets | sed 1d); do
	runs="$runs lstm:$k"
done
runs="$runs word:auto"
for run in $runs; do
	cell=${run%%:*} k=${run#*:} tok=
	n=$cell-$k
	[ "$cell" = word ] && cell=lstm tok="--tokens word --max-words 500"
	common="--cell $cell $tok --hidden 24 --layers 2 --dropout 0.3 --batch 8 --seq 20
		--lr-decay 0.9 --eval-every 7 --sample-len 20 --seed 42 --threads 2
		--kernels $k"
	# One run of 30 steps.
	"$BURBLE" train $common --steps 30 -o "$T/full-$n.safetensors" \
		"$corpus" >"$T/full.log" 2>&1
	ok $? "$n: 30 steps in one run"
	# 13 steps (not a multiple of --eval-every), then resume to 30.
	"$BURBLE" train $common --steps 13 -o "$T/half-$n.safetensors" \
		"$corpus" >"$T/half.log" 2>&1
	ok $? "$n: 13 steps"
	"$BURBLE" train --resume "$T/half-$n.safetensors" --steps 30 \
		--threads 2 --kernels "$k" -o "$T/resumed-$n.safetensors" \
		"$corpus" >"$T/res.log" 2>&1
	ok $? "$n: resumed to 30"
	like "$(cat "$T/res.log")" "^resumed at step 13" "$n: says where it resumed"
	a=$(checksum "$T/full-$n.safetensors")
	b=$(checksum "$T/resumed-$n.safetensors")
	c=$(checksum "$T/half-$n.safetensors")
	[ -n "$a" ] && [ "$a" = "$b" ]; ok $? "$n: bit-identical weights ($a = $b)"
	[ "$a" != "$c" ]; ok $? "$n: and different from the half-way weights"
done

# The SIMD sets sum every product in the same order: on one machine they
# train to the same bits (the generic set, OpenBLAS's sums, need not).
a=$(checksum "$T/full-lstm-auto.safetensors")
for k in $(kernel_sets | sed 1d); do
	[ "$k" = generic ] && continue
	b=$(checksum "$T/full-lstm-$k.safetensors")
	is "$b" "$a" "lstm: $k trains to the bits of $(kernel_sets | head -1)"
done

# The resumed history is the whole history.
n1=$("$BURBLE" info --json "$T/full-lstm-auto.safetensors" | grep -o '"step":' | wc -l)
n2=$("$BURBLE" info --json "$T/resumed-lstm-auto.safetensors" | grep -o '"step":' | wc -l)
is "$n2" "$n1" "the resumed run carries the whole metric history"

# A corpus with characters outside the vocabulary is refused, naming them.
printf 'Жил-был кот.\n' >"$T/ru.txt"
cat "$corpus" "$T/ru.txt" >"$T/mixed.txt"
"$BURBLE" train --resume "$T/half-lstm-auto.safetensors" --steps 14 \
	-o "$T/x.safetensors" "$T/mixed.txt" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "unseen characters: refused"
like "$(cat "$T/err")" "not in the model's vocabulary: .*Ж" "unseen characters: named"
"$BURBLE" train --resume "$T/half-lstm-auto.safetensors" --steps 14 --map-unknown \
	-o "$T/x.safetensors" "$T/mixed.txt" >"$T/out" 2>"$T/err"; st=$?
if "$BURBLE" info "$T/half-lstm-auto.safetensors" | grep -q '<unk>'; then
	is "$st" 0 "--map-unknown maps them to the unknown symbol"
else
	is "$st" 1 "--map-unknown without an unknown symbol is refused"
fi

done_testing
