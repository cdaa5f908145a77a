#!/bin/sh
# torch_train.sh - a burble run continues in PyTorch and comes back
# (contrib/burble_torch.py train):
#  exact:     burble trains 20 steps, PyTorch continues to 40, burble to 60;
#             every step's training loss and every validation loss agree
#             with one burble run of 60 steps to 1e-4 relative (dropout 0,
#             and dropout 0.3 with burble's masks), across epoch ends, a
#             learning-rate decay and the carried state;
#  files:     a run continued for 0 steps is saved byte for byte as it was
#             read, by PyTorch (burble's file) and by burble (PyTorch's):
#             weights, optimizer moments, carried state and metadata;
#  ddp:       torchrun --nproc_per_node 2 (gloo) gives the one-process
#             losses to 1e-5 relative;
#  dropout:   with PyTorch's own masks the curve continues (no jump beyond
#             the step-to-step noise);
#  optimizers: RMSprop with momentum (GRU, embedding) and SGD (tanh RNN);
#  refusals:  a weights-only file for --resume, unknown schedules and
#             settings; fine-tuning starts fresh moments and says so.
# Skips when /usr/bin/python3 cannot import torch (Debian: python3-torch);
# the GPU check skips without CUDA.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
. "$top_srcdir/tests/setup.sh"

PY=/usr/bin/python3
BT=$top_srcdir/contrib/burble_torch.py
[ -x "$BURBLE" ] || skip_all "$BURBLE not built"
[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null ||
	skip_all "python3-torch not installed"

text=$T/text.txt
head -c 6000 "$top_srcdir/corpora/quillfeather.txt" >"$text"

# 5400 training characters, batch 8 x 40: 16 steps per epoch, so 60 steps
# cross three epoch ends (state reset, rate decay); evaluations every 15.
common="--hidden 32 --layers 2 --batch 8 --seq 40 --lr 5e-3 --lr-decay 0.9
	--lr-decay-after 1 --eval-every 15 --report-every 1 --seed 5
	--sample-len 0 --threads 1"

# burble NAME ARGS...: burble train, its metrics in $T/NAME.m.
burble() {
	n=$1; shift
	"$BURBLE" train --headless --metrics "$T/$n.m" "$@" "$text" \
		>"$T/$n.log" 2>&1
	ok $? "burble: $n" || tail -3 "$T/$n.log" | sed 's/^/#   /'
}

# PyTorch runs, many in one process (importing torch takes seconds):
# lines of "NAME ARGS..." on stdin; each one's output in $T/NAME.log,
# metrics in $T/NAME.m, exit status in $T/NAME.rc.
cat >"$T/runs.py" <<'EOF'
import contextlib, shlex, sys
sys.path.insert(0, sys.argv[1])
import burble_torch as bt
T, text = sys.argv[2], sys.argv[3]
for line in open(sys.argv[4]).read().splitlines():
    name, *args = shlex.split(line)
    argv = ["train"] + args + ["--threads", "1", "--metrics",
                               "%s/%s.m" % (T, name), text]
    with open("%s/%s.log" % (T, name), "w") as f, \
            contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        try:
            bt.main(argv)
            rc = 0
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
            if not isinstance(e.code, int) and e.code is not None:
                print(e.code, file=sys.stderr)
    with open("%s/%s.rc" % (T, name), "w") as f:
        f.write("%d\n" % rc)
EOF
torch_runs() {
	cat >"$T/runs.txt"
	"$PY" "$T/runs.py" "$top_srcdir/contrib" "$T" "$text" "$T/runs.txt"
}
torch_ok() {
	rc=$(cat "$T/$1.rc" 2>/dev/null || echo none)
	is "$rc" 0 "PyTorch: $1" || tail -3 "$T/$1.log" | sed 's/^/#   /'
}

# compare TOL WHAT A B: the histories of checkpoints A and B (a point at
# every step here: 16 batches per epoch) hold the same steps, and every
# training loss (each step's, as a float) and validation loss of A is
# within TOL of B's, relative (the largest differences printed). NaN and
# missing steps fail.
compare() {
	tol=$1 what=$2
	"$PY" - "$top_srcdir/contrib" "$tol" "$3" "$4" >"$T/cmp.out" 2>&1 <<'EOF'
import math, sys
sys.path.insert(0, sys.argv[1])
import burble_torch_ckpt as bc
tol = float(sys.argv[2])
a, b = (bc.load(f).history for f in sys.argv[3:5])
ok = [h["step"] for h in a] == [h["step"] for h in b] and len(a) > 0
out = []
for key in ("train_loss", "val_loss"):
    pairs = [(x[key], y[key]) for x, y in zip(a, b)
             if not (math.isnan(x[key]) and math.isnan(y[key]))]
    worst = max((abs(x - y) / abs(y) for x, y in pairs), default=math.nan)
    ok = ok and pairs and worst <= tol
    out.append("%s %d, largest relative difference %.2g" % (
        key.split("_")[0], len(pairs), worst))
print("; ".join(out))
sys.exit(0 if ok else 1)
EOF
	ok $? "$what: $(cat "$T/cmp.out" | tr '\n' ' ')(within $tol)"
}

# progress FILE: step, epoch, batch, lr, best_step of a checkpoint.
progress() {
	"$PY" - "$1" <<'EOF'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
p = json.loads(json.loads(b[8:8 + n])["__metadata__"]["burble.progress"])
print(*(p[k] for k in ("step", "epoch", "batch", "lr", "best_step")))
EOF
}

# ---- the runs --------------------------------------------------------------
burble straight $common --dropout 0 --steps 60 -o "$T/s60.safetensors"
burble b20 $common --dropout 0 --steps 20 -o "$T/r20.safetensors"
burble dstraight $common --dropout 0.3 --steps 60 -o "$T/ds60.safetensors"
burble d20 $common --dropout 0.3 --steps 20 -o "$T/d20.safetensors"
gru="--cell gru --embed 8 --hidden 24 --layers 2 --batch 8 --seq 40
	--optim rmsprop --momentum 0.5 --dropout 0.2 --eval-every 15
	--report-every 1 --seed 7 --sample-len 0 --threads 1"
burble gstraight $gru --steps 30 -o "$T/g30.safetensors"
burble g12 $gru --steps 12 -o "$T/g12.safetensors"
rnn="--cell rnn --hidden 24 --layers 1 --batch 8 --seq 40 --optim sgd
	--lr 0.05 --dropout 0 --eval-every 15 --report-every 1 --seed 9
	--sample-len 0 --threads 1"
burble rstraight $rnn --steps 30 -o "$T/rn30.safetensors"
burble r12 $rnn --steps 12 -o "$T/rn12.safetensors"
"$BURBLE" train --headless $common --steps 20 --weights-only \
	-o "$T/wo.safetensors" "$text" >"$T/wo.log" 2>&1
ok $? "burble: a weights-only file"

# Settings a later burble might write (another schedule, a new knob).
"$PY" - "$top_srcdir/contrib" "$T" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import burble_torch_ckpt as bc
T = sys.argv[2]
for name, key, val in (("onecycle", "restart_schedule", '"onecycle"'),
                       ("neutral", "swa", '"off"'),
                       ("knob", "swa_every", "100")):
    ck = bc.load(T + "/r20.safetensors")
    ck.settings_extra[key] = val
    bc.save("%s/%s.safetensors" % (T, name), ck)
EOF
ok $? "files with settings this burble does not have"

# The first file PyTorch writes is burble's file read back: its last
# history point (step 20) is not an evaluation, so a run of 0 steps saves.
cp "$T/r20.safetensors" "$T/r20p.safetensors"
torch_runs <<EOF
t40 $T/r20.safetensors --resume --steps 40 -o $T/r40.safetensors
t20 $T/r20p.safetensors --resume --steps 20
dt40 $T/d20.safetensors --resume --steps 40 -o $T/d40.safetensors
dn40 $T/d20.safetensors --resume --steps 40 --dropout-masks native -o $T/dn40.safetensors
g24 $T/g12.safetensors --resume --steps 24 -o $T/g24.safetensors
r24 $T/rn12.safetensors --resume --steps 24 -o $T/rn24.safetensors
wo $T/wo.safetensors --resume --steps 30 -o $T/wox.safetensors
ft $T/wo.safetensors --steps 5 -o $T/ft.safetensors
onecycle $T/onecycle.safetensors --resume --steps 21 -o $T/x.safetensors
neutral $T/neutral.safetensors --resume --steps 21 -o $T/neutral21.safetensors
knob $T/knob.safetensors --resume --steps 21 -o $T/x.safetensors
EOF
for n in t40 t20 dt40 dn40 g24 r24 ft neutral; do torch_ok "$n"; done

burble b60 --resume "$T/r40.safetensors" --steps 60 -o "$T/r60.safetensors"
burble d60 --resume "$T/d40.safetensors" --steps 60 -o "$T/d60.safetensors"
burble g30 --resume "$T/g24.safetensors" --steps 30 -o "$T/g30r.safetensors"
burble r30 --resume "$T/rn24.safetensors" --steps 30 -o "$T/rn30r.safetensors"
burble b40 --resume "$T/r40.safetensors" --steps 40 -o "$T/r40b.safetensors"

# ---- exact continuation ------------------------------------------------------
compare 1e-5 "dropout 0: burble 20, PyTorch 20, burble 20 = burble 60" \
	"$T/r60.safetensors" "$T/s60.safetensors"
is "$(progress "$T/r60.safetensors")" "$(progress "$T/s60.safetensors")" \
	"dropout 0: the same step, epoch, batch, learning rate and best step"
compare 1e-5 "dropout 0.3 (burble's masks), the same" \
	"$T/d60.safetensors" "$T/ds60.safetensors"
compare 1e-5 "GRU, embedding, RMSprop with momentum, dropout 0.2, 12+12+6" \
	"$T/g30r.safetensors" "$T/g30.safetensors"
compare 1e-5 "tanh RNN, SGD with momentum, 12+12+6" \
	"$T/rn30r.safetensors" "$T/rn30.safetensors"
"$BURBLE" info "$T/r60.safetensors" >"$T/info" 2>&1
n=$(grep -cE '^ +(15|30|45|60) ' "$T/info")
is "$n" 4 "burble info shows the evaluations of all three parts"
like "$(cat "$T/b60.log")" "^resumed at step 40, epoch 2 \\(40 history points\\)" \
	"burble resumes PyTorch's file with its whole history"

# ---- the files, element for element -----------------------------------------
grep -q "^saved $T/r20p.safetensors" "$T/t20.log" &&
	cmp "$T/r20.safetensors" "$T/r20p.safetensors" >/dev/null
ok $? "PyTorch reads burble's file and writes it back byte for byte"
grep -q "^saved $T/r40b.safetensors" "$T/b40.log" &&
	cmp "$T/r40.safetensors" "$T/r40b.safetensors" >/dev/null
ok $? "burble reads PyTorch's file and writes it back byte for byte"
"$PY" - "$top_srcdir/contrib" "$T" >"$T/mom.out" 2>&1 <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import burble_torch_ckpt as bc
T = sys.argv[2]
for a, b in (("r20", "r20p"), ("r40", "r40b")):
    x, y = bc.load("%s/%s.safetensors" % (T, a)), \
        bc.load("%s/%s.safetensors" % (T, b))
    for h in range(2):
        for n in x.params:
            u, v = x.moments[h][n].view(np.uint32), y.moments[h][n].view(np.uint32)
            assert u.size > 0 and (u == v).all(), (a, h, n)
    assert x.progress["optim_t"] == y.progress["optim_t"] > 0
    assert (x.state.view(np.uint32) == y.state.view(np.uint32)).all()
print("moments, step count and carried state equal bit for bit")
EOF
ok $? "optimizer moments read back as written: $(tail -1 "$T/mom.out")"

# ---- several processes --------------------------------------------------------
# From the run with dropout: the streams split 4 + 4, each process drawing
# the blocks of burble's masks that hold its streams.
# torchrun of Debian's python3-torch 1.13 under Python 3.11 fails with its
# default --redirects (torch's Std enum: 'NoneType' object has no attribute
# 'get'); redirecting standard error, a value it handles, avoids that.
if command -v torchrun >/dev/null 2>&1; then
	run=torchrun
else
	run="$PY -m torch.distributed.run"
fi
$run --standalone --nproc_per_node 2 --redirects 2 --tee 2 "$BT" \
	train "$T/d20.safetensors" --resume --steps 40 --threads 1 \
	-o "$T/ddp40.safetensors" "$text" >"$T/ddp.log" 2>&1
ok $? "$run --nproc_per_node 2 (gloo)" || tail -5 "$T/ddp.log" | sed 's/^/#   /'
like "$(cat "$T/ddp.log")" "cpu x 2 processes" "two processes trained"
compare 1e-5 "2 processes = 1 process, dropout 0.3" \
	"$T/ddp40.safetensors" "$T/d40.safetensors"
is "$(progress "$T/ddp40.safetensors")" "$(progress "$T/d40.safetensors")" \
	"2 processes: the same progress"

# ---- PyTorch's own dropout masks: the curve goes on ------------------------
# The continued losses stay within the straight run's own step-to-step
# noise of its curve (the largest change between two steps in 21..40).
"$PY" - "$T/dn40.m" "$T/dstraight.m" >"$T/noise.out" 2>&1 <<'EOF'
import json, sys
def read(f):
    return {o["step"]: o["loss"] for o in map(json.loads, open(f))
            if o["kind"] == "train"}
n, s = read(sys.argv[1]), read(sys.argv[2])
steps = range(21, 41)
noise = max(abs(s[i] - s[i - 1]) for i in steps)
jump = max(abs(n[i] - s[i]) for i in steps)
first = abs(n[21] - s[20])
print("largest gap to burble's curve %.3f, first step %.3f; noise %.3f"
      % (jump, first, noise))
sys.exit(0 if jump <= noise and first <= noise else 1)
EOF
ok $? "dropout 0.3, PyTorch's masks: $(cat "$T/noise.out" | tr '\n' ' ')"

# ---- refusals and fine-tuning --------------------------------------------------
is "$(cat "$T/wo.rc")" 1 "a weights-only file is refused for --resume"
like "$(cat "$T/wo.log")" "weights only \\(no optimizer state\\): cannot --resume" \
	"... saying why"
like "$(cat "$T/ft.log")" "fine-tuning its weights with fresh optimizer moments" \
	"without --resume it fine-tunes, and says so"
"$BURBLE" train --headless --resume "$T/ft.safetensors" --steps 8 \
	-o "$T/ft8.safetensors" "$text" >"$T/ft8.log" 2>&1
ok $? "burble resumes the fine-tuned run"
like "$(cat "$T/ft8.log")" "^resumed at step 5" "... at its step 5"
is "$(cat "$T/onecycle.rc")" 1 "an unknown learning-rate schedule is refused"
like "$(cat "$T/onecycle.log")" "schedule \"onecycle\" is unknown" "... naming it"
is "$(cat "$T/knob.rc")" 1 "an unknown setting at a non-neutral value is refused"
like "$(cat "$T/knob.log")" "'swa_every' is 100" "... naming it"
"$PY" - "$top_srcdir/contrib" "$T/neutral21.safetensors" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import burble_torch_ckpt as bc
sys.exit(0 if bc.load(sys.argv[2]).settings_extra.get("swa")
         == '"off"' else 1)
EOF
ok $? "a neutral setting it does not know is kept in the file"

# ---- a GPU --------------------------------------------------------------------
if "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
	"$PY" "$BT" train "$T/d20.safetensors" --resume --steps 40 \
		--device cuda --metrics "$T/cuda.m" -o "$T/cuda.safetensors" \
		"$text" >"$T/cuda.log" 2>&1
	ok $? "--device cuda"
	compare 1e-4 "the GPU continues burble's curve" \
		"$T/cuda.safetensors" "$T/d40.safetensors"
else
	"$PY" "$BT" train "$T/d20.safetensors" --resume --steps 40 \
		--device cuda -o "$T/x.safetensors" "$text" >"$T/cuda.log" 2>&1
	is "$?" 1 "--device cuda without CUDA is refused"
	like "$(cat "$T/cuda.log")" "no CUDA device" "... saying so"
	skip "no CUDA device: the GPU path is not run here"
fi

done_testing
