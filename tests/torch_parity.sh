#!/bin/sh
# torch_parity.sh - checkpoints interchange with PyTorch, both ways, with
# the same loss to 1e-4 relative:
#  export: burble trains, contrib/burble_torch.py loads the file into the
#          PyTorch CharRNN and evaluates; for lstm, gru, rnn, one-hot and
#          embedding input, and with every kernel set this machine runs;
#  import: PyTorch makes a model (random, and a few training steps),
#          burble evaluates and samples it.
# Skips when /usr/bin/python3 cannot import torch (Debian: python3-torch).
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

PY=/usr/bin/python3
BT=$top_srcdir/contrib/burble_torch.py
[ -x "$BURBLE" ] || skip_all "$BURBLE not built"
[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null ||
	skip_all "python3-torch not installed"

# A few KB of text: the start of the shipped corpus, or made up.
text=$T/text.txt
if [ -f "$top_srcdir/corpora/quillfeather.txt" ]; then
	head -c 6000 "$top_srcdir/corpora/quillfeather.txt" >"$text"
else
	awk 'BEGIN { srand(7); s = "the quick brown fox jumps over a lazy dog"
		for (i = 0; i < 900; i++)
			printf "%s%s", substr(s, int(rand() * 30) + 1, 5),
			    (i % 12 == 11) ? ".\n" : " " }' >"$text"
fi

# json_num KEY: the number under "KEY" in the JSON on stdin.
json_num() { sed -n "s/.*\"$1\": *\\([-+0-9.eE]*\\).*/\\1/p"; }
# close A B REL: |A - B| <= REL * |B|
close() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN {
	d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
	exit !(a != "" && b != "" && d <= r * m) }'; }

# compare MODEL WHAT [KERNELS]: burble eval (with that kernel set) and
# PyTorch give the same loss.
compare() {
	b=$("$BURBLE" eval --json --kernels "${3:-auto}" -m "$1" "$text" \
	    2>"$T/err")
	ok $? "$2: burble eval"
	p=$("$PY" "$BT" eval --json -m "$1" "$text" 2>"$T/perr")
	ok $? "$2: burble_torch.py eval$(head -c 300 "$T/perr" | tr '\n' ' ')"
	bl=$(printf '%s\n' "$b" | json_num loss)
	pl=$(printf '%s\n' "$p" | json_num loss)
	close "$bl" "$pl" 1e-4
	ok $? "$2: same loss (burble $bl, PyTorch $pl)"
	ba=$(printf '%s\n' "$b" | json_num accuracy)
	pa=$(printf '%s\n' "$p" | json_num accuracy)
	close "$ba" "$pa" 1e-3
	ok $? "$2: same accuracy (burble $ba, PyTorch $pa)"
	bc=$(printf '%s\n' "$b" | json_num chars)
	pc=$(printf '%s\n' "$p" | json_num chars)
	is "$bc" "$pc" "$2: same number of predicted characters"
}

# ---- export: burble -> PyTorch ------------------------------------------
# Every cell and input with the best kernel set; with each other set this
# machine runs, an LSTM and an embedded GRU, trained and evaluated by it.
runs="lstm:0:auto gru:0:auto rnn:0:auto lstm:8:auto gru:8:auto rnn:8:auto"
for k in $(kernel_sets | sed 1d); do
	runs="$runs lstm:0:$k gru:8:$k"
done
for run in $runs; do
	cell=${run%%:*} rest=${run#*:}
	embed=${rest%%:*} k=${rest#*:}
	m=$T/$cell-$embed-$k.safetensors
	what="export $cell embed $embed ($k)"
	"$BURBLE" train --headless --steps 30 --hidden 32 --layers 2 --batch 8 \
		--seq 50 --lr 1e-2 --cell "$cell" --embed "$embed" --seed 3 \
		--threads 1 --eval-every 15 --kernels "$k" -o "$m" "$text" \
		>"$T/log" 2>&1
	ok $? "$what: burble trains 30 steps"
	compare "$m" "$what" "$k"
done

# Word models (--tokens word; with records, lowercased, few words kept):
# burble_torch_words.py splits the text the same way, so the same loss and
# the same number of tokens and characters.
for w in "--max-words 300" "--lines --lowercase --max-words 100"; do
	m=$T/words.safetensors
	"$BURBLE" train --headless --tokens word $w --steps 30 --hidden 32 \
		--layers 2 --batch 8 --seq 20 --seed 3 --threads 1 \
		--eval-every 15 -o "$m" "$text" >"$T/log" 2>&1
	ok $? "word model ($w): burble trains 30 steps"
	compare "$m" "word model ($w)"
	bt=$("$BURBLE" eval --json -m "$m" "$text" | json_num tokens)
	pt=$("$PY" "$BT" eval --json -m "$m" "$text" | json_num tokens)
	is "$bt" "$pt" "word model ($w): same number of tokens ($bt)"
done
"$PY" "$BT" train "$m" "$text" --resume --steps 1 -o "$T/wt.safetensors" \
	>/dev/null 2>"$T/err"
ok $(( $? == 0 )) "burble_torch.py train refuses a word model"
like "$(cat "$T/err")" "a word model \(--tokens word\): only character runs" \
	"... saying why"

# The text output has the same shape as burble's.
out=$("$PY" "$BT" eval -m "$T/lstm-0-auto.safetensors" "$text")
re='^loss [0-9.]+ nats  bpc [0-9.]+  perplexity [0-9.]+  '
re="${re}accuracy [0-9.]+%  chars [0-9]+\$"
like "$out" "$re" "burble_torch.py eval prints burble eval's line"

# Weights-only files load too.
"$BURBLE" train --headless --steps 5 --hidden 16 --layers 1 --batch 4 \
	--seq 20 --seed 3 --threads 1 --weights-only \
	-o "$T/wo.safetensors" "$text" >"$T/log" 2>&1
ok $? "burble train --weights-only$(head -c 200 "$T/log" | tr '\n' ' ')"
if [ -f "$T/wo.safetensors" ]; then
	compare "$T/wo.safetensors" "weights-only"
else
	skip "weights-only: no file to compare"
fi

# ---- import: PyTorch -> burble ------------------------------------------
"$PY" "$BT" export-random "$T/rand.safetensors" --cell lstm --layers 2 \
	--hidden 32 --vocab-from "$text" 2>"$T/perr"; st=$?
err=$(head -c 300 "$T/perr" | tr '\n' ' ')
ok $st "import: PyTorch writes a random LSTM$err"
for k in $(kernel_sets); do
	compare "$T/rand.safetensors" "import random lstm ($k)" "$k"
done
s=$("$BURBLE" sample -m "$T/rand.safetensors" -n 40 --seed 1 \
	--prime "The " 2>"$T/err")
ok $? "import: burble samples the PyTorch model"
n=$(printf '%s' "$s" | wc -m)
[ "$n" -ge 40 ]; ok $? "import: the sample has its characters ($n)"

"$PY" "$BT" train-tiny "$T/tiny.safetensors" "$text" --steps 30 --cell gru \
	--embed 12 --layers 2 --hidden 24 >/dev/null 2>"$T/perr"
ok $? "import: PyTorch trains a GRU with an embedding"
compare "$T/tiny.safetensors" "import trained gru embed"
"$PY" "$BT" train-tiny "$T/tinyr.safetensors" "$text" --steps 30 --cell rnn \
	--layers 1 --hidden 24 >/dev/null 2>"$T/perr"
ok $? "import: PyTorch trains a tanh RNN"
compare "$T/tinyr.safetensors" "import trained rnn"
"$BURBLE" info "$T/tiny.safetensors" >"$T/info" 2>&1
ok $? "import: burble info reads it"

# A PyTorch model can be trained on by burble? No: it has no optimizer state.
"$BURBLE" train --headless --resume "$T/tiny.safetensors" --steps 5 \
	-o "$T/x.safetensors" "$text" >/dev/null 2>"$T/err"; st=$?
is "$st" 1 "import: resuming a weights-only model is refused"

done_testing
