#!/bin/sh
# resume.sh - resume really resumes: training 2N steps in one run and N
# steps, save, resume for N more give bit-identical weights (same seed, same
# machine), with dropout on and a mid-epoch stop, for every cell type.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

corpus=$top_srcdir/corpora/quillfeather.txt
checksum() { "$BURBLE" info --json "$1" | sed -n 's/.*"checksum":"\([0-9a-f]*\)".*/\1/p'; }

for cell in lstm gru rnn; do
	common="--cell $cell --hidden 24 --layers 2 --dropout 0.3 --batch 8 --seq 20
		--lr-decay 0.9 --eval-every 7 --sample-len 20 --seed 42 --threads 2"
	# One run of 30 steps.
	"$BURBLE" train $common --steps 30 -o "$T/full-$cell.safetensors" \
		"$corpus" >"$T/full.log" 2>&1
	ok $? "$cell: 30 steps in one run"
	# 13 steps (not a multiple of --eval-every), then resume to 30.
	"$BURBLE" train $common --steps 13 -o "$T/half-$cell.safetensors" \
		"$corpus" >"$T/half.log" 2>&1
	ok $? "$cell: 13 steps"
	"$BURBLE" train --resume "$T/half-$cell.safetensors" --steps 30 \
		--threads 2 -o "$T/resumed-$cell.safetensors" "$corpus" >"$T/res.log" 2>&1
	ok $? "$cell: resumed to 30"
	like "$(cat "$T/res.log")" "^resumed at step 13" "$cell: says where it resumed"
	a=$(checksum "$T/full-$cell.safetensors")
	b=$(checksum "$T/resumed-$cell.safetensors")
	c=$(checksum "$T/half-$cell.safetensors")
	[ -n "$a" ] && [ "$a" = "$b" ]; ok $? "$cell: bit-identical weights ($a = $b)"
	[ "$a" != "$c" ]; ok $? "$cell: and different from the half-way weights"
done

# The resumed history is the whole history.
n1=$("$BURBLE" info --json "$T/full-lstm.safetensors" | grep -o '"step":' | wc -l)
n2=$("$BURBLE" info --json "$T/resumed-lstm.safetensors" | grep -o '"step":' | wc -l)
is "$n2" "$n1" "the resumed run carries the whole metric history"

# A corpus with characters outside the vocabulary is refused, naming them.
printf 'Жил-был кот.\n' >"$T/ru.txt"
cat "$corpus" "$T/ru.txt" >"$T/mixed.txt"
"$BURBLE" train --resume "$T/half-lstm.safetensors" --steps 14 \
	-o "$T/x.safetensors" "$T/mixed.txt" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "unseen characters: refused"
like "$(cat "$T/err")" "not in the model's vocabulary: .*Ж" "unseen characters: named"
"$BURBLE" train --resume "$T/half-lstm.safetensors" --steps 14 --map-unknown \
	-o "$T/x.safetensors" "$T/mixed.txt" >"$T/out" 2>"$T/err"; st=$?
if "$BURBLE" info "$T/half-lstm.safetensors" | grep -q '<unk>'; then
	is "$st" 0 "--map-unknown maps them to the unknown symbol"
else
	is "$st" 1 "--map-unknown without an unknown symbol is refused"
fi

done_testing
