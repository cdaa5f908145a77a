#!/bin/sh
# text_errors.sh - bad input on the real command line: exit status 1 and one
# line on stderr, "burble: FILE: what is wrong"; usage errors exit with 2.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/setup.sh"

[ -x "$BURBLE" ] || skip_all "$BURBLE not built"
cd "$T" || exit 1

# refused WHAT REGEX ARG... : `burble train` on ARG... exits with 1 and
# writes one line to stderr: "burble: " then REGEX (grep -E). Standard input
# comes from $IN (default /dev/null).
refused() {
	_what=$1 _re=$2
	shift 2
	"$BURBLE" train --headless --steps 1 -o "$T/out.safetensors" "$@" \
	    <"${IN:-/dev/null}" >"$T/stdout" 2>"$T/stderr"
	is "$?" 1 "$_what: exit status 1"
	is "$(wc -l <"$T/stderr" | tr -d ' ')" 1 "$_what: one line on stderr"
	like "$(cat "$T/stderr")" "^burble: $_re" "$_what: message"
}

# usage WHAT REGEX ARG... : a usage error, exit status 2, the first line
# of stderr says what is allowed.
usage() {
	_what=$1 _re=$2
	shift 2
	"$BURBLE" "$@" </dev/null >"$T/stdout" 2>"$T/stderr"
	is "$?" 2 "$_what: exit status 2"
	like "$(head -n 1 "$T/stderr")" "^burble: $_re" "$_what: message"
}

refused "missing file" "(.*/)?missing\.txt: no such file" "$T/missing.txt"

mkdir "$T/adir"
refused "a directory" "(.*/)?adir/?: is a directory" "$T/adir"

: >"$T/empty.txt"
refused "empty file" "(.*/)?empty\.txt: empty file" "$T/empty.txt"

IN="$T/empty.txt"
refused "empty standard input" "stdin: empty file" -
IN=/dev/null

printf 'hello\nworld \377 more text\n' >"$T/bad.txt"
refused "invalid UTF-8" "(.*/)?bad\.txt: invalid UTF-8 at byte 12" \
    "$T/bad.txt"

printf 'ab\300\257cd and more text\n' >"$T/overlong.txt"
refused "overlong UTF-8" "(.*/)?overlong\.txt: invalid UTF-8 at byte 2" \
    "$T/overlong.txt"

printf 'abcd\355\240\200efgh\n' >"$T/surrogate.txt"
refused "encoded surrogate" "(.*/)?surrogate\.txt: invalid UTF-8 at byte 4" \
    "$T/surrogate.txt"

printf '0123456789abcdef\000\001\002binary' >"$T/b.bin"
refused "NUL byte" \
    "(.*/)?b\.bin: binary data \(NUL byte at offset 16\)" "$T/b.bin"

printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' >"$T/one.txt"
refused "one distinct character" \
    "(.*/)?one\.txt: only one distinct character \('a'\); need at least 2" \
    "$T/one.txt"

printf 'abc\nabc\n' >"$T/abc.txt"
refused "nothing left after --charset" \
    "(.*/)?abc\.txt: no characters left after filtering" \
    --charset xyz "$T/abc.txt"

printf '\n\n\n\n' >"$T/blank.txt"
refused "nothing left with --lines" \
    "(.*/)?blank\.txt: no characters left" --lines "$T/blank.txt"

refused "the bad one of two files is named" \
    "(.*/)?bad\.txt: invalid UTF-8 at byte 12" "$T/abc.txt" "$T/bad.txt"

printf 'abcdef' >"$T/short.txt"
refused "too short for one sequence" "(.*/)?short\.txt: .*(short|needs)" \
    "$T/short.txt"

if [ "$(id -u)" -eq 0 ]; then
	skip "running as root: every file is readable"
	skip "running as root: every file is readable"
	skip "running as root: every file is readable"
else
	printf 'secret text\n' >"$T/secret.txt"
	chmod 000 "$T/secret.txt"
	refused "unreadable file" "(.*/)?secret\.txt: permission denied" \
	    "$T/secret.txt"
fi

usage "negative batch" "--batch: .*(must be|positive|at least|>= ?1)" \
    train --headless --batch -3 "$T/abc.txt"
usage "zero seq" "--seq: .*(must be|positive|at least|>= ?1)" \
    train --headless --seq 0 "$T/abc.txt"

# Characters outside a model's vocabulary (eval with a fixed vocabulary).
# A tiny model trained for one step; skipped when that cannot be done.
i=0
: >"$T/train.txt"
while [ $i -lt 60 ]; do
	printf 'the cat sat on a mat. abc abc\n' >>"$T/train.txt"
	i=$((i + 1))
done
printf 'the cat \320\266 sat \321\213\n the mat\n' >"$T/new.txt"
for i in 1 2 3; do printf 'the cat sat on a mat\n' >>"$T/new.txt"; done
if "$BURBLE" train --headless --steps 1 --hidden 8 --layers 1 --batch 2 \
    --seq 8 -o "$T/m.safetensors" "$T/train.txt" >/dev/null 2>&1 &&
    [ -f "$T/m.safetensors" ]; then
	"$BURBLE" eval -m "$T/m.safetensors" --batch 1 --seq 8 "$T/new.txt" \
	    >"$T/stdout" 2>"$T/stderr"
	is "$?" 1 "unknown characters: exit status 1"
	is "$(wc -l <"$T/stderr" | tr -d ' ')" 1 \
	    "unknown characters: one line on stderr"
	like "$(cat "$T/stderr")" \
	    "^burble: (.*/)?new\.txt: 2 characters not in the model's vocabulary: 'ж' \(U\+0436\), 'ы' \(U\+044B\)" \
	    "unknown characters: named with their code points"
else
	skip "could not train a tiny model"
	skip "could not train a tiny model"
	skip "could not train a tiny model"
fi
if "$BURBLE" train --headless --steps 1 --hidden 8 --layers 1 --batch 2 \
    --seq 8 --min-count 2 -o "$T/u.safetensors" "$T/train.txt" \
    >/dev/null 2>&1 && [ -f "$T/u.safetensors" ]; then
	"$BURBLE" eval -m "$T/u.safetensors" --batch 1 --seq 8 "$T/new.txt" \
	    >"$T/stdout" 2>"$T/stderr"
	is "$?" 1 "unknown characters, model with UNK: exit status 1"
	like "$(cat "$T/stderr")" "\(use --map-unknown\)$" \
	    "unknown characters, model with UNK: suggests --map-unknown"
	"$BURBLE" eval -m "$T/u.safetensors" --batch 1 --seq 8 --map-unknown \
	    "$T/new.txt" >"$T/stdout" 2>"$T/stderr"
	is "$?" 0 "--map-unknown: eval runs"
else
	skip "could not train a tiny model with --min-count"
	skip "could not train a tiny model with --min-count"
	skip "could not train a tiny model with --min-count"
fi

done_testing
