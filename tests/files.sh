#!/bin/sh
# files.sh - burble never destroys a file (issue 17): an output that is an
# input, a text file, a device, a symlink, a directory or another run's
# output is refused before training, and so is a metrics log that is a
# checkpoint or an input; `sample -o` never replaces the model or a prime
# file; a FIFO given as a model is refused at once instead of blocking.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

[ -x "$BURBLE" ] || skip_all "$BURBLE not built"
corpus=$top_srcdir/corpora/placenames.txt
tiny="--headless --threads 1 --hidden 16 --layers 1 --batch 8 --seq 16 --sample-len 0 --seed 3"

# refused NAME EXPECTED-MESSAGE-REGEX COMMAND...: exit 1, one line, the
# message, within 20 s.
refused() {
	_name=$1 _re=$2
	shift 2
	timeout 20 "$@" >"$T/out" 2>"$T/err"
	_st=$?
	is "$_st" 1 "$_name: exit status 1"
	is "$(wc -l <"$T/err" | tr -d ' ')" 1 "$_name: one line on stderr"
	like "$(cat "$T/err")" "$_re" "$_name: says why"
}
sum() { cksum <"$1"; }

# 1. The output is the corpus.
cp "$corpus" "$T/c.txt"
before=$(sum "$T/c.txt")
refused "-o = the corpus" "refusing to write a checkpoint to .*c\.txt: this run reads it" \
	"$BURBLE" train $tiny --steps 5 -o "$T/c.txt" "$T/c.txt"
is "$(sum "$T/c.txt")" "$before" "-o = the corpus: the corpus is untouched"
# ... even through another name.
ln -s c.txt "$T/link.safetensors"
refused "-o = the corpus through a symlink" "this run reads it" \
	"$BURBLE" train $tiny --steps 5 -o "$T/link.safetensors" "$T/c.txt"
is "$(sum "$T/c.txt")" "$before" "... the corpus is untouched"
[ -L "$T/link.safetensors" ]; ok $? "... the symlink is still a symlink"

# 3. A text file of notes, a device, a directory, a dangling symlink, ''.
echo "my notes" >"$T/notes.txt"
refused "-o a text file" "refusing to overwrite .*notes\.txt: not a burble checkpoint" \
	"$BURBLE" train $tiny --steps 5 -o "$T/notes.txt" "$corpus"
is "$(cat "$T/notes.txt")" "my notes" "-o a text file: the notes are untouched"
refused "-o /dev/null" "refusing to overwrite /dev/null: it is a character device" \
	"$BURBLE" train $tiny --steps 5 -o /dev/null "$corpus"
[ -c /dev/null ]; ok $? "/dev/null is still a device"
refused "-o a directory" "refusing to overwrite .*: it is a directory" \
	"$BURBLE" train $tiny --steps 5 -o "$T" "$corpus"
ln -s "$T/nowhere/x" "$T/dangling.safetensors"
refused "-o a dangling symlink" "symbolic link to a file that cannot be reached" \
	"$BURBLE" train $tiny --steps 5 -o "$T/dangling.safetensors" "$corpus"
refused "-o ''" "an empty file name" "$BURBLE" train $tiny --steps 5 -o '' "$corpus"

# 7. An unwritable output is found before training, not at the first save.
refused "-o in a missing directory" "cannot write a checkpoint to .*: no directory" \
	"$BURBLE" train $tiny --steps 100000 -o "$T/missing/m.safetensors" "$corpus"
[ ! -e "$T/out" ] || ! grep -q '^epoch' "$T/out"; ok $? "... and nothing was trained"

# --force lets -o replace a text file, never a device.
"$BURBLE" train $tiny --steps 3 --force -o "$T/notes.txt" "$corpus" >/dev/null 2>&1
ok $? "--force: -o may replace a text file"
"$BURBLE" info "$T/notes.txt" >/dev/null 2>&1; ok $? "... with a checkpoint"
refused "--force -o /dev/null" "it is a character device" \
	"$BURBLE" train $tiny --steps 3 --force -o /dev/null "$corpus"

# A checkpoint is fine to overwrite, and resuming in place is fine.
"$BURBLE" train $tiny --steps 3 -o "$T/m.safetensors" "$corpus" >/dev/null 2>&1
ok $? "a new checkpoint"
"$BURBLE" train $tiny --steps 3 -o "$T/m.safetensors" "$corpus" >/dev/null 2>&1
ok $? "a checkpoint may be overwritten by a new run"
"$BURBLE" train --headless --resume "$T/m.safetensors" --steps 6 -o "$T/m.safetensors" "$corpus" >/dev/null 2>&1
ok $? "a resumed checkpoint may be written in place"
like "$("$BURBLE" info --json "$T/m.safetensors")" '"step": *6[,}]' "... and holds the resumed run"

# 4. --metrics onto a checkpoint (the one resumed, the output) or the corpus.
cp "$T/m.safetensors" "$T/keep.safetensors"
refused "--metrics = the resumed checkpoint" "refusing to append metrics to .*: it is a checkpoint" \
	"$BURBLE" train --headless --resume "$T/m.safetensors" --steps 9 -o "$T/m2.safetensors" --metrics "$T/m.safetensors" "$corpus"
cmp -s "$T/m.safetensors" "$T/keep.safetensors"; ok $? "... the checkpoint is untouched"
refused "--metrics = the output" "refusing to append metrics to .*: it is a checkpoint" \
	"$BURBLE" train $tiny --steps 3 -o "$T/new.safetensors" --metrics "$T/new.safetensors" "$corpus"
[ ! -e "$T/new.safetensors" ]; ok $? "... and nothing was created"
refused "--metrics = the corpus" "refusing to append metrics to .*c\.txt: this run reads it" \
	"$BURBLE" train $tiny --steps 3 -o "$T/m3.safetensors" --metrics "$T/c.txt" "$T/c.txt"
is "$(sum "$T/c.txt")" "$before" "... the corpus is untouched"

# 2. sample -o onto the model or the prime file.
refused "sample -o = the model" "refusing to write the samples to .*: this command reads it" \
	"$BURBLE" sample -m "$T/m.safetensors" -n 20 -o "$T/m.safetensors"
"$BURBLE" info "$T/m.safetensors" >/dev/null 2>&1; ok $? "... the model still loads"
echo "Upper" >"$T/prime.txt"
refused "sample -o = the prime file" "this command reads it" \
	"$BURBLE" sample -m "$T/m.safetensors" -n 20 --prime-file "$T/prime.txt" -o "$T/prime.txt"
is "$(cat "$T/prime.txt")" "Upper" "... the prime file is untouched"
refused "sample -o another checkpoint" "it is a burble checkpoint" \
	"$BURBLE" sample -m "$T/m.safetensors" -n 20 -o "$T/keep.safetensors"
"$BURBLE" sample -m "$T/m.safetensors" -n 20 -o "$T/s.txt" && \
	"$BURBLE" sample -m "$T/m.safetensors" -n 20 -o "$T/s.txt"
ok $? "sample -o may overwrite its own text output"

# 8. Two runs writing one output: the second is refused, naming the file.
bg() { "$@" & }
bg "$BURBLE" train $tiny --time 5 -o "$T/both.safetensors" "$corpus" >"$T/first" 2>&1
first=$!
for _ in $(seq 100); do [ -e "$T/both.safetensors.lock" ] && break; sleep 0.1; done
refused "a second run on the same -o" "both\.safetensors is being written by another burble run \(pid $first\)" \
	"$BURBLE" train $tiny --steps 3 -o "$T/both.safetensors" "$corpus"
wait $first
ok $? "... the first run finishes"
[ ! -e "$T/both.safetensors.lock" ]; ok $? "... and removes its lock file"
"$BURBLE" train $tiny --steps 3 -o "$T/both.safetensors" "$corpus" >/dev/null 2>&1
ok $? "... after which the output is free again"

# 11. A FIFO as a model: refused at once, never a hang.
if mkfifo "$T/fifo.safetensors" 2>/dev/null; then
	refused "info FIFO" "is a FIFO, not a model file" "$BURBLE" info "$T/fifo.safetensors"
	refused "sample -m FIFO" "is a FIFO, not a model file" "$BURBLE" sample -m "$T/fifo.safetensors"
	refused "train --resume FIFO" "is a FIFO, not a model file" \
		"$BURBLE" train $tiny --resume "$T/fifo.safetensors" -o "$T/r.safetensors" "$corpus"
else
	skip "mkfifo failed"
fi
done_testing
