#!/bin/sh
# history.sh - `burble info --history` and `--csv`: a tiny run's history as
# a table and as CSV, a file without one, and bad files.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

corpus=$CORPORA/quillfeather.txt
"$BURBLE" train --headless --steps 30 --eval-every 10 --hidden 32 --layers 1 \
	--batch 8 --seq 32 --seed 1 --sample-len 0 -o "$T/m.safetensors" \
	"$corpus" >"$T/train" 2>"$T/err"; ok $? "train a tiny model"
nval=$(grep -c '^val ' "$T/train")
is "$nval" 3 "three evaluations (steps 10, 20, 30)"

# The table: a header, then one row per history point.
"$BURBLE" info --history "$T/m.safetensors" >"$T/tab" 2>"$T/err"; ok $? "info --history"
is "$(head -1 "$T/tab" | tr -s ' ' | sed 's/^ //')" \
	"step epoch chars seconds lr train_loss train_acc val_loss val_acc" \
	"the table's header"
ntab=$(($(wc -l <"$T/tab") - 1))
[ "$ntab" -ge "$nval" ]; ok $? "a row per point ($ntab rows)"
is "$(sed 1d "$T/tab" | awk '$8 != "-"' | wc -l | tr -d ' ')" "$nval" \
	"rows with a validation loss: one per evaluation"
num='-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?'
bad=$(sed 1d "$T/tab" | awk -v re="^($num|-)\$" '
	NF != 9 { print; next }
	{ for (i = 1; i <= NF; i++) if ($i !~ re) { print; next } }')
is "$bad" "" "every table row: nine numbers"
is "$(sed 1d "$T/tab" | awk '$8 != "-" { print $1 }' | tr '\n' ' ')" \
	"10 20 30 " "the evaluations at steps 10, 20, 30"

# CSV: the exact header, nine fields a row, the same rows as the table.
"$BURBLE" info --csv "$T/m.safetensors" >"$T/csv" 2>"$T/err"; ok $? "info --csv"
is "$(head -1 "$T/csv")" \
	"step,epoch,chars,seconds,lr,train_loss,train_acc,val_loss,val_acc" \
	"the CSV header"
is "$(($(wc -l <"$T/csv") - 1))" "$ntab" "as many CSV rows as table rows"
bad=$(sed 1d "$T/csv" | awk -F, -v re="^($num)?\$" '
	NF != 9 { print; next }
	{ for (i = 1; i <= NF; i++) if ($i !~ re || (i <= 7 && $i == "")) { print; next } }')
is "$bad" "" "every CSV row: nine numbers (validation empty between evaluations)"
is "$(sed 1d "$T/csv" | awk -F, '$8 != ""' | wc -l | tr -d ' ')" "$nval" \
	"CSV rows with a validation loss: one per evaluation"
is "$(sed 1d "$T/csv" | awk -F, '$3 != $1 * 8 * 32 { print }')" "" \
	"chars = step x batch x seq"
last=$(tail -1 "$T/csv")
like "$last" "^30,.*,[0-9.]+,[0-9.]+\$" "the last row: step 30, evaluated"
printed=$(sed -n 's/^val epoch [0-9]* step 30 loss \([0-9.]*\) .*/\1/p' "$T/train")
awk -v a="$printed" -v b="$(echo "$last" | cut -d, -f8)" \
	'BEGIN { d = a - b; exit !(a != "" && d < 0.0002 && d > -0.0002) }'
ok $? "the last validation loss is the one the run printed ($printed)"

# No history: one line, exit 0.
"$BURBLE" train --headless --steps 3 --hidden 8 --layers 1 --batch 4 \
	--seq 16 --sample-len 0 --weights-only -o "$T/w.safetensors" \
	"$corpus" >/dev/null 2>&1; ok $? "train a weights-only model"
for f in --history --csv; do
	"$BURBLE" info $f "$T/w.safetensors" >"$T/out" 2>&1; ok $? "$f without a history: exit 0"
	is "$(cat "$T/out")" "$T/w.safetensors: no training history" "$f without a history: one line"
done

# Bad input: one line naming the file, a non-zero exit.
bad() {   # bad DESCRIPTION FILE
	"$BURBLE" info --history "$2" >"$T/out" 2>"$T/err"; st=$?
	[ "$st" -ne 0 ]; ok $? "$1: non-zero exit"
	is "$(wc -l <"$T/err" | tr -d ' ')" 1 "$1: one line"
	like "$(cat "$T/err")" "^burble: $2: " "$1: names the file"
	is "$(cat "$T/out")" "" "$1: nothing on standard output"
}
bad "a missing file" "$T/nope.safetensors"
bad "not a checkpoint" "$corpus"
"$BURBLE" info --json --history "$T/m.safetensors" >"$T/out" 2>"$T/err"
is "$?" 2 "--json with --history: a usage error"

done_testing
