#!/bin/sh
# compare.sh - runs compared on one chart: `burble plot` in a real terminal
# (tmux), its keys and legend, with and without colour; its refusals; and
# `burble train --compare` in the dashboard.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

. "$(dirname "$0")/setup.sh"

corpus=$CORPORA/quillfeather.txt
tiny() {   # tiny OUTPUT ARGS...: a tiny headless run with a history
	_o=$1; shift
	"$BURBLE" train --headless --steps 40 --eval-every 10 --hidden 32 \
		--layers 1 --batch 8 --seq 32 --seed 1 --sample-len 0 \
		-o "$_o" "$@" "$corpus" >/dev/null 2>"$T/train.err"
}
tiny "$T/a.safetensors" --dropout 0.1; ok $? "train run a (dropout 0.1)"
tiny "$T/b.safetensors" --dropout 0.5; ok $? "train run b (dropout 0.5)"
"$BURBLE" train --headless --steps 3 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 0 --weights-only -o "$T/w.safetensors" \
	"$corpus" >/dev/null 2>&1; ok $? "train a weights-only run"

# Refusals: one line naming the file, before any screen opens.
refuse() {   # refuse DESCRIPTION STATUS REGEX ARGS...
	_d=$1; _s=$2; _re=$3; shift 3
	"$BURBLE" "$@" </dev/null >"$T/out" 2>"$T/err"; _st=$?
	is "$_st" "$_s" "$_d: exit status $_s"
	like "$(head -1 "$T/err")" "$_re" "$_d: says why"
	is "$(cat "$T/out")" "" "$_d: nothing on standard output"
}
refuse "plot: a missing file" 1 "^burble: $T/nope: no such file" \
	plot "$T/a.safetensors" "$T/nope"
refuse "plot: not a checkpoint" 1 "^burble: $corpus: not a safetensors" \
	plot "$corpus"
refuse "plot: no history" 1 "^burble: $T/w.safetensors: no training history" \
	plot "$T/w.safetensors"
refuse "plot: five runs" 2 "^burble: at most 4 runs on one plot, got 5" \
	plot "$T/a.safetensors" "$T/a.safetensors" "$T/a.safetensors" \
	"$T/a.safetensors" "$T/a.safetensors"
refuse "plot: no run" 2 "^burble: a checkpoint to plot is needed" plot
refuse "plot: not a terminal" 1 "^burble: plot: needs a terminal" \
	plot "$T/a.safetensors"
refuse "train --compare: a missing file" 1 "^burble: $T/nope: no such file" \
	train --headless --steps 5 -o "$T/x.safetensors" \
	--compare "$T/nope" "$corpus"
refuse "train --compare: no history" 1 \
	"^burble: $T/w.safetensors: no training history" \
	train --headless --steps 5 -o "$T/x.safetensors" \
	--compare "$T/w.safetensors" "$corpus"
refuse "train --compare: not a checkpoint" 1 "^burble: $corpus: not a safetensors" \
	train --headless --steps 5 -o "$T/x.safetensors" \
	--compare "$corpus" "$corpus"
refuse "train --compare: five runs" 2 "^burble: --compare: at most 4 runs" \
	train --headless --steps 5 -o "$T/x.safetensors" \
	--compare "$T/a.safetensors" --compare "$T/a.safetensors" \
	--compare "$T/a.safetensors" --compare "$T/a.safetensors" \
	--compare "$T/a.safetensors" "$corpus"
[ ! -e "$T/x.safetensors" ]; ok $? "train --compare refused: nothing trained"
# Headless, --compare has nothing to draw on: a note says so.
"$BURBLE" train --headless --steps 2 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 0 -o "$T/h.safetensors" \
	--compare "$T/a.safetensors" "$corpus" >/dev/null 2>"$T/err"
ok $? "train --headless --compare: trains"
like "$(cat "$T/err")" "^burble: note: --compare draws in the dashboard" \
	"train --headless --compare: a note says the curves are not drawn"

command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
PANE=compare
. "$(dirname "$0")/tmux.sh"
run() {   # run COMMAND: from the pane's shell, then "exit=N"
	keys -l "clear; $1; echo exit=\$?"
	keys Enter
}
start_shell 100 30

run "$BURBLE plot $T/a.safetensors $T/b.safetensors"
wait_for '^── validation loss ─' 10; ok $? "plot: the title"
cap >"$T/screen"
grep -Eq '^ +[•o] +a\.safetensors +dropout 0\.1$' "$T/screen"
ok $? "plot: the legend names a and its dropout"
grep -Eq '^ +x +b\.safetensors +dropout 0\.5$' "$T/screen"
ok $? "plot: the legend names b and its dropout"
like "$(grep -E '┤' "$T/screen" | head -1)" '^ *[0-9.]+┤' "plot: a y axis"
xlabel() { cap | grep -E ' (step|chars|seconds)$' | awk '{ print $NF }'; }
is "$(xlabel)" step "plot: x in steps"
keys x; wait_for ' chars$' 5
is "$(xlabel)" chars "x: characters seen"
wait_for '^── validation loss, x: chars ─' 5; ok $? "x: the title says so"
keys x; wait_for ' seconds$' 5
is "$(xlabel)" seconds "x again: seconds"
keys x; wait_for ' step$' 5
is "$(xlabel)" step "x a third time: steps again"
keys e e; wait_for 'smoothed 0\.9 ─' 5
ok $? "e twice: the title says smoothed 0.9"
keys a
wait_for '^── validation loss \(training dimmed\), smoothed 0\.9 ─' 5
ok $? "a: the training curves too, the title says so"
keys q
wait_for '^exit=0$' 5; ok $? "q: burble exits 0"
wait_for '^\$ *$' 5; ok $? "q: the shell prompt is back"
is "$(tm display-message -p -t "$PANE" '#{alternate_on}')" 0 \
	"q: the normal screen is back"

# Without colour: a glyph a cell, each run its own, shown in the legend.
for env in "NO_COLOR=1" "TERM=vt100"; do
	run "$env $BURBLE plot $T/a.safetensors $T/b.safetensors"
	wait_for '^ +x +b\.safetensors' 10; ok $? "$env: the plot opens"
	cap >"$T/mono"
	grep -Eq '^ +o +a\.safetensors' "$T/mono"; ok $? "$env: a is o in the legend"
	grep -Eq '^ +x +b\.safetensors' "$T/mono"; ok $? "$env: b is x in the legend"
	grep -q '┤.*ooo' "$T/mono" || grep -q '│.*ooo' "$T/mono"
	ok $? "$env: a's curve is drawn in o"
	grep -Eq '(┤|│).*x' "$T/mono"; ok $? "$env: b's curve is drawn in x"
	! LC_ALL=C grep -q "$(printf '\342')[$(printf '\240\241\242\243')]" "$T/mono"
	ok $? "$env: no braille"
	keys q
	wait_for '^exit=0$' 5; ok $? "$env: q exits 0"
done

# train --compare: the others' curves and a legend in the dashboard's plot.
run "$BURBLE train $corpus --hidden 32 --layers 1 --batch 8 --seq 32 \
--steps 300 --eval-every 20 --dropout 0.3 --sample-len 0 -o $T/c.safetensors \
--compare $T/a.safetensors --compare $T/b.safetensors"
wait_for '^ +[•o] +c\.safetensors +dropout 0\.3$' 30
ok $? "--compare: the legend names this run and its dropout"
cap >"$T/dash"
grep -Eq '^ +x +a\.safetensors +dropout 0\.1$' "$T/dash"
ok $? "--compare: the legend names a and its dropout"
grep -Eq '^ +\+ +b\.safetensors +dropout 0\.5$' "$T/dash"
ok $? "--compare: the legend names b and its dropout"
grep -q '^── loss ─' "$T/dash"; ok $? "--compare: the loss plot"
keys M-x; wait_for '^── loss, x: chars ─' 5
ok $? "Alt-X: x in characters (the title)"
is "$(xlabel)" chars "Alt-X: the axis is named chars"
keys M-e M-e; wait_for '^── loss, x: chars, smoothed 0\.9 ─' 5
ok $? "Alt-E twice: smoothed 0.9"
keys F1; wait_for 'Alt-X Alt-A Alt-E +plot: x axis' 5
ok $? "the help names the keys"
keys q F10; wait_for '^exit=0$' 30
ok $? "--compare: F10 quits, exit 0"

done_testing
