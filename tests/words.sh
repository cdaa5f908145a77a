#!/bin/sh
# words.sh - word tokens (--tokens word): bad input, a model that memorises
# a short text and reproduces it greedily, one that learns on the shipped
# corpus, and sample, eval, info and the prompt's prime on word models.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

quill=$CORPORA/quillfeather.txt

# 1. Bad input: one line on standard error, a non-zero exit.
for v in 0 -5 ten; do
	"$BURBLE" train --tokens word --max-words "$v" "$quill" >/dev/null 2>"$T/err"
	is $? 2 "--max-words $v: a usage error"
	like "$(head -1 "$T/err")" "^burble: --max-words: must be an integer" "--max-words $v: says why"
done
"$BURBLE" train --max-words 50 "$quill" >/dev/null 2>"$T/err"
is $? 2 "--max-words without --tokens word: a usage error"
"$BURBLE" train --tokens syllable "$quill" >/dev/null 2>"$T/err"
is $? 2 "--tokens syllable: a usage error"
printf 'owl owl  owl\towl owl\n' | tr '\n' ' ' >"$T/one.txt"
"$BURBLE" train --tokens word --headless "$T/one.txt" >/dev/null 2>"$T/err"
ok $(( $? == 0 )) "one distinct word: fails"
like "$(cat "$T/err")" "^burble: .*one\.txt: only one distinct word \('owl'\); need at least 2$" \
	"one distinct word: a one-line error naming the file"
"$BURBLE" train --tokens word --layers 16 --hidden 8192 --headless "$quill" \
	>/dev/null 2>"$T/err"
is $? 1 "a word model too large for the machine: refused"
like "$(cat "$T/err")" "^burble: model too large for this machine: .*vocabulary 1995.* GB.*--max-words\)$" \
	"... naming the vocabulary and --max-words"

# 2. Memorise: a short original text, repeated so there is enough to batch.
text="The clockwork owl winds the lamp at dusk, and reads to the sea until dawn."
i=0; while [ $i -lt 60 ]; do printf '%s\n' "$text"; i=$((i + 1)); done >"$T/owl.txt"
"$BURBLE" train --tokens word --layers 1 --hidden 64 --batch 8 --seq 16 \
	--dropout 0 --val 0.05 --steps 150 --epochs 0 --sample-len 0 \
	--seed 1 -o "$T/owl.safetensors" "$T/owl.txt" >"$T/log" 2>&1
ok $? "a word model trains on the owl text"
like "$(cat "$T/log")" "[0-9] tokens/s" "the progress line counts tokens"
got=$("$BURBLE" sample -m "$T/owl.safetensors" --prime "The clockwork" \
	-t 0 -n 40 | head -2 | tail -1)
is "$got" "$text" "greedy sampling reproduces the memorised line"
got=$("$BURBLE" sample -m "$T/owl.safetensors" --prime "The clockwork" \
	--beam 3 -n 15 | head -1)
is "$got" "$text" "a beam over tokens finds it too"
n=$("$BURBLE" sample -m "$T/owl.safetensors" --no-prime --prime "The" -t 0 -n 5)
is "$n" " clockwork owl winds the lamp" "-n counts tokens"
"$BURBLE" sample -m "$T/owl.safetensors" --prime "The grumbling owl" -t 0 \
	-n 3 >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "warning: prime: 1 word not in the model's vocabulary, read as <unk>: 'grumbling'$" \
	"a prime's unseen words are named"
"$BURBLE" info "$T/owl.safetensors" >"$T/info"
like "$(cat "$T/info")" "^Tokenizer: word$" "info: the tokenizer"
like "$(cat "$T/info")" "^Vocabulary \(18 word tokens\): the The clockwork owl .* dawn \. \\\\n <unk>$" \
	"info: the word vocabulary"
"$BURBLE" info --json "$T/owl.safetensors" >"$T/info.json"
like "$(cat "$T/info.json")" '"tokenizer": *"word"' "info --json: the tokenizer"
"$BURBLE" eval -m "$T/owl.safetensors" "$T/owl.txt" >"$T/eval"
ok $? "eval on a word model"
like "$(cat "$T/eval")" "^loss [0-9.]+ nats/token  perplexity [0-9.]+  accuracy [0-9.]+%  tokens 1079$" \
	"eval: per token"
like "$(cat "$T/eval")" "^loss [0-9.]+ nats/char  bpc [0-9.]+  chars 4497$" \
	"eval: per character of the decoded text"

# A word vocabulary that lies is refused in one line: a duplicate token,
# too few tokens, a token that is not a string, code points instead.
if command -v python3 >/dev/null 2>&1; then
	cat >"$T/corrupt.py" <<'PY'
import json, struct, sys
src, dst, what = sys.argv[1:4]
raw = open(src, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8 + n])
v = json.loads(h["__metadata__"]["burble.vocab"])
if what == "dup":
    v["tokens"][1] = v["tokens"][0]
elif what == "short":
    v["tokens"] = v["tokens"][:-1]
elif what == "number":
    v["tokens"][2] = 7
elif what == "cp":
    v["cp"] = [10, 32]
h["__metadata__"]["burble.vocab"] = json.dumps(v)
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
open(dst, "wb").write(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])
PY
	for w in dup:"not 18 distinct" short:"must be an array of 18 strings" \
	    number:"token 2 is not a string" cp:"2 symbols, but burble.config says vocab 18"; do
		python3 "$T/corrupt.py" "$T/owl.safetensors" "$T/bad.safetensors" "${w%%:*}"
		"$BURBLE" info "$T/bad.safetensors" >/dev/null 2>"$T/err"
		is "$?:$(wc -l <"$T/err" | tr -d ' ')" "1:1" "a lying word vocabulary (${w%%:*}): one line, exit 1"
		like "$(cat "$T/err")" "bad\.safetensors: burble\.vocab: .*${w#*:}" "... saying what: ${w#*:}"
	done
else
	skip "no python3"
fi

# 3. --max-words and --lines.
"$BURBLE" train --tokens word --max-words 40 --lines --lowercase --hidden 16 \
	--layers 1 --steps 2 --epochs 0 --sample-len 0 --seed 1 \
	-o "$T/m.safetensors" "$quill" >/dev/null 2>&1
ok $? "--max-words 40 --lines --lowercase"
like "$("$BURBLE" info "$T/m.safetensors")" "^Vocabulary \(42 word tokens\): , the \. .* <unk> <eor>$" \
	"40 words, <unk> and the end-of-record symbol; lowercased"

# A token a terminal would act on (a bidi override) is shown as a code point.
i=0; while [ $i -lt 20 ]; do printf 'a b \342\200\256 c a b\n'; i=$((i + 1)); done >"$T/bidi.txt"
"$BURBLE" train --tokens word --hidden 8 --layers 1 --batch 2 --seq 4 \
	--steps 1 --epochs 0 --sample-len 0 -o "$T/bidi.safetensors" \
	"$T/bidi.txt" >/dev/null 2>&1
like "$("$BURBLE" info "$T/bidi.safetensors")" "^Vocabulary \(6 word tokens\): a b U\+202E c " \
	"info: a bidi override token as U+202E"

# 4. Learning on the shipped corpus: 1 x 128 LSTM, 300 steps of 16 x 32
# (about 20 s on 2 cores). Measured when written: validation loss 5.59
# nats per token after 50 steps, 5.03 after 300 (vocabulary 1,994: a
# uniform guess is 7.60).
"$BURBLE" train --tokens word --layers 1 --hidden 128 --batch 16 --seq 32 \
	--steps 300 --epochs 0 --eval-every 50 --sample-len 0 --seed 7 \
	-o "$T/q.safetensors" "$quill" >"$T/q.log" 2>&1
ok $? "quillfeather: a word model trains"
first=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/q.log" | head -1)
last=$(sed -n 's/^val .* loss \([0-9.]*\) .*/\1/p' "$T/q.log" | tail -1)
echo "# first val loss $first, last $last"
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b + 0.2 < a) }'
ok $? "quillfeather: validation loss falls ($first -> $last)"
awk -v b="$last" 'BEGIN { exit !(b ~ /^[0-9.]+$/ && b < 5.4) }'
ok $? "quillfeather: validation loss $last < 5.4 nats per token"

done_testing
