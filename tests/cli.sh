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
for cmd in train sample repl eval info plot bench; do
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
usage "dropout 1" "--dropout: must be a number in \[0, 1\)" train --dropout 1 x
usage "bad cell" "--cell: must be lstm, gru or rnn" train --cell transformer x
usage "negative temperature" "temperature" sample -m x -t -0.5
usage "top-p 1.5" "--top-p: must be a number in \(0, 1\] \(1 = off\)" sample -m x --top-p 1.5
usage "top-p 0" "--top-p: must be a number in \(0, 1\]" sample -m x --top-p 0
usage "negative top-k" "--top-k: must be an integer" sample -m x --top-k -1
usage "sample without a model" "a model is needed" sample
usage "beam 0" "^burble: --beam: must be an integer from 1 to 1000, got '0'$" sample -m x --beam 0
usage "beam 1001" "--beam: must be an integer from 1 to 1000" sample -m x --beam 1001
usage "beam too long" "--beam: beam width 1000 x length 100000 is over" sample -m x --beam 1000 -n 100000
usage "bad precision" "--precision: must be fp16 or fp32, got 'fp64'" sample -m x --precision fp64
usage "bad precision (train)" "--precision: must be fp16 or fp32" train --precision half x
usage "zero time" "--time: must be a duration such as 90, 90s, 10m or 1.5h" train --time 0 x
usage "time with a bad unit" "--time: must be a duration" train --time 5x x
# One number parser and one range table for the command line and the
# prompt (num.h): plain decimals, and what a float holds.
usage "lr 11" "^burble: --lr: must be a number in \(0, 10\] \(e.g. 1e-3\), got '11'$" train --lr 11 x
usage "lr too small for a float" "--lr: .*got '1e-300'" train --lr 1e-300 x
usage "top-p too small for a float" "--top-p: .*got '1e-300'" sample -m x --top-p 1e-300
usage "hex temperature" "temperature must be a number >= 0.*got '0x10'" sample -m x -t 0x10
usage "hex time" "--time: must be a duration.*got '0x10'" train --time 0x10 x
usage "hex time with a unit" "--time: must be a duration.*got '0x10m'" train --time 0x10m x
usage "time with a blank" "--time: must be a duration" train --time ' 10m' x
usage "threads with a leading blank" "--threads: must be an integer from 1 to 1024, got ' 3'" train --threads ' 3' x
usage "hex threads" "--threads: must be an integer" sample -m x --threads 0x2
usage "hex seed" "--seed: must be a non-negative integer, got '0x10'" sample -m x --seed 0x10
usage "seed with a blank" "--seed: must be a non-negative integer" train --seed ' 1' x
usage "top-k with a blank" "--top-k: must be an integer >= 0 \(0 = off\), got '5 '" sample -m x --top-k '5 '
usage "eval without a file" "a text to evaluate" eval -m x
usage "--epochs 0 alone" "--epochs 0 needs --steps N or --time" train --epochs 0 x

# A bad option: one line that says what is wrong (not getopt's own line
# as well), then the hint.
opterr() {   # opterr DESCRIPTION REGEX ARGS...
	desc=$1; re=$2; shift 2
	"$BURBLE" "$@" </dev/null >"$T/out" 2>"$T/err"; st=$?
	is "$st" 2 "$desc: exit status 2"
	is "$(wc -l <"$T/err" | tr -d ' ')" 2 "$desc: one line and the hint"
	like "$(head -1 "$T/err")" "$re" "$desc: says what is wrong"
	like "$(tail -1 "$T/err")" "^Try 'burble [a-z]+ --help'\.$" "$desc: the hint"
}
opterr "unknown long option" "^burble: unknown option '--bogus'$" sample --bogus
opterr "unknown option (train)" "^burble: unknown option '--bogus'$" train --bogus x
opterr "unknown short option" "^burble: unknown option '-Z'$" train --headless -Z x
opterr "missing argument" "^burble: option '--model' needs an argument$" sample --model
opterr "missing argument (short)" "^burble: option '-m' needs an argument$" eval -m
opterr "missing argument (abbreviated)" "^burble: option '--lr' needs an argument$" train --lr
opterr "ambiguous abbreviation" "^burble: option '--t' is ambiguous \(--temperature, --top-k" sample --t 1
opterr "an argument to a flag" "^burble: option '--json' takes no argument$" info --json=1 x
opterr "unknown option (bench)" "^burble: unknown option '--bogus'$" bench --bogus
opterr "missing argument (bench)" "^burble: option '--steps' needs an argument$" bench --steps
opterr "a bad number (bench)" "^burble: --layers: must be an integer from 1 to" bench --layers 0
# --kernels: an unknown set, or one this machine does not have, in one line.
case $(uname -m) in
aarch64|arm64) other=avx2 ;;
*) other=neon ;;
esac
for cmd in train sample repl eval bench; do
	case $cmd in
	train) args=x ;;
	sample|repl) args="-m x" ;;
	eval) args="-m x x" ;;
	bench) args= ;;
	esac
	opterr "unknown kernel set ($cmd)" "^burble: --kernels: unknown kernel set 'sse9' \(avx512, avx2, neon, generic or auto\)$" $cmd --kernels sse9 $args
done
opterr "another machine's kernel set" "^burble: --kernels: the $other kernels are not built for this machine$" sample --kernels $other -m x

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
for k in generic auto; do
	"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" -n 50 --seed 4 --kernels $k >"$T/sk"; ok $? "sample --kernels $k"
	like "$(cat "$T/sk")" "^The owl" "sample --kernels $k: the prime, then the continuation"
	"$BURBLE" eval -m "$T/m.safetensors" --kernels $k "$corpus" >"$T/ek"; ok $? "eval --kernels $k"
	like "$(cat "$T/ek")" "^loss [0-9.]+ nats" "eval --kernels $k: the loss"
done
"$BURBLE" bench --kernels generic --json --steps 1 --hidden 8 --layers 1 --batch 2 --seq 4 --sample-chars 10 >"$T/bk"; ok $? "bench --kernels generic"
like "$(cat "$T/bk")" '"kernels": "generic"' "bench --kernels generic: the JSON names the set"
"$BURBLE" bench --steps 1 --hidden 8 --layers 1 --batch 2 --seq 4 --sample-chars 0 --dropout 0.2 >"$T/bk"; ok $? "bench, the best set"
like "$(head -1 "$T/bk")" "dropout 0\.2, [0-9]+ threads?, kernels (avx512|avx2|neon|generic)$" "bench: the table names the kernel set and the dropout"
like "$(cat "$T/s1")" "^The owl" "the prime is echoed"
is "$(head -c 7 "$T/s1")" "The owl" "continuation follows the prime"
"$BURBLE" sample -m "$T/m.safetensors" -t 0 -n 30 --seed 1 >"$T/g1"
"$BURBLE" sample -m "$T/m.safetensors" -t 0 -n 30 --seed 2 >"$T/g2"
cmp -s "$T/g1" "$T/g2"; ok $? "temperature 0 is greedy: seed does not matter"
"$BURBLE" sample -m "$T/m.safetensors" --beam 1 -n 30 --seed 3 >"$T/b1"; ok $? "sample --beam 1"
cmp -s "$T/g1" "$T/b1"; ok $? "--beam 1 is greedy"
"$BURBLE" sample -m "$T/m.safetensors" --prime "The owl" --beam 8 -n 30 >"$T/b8"; ok $? "sample --beam 8"
is "$(head -c 7 "$T/b8")" "The owl" "--beam 8: the prime, then the continuation"
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

# ---- what must never happen: lost output, hangs, raw control characters

# The last line names the file written, not the template.
"$BURBLE" train --steps 3 --hidden 8 --layers 1 --batch 4 --seq 16 \
	--sample-len 0 -o "$T/tpl-{epoch}-{step}.safetensors" "$corpus" \
	>"$T/tpl" 2>&1
like "$(tail -1 "$T/tpl")" "; saved $T/tpl-00-3\.safetensors$" "-o with {fields}: the last line names the file written"
test -s "$T/tpl-00-3.safetensors"; ok $? "-o with {fields}: that file exists"

# A time budget without --epochs is the bound: on a text short enough for
# the 30 default epochs to take a fraction of it, the run still takes the
# whole budget, and the ETA counts it down.
head -c 3000 "$corpus" >"$T/small.txt"
t0=$(date +%s)
"$BURBLE" train --time 3 --hidden 8 --layers 1 --batch 4 --seq 16 \
	--sample-len 0 --report-every 200 -o "$T/tsm.safetensors" \
	"$T/small.txt" >"$T/tsm" 2>&1; st=$?
t1=$(date +%s)
ok $st "--time 3 on a short text"
like "$(tail -1 "$T/tsm")" "^done \(time limit\)" "--time on a short text: the budget ends the run, not 30 epochs"
[ $((t1 - t0)) -ge 2 ] && [ $((t1 - t0)) -le 20 ]; ok $? "--time 3: over in $((t1 - t0)) s"
like "$(grep '^epoch' "$T/tsm" | head -1)" "^epoch [0-9]+ step [0-9]+ batch .* ETA 0:0[0-3]$" "--time: no epoch count; the ETA follows the budget"
"$BURBLE" train --time 60 --epochs 2 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 0 -o "$T/tep.safetensors" "$T/small.txt" \
	>"$T/tep" 2>&1
like "$(tail -1 "$T/tep")" "^done \(finished\)" "--time with --epochs: the epochs still bound the run"
"$BURBLE" train --time 1 --epochs 0 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 0 -o "$T/te0.safetensors" "$T/small.txt" \
	>"$T/te0" 2>&1
ok $? "--epochs 0 with --time is allowed"

# Write errors are said and fail the command: a full disk (/dev/full).
if [ -w /dev/full ]; then
	full() {   # full DESCRIPTION ARGS...: standard output is full
		desc=$1; shift
		"$BURBLE" "$@" </dev/null >/dev/full 2>"$T/err"; st=$?
		[ "$st" -ne 0 ]; ok $? "$desc > /dev/full: exit status $st"
		like "$(cat "$T/err")" "^burble: standard output: write error" "$desc > /dev/full: says so"
	}
	full "--help" --help
	full "--version" --version
	full "train --help" train --help
	full "eval" eval -m "$T/m.safetensors" "$corpus"
	full "info" info "$T/m.safetensors"
	full "info --json" info --json "$T/m.safetensors"
	full "sample" sample -m "$T/m.safetensors" -n 10
	full "bench" bench --steps 1 --hidden 8 --layers 1 --batch 2 --seq 4 \
		--sample-chars 0
	full "headless train" train --steps 3 --hidden 8 --layers 1 --batch 4 \
		--seq 16 --sample-len 0 -o "$T/full.safetensors" "$corpus"
	test -s "$T/full.safetensors"; ok $? "headless train > /dev/full: still saved"
	echo "The owl" | "$BURBLE" repl -m "$T/m.safetensors" -n 10 \
		>/dev/full 2>"$T/err"; st=$?
	[ "$st" -ne 0 ]; ok $? "piped repl > /dev/full: exit status $st"
	like "$(cat "$T/err")" "^burble: standard output: write error$" "piped repl > /dev/full: says so"
	"$BURBLE" train --steps 3 --hidden 8 --layers 1 --batch 4 --seq 16 \
		--sample-len 0 --metrics /dev/full -o "$T/met.safetensors" \
		"$corpus" >"$T/out" 2>"$T/err"; st=$?
	[ "$st" -ne 0 ]; ok $? "--metrics /dev/full: exit status $st"
	like "$(cat "$T/err")" "/dev/full: write error" "--metrics /dev/full: says so"
else
	skip "no /dev/full"
fi

# A binary file as the prime: said once, nothing else.
"$BURBLE" sample -m "$T/m.safetensors" --prime-file "$T/m.safetensors" \
	-n 5 >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "--prime-file MODEL: exit status 1"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "--prime-file MODEL: one line"
like "$(cat "$T/err")" "^burble: .*m\.safetensors: (binary data|invalid UTF-8)" "--prime-file MODEL: not text"

# Piped repl: input as the corpus reader takes it, line by line. A NUL or
# invalid UTF-8 is reported with the line's number and skipped; CRLF and a
# lone CR end lines; the other lines are answered.
printf 'The owl\000x\r\nThe\r\n\377bad\nok\rnext\n' |
	"$BURBLE" repl -m "$T/m.safetensors" -n 0 >"$T/rp" 2>"$T/rperr"
is "$?" 1 "piped repl with bad lines: exit status 1"
like "$(sed -n 1p "$T/rperr")" "^burble: stdin: line 1: binary data \(NUL byte at offset 7\); skipped$" "piped repl: a NUL is reported, not cut off"
like "$(sed -n 2p "$T/rperr")" "^burble: stdin: line 3: invalid UTF-8 at byte 0; skipped$" "piped repl: invalid UTF-8, with its line"
is "$(tr '\n' ' ' <"$T/rp")" "The ok next " "piped repl: the other lines are answered"
grep -q "$(printf '\r')" "$T/rp"; [ $? -ne 0 ]; ok $? "piped repl: no CR echoed"

# Control and bidirectional characters of a vocabulary are shown escaped
# by info and in the headless samples, never sent raw.
raw='202E:\342\200\256 202D:\342\200\255 0085:\302\205 2028:\342\200\250
	000B:\013 200F:\342\200\217 2066:\342\201\246'
i=0; while [ $i -lt 100 ]; do
	printf 'ab\342\200\256cd\342\200\255e \302\205f\342\200\250g\013h\342\200\217i\342\201\246j\n'
	i=$((i + 1)); done >"$T/bidi.txt"
"$BURBLE" train --steps 1 --eval-every 1 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 400 --sample-temps 1.0 --seed 5 \
	-o "$T/bidi.safetensors" "$T/bidi.txt" >"$T/bidi.log" 2>&1
ok $? "train on a text full of controls"
"$BURBLE" info "$T/bidi.safetensors" >"$T/bidi.info" 2>&1
for cp in 202E 202D 0085 2028 000B 200F 2066; do
	grep -q "^Vocabulary.* U+$cp" "$T/bidi.info"; ok $? "info shows U+$cp escaped"
done
like "$(sed -n '/^sample/,$p' "$T/bidi.log")" "<U\+(202E|202D|0085|2028|000B|200F|2066)>" "the headless sample shows them escaped"
for cb in $raw; do
	LC_ALL=C grep -q "$(printf "${cb#*:}")" "$T/bidi.info" "$T/bidi.log"
	[ $? -ne 0 ]; ok $? "no raw U+${cb%%:*} in info or the headless lines"
done

# A terminal curses cannot drive (TERM=dumb): plain lines and a note, not
# a dashboard piled onto one line that waits for a key.
if command -v script >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
	TERM=dumb timeout 60 script -qec "'$BURBLE' train --steps 3 --hidden 8 \
		--layers 1 --batch 4 --seq 16 --sample-len 0 \
		-o '$T/dumb.safetensors' '$corpus'" /dev/null </dev/null \
		>"$T/dumb" 2>&1; st=$?
	is "$st" 0 "TERM=dumb: the run ends by itself"
	like "$(cat "$T/dumb")" "note: TERM=dumb cannot show the dashboard" "TERM=dumb: a note says why"
	like "$(cat "$T/dumb")" "done \(finished\) at step 3" "TERM=dumb: plain progress lines"
	grep -q "$(printf '\033')" "$T/dumb"; [ $? -ne 0 ]; ok $? "TERM=dumb: no escape sequences"
else
	skip "script or timeout not installed"
fi

# SIGINT or SIGTERM during a long evaluation: it stops within a batch and
# the run saves. A 3 MB text, half of it the validation split: evaluating
# it takes half a minute here.
awk 'BEGIN { srand(7); split("the owl reads a book by lamplight and sea " \
	"under moon over quiet hills", w, " "); n = 0
	while (n < 3000000) { s = ""; for (i = 0; i < 12; i++)
		s = s w[int(rand() * 15) + 1] " "; print s; n += length(s) + 1 } }' \
	>"$T/big.txt"
for sig in INT TERM; do
	log=$T/big-$sig.log
	: >"$log"
	"$BURBLE" train --steps 50 --eval-every 1 --report-every 1 --val 0.5 \
		--sample-len 0 --seed 1 -o "$T/big-$sig.safetensors" \
		"$T/big.txt" >"$log" 2>&1 &
	pid=$!
	i=0; while [ $i -lt 600 ] && ! grep -q "^epoch .* step 1/" "$log"; do
		sleep 0.1; i=$((i + 1)); done
	sleep 0.5		# into the evaluation
	t0=$(date +%s); kill -$sig $pid; wait $pid; st=$?; t1=$(date +%s)
	is "$st" 0 "SIG$sig during an evaluation: exit status 0"
	[ $((t1 - t0)) -le 5 ]; ok $? "SIG$sig during an evaluation: over in $((t1 - t0)) s"
	like "$(tail -1 "$log")" "^done \(stopped\) at step 1; saved " "SIG$sig during an evaluation: stopped and saved"
	"$BURBLE" info --json "$T/big-$sig.safetensors" >"$T/big.info" 2>&1
	like "$(cat "$T/big.info")" '"step": *1[,}]' "SIG$sig during an evaluation: the checkpoint loads"
done

# --time sizes the model for the budget (plan.h): the choice and why on
# the first line; what is given is kept; a resumed run is not resized.
q=$top_srcdir/corpora/quillfeather.txt
"$BURBLE" train --headless --time 2 --sample-len 0 --seed 1 \
	-o "$T/plan.safetensors" "$q" >"$T/plan.out" 2>&1; st=$?
ok $st "train --time 2: exit status 0"
first=$(head -1 "$T/plan.out")
like "$first" "^burble: sized for 2 s on this machine: 2x128, dropout 0\.[25], about .* characters \(.* epochs\) at .* k/s; the smallest size" \
	"--time: the first line says the size chosen and why"
like "$(sed -n 2p "$T/plan.out")" "^burble: training LSTM 2x128 " "--time: the run trains that size"
"$BURBLE" train --headless --time 2 --hidden 48 --layers 1 --sample-len 0 \
	-o "$T/plan2.safetensors" "$q" >"$T/plan.out" 2>&1
like "$(head -1 "$T/plan.out")" "^burble: sized for 2 s .*: 1x48, dropout .*; the size given" \
	"--time with --hidden and --layers: the size given, dropout planned"
like "$(sed -n 2p "$T/plan.out")" "^burble: training LSTM 1x48 " "--time with --hidden and --layers: kept"
"$BURBLE" train --headless --time 2 --hidden 48 --layers 1 --dropout 0.1 \
	--sample-len 0 -o "$T/plan3.safetensors" "$q" >"$T/plan.out" 2>&1
like "$(head -1 "$T/plan.out")" "^burble: training LSTM 1x48 " "--time with everything given: nothing planned"
"$BURBLE" train --headless --time 2 --hidden 48 --sample-len 0 \
	-o "$T/plan4.safetensors" "$q" >"$T/plan.out" 2>&1
like "$(head -1 "$T/plan.out")" "^burble: sized for 2 s .*: [123]x48, " "--time with --hidden: the depth is planned"
"$BURBLE" train --headless --time 2 --resume "$T/plan.safetensors" \
	--sample-len 0 -o "$T/plan.safetensors" "$q" >"$T/plan.out" 2>&1
like "$(head -1 "$T/plan.out")" "^burble: training LSTM 2x128 " "--time on a resumed run: not resized"
"$BURBLE" train --headless --steps 3 --sample-len 0 \
	-o "$T/plan5.safetensors" "$q" >"$T/plan.out" 2>&1
like "$(head -1 "$T/plan.out")" "^burble: training LSTM 2x256 " "without --time: the default size"

done_testing
