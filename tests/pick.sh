#!/bin/sh
# pick.sh - choosing the next character by hand (:pick, Alt-I) and beam
# search continuations (:beam) at the dashboard's prompt, in tmux, while a
# tiny model trains; then :pick in the piped repl.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

. "$(dirname "$0")/setup.sh"

PANE=pick
. "$(dirname "$0")/tmux.sh"

# The rows of the pick list: "  3  'e'   12.5%".
rows() { cap | grep -E "^ +[0-9]+  '.*' +[0-9.]+%$"; }
# wait_rows N: until the list has N rows (10 s at most).
wait_rows() {
	_end=$(($(date +%s) + 10))
	until [ "$(rows | wc -l | tr -d ' ')" -eq "$1" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}
# TEXT as an extended regular expression that matches it alone.
re_quote() { printf '%s' "$1" | sed 's/[].[*^$\\/+?(){}|]/\\&/g'; }
# The line just above the list's heading: the text picked so far.
picked() { cap | grep -B1 '^next character (digit' | head -n 1; }
# The number of the first row whose character is a visible ASCII one.
visible_row() {
	rows | sed -n "s/^  *\([0-9]*\)  '\([!-&(-~]\)' .*/\1 \2/p" | head -n 1
}

CORPUS="$CORPORA/quillfeather.txt"
ENVS="XDG_STATE_HOME=$T/state INPUTRC=/dev/null"

start_shell 110 50
keys "$ENVS $BURBLE train $CORPUS --hidden 32 --layers 1 --batch 8" \
    " --seq 32 --sample-len 0 --epochs 500 -o $T/m.safetensors" \
    "; echo exit=\$?" Enter
wait_for '^burble> ' 30
ok $? "the dashboard shows the prompt"
sleep 1

# ---- :pick 5 --------------------------------------------------------------
keys ":pick 5" Enter
wait_rows 5
ok $? ":pick 5: a list comes"
is "$(rows | awk '{ print $1 }' | tr '\n' ' ')" "0 1 2 3 4 " \
    ":pick 5: five choices, numbered 0 to 4"
sum=$(rows | sed 's/.* \([0-9.]*\)%$/\1/' | awk '{ s += $1 } END { print s }')
awk -v s="$sum" 'BEGIN { exit !(s > 0 && s <= 100.05) }'
ok $? ":pick 5: the percentages sum to at most 100 ($sum)"
rows | awk '{ print $3 }' | sort -rn -c 2>/dev/null
ok $? ":pick 5: likeliest first"
cap | grep -q ' pick$'
ok $? "the prompt's settings say pick"

# ---- a digit appends that character --------------------------------------
set -- $(visible_row)
if [ $# -eq 2 ]; then
	keys "$1"
	wait_for "^$(re_quote "$2")\$" 10
	ok $? "digit $1 appends '$2' to the text"
	wait_rows 5
	ok $? "... and the next five choices come"
	first=$2
	set -- $(visible_row)
	if [ $# -eq 2 ]; then
		keys "$1"
		wait_for "^$(re_quote "$first$2")\$" 10
		ok $? "a second digit appends '$2' on the same line"
		wait_rows 5
	else
		skip "no visible character among the choices"
	fi
else
	skip "no visible character among the choices"
	skip "no visible character among the choices"
	skip "no visible character among the choices"
fi
before=$(picked)
keys "xyz" Enter
wait_for "^$(re_quote "$before")xyz\$" 10
ok $? "text and Enter force it"
wait_rows 5
old=$(rows)
keys Enter
_end=$(($(date +%s) + 10))
while [ "$(rows)" = "$old" ] && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.1; done
wait_rows 5 && [ "$(rows)" != "$old" ]
ok $? "Enter samples one, and the next list comes"
keys ":len 10" Enter ":continue" Enter
wait_for '^— length, 10 characters' 10
ok $? ":continue in pick mode: a continuation of 10 characters"
wait_rows 5
ok $? "... then the choices from where it ended"
keys Escape
wait_for 'pick mode off' 5
ok $? "Esc leaves pick mode"
is "$(rows | wc -l | tr -d ' ')" 0 "... and the list is gone"
keys M-i
wait_rows 10
ok $? "Alt-I: pick mode with ten choices"
keys Escape
wait_for 'pick mode off' 5

# ---- :beam ----------------------------------------------------------------
keys ":len 20" Enter ":beam 4" Enter
wait_for 'beam search of width 4' 5
ok $? ":beam 4 is confirmed"
cap | grep -q 'len=20 beam=4'
ok $? "the settings show beam=4"
keys "The owl" Enter
wait_for '^— beam 4, log-probability -[0-9.]+, 20 characters' 20
ok $? "a beam continuation of 20 characters comes whole"
keys ":beam off" Enter
wait_for 'beam search off' 5
ok $? ":beam off"
keys ":beam 0" Enter
wait_for ':beam: expected a width from 1 to 1000, or off' 5
ok $? ":beam 0: says what is allowed"
keys ":quit" Enter
wait_for '^exit=0' 30
ok $? "quits"
[ "$_failed" -eq 0 ] || show

# ---- the piped repl -------------------------------------------------------
printf 'The owl\n:pick 3\n' | "$BURBLE" repl -m "$T/m.safetensors" \
    --seed 1 >"$T/piped" 2>"$T/err"
ok $? "piped repl with :pick"
is "$(grep -cE "^  [0-9]  '.*' +[0-9.]+%$" "$T/piped")" 3 \
    "piped :pick 3: three choices, once"
done_testing
