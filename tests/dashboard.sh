#!/bin/sh
# dashboard.sh - the training dashboard in a real terminal (tmux).
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs `burble train` from a shell inside a detached tmux pane on a private
# server, reads the screen with capture-pane and drives it with send-keys:
# header, plot, progress, samples, pause, resize, too small, quit (the
# checkpoint is written, the shell is usable again), then NO_COLOR and a
# monochrome terminal.

. "$(dirname "$0")/setup.sh"

PANE=dash
. "$(dirname "$0")/tmux.sh"
# The step counter of the progress line ("...%  step N/M").
step_now() { cap | sed -n 's/.*%  step \([0-9][0-9]*\).*/\1/p' | head -n 1; }
# Braille cells (U+2801..U+28FF: bytes E2 A0..A3 xx) on screen.
has_braille() {
	cap | LC_ALL=C grep -q "$(printf '\342')[$(printf '\240\241\242\243')]"
}
# restored WHAT: after burble has exited, the terminal is as it was: the
# normal screen (not curses' alternate one), and bracketed paste off (a
# paste reaches cat as plain text, without ESC [ 200 ~ around it).
restored() {
	is "$(tm display-message -p -t "$PANE" '#{alternate_on}')" 0 \
	    "$1: the normal screen is back"
	tm set-buffer -b probe "pasted-probe"
	tm send-keys -t "$PANE" "clear; cat -v" Enter
	sleep 0.3
	tm paste-buffer -p -b probe -t "$PANE"
	tm send-keys -t "$PANE" Enter C-d
	wait_for '^pasted-probe$' 5
	ok $? "$1: bracketed paste is off (a paste is plain text)"
}
# run_burble ENV OUTPUT: start training from the pane's shell; its pid goes
# to $T/pid (the shell execs burble), "exit=N" is printed when it ends.
run_burble() {
	rm -f "$T/pid"
	_cmd="clear; $1 sh -c 'echo \$\$ >$T/pid; exec \"\$0\" \"\$@\"'"
	_cmd="$_cmd $BURBLE train ${CORPUS:?} $ARGS --epochs 40 -o $2"
	tm send-keys -t "$PANE" -l "$_cmd; echo exit=\$?"
	tm send-keys -t "$PANE" Enter
}

CORPUS="$CORPORA/quillfeather.txt"
ARGS="--hidden 64 --layers 1 --batch 16 --seq 50 --sample-len 150"

start_shell 100 32
run_burble "" "$T/m.safetensors"

wait_for 'burble .*quillfeather\.txt.*LSTM 1.64' 30
ok $? "header names the corpus and the model"
wait_for '%  step [0-9]+' 30
ok $? "progress line shows the step"
_end=$(($(date +%s) + 30))
while ! has_braille && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.2; done
has_braille
ok $? "the loss plot has braille cells"
wait_for '[0-9]\.[0-9]+┤' 5
ok $? "the plot has y labels"

s1=$(step_now)
sleep 1.5
s2=$(step_now)
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" -gt "$s1" ]
ok $? "the step advances ($s1 -> $s2)"

wait_for '^T=0\.2 +.*[^ ]' 60
ok $? "samples appear after the first epoch"
wait_for 'samples .* epoch [0-9]+' 5
ok $? "the samples pane names the epoch"

# Pause (F2): the step counter stops.
tm send-keys -t "$PANE" F2
wait_for 'PAUSED' 10
ok $? "F2 pauses"
sleep 0.5
p1=$(step_now)
sleep 1.5
p2=$(step_now)
[ -n "$p1" ] && [ "$p1" = "$p2" ]
ok $? "the step counter stops while paused ($p1, $p2)"
tm send-keys -t "$PANE" F2
# The status line says "resumed" until the next event (a save at the end
# of a short epoch may replace it at once): wait for PAUSED to go instead.
_end=$(($(date +%s) + 10))
while cap | grep -q 'PAUSED' && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.2; done
! cap | grep -q 'PAUSED'
ok $? "F2 resumes"
sleep 1.5
p3=$(step_now)
[ -n "$p3" ] && [ -n "$p2" ] && [ "$p3" -gt "$p2" ]
ok $? "the step advances again ($p2 -> $p3)"

# F5 cycles the plot view.
tm send-keys -t "$PANE" F5
wait_for '── accuracy' 5
ok $? "F5 shows the accuracy plot"
tm send-keys -t "$PANE" F5 F5 F5
wait_for '── loss ' 5
ok $? "F5 cycles back to the loss plot"

# Help overlay.
tm send-keys -t "$PANE" F1
wait_for 'burble: keys' 5
ok $? "F1 shows the help overlay"
tm send-keys -t "$PANE" Space
sleep 0.5
! cap | grep -q 'burble: keys'
ok $? "a key closes it"

# Resize to 80x24: relayout at once, nothing left over.
tm resize-window -t "$PANE" -x 80 -y 24
sleep 1
screen=$(cap)
like "$(printf '%s\n' "$screen" | head -n 1)" '^ burble .*quillfeather\.txt' \
    "80x24: header on the first line"
like "$(printf '%s\n' "$screen" | sed -n 24p)" 'F1Help.*F10Quit' \
    "80x24: key help on the last line"
printf '%s\n' "$screen" | grep -Eq '%  step [0-9]+'
ok $? "80x24: progress still shown"
n=$(printf '%s\n' "$screen" | grep -c 'burble · quillfeather')
is "$n" 1 "80x24: the header is drawn once"
n=$(printf '%s\n' "$screen" | grep -c '── samples')
is "$n" 1 "80x24: one samples pane, nothing left from the old layout"
n=$(printf '%s\n' "$screen" | grep -c '^── loss ')
is "$n" 1 "80x24: one plot"

# Too small, then back.
tm resize-window -t "$PANE" -x 40 -y 10
wait_for 'too small' 5
ok $? "40x10: terminal too small note"
tm resize-window -t "$PANE" -x 100 -y 32
wait_for '^ burble .*quillfeather\.txt' 5
ok $? "100x32: the dashboard comes back"
has_braille
ok $? "100x32: the plot is redrawn"

# Quit (F10): saves, exits, restores the terminal.
tm send-keys -t "$PANE" F10
wait_for '^exit=[0-9]+' 60
ok $? "F10 quits"
like "$(cap | grep '^exit=' | tail -n 1)" '^exit=0$' "exit status 0"
test -s "$T/m.safetensors"
ok $? "the checkpoint was written"
wait_for 'best val loss [0-9.]+ .*saved .*m\.safetensors' 5
ok $? "summary printed after the screen is restored"
tm send-keys -t "$PANE" "stty -a | grep -o -- '-*icanon' |" \
    " sed 's/^/mode:/'; echo o''k-\$\$" Enter
wait_for '^ok-[0-9]+$' 10
ok $? "the shell in the pane is usable"
like "$(cap | grep '^mode:' | tail -n 1)" '^mode:icanon$' \
    "the terminal is back in canonical mode"
pid=$(cat "$T/pid" 2>/dev/null)
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
ok $? "burble has exited (pid $pid)"

# NO_COLOR: no colour escapes on screen, the plot still there.
run_burble "NO_COLOR=1" "$T/n.safetensors"
wait_for '%  step [0-9]+' 30
ok $? "NO_COLOR: the dashboard runs"
sleep 1
has_braille
ok $? "NO_COLOR: the plot is drawn"
esc=$(printf '\033')
colors=$(tm capture-pane -p -e -t "$PANE" |
    grep -c "$esc\[[0-9;]*\(3[0-7]\|4[0-7]\|38;\|48;\)[0-9;]*m")
is "$colors" 0 "NO_COLOR: no colour escapes"
tm send-keys -t "$PANE" F10
wait_for '^exit=0' 60
ok $? "NO_COLOR: quits cleanly"

# A monochrome terminal (vt100) and SIGTERM: quit with a save.
run_burble "TERM=vt100" "$T/v.safetensors"
wait_for '%  step [0-9]+' 30
ok $? "TERM=vt100: the dashboard runs"
wait_for '^ burble .*quillfeather\.txt' 5
ok $? "TERM=vt100: header shown"
pid=$(cat "$T/pid" 2>/dev/null)
[ -n "$pid" ] && kill -TERM "$pid"
wait_for '^exit=[0-9]+' 60
ok $? "SIGTERM ends the dashboard"
test -s "$T/v.safetensors"
ok $? "SIGTERM: the checkpoint was written first"
tm send-keys -t "$PANE" "echo o''k2-\$\$" Enter
wait_for '^ok2-[0-9]+$' 10
ok $? "SIGTERM: the shell is usable"

# Control and bidirectional characters in samples are shown escaped, never
# sent to the terminal as they are (issue 17 #19): a corpus of U+202E
# (right-to-left override), U+2028 (line separator), U+0085 (next line),
# U+000B (vertical tab) and U+2066 (left-to-right isolate).
printf 'ab\342\200\256cd\342\200\250ef\302\205gh\013ij\342\201\246kl\n' |
    awk '{ for (i = 0; i < 400; i++) print }' >"$T/ctl.txt"
RAW="$(printf '\342\200\256|\342\200\250|\302\205|\342\201\246|\013')"
CORPUS="$T/ctl.txt"
run_burble "" "$T/ctl.safetensors"
CORPUS="$CORPORA/quillfeather.txt"
wait_for 'samples . epoch [0-9]' 60
ok $? "control characters: samples appear"
wait_for '^T=0\.2 .*<U\+202E>.*<U\+2028>.*<U\+0085>.*<U\+000B>' 60
ok $? "control characters: shown escaped in the samples (<U+202E> ...)"
! cap | LC_ALL=C grep -Eq "$RAW"
ok $? "control characters: none reaches the terminal as it is"
tm send-keys -t "$PANE" F10
wait_for '^exit=0' 60
ok $? "control characters: quits cleanly"

# Ctrl-C on an empty prompt says how to quit; a second one within a few
# seconds saves and quits (issue 15).
run_burble "" "$T/c.safetensors"
wait_for '%  step [0-9]+' 30
ok $? "Ctrl-C: the dashboard runs"
tm send-keys -t "$PANE" C-c
wait_for 'press Ctrl-C again or Ctrl-D to save and quit' 5
ok $? "Ctrl-C on an empty prompt says how to quit"
sleep 3.5
tm send-keys -t "$PANE" C-c
sleep 1
! cap | grep -q '^exit='
ok $? "a second Ctrl-C after the window only says it again"
tm send-keys -t "$PANE" x BSpace C-c
sleep 1
! cap | grep -q '^exit='
ok $? "a key between two Ctrl-C starts again"
tm send-keys -t "$PANE" C-c
wait_for '^exit=[0-9]+' 60
ok $? "Ctrl-C twice quits"
like "$(cap | grep '^exit=' | tail -n 1)" '^exit=0$' "Ctrl-C twice: exit status 0"
test -s "$T/c.safetensors"
ok $? "Ctrl-C twice: the checkpoint was saved"
restored "Ctrl-C twice"

# Ctrl-D on an empty prompt saves and quits.
run_burble "" "$T/d.safetensors"
wait_for '%  step [0-9]+' 30
ok $? "Ctrl-D: the dashboard runs"
tm send-keys -t "$PANE" C-d
wait_for '^exit=[0-9]+' 60
ok $? "Ctrl-D on an empty prompt quits"
like "$(cap | grep '^exit=' | tail -n 1)" '^exit=0$' "Ctrl-D: exit status 0"
test -s "$T/d.safetensors"
ok $? "Ctrl-D: the checkpoint was saved"
restored "Ctrl-D"

# A time budget bounds the run (no epoch limit): the bar follows the clock
# and the ETA counts down to the end of the budget.
tm send-keys -t "$PANE" -l "clear; $BURBLE train $CORPUS $ARGS --time 8 -o $T/t.safetensors; echo exit=\$?"
tm send-keys -t "$PANE" Enter
wait_for '^ time .*%  step [0-9]+' 30
ok $? "--time: the progress line counts time, not epochs"
wait_for 'ETA 0:0[0-8] ' 30
ok $? "--time: the ETA is what is left of the budget"
wait_for 'training time limit' 40
ok $? "--time: training ends by the clock"
tm send-keys -t "$PANE" F10
wait_for '^exit=[0-9]+' 30
like "$(cap | grep '^exit=' | tail -n 1)" '^exit=0$' "--time: exit status 0"

# --steps ends the run before the 30 epochs: the bar follows the steps and
# ends at 100%.
tm send-keys -t "$PANE" -l "clear; $BURBLE train $CORPUS $ARGS --steps 60 --sample-len 0 -o $T/s.safetensors; echo exit=\$?"
tm send-keys -t "$PANE" Enter
wait_for '^ steps .*%  step [0-9]+/60' 30
ok $? "--steps: the progress line counts steps, not the epoch"
wait_for '^ steps .* 100%  step 60/60' 60
ok $? "--steps: the bar ends at 100%"
tm send-keys -t "$PANE" F10
wait_for '^exit=[0-9]+' 30
like "$(cap | grep '^exit=' | tail -n 1)" '^exit=0$' "--steps: exit status 0"

if [ "$_failed" -ne 0 ]; then
	echo "# last screen:"
	show
fi
done_testing
