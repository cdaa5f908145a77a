#!/bin/sh
# learn.sh - the models learn: a 2-layer LSTM on Alice in Wonderland gets
# below a validation loss measured for this test, and a tiny model memorises
# a short original text that greedy sampling then reproduces.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

# 1. Memorise: a short original text, repeated so there is enough to batch.
text="The clockwork owl winds the lamp at dusk, and reads to the sea until dawn."
i=0; while [ $i -lt 60 ]; do printf '%s\n' "$text"; i=$((i + 1)); done >"$T/owl.txt"
for cell in lstm gru rnn; do
	"$BURBLE" train --cell $cell --layers 1 --hidden 64 --batch 8 --seq 40 \
		--lr 1e-2 --dropout 0 --val 0.05 --steps 200 --epochs 0 \
		--sample-len 0 --seed 1 -o "$T/owl-$cell.safetensors" \
		"$T/owl.txt" >"$T/log" 2>&1
	ok $? "$cell: trains on the owl text"
	got=$("$BURBLE" sample -m "$T/owl-$cell.safetensors" --prime "The clock" \
		-t 0 -n 150 | head -2 | tail -1)
	is "$got" "$text" "$cell: greedy sampling reproduces the memorised line"
done

# The divergence guard: plain SGD at rate 10 without clipping blows an RNN
# up at once; the run must go back to its last good weights, halve the
# rate, say so, and finish.
"$BURBLE" train --cell rnn --optim sgd --lr 10 --clip 0 --hidden 64 \
	--layers 1 --steps 40 --epochs 0 --sample-len 0 --seed 1 \
	-o "$T/blow.safetensors" "$T/owl.txt" >"$T/blow.log" 2>&1
ok $? "an exploding run still finishes"
like "$(cat "$T/blow.log")" "note: (loss exploded|NaN/Inf) at step [0-9]+: back to the weights of step [0-9]+, learning rate lowered to 5$" \
	"the guard restores the weights and halves the rate"
"$BURBLE" info "$T/blow.safetensors" >"$T/blow.info" 2>&1
like "$(cat "$T/blow.info")" "lr 10 \(now [0-9.e-]+\)" "the lowered rate is what the checkpoint keeps"

# 2. Alice: 2 x 128 LSTM, 300 steps of 32 x 64 at a constant 5e-3 (about 30 s on
# 2 cores). Measured when this test was written: validation loss 3.03 after
# 100 steps, 2.10 after 300; the PyTorch reference (shared/bench/
# torch_charrnn.py, same configuration) gives 3.04 and 2.09. A uniform guess
# is ln 71 = 4.26. The threshold leaves room for other BLAS builds.
alice=$SHARED/corpora/alice.txt
if [ -f "$alice" ]; then
	"$BURBLE" train --layers 2 --hidden 128 --batch 32 --seq 64 --lr 5e-3 \
		--lr-schedule constant --warmup 0 --steps 300 --epochs 0 \
		--eval-every 100 --sample-len 0 --seed 7 \
		--dropout 0 -o "$T/alice.safetensors" "$alice" >"$T/alice.log" 2>&1
	ok $? "alice: 2x128 LSTM trains"
	first=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/alice.log" | head -1)
	last=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/alice.log" | tail -1)
	diag_line="first val loss $first, last $last"
	echo "# $diag_line"
	awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; ok $? "alice: validation loss falls ($diag_line)"
	awk -v b="$last" -v t=2.25 'BEGIN { exit !(b < t) }'; ok $? "alice: validation loss $last < 2.25 nats"
else
	skip "../shared/corpora/alice.txt not present"
	skip "../shared/corpora/alice.txt not present"
	skip "../shared/corpora/alice.txt not present"
fi

# 3. The recipe (issue 13): the default warm-up, peak rate 1e-2 and cosine
# fall to the end of --steps against the old default, a constant 2e-3, on
# the shipped corpus, 2 x 128, 400 steps. Measured when written: 2.049
# against 2.261 nats (a peak of 6e-3 gives 2.156); the threshold asks for
# half that gap.
quill=$top_srcdir/corpora/quillfeather.txt
for recipe in new old; do
	case $recipe in
	new) lr= ;;
	old) lr="--lr 2e-3 --lr-schedule constant --warmup 0" ;;
	esac
	"$BURBLE" train --layers 2 --hidden 128 --steps 400 --epochs 0 \
		--eval-every 100 --sample-len 0 --seed 7 $lr \
		-o "$T/q-$recipe.safetensors" "$quill" >"$T/q-$recipe.log" 2>&1
	ok $? "quillfeather: the $recipe recipe trains"
done
qnew=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/q-new.log" | tail -1)
qold=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/q-old.log" | tail -1)
awk -v a="$qnew" -v b="$qold" 'BEGIN {
	if (a !~ /^[0-9]+\.[0-9]+$/ || b !~ /^[0-9]+\.[0-9]+$/) exit 1
	exit !(a + 0.1 < b + 0) }'
ok $? "the default recipe beats a constant 2e-3 by 0.1 nats in 400 steps ($qnew < $qold)"
like "$(grep '^epoch' "$T/q-new.log" | tail -1)" "lr 1\.[0-9]+e-03" \
	"the rate has fallen to its floor, 1e-3, at the end"

# 4. Ending on the best weights: a 1 x 128 LSTM without dropout overfits
# 6,000 characters of the shipped corpus within 800 steps (measured when
# written: the best validation loss near step 350, the last one 0.1 nats
# worse). With --time (here never reached: the steps end the run) the
# output holds the best evaluation's weights, the .best file's; with
# --no-restore-best, or without --time, the last ones. A run that ends
# between evaluations (810 steps) evaluates its last weights first.
head -c 6000 "$quill" >"$T/small.txt"
for mode in time no-restore steps restore; do
	steps=800
	case $mode in
	time) how="--time 10m" ;;
	no-restore) how="--time 10m --no-restore-best" ;;
	steps) how= ;;
	restore) how="--restore-best"; steps=810 ;;
	esac
	"$BURBLE" train --layers 1 --hidden 128 --dropout 0 -b 8 --seq 32 \
		--lr 2e-2 --steps $steps --epochs 0 --eval-every 25 --sample-len 0 \
		--seed 1 $how -o "$T/rb-$mode.safetensors" "$T/small.txt" \
		>"$T/rb-$mode.log" 2>&1
	ok $? "restore ($mode): trains"
	info=$("$BURBLE" info "$T/rb-$mode.safetensors")
	sum=$(printf '%s\n' "$info" | sed -n 's/^Weights checksum: //p')
	best=$("$BURBLE" info "$T/rb-$mode.best.safetensors" | sed -n 's/^Weights checksum: //p')
	note=$(grep -c 'note: ended on the best weights' "$T/rb-$mode.log")
	case $mode in
	time|restore)
		like "$sum" '^[0-9a-f]{16}$' "restore ($mode): the output has a checksum"
		is "$sum" "$best" "restore ($mode): the output holds the best weights"
		like "$info" "Weights: those of step [0-9]+, the best evaluation" \
			"restore ($mode): info says whose weights they are"
		like "$(cat "$T/rb-$mode.log")" "note: ended on the best weights: step [0-9]+, validation loss [0-9.]+ \(the last evaluation, step $steps: [0-9.]+\)" \
			"restore ($mode): the run says so" ;;
	*)
		like "$sum" '^[0-9a-f]{16}$' "restore ($mode): the output has a checksum"
		[ "$sum" != "$best" ]; ok $? "restore ($mode): the output holds the last weights"
		is "$note" 0 "restore ($mode): nothing is said of the best weights"
		printf '%s\n' "$info" | grep -q '^Weights:'
		[ $? -ne 0 ]; ok $? "restore ($mode): info says nothing of them" ;;
	esac
done

# Resumed, the restored weights train on: after one step they are that
# step's, and info no longer names the earlier one.
"$BURBLE" train --resume "$T/rb-restore.safetensors" --steps 811 \
	--no-restore-best --sample-len 0 -o "$T/rb-more.safetensors" \
	"$T/small.txt" >"$T/rb-more.log" 2>&1
ok $? "restore: the restored run resumes"
"$BURBLE" info "$T/rb-more.safetensors" | grep -q '^Weights:'
[ $? -ne 0 ]; ok $? "restore: a step later the weights are the last step's"

# 5. The default rate falls with the width (doc/recipe.md section 7): Adam's
# 1e-2 up to 256 units, 1e-2 x 256 / H above; --lr always wins, and the
# other optimizers keep their rate. One step each; the header and the
# checkpoint say the rate.
lr_of() {	# name, then train's options: prints info's rate
	name=$1; shift
	"$BURBLE" train --layers 1 --steps 1 --epochs 0 --sample-len 0 \
		--seed 1 -o "$T/lr-$name.safetensors" "$@" "$T/small.txt" \
		>"$T/lr-$name.log" 2>&1 ||
		echo "train failed: $(tail -1 "$T/lr-$name.log")"
	"$BURBLE" info "$T/lr-$name.safetensors" 2>&1 |
		sed -n 's/.* lr \([0-9.e-]*\) .*/\1/p'
}
is "$(lr_of w384 --hidden 384)" 0.00667 "rate by width: 384 units train at 1e-2 x 256/384"
like "$(head -1 "$T/lr-w384.log")" ", rate 0.00667 \(cosine\), " \
	"rate by width: the header says the rate"
is "$(lr_of w512 --hidden 512)" 0.005 "rate by width: 512 units at 5e-3"
is "$(lr_of w256 --hidden 256)" 0.01 "rate by width: 256 units keep 1e-2"
is "$(lr_of w128 --hidden 128)" 0.01 "rate by width: narrower models keep 1e-2"
is "$(lr_of given --hidden 512 --lr 2e-2)" 0.02 "rate by width: --lr wins"
is "$(lr_of sgd --hidden 512 --optim sgd)" 0.01 "rate by width: only Adam's rate falls"

done_testing
