#!/bin/sh
# cli.sh - the command line end to end: help, version, usage errors, and a
# tiny train -> sample -> eval -> info round trip on the shipped corpus.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

corpus=$top_srcdir/corpora/quillfeather.txt

"$BURBLE" --help >"$T/out" 2>&1; ok $? "--help exits 0"
like "$(cat "$T/out")" "^Usage: burble COMMAND" "--help shows the usage"
"$BURBLE" --version >"$T/out" 2>&1; ok $? "--version exits 0"
like "$(head -1 "$T/out")" "^burble [0-9]+\.[0-9]+" "--version names the version"
for cmd in train sample repl eval info bench; do
	"$BURBLE" $cmd --help >"$T/out" 2>&1; ok $? "$cmd --help exits 0"
done

usage() {   # usage DESCRIPTION REGEX ARGS...: exit 2 and a message
	desc=$1; re=$2; shift 2
	"$BURBLE" "$@" >"$T/out" 2>"$T/err"; st=$?
	is "$st" 2 "$desc: exit status 2"
	like "$(head -1 "$T/err")" "$re" "$desc: says what is allowed"
}
usage "unknown command" "unknown command 'frobnicate'" frobnicate
usage "negative batch" "--batch: must be an integer from 1" train --batch -3 x
usage "zero hidden" "--hidden: must be an integer from 1" train --hidden 0 x
usage "dropout 1" "--dropout: must be in \[0, 1\)" train --dropout 1 x
usage "bad cell" "--cell: must be lstm, gru or rnn" train --cell transformer x
usage "negative temperature" "temperature" sample -m x -t -0.5
usage "top-p 1.5" "--top-p: must be in \(0, 1\]" sample -m x --top-p 1.5
usage "top-p 0" "--top-p: must be in \(0, 1\]" sample -m x --top-p 0
usage "negative top-k" "--top-k: must be an integer" sample -m x --top-k -1
usage "sample without a model" "a model is needed" sample
usage "bad precision" "--precision: must be fp16 or fp32, got 'fp64'" sample -m x --precision fp64
usage "bad precision (train)" "--precision: must be fp16 or fp32" train --precision half x
usage "zero time" "--time: must be a duration such as 90, 90s, 10m or 1.5h" train --time 0 x
usage "time with a bad unit" "--time: must be a duration" train --time 5x x
usage "eval without a file" "a text to evaluate" eval -m x

"$BURBLE" sample -m "$T/nope.safetensors" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "missing model: exit 1"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "missing model: one line"
like "$(cat "$T/err")" "^burble: .*nope.safetensors" "missing model: names the file"
"$BURBLE" info "$T" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "a directory as a model: exit 1"
# A model that cannot fit is refused before anything is allocated.
"$BURBLE" train --layers 16 --hidden 8192 --headless "$corpus" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "a model too large for the machine: exit 1"
like "$(cat "$T/err")" "^burble: model too large for this machine: .* GB" "a model too large: says how much it needs"

# Train a tiny model headless (stdout is a file: no dashboard either way).
"$BURBLE" train --steps 30 --eval-every 15 --hidden 32 --layers 1 \
	--batch 8 --seq 32 --seed 1 --sample-len 40 -o "$T/m.safetensors" \
	"$corpus" >"$T/train" 2>"$T/err"; st=$?
ok $st "train a tiny model"
like "$(cat "$T/train")" "^epoch 1/30 step [0-9]+/30 .* loss [0-9.]+ " "progress lines"
like "$(cat "$T/train")" "^val epoch 0 step 15 loss [0-9.]+ bpc" "validation lines"
like "$(cat "$T/train")" "^sample T=0.2:" "samples at T=0.2"
like "$(cat "$T/train")" "^done .*saved $T/m.safetensors" "a summary line"
test -s "$T/m.safetensors" && test -s "$T/m.best.safetensors"; ok $? "latest and best written"

# A time budget: stops by itself, evaluates and saves at the step it stopped.
t0=$(date +%s)
"$BURBLE" train --time 2 --hidden 32 --layers 1 --batch 8 --seq 32 --seed 2 \
	--sample-len 0 -o "$T/tb.safetensors" "$corpus" >"$T/tb" 2>"$T/err"; st=$?
t1=$(date +%s)
ok $st "train --time 2"
[ $((t1 - t0)) -le 15 ]; ok $? "--time 2: over in $((t1 - t0)) s"
done_line=$(tail -1 "$T/tb")
like "$done_line" "^done \(time limit\): best val loss [0-9.]+ at step [0-9]+; saved" "--time: the reason is the time limit"
last=$(sed -n 's/^done .* at step \([0-9]*\);.*/\1/p' "$T/tb")
grep -q "^val epoch [0-9]* step $last loss" "$T/tb"; ok $? "--time: evaluated at the last step ($last)"
"$BURBLE" info --json "$T/tb.safetensors" >"$T/tbinfo"
like "$(cat "$T/tbinfo")" "\"step\": *$last[,}]" "--time: saved at the last step"

"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 50 --seed 4 >"$T/s1"; ok $? "sample"
"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 50 --seed 4 >"$T/s2"
cmp -s "$T/s1" "$T/s2"; ok $? "the same seed gives the same text"
"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 50 --seed 4 --precision fp32 >"$T/s1"; ok $? "sample --precision fp32"
"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 50 --seed 4 --precision fp32 >"$T/s2"
cmp -s "$T/s1" "$T/s2"; ok $? "fp32: the same seed gives the same text"
like "$(cat "$T/s1")" "^The owl" "fp32: the prime, then the continuation"
like "$(cat "$T/s1")" "^The owl" "the prime is echoed"
is "$(head -c 7 "$T/s1")" "The owl" "continuation follows the prime"
"$BURBLE" sample -m "$T/m.safetensors" -t 0 -n 30 --seed 1 >"$T/g1"
"$BURBLE" sample -m "$T/m.safetensors" -t 0 -n 30 --seed 2 >"$T/g2"
cmp -s "$T/g1" "$T/g2"; ok $? "temperature 0 is greedy: seed does not matter"
"$BURBLE" sample -m "$T/m.safetensors" --prime "Жук" -n 5 >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "warning: 3 prime characters not in the model's vocabulary" "unknown prime characters: a warning"
"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 20 -c 3 --seed 9 \
	-o "$T/three"; ok $? "sample --count 3 --output"
is "$(grep -c '^The owl' "$T/three")" 3 "three samples in the output file"

"$BURBLE" eval -m "$T/m.safetensors" "$corpus" >"$T/eval"; ok $? "eval"
like "$(cat "$T/eval")" "^loss [0-9.]+ nats  bpc [0-9.]+  perplexity [0-9.]+  accuracy [0-9.]+%  chars [0-9]+$" "eval prints loss, bpc, perplexity, accuracy"
"$BURBLE" info "$T/m.safetensors" >"$T/info"; ok $? "info"
like "$(cat "$T/info")" "lstm_0 \(LSTM\)" "info lists the layers"
like "$(cat "$T/info")" "Total params: " "info counts the parameters"
like "$(cat "$T/info")" "Best validation loss: " "info shows the best validation loss"

# Standard input and several files.
head -n 400 "$corpus" | "$BURBLE" train --steps 2 --hidden 8 --layers 1 \
	--batch 4 --seq 16 --sample-len 0 -o "$T/stdin.safetensors" - >"$T/out" 2>&1
ok $? "train from standard input"
head -n 200 "$corpus" >"$T/a.txt"; tail -n 200 "$corpus" >"$T/b.txt"
"$BURBLE" train --steps 2 --hidden 8 --layers 1 --batch 4 --seq 16 \
	--sample-len 0 -o "$T/two.safetensors" "$T/a.txt" "$T/b.txt" >"$T/out" 2>&1
ok $? "train on two files"
like "$(cat "$T/out")" "on a.txt\+1: [0-9]+ train / [0-9]+ val" "two files are concatenated"

done_testing
