#!/bin/sh
# ckpt_files.sh - checkpoint files never lose work: kill -9 during saves,
# unwritable directories, a file-size limit, malformed files, --keep, and
# SIGINT / SIGTERM during headless training.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

[ -x "$BURBLE" ] || skip_all "$BURBLE not built"
corpus=$top_srcdir/corpora/quillfeather.txt
[ -f "$corpus" ] || skip_all "corpora/quillfeather.txt missing"
small="--headless --threads 1 --batch 8 --seq 32 --sample-len 10 --seed 5"

# Milliseconds of random delay, as a sleep(1) argument: rand_sleep MAX_MS
rand_sleep() {
	ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1 ))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}
# Run a command in the background with SIGINT at its default (a
# non-interactive shell starts background jobs with SIGINT ignored).
bg_default() {
	if env --default-signal=INT true 2>/dev/null; then
		env --default-signal=INT "$@" &
	else
		"$@" &
	fi
}
# wait_for FILE PATTERN: up to 30 s for PATTERN to show up in FILE.
wait_for() {
	_w=0
	while [ $_w -lt 300 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}
step_of() { "$BURBLE" info --json "$1" 2>/dev/null |
	sed -n 's/.*"step": *\([0-9]*\).*/\1/p' | head -n 1; }

# ---- kill -9 during saves -------------------------------------------------
# A model big enough that each save takes a while (40 MB), saved (latest
# and best) after every step; kill -9 at random moments once saving runs.
big="--headless --threads 1 --batch 4 --seq 16 --sample-len 1 --seed 5
	--hidden 512 --layers 2 --val 0.002 --eval-every 1"
mkdir "$T/kill"
"$BURBLE" train $big --steps 1 -o "$T/kill/m.safetensors" "$corpus" \
	>"$T/log" 2>&1
ok $? "kill: a first checkpoint"
# saving PID: whether the run has a checkpoint file open for writing (an
# unnamed temporary file shows as "DIR/#INODE (deleted)" in /proc).
saving() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q -E -- "$T/kill/(#|.*\.tmp\.)"
}
loads=0 mid=0 left=0 n=15
i=0
while [ $i -lt $n ]; do
	"$BURBLE" train $big --steps 100000 -o "$T/kill/m.safetensors" \
		"$corpus" >"$T/log" 2>&1 &
	pid=$!
	wait_for "$T/log" "saved"
	if [ $((i % 2)) -eq 0 ]; then
		rand_sleep 600
	else
		# Every other kill lands while a checkpoint is being written,
		# whatever the build's speed (ASan slows steps more than
		# saves): poll for it, up to about 10 s.
		_j=0
		while [ $_j -lt 2000 ] && ! saving $pid; do
			_j=$((_j + 1))
		done
	fi
	kill -STOP $pid 2>/dev/null
	saving $pid && mid=$((mid + 1))
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	ls "$T/kill" | grep -q '\.tmp\.' && left=$((left + 1))
	rm -f "$T/kill/"*.tmp.*
	"$BURBLE" info "$T/kill/m.safetensors" >/dev/null 2>"$T/err" &&
		"$BURBLE" info "$T/kill/m.best.safetensors" >/dev/null 2>&1 &&
		loads=$((loads + 1))
	i=$((i + 1))
done
is "$loads" "$n" \
	"kill -9 at random moments: the checkpoints load after all $n kills"
[ $mid -gt 0 ]
ok $? "kill: some kills hit a save in progress ($mid of $n)"
# Only the instant between naming the temporary file and the rename may
# leave one.
[ $((left * 4)) -le $mid ]
ok $? "kill: no temporary file left behind ($left after $mid kills mid-save)"

# ---- unwritable places ---------------------------------------------
"$BURBLE" train $small --hidden 16 --steps 6 --eval-every 2 \
	-o "$T/nodir/m.safetensors" "$corpus" >"$T/out" 2>"$T/err"
is $? 1 "a missing output directory: exit status 1"
like "$(cat "$T/err")" \
	"cannot write a checkpoint to $T/nodir/m.safetensors: no directory" \
	"a missing output directory: a clear error naming the file"
is "$(cat "$T/out")" "" "... found before any training (issue 17, item 7)"

mkdir "$T/ro"
"$BURBLE" train $small --hidden 16 --steps 2 -o "$T/ro/m.safetensors" \
	"$corpus" >/dev/null 2>&1
cp "$T/ro/m.safetensors" "$T/ro.copy"
if [ "$(id -u)" != 0 ]; then
	chmod 555 "$T/ro"
	"$BURBLE" train $small --hidden 16 --steps 4 --eval-every 2 \
		-o "$T/ro/m.safetensors" "$corpus" >"$T/out" 2>"$T/err"
	chmod 755 "$T/ro"
	like "$(cat "$T/err")" \
		"$T/ro/m.safetensors: cannot save.*Permission denied" \
		"a read-only directory: a clear error"
	cmp -s "$T/ro/m.safetensors" "$T/ro.copy"
	ok $? "a read-only directory: the previous file is untouched"
else
	skip "read-only directory: running as root"
	skip "read-only directory: running as root"
fi

# A full disk, simulated by a file-size limit: the save fails with EFBIG
# (burble must ignore SIGXFSZ), training goes on, the old file stays.
(
	ulimit -f 64 2>/dev/null || exit 99
	exec "$BURBLE" train $small --hidden 64 --steps 4 --eval-every 2 \
		-o "$T/ro/m.safetensors" "$corpus" >"$T/out" 2>"$T/err"
); st=$?
if [ $st -eq 99 ]; then
	for i in 1 2 3 4 5; do skip "ulimit -f not available"; done
else
	cmp -s "$T/ro/m.safetensors" "$T/ro.copy"
	ok $? "disk full (file-size limit): the previous file is untouched"
	[ $st -ne 153 ] && [ $st -lt 128 ]
	ok $? "disk full: burble is not killed by SIGXFSZ (status $st)"
	like "$(cat "$T/err")" \
		"m.safetensors: cannot save.*(too large|No space)" \
		"disk full: a clear error"
	is "$st" 1 "disk full: the final save failed, so the exit status is 1"
	like "$(tail -1 "$T/out")" "^done .*; the last save failed$" \
		"disk full: the summary does not claim a save"
fi
rm -f "$T/ro/"*.tmp.*

# ---- malformed files -----------------------------------------------
bad=$top_srcdir/tests/ckpt-bad
nbad=0 fine=0
while IFS='	' read -r f want; do
	case $f in '#'*|'') continue ;; esac
	"$BURBLE" info "$bad/$f" >"$T/out" 2>"$T/err"; st=$?
	if [ "$want" = "-" ]; then
		if [ $st -ne 0 ]; then
			echo "# $f: status $st: $(cat "$T/err")"
			continue
		fi
	else
		lines=$(wc -l <"$T/err")
		msg=$(cat "$T/err")
		why=${msg#*"$bad/$f"}	# what follows the file name
		if [ $st -ne 1 ] || [ "$lines" -ne 1 ] ||
		    [ "$why" = "$msg" ] ||
		    ! printf '%s\n' "$why" | grep -qF -- "$want"; then
			echo "# $f: status $st, $lines lines:" \
			    "$(head -c 300 "$T/err")"
			continue
		fi
		nbad=$((nbad + 1))
	fi
	fine=$((fine + 1))
done <"$bad/EXPECT"
total=$(grep -vc '^#' "$bad/EXPECT")
d="burble info on tests/ckpt-bad: each bad file exit 1 with one stderr line"
is "$fine" "$total" "$d naming it and why ($nbad), the good ones load"

# ---- --keep -------------------------------------------------------
mkdir "$T/keep"
"$BURBLE" train $small --hidden 16 --steps 20 --eval-every 2 --keep 3 \
	-o "$T/keep/m-{step}.safetensors" "$corpus" >"$T/out" 2>&1
ok $? "--keep 3 with a {step} template"
n=$(ls "$T/keep" | grep -v '\.best' | grep -c '^m-[0-9]*\.safetensors$')
[ "$n" -ge 1 ] && [ "$n" -le 3 ]
kept=$(ls "$T/keep" | tr '\n' ' ')
ok $? "--keep 3: at most 3 templated checkpoints kept ($n: $kept)"
last=$(ls "$T/keep" | grep -v '\.best' | grep '^m-[0-9]*\.safetensors$' |
	sed 's/m-\([0-9]*\).*/\1/' | sort -n | tail -n 1)
is "$last" 20 "--keep 3: the newest (step 20) is among them"
allok=0
for f in "$T/keep/"*.safetensors; do
	"$BURBLE" info "$f" >/dev/null 2>&1 || allok=1
done
ok $allok "--keep 3: every kept file loads"

# ---- SIGINT and SIGTERM --------------------------------------------
for sig in INT TERM; do
	f=$T/sig-$sig.safetensors
	bg_default "$BURBLE" train $small --hidden 32 --steps 1000000 \
		--report-every 1 -o "$f" "$corpus" >"$T/out" 2>"$T/err"
	pid=$!
	wait_for "$T/out" "step [1-9]"
	sleep 0.5
	kill -$sig $pid
	wait $pid; st=$?
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	[ $st -eq 0 ] || [ $st -eq $want ]
	ok $? "SIG$sig during training: exits cleanly (status $st)"
	"$BURBLE" info "$f" >/dev/null 2>"$T/err"
	ok $? "SIG$sig: the checkpoint was saved and loads"
	s=$(step_of "$f")
	[ -n "$s" ] && [ "$s" -gt 0 ]
	ok $? "SIG$sig: it holds the latest state (step ${s:-?})"
done

# A second Ctrl-C exits at once; what was saved before still loads.
f=$T/sig-INT.safetensors
bg_default "$BURBLE" train $small --hidden 320 --layers 2 --steps 1000000 \
	--report-every 1 -o "$f" "$corpus" >"$T/out" 2>"$T/err"
pid=$!
wait_for "$T/out" "step [1-9]"
kill -INT $pid
sleep 0.05
kill -INT $pid 2>/dev/null
wait $pid; st=$?
[ $st -ne 0 ] || [ -f "$f" ]
ok $? "a second SIGINT: exits (status $st)"
rm -f "$T/"*.tmp.*
"$BURBLE" info "$f" >/dev/null 2>"$T/err"
ok $? "a second SIGINT: the checkpoint (the previous or the new one) loads"

done_testing
