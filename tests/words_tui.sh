#!/bin/sh
# words_tui.sh - a word model (--tokens word) at the dashboard, in tmux:
# the progress line counts tokens, a prime's unseen words are named, :peek
# and :pick list words; then :pick in the piped repl.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

. "$(dirname "$0")/setup.sh"

PANE=words
. "$(dirname "$0")/tmux.sh"

CORPUS="$CORPORA/quillfeather.txt"
ENVS="XDG_STATE_HOME=$T/state INPUTRC=/dev/null"

start_shell 110 50
# No evaluation (and so no save) while the prompt is used: a "saved" on the
# status line every few steps would hide the note about the prime.
keys "$ENVS $BURBLE train --tokens word $CORPUS --hidden 32 --layers 1" \
    " --batch 8 --seq 32 --sample-len 10 --epochs 500 --eval-every 1000000" \
    " -o $T/m.safetensors; echo exit=\$?" Enter
wait_for '^burble> ' 30
ok $? "the dashboard shows the prompt"
wait_for 'k tokens/s|[0-9] tokens/s' 10
ok $? "the progress line counts tokens"
cap | grep -q 'bits/token'
ok $? "the loss is in bits per token"

keys ":len 5" Enter "The zorblaxian owl" Enter
wait_for "prime: 1 word not in the model's vocabulary, read as <unk>: 'zorblaxian'" 10
ok $? "a prime's unseen word is named"
wait_for 'length' 10

keys ":peek" Enter
wait_for '^  rest +[0-9.]+$' 10
ok $? ":peek: a distribution"
cap | grep -qE "^  '[a-zA-Z]{2,}' +0\.[0-9]{4}( |$)"
ok $? ":peek: words among the candidates"
keys ":pick 3" Enter
wait_for '^next token \(digit' 10
ok $? ":pick: the next token"
n=$(cap | grep -cE "^ +[0-2]  '[^']+' +[0-9.]+%$")
is "$n" 3 ":pick 3: three words"
keys Escape
wait_for 'pick mode off' 5
keys ":quit" Enter
wait_for '^exit=0' 30
ok $? "quits"
[ "$_failed" -eq 0 ] || show

printf 'The owl\n:pick 3\n' | "$BURBLE" repl -m "$T/m.safetensors" \
    --seed 1 >"$T/piped" 2>"$T/err"
ok $? "piped repl with :pick on a word model"
is "$(grep -cE "^  [0-9]  '.*' +[0-9.]+%$" "$T/piped")" 3 \
    "piped :pick 3: three words"
done_testing
