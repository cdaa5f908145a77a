#!/bin/sh
# prompt.sh - the prompt in a real terminal (tmux), and the piped repl.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs `burble train` from a shell inside a detached tmux pane on a private
# server and drives its prompt with send-keys, reading the screen with
# capture-pane: a prime and its continuation, the sampling keys and :temp,
# Ctrl-C on a long continuation, :peek, Cyrillic and CJK input, a bad
# command, a pasted paragraph; then `burble repl` twice to see the history
# survive a restart.
# Last, piped `burble repl` against `burble sample`.

. "$(dirname "$0")/setup.sh"

PANE=prompt
. "$(dirname "$0")/tmux.sh"
# The prompt's input line, and the terminal cursor's column.
input_line() { cap | grep -E '^(burble|   \.\.\.)> ' | tail -n 1; }
cursor_x() { tm display-message -p -t "$PANE" '#{cursor_x}'; }
# The output pane: the rows between the prompt title and the input line.
out_pane() { cap | sed -n '/^── prompt /,/^burble> /p' | sed '1d;$d'; }
# The temperature shown beside the prompt ("0.8").
temp_now() { input_line | sed -n 's/.* T=\([0-9.]*\) .*/\1/p'; }
# T + 0.1 as the prompt shows it ("0.35" -> "0.45", "0.3" -> "0.4").
plus_tenth() { awk -v t="$1" 'BEGIN { printf "%.2f\n", t + 0.1 }' | sed 's/\(\.[0-9]\)0$/\1/'; }

CORPUS="$CORPORA/quillfeather.txt"
ARGS="--hidden 64 --layers 1 --batch 16 --seq 50 --sample-len 100"
ENVS="XDG_STATE_HOME=$T/state INPUTRC=/dev/null"

start_shell 110 64
keys "$ENVS $BURBLE train $CORPUS $ARGS --epochs 200" \
    " -o $T/m.safetensors; echo exit=\$?" Enter

wait_for '^burble> ' 30
ok $? "the dashboard shows the prompt"
like "$(input_line)" 'T=0\.8 k=0 p=1\.0 len=300' \
    "the sampling settings are shown beside the prompt"
wait_for '── prompt · T=0\.8 k=0 p=1\.0 len=300' 5
ok $? "... and in the pane title"
# Let it learn a little so that :peek below is not uniform.
wait_for 'samples · epoch [0-9]' 60
ok $? "training runs (an epoch has ended)"

# ---- a prime, and its continuation after it ----------------------------
keys ":len 60" Enter
wait_for '60 characters per continuation' 5
ok $? ":len 60 is confirmed"
keys "Quillfeather was" Enter
wait_for '^— length, 60 characters' 15
ok $? "a continuation of 60 characters ends"
after=$(out_pane | awk '
	/^Quillfeather was/ { on = 1; sub(/^Quillfeather was/, "") }
	/^— / { on = 0 }
	on { printf "%s", $0 }' | tr -d ' ')
[ "${#after}" -ge 20 ]
ok $? "the continuation follows the echoed prime ('$after')"

# ---- temperature, top-k and top-p keys, and :temp ------------------------
keys F7
wait_for '^burble> .*T=0\.9 k=0' 5
ok $? "F7 raises the temperature to 0.9"
wait_for '── prompt · T=0\.9' 5
ok $? "the pane title follows"
keys M-Down M-Down
wait_for '^burble> .*T=0\.7 k=0' 5
ok $? "Alt-Down twice lowers it to 0.7"
keys F8
wait_for '^burble> .*T=0\.7 k=80 p=1\.0' 5
ok $? "F8 turns top-k on (80)"
keys F11
wait_for '^burble> .*k=80 p=0\.95' 5
ok $? "F11 lowers top-p to 0.95"
keys F9 F12
wait_for '^burble> .*T=0\.7 k=0 p=1\.0 ' 5
ok $? "F9 and F12 bring them back"
keys ":temp 0.3" Enter
wait_for '^burble> .*T=0\.3 k=0' 5
ok $? ":temp 0.3 shows T=0.3"
keys ":te 0.35" Enter
wait_for '^burble> .*T=0\.35 k=0' 5
ok $? ":te 0.35 (a unique prefix) shows T=0.35"
keys ":temp -1" Enter
wait_for 'T must be a number >= 0 \(0 = greedy\), got .-1.' 5
ok $? ":temp -1 says what is allowed"
like "$(input_line)" 'T=0\.35 k=0' "... and changes nothing"
keys ":to 5" Enter
wait_for 'ambiguous command: to, could be: topk, topp' 5
ok $? ":to is ambiguous"
keys ":te" Tab
wait_for '^burble> :temp ' 5
ok $? "Tab completes :te to :temp"
keys C-c

# ---- a long continuation, a key while it streams, and Ctrl-C -------------
keys ":len 100000" Enter ":rate 200" Enter "The keeper said" Enter
wait_for '^burble> .*▶ T=0\.35.*rate=200/s' 5
ok $? "a long continuation streams (marked beside the prompt)"
sleep 1
n1=$(out_pane | tr -d ' \n' | wc -c)
keys F6
wait_for '^burble> .*▶ T=0\.25' 5
ok $? "F6 lowers the temperature while it streams"
sleep 1
n2=$(out_pane | tr -d ' \n' | wc -c)
[ "$n2" -gt "$n1" ]
ok $? "text keeps streaming ($n1 -> $n2 bytes on screen)"
keys C-c
wait_for '^— stopped, [0-9]+ characters' 5
ok $? "Ctrl-C stops the continuation"
stopped=$(cap | sed -n 's/^— stopped, \([0-9]*\) characters.*/\1/p' | tail -n 1)
[ -n "$stopped" ] && [ "$stopped" -lt 100000 ]
ok $? "... early ($stopped of 100000 characters)"
s1=$(out_pane)
sleep 0.7
s2=$(out_pane)
[ "$s1" = "$s2" ]
ok $? "nothing streams after Ctrl-C"
keys ":rate 0" Enter ":len 200" Enter
wait_for '^burble> .*T=0\.25 k=0 p=1\.0 len=200 *$' 5
ok $? "burble is still running and answering"
! cap | grep -q '^exit='
ok $? "Ctrl-C did not end the program"

# ---- :peek -------------------------------------------------------------
keys "Quillfeather" Enter
wait_for '^— length, 200 characters' 15
keys ":peek" Enter
wait_for '^  rest +[0-9]\.[0-9]{4}' 10
ok $? ":peek shows a distribution"
peek=$(out_pane | awk '/^next character, top/ { n = 0; s = "" } { s = s "\n" $0 } END { print s }')
# (a candidate too unlikely for a bar cell ends its line at the number:
# capture-pane drops the trailing space)
probs=$(printf '%s\n' "$peek" | sed -En "s/^  '.*' +([0-9]\.[0-9]{4})( .*)?$/\1/p")
rest=$(printf '%s\n' "$peek" | sed -n 's/^  rest  *\([0-9]\.[0-9]*\).*/\1/p')
count=$(printf '%s\n' "$probs" | grep -c .)
want=$(printf '%s\n' "$peek" | sed -n 's/^next character, top \([0-9]*\):.*/\1/p')
is "$count" "$want" "all $want candidates are shown with a probability"
# the candidates alone: sorted, at most 1 together; and with the rest, 1
printf '%s\n' "$probs" | awk -v rest="$rest" '
	{ if (NR > 1 && $1 > prev + 1e-9) bad = 1; prev = $1; s += $1 }
	END { exit !(bad == 0 && s > 0.3 && s <= 1.0006 &&
	    s + rest > 0.999 && s + rest < 1.001) }'
ok $? ":peek probabilities are sorted and sum to about 1 ($(printf '%s' "$probs" | tr '\n' ' ')+ rest $rest)"

# ---- :cell: the text coloured by one hidden unit's activation -------------
keys ":cell 64" Enter
wait_for '^:cell: unit must be 0 to 63 \(layer 1 has 64 units\)' 5
ok $? ":cell 64 says which units there are, on one line"
keys ":cell 2:0" Enter
wait_for '^:cell: layer must be 1 \(the model has 1 layer\)' 5
ok $? ":cell 2:0 says which layers there are"
! cap | grep -q 'cell 1:'
ok $? "... and turns nothing on"
# Blue and cyan (negative activations) are the view's own: the surprise
# colours are green, yellow and red.
NEG='\[([0-9]*;)*3[46](;[0-9]*)*m'
# exchange MARK: the coloured rows from the last one holding MARK to the
# end of the continuation after it
exchange() {
	tm capture-pane -e -p -t "$PANE" 2>/dev/null | awk -v mark="$1" '
		index($0, mark) { s = ""; on = 1 }
		on { s = s $0 "\n" }
		on && /— length/ { on = 0 }
		END { printf "%s", s }'
}
keys ":cell" Enter ":len 100" Enter "Quillfeather" Enter
wait_for '^— length, 100 characters' 15
ok $? "a continuation with the view off"
off=$(exchange 'cell view off')
printf '%s\n' "$off" | grep -q 'Quillfeather' &&
    ! printf '%s\n' "$off" | grep -Eq "$NEG"
ok $? "... has no blue or cyan text"
found=0
for u in 0 1 2 3 4 5 6 7; do
	keys ":cell $u" Enter ":len $((101 + u))" Enter "Quillfeather" Enter
	wait_for "^— length, $((101 + u)) characters" 15 || break
	if exchange "cell 1:$u, tanh" | grep -Eq "$NEG"; then
		found=1
		break
	fi
done
like "$(cap | grep '── prompt')" "── prompt · T=.* len=$((101 + u)) cell 1:$u" \
    ":cell $u shows the cell in the pane title"
like "$(input_line)" "len=$((101 + u)) cell 1:$u *\$" \
    "... and beside the prompt"
ok $((!found)) "the view colours text blue or cyan (unit $u is negative)"
exchange "cell 1:$u, tanh" | sed 's/\x1b\[[0-9;]*m//g' | grep -q '^Quillfeather'
ok $? "the prime comes back from the model, coloured"
keys ":cell off" Enter
wait_for '^cell view off' 5
ok $? ":cell off turns the view off"
wait_for '── prompt · T=[^·]* len=[0-9]+ *─' 5
ok $? "... and the title no longer shows the cell"
keys ":len 200" Enter

# ---- Cyrillic and CJK input ------------------------------------------------
# (Generous waits: under ASan with other tmux tests beside it, the redraw
# after a continuation can take seconds.)
cursor_at() {   # cursor_at COLUMN: wait up to 10 s for the cursor there
	_i=0
	while [ "$(cursor_x)" != "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1)); done
	cursor_x
}
keys "Привет, мир"
wait_for '^burble> Привет, мир' 20
ok $? "Cyrillic input is shown as typed"
is "$(cursor_at 19)" 19 "the cursor stands after it (display columns, not bytes)"
keys C-a C-f C-f C-f
is "$(cursor_at 11)" 11 "Ctrl-A and three Ctrl-F: column 11"
keys C-e Enter
wait_for '^Привет, мир' 20
ok $? "the Cyrillic prime is echoed in the output pane"
wait_for '^— length, 200 characters' 30
keys "世界 ok"
wait_for '^burble> 世界 ok' 20
ok $? "CJK input is shown"
is "$(cursor_at 15)" 15 "wide characters take two columns"
keys C-c
wait_for '^burble> +T=' 5
ok $? "Ctrl-C on an idle prompt clears the line"
! cap | grep -q 'press Ctrl-C again'
ok $? "... and says nothing more"
keys C-c
wait_for '^press Ctrl-C again or Ctrl-D to save and quit \(or F10, :quit\)' 5
ok $? "Ctrl-C on an empty line says how to quit"
keys x BSpace C-c
sleep 0.5
! cap | grep -q '^exit='
ok $? "... and after another key, one more Ctrl-C does not quit"

# ---- a pasted paragraph is one prime (bracketed paste) ------------------
keys ":len 30" Enter
tm set-buffer -b para "$(printf 'The owl said\nto the keeper')"
tm paste-buffer -p -b para -t "$PANE"
wait_for '^   \.\.\.> to the keeper' 5
ok $? "a pasted paragraph: its last line waits in the editor"
keys Enter
wait_for '^— length, 30 characters' 15
ok $? "... and Enter sends it"
para=$(cap | sed -n '/^The owl said$/,/^— length, 30/p')
like "$(printf '%s\n' "$para" | sed -n 2p)" '^to the keeper' \
    "... as one prime of two lines"
is "$(printf '%s\n' "$para" | grep -c '^— length')" 1 \
    "... with one continuation"

# ---- an unterminated paste ends; a lone Esc is a key of its own ----------
# ESC [ 200 ~ and no end marker: once no byte has come for a moment, keys
# are keys again, and what was pasted stays in the editor (issue 17 #10).
t0=$(temp_now)
keys -H 1b 5b 32 30 30 7e
keys -l "half a paste"
sleep 2.5
wait_for '^burble> half a paste' 5
ok $? "an unterminated paste ends, and its text stays in the editor"
keys F7
wait_for "^burble> half a paste .*T=$(plus_tenth "$t0") " 5
ok $? "... and keys work again (F7: T=$t0 -> $(temp_now))"
keys C-c
wait_for '^burble> +T=' 5
ok $? "... Ctrl-C too"
# Esc, then a moment later F7: the temperature goes up, nothing is typed
# (it was '[18~'); Esc, then Up: history, not Alt-Up (issue 17 #13).
t1=$(temp_now)
keys Escape
sleep 0.8
keys F7
sleep 0.5
! input_line | grep -q '\[18~'
ok $? "Esc, then F7: nothing typed into the prompt ('$(input_line)')"
like "$(temp_now)" "^$(plus_tenth "$t1")\$" \
    "... and F7 raised the temperature ($t1 -> $(temp_now))"
t2=$(temp_now)
keys Escape
sleep 0.8
keys Up
wait_for '^burble> The owl said.to the keeper' 5
ok $? "Esc, then Up: the history"
is "$(temp_now)" "$t2" "... not Alt-Up (the temperature stays)"
keys C-c
# Ctrl-R, then Ctrl-X (a prefix key) and a key it does not complete: a
# SEGV inside readline 8.2's search, found by a key fuzz. Ctrl-X now ends
# the search; the keys after it are typed.
keys C-r C-x
keys -l ':x'
sleep 1
! cap | grep -q '^exit='
ok $? "Ctrl-R Ctrl-X : x does not crash"
wait_for '^burble> .*:x' 5
ok $? "... the search ends, and :x is typed ('$(input_line)')"
keys C-c

# ---- quit; the history survives a restart ------------------------------
keys F10
wait_for '^exit=[0-9]+' 60
ok $? "F10 quits the dashboard"
# The terminal's bracketed paste is off again: a paste reaches the shell
# as plain text.
keys "clear; cat -v" Enter
tm paste-buffer -p -b para -t "$PANE"
keys Enter C-d
wait_for '^to the keeper$' 5
ok $? "after quitting, the terminal's bracketed paste mode is off"
test -s "$T/state/burble/history"
ok $? "the history file is written under \$XDG_STATE_HOME/burble"

keys "clear; $ENVS $BURBLE repl -m $T/m.safetensors; echo exit=\$?" Enter
wait_for '^burble> ' 20
ok $? "burble repl shows the prompt"
keys "history survives a restart" Enter
wait_for '^— length' 15
ok $? "burble repl continues a prime"
"$BURBLE" train --steps 3 --hidden 32 --layers 2 --batch 8 --seq 16 \
    --sample-len 0 -o "$T/small.safetensors" "$CORPUS" >/dev/null 2>&1
keys ":load $T/small.safetensors" Enter
wait_for '^ burble repl · quillfeather\.txt · LSTM 2×32 ' 10
ok $? ":load: the header names the loaded model"
keys ":cell 2:40" Enter
wait_for '^:cell: unit must be 0 to 31 \(layer 2 has 32 units\)' 5
ok $? ":load: :cell checks against the loaded model"
keys ":quit" Enter
wait_for '^exit=0' 20
ok $? ":quit leaves burble repl"
# (Under AddressSanitizer its report goes to $T/asan.PID: the pane's
# stderr is the screen.)
ASAN_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
keys "clear; $ENVS $ASAN_ENV $BURBLE repl -m $T/m.safetensors" \
    "; echo exit=\$?" Enter
wait_for '^burble> ' 20
keys Up Up Up Up	# :quit, :cell, :load, then the line
wait_for '^burble> history survives a restart' 5
ok $? "Up recalls the line typed before the restart"
# A line recalled from the history, edited and left: readline keeps its
# undo list in the history entry, to be freed with the history.
keys x Down
# Non-incremental searches (M-p) left by Backspace, Esc and C-g: readline
# drops the search string's undo list without freeing it (feed.c frees it)
# and keeps the search context (tests/lsan.supp).
keys M-p x BSpace BSpace
sleep 0.3
keys M-p x Escape
sleep 0.8
keys M-p C-g
sleep 0.3
keys C-c C-d
wait_for '^exit=0' 20
ok $? "Ctrl-D on an empty line quits"
if LC_ALL=C grep -q __asan_init "$BURBLE"; then
	! cat "$T"/asan.* 2>/dev/null | grep -q 'leaked'
	ok $? "no leak after editing a history line and searches (LeakSanitizer)"
else
	skip "no leak after editing a history line: not an ASan build"
fi
keys "clear; $ENVS $BURBLE repl -m $T/m.safetensors; echo exit=\$?" Enter
wait_for '^burble> ' 20
keys C-c
wait_for '^press Ctrl-C again or Ctrl-D to quit \(or F10, :quit\)' 5
ok $? "burble repl: Ctrl-C on an empty line says how to quit"
keys C-c
wait_for '^exit=0' 20
ok $? "burble repl: Ctrl-C twice quits"

# ---- control and bidi characters are shown escaped -------------------------
# A model of a corpus of U+202E (right-to-left override), U+2028 (line
# separator), U+0085 (next line), U+000B and U+2066 (an isolate): neither
# the prime typed nor the continuation sends them raw (issue 17 #19).
printf 'ab\342\200\256cd\342\200\250ef\302\205gh\013ij\342\201\246kl\n' |
    awk '{ for (i = 0; i < 400; i++) print }' >"$T/ctl.txt"
RAW="$(printf '\342\200\256|\342\200\250|\302\205|\342\201\246|\013')"
"$BURBLE" train --headless --steps 150 --hidden 32 --layers 1 --batch 8 \
    --seq 32 --sample-len 0 -o "$T/ctl.safetensors" "$T/ctl.txt" \
    >/dev/null 2>&1
keys "clear; $ENVS $BURBLE repl -m $T/ctl.safetensors -n 80; echo exit=\$?" \
    Enter
wait_for '^burble> ' 20
keys -l "$(printf 'ab\342\200\256cd')"
wait_for '^burble> ab<U\+202E>cd' 5
ok $? "a typed U+202E shows escaped in the input line"
keys Enter
wait_for '^— length, 80 characters' 15
ok $? "a continuation of the control-character model"
out_pane | grep -q '^ab<U+202E>cd'
ok $? "the prime is echoed with it escaped"
cont=$(out_pane | awk '/^ab<U\+202E>cd/ { on = 1; sub(/^ab<U\+202E>cd/, "") }
	/^— / { on = 0 } on { printf "%s", $0 }')
like "$cont" '<U\+(202E|2028|0085|000B|2066)>' \
    "the continuation shows them escaped too"
! cap | LC_ALL=C grep -Eq "$RAW"
ok $? "none reaches the terminal as it is"
keys C-d
wait_for '^exit=0' 20

if [ "$_failed" -ne 0 ]; then
	echo "# last screen:"
	show
fi

# ---- piped repl == sample ----------------------------------------------
M=$T/m.safetensors
printf 'Quillfeather\n' | "$BURBLE" repl -m "$M" --seed 7 -n 50 >"$T/repl.out" 2>&1
ok $? "piped repl exits 0"
"$BURBLE" sample -m "$M" --prime Quillfeather --seed 7 -n 50 >"$T/sample.out" 2>&1
ok $? "sample exits 0"
cmp -s "$T/repl.out" "$T/sample.out"
ok $? "piped repl gives exactly the text of sample (prime echoed by both)"
like "$(head -c 12 "$T/repl.out")" '^Quillfeather$' "the output starts with the prime"
printf 'Quillfeather\nThe keeper\n' | "$BURBLE" repl -m "$M" --seed 7 -n 50 \
    >"$T/repl2.out" 2>&1
"$BURBLE" sample -m "$M" --prime 'The keeper' --seed 7 -n 50 \
    >"$T/sample2.out" 2>&1
cat "$T/sample.out" "$T/sample2.out" | cmp -s - "$T/repl2.out"
ok $? "two lines: two continuations, each as sample gives it"

done_testing
