# burble_torch_train.py - a burble run continued in PyTorch, exactly, on a
# CPU, a GPU or several (DDP), and handed back to burble.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""burble_torch.py train: continue a burble run in PyTorch.

Everything burble keeps carries over: the weights, the optimizer (Adam,
RMSprop or SGD: moments and step count, updated with burble's arithmetic,
which is PyTorch's, operation for operation), the learning rate and its
schedule, the epoch and batch position, the carried hidden state, the
clipping, the dropout random stream (and by default burble's very masks),
the validation split, the evaluation points, the best model and the
history. The text is cut as burble cuts it (src/core/text.c): the files
concatenated, the last val_frac for validation, the rest into B streams
of L = (n - 1) / B characters, batch k = characters [kT, kT + T) of every
stream, the state of each stream carried from batch to batch and reset at
each epoch's end.

The step mirrors src/core/train.c: forward with dropout on every layer's
output, the loss the mean over all B*T characters, backward, the global
gradient norm clipped (summed in double), the divergence guard, the
optimizer at the current rate; then train_advance (step, batch, epoch, the
schedule). Under torchrun the B streams are split across the processes,
each one's loss is its sum over the global B*T, and one all-reduce sums
the gradients: K processes compute the gradient of the same mean as one,
clip it with the same global norm and take the same step.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import burble_torch as bt
import burble_torch_ckpt as bc
from burble_torch_ckpt import CkptError, f32

PROG = "burble_torch"
KNOWN_SCHEDULES = bc.SCHEDULES
DROP_BLOCK = 4096
GUARD_EVERY, GUARD_FACTOR, GUARD_TRIES = 50, 3.0, 20


class Refused(Exception):
    """Bad input or a run that cannot continue exactly: one line."""


# ---- the learning-rate schedule (train.c: train_advance) -------------------

# Values that mean "nothing" in a setting this code does not know: a later
# burble may add fields that are harmless at their defaults.
_NEUTRAL = (None, False, 0, 0.0, "", "none", "constant", "off")


def check_settings(settings_extra, progress_extra):
    """Refuse a run whose settings hold what this code cannot honour: a
    learning-rate schedule it does not know, or any other setting it does
    not know at a value other than a neutral one (it could change how the
    run trains). A schedule name is looked for under any key with
    "schedule" in its name."""
    for where, extra in (("burble.settings", settings_extra),
                         ("burble.progress", progress_extra)):
        for key, text in extra.items():
            v = json.loads(text)
            if "schedule" in key.lower():
                if v is None or v in KNOWN_SCHEDULES:
                    continue
                raise Refused(
                    "%s: learning-rate schedule %s is unknown to this "
                    "burble_torch.py (it knows %s); refusing rather than "
                    "training with a different rate than burble would"
                    % (where, json.dumps(v), ", ".join(KNOWN_SCHEDULES)))
            if v in _NEUTRAL and not isinstance(v, (list, dict)):
                continue
            raise Refused(
                "%s: '%s' is %s, a setting this burble_torch.py does not "
                "know; refusing rather than training differently from "
                "burble" % (where, key, text))


def lr_factor(settings, prog, bounds, nbatches, run_time):
    """train.c: train_lr_factor. The step's rate is prog["lr"] times this:
    a linear warm-up over the first `warmup` steps, then for cosine and
    linear a fall to lr_min at the end of the run (the first of its step
    and time bounds)."""
    f, done = 1.0, 0.0
    w = settings["warmup"]
    if w > 0 and prog["step"] < w:
        f = (prog["step"] + 1) / w
    sched = settings["lr_schedule"]
    if sched not in ("cosine", "linear"):
        return f
    total = bounds.steps(nbatches)
    if total > w and prog["step"] > w:
        done = (prog["step"] - w) / (total - w)
    if bounds.time_limit > 0:
        done = max(done, run_time / bounds.time_limit)
    done = min(done, 1.0)
    lo = float(settings["lr_min"])
    if sched == "cosine":
        f *= lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * done))
    else:
        f *= 1 - (1 - lo) * done
    return f


def schedule_lr(settings, prog, epoch_end):
    """The rate as set for the next step (prog["lr"]), given the progress
    after a step (prog["epoch"] already counts an epoch that just ended):
    with the step schedule, multiplied by lr_decay at each epoch end once
    lr_decay_after epochs are done. The rate is state (the divergence
    guard halves it, :lr sets it), so this is a function of the current
    rate, as burble's is; lr_factor scales it for each step."""
    lr = prog["lr"]
    if epoch_end and settings["lr_schedule"] == "step" and \
            settings["lr_decay"] != 1.0 and \
            prog["epoch"] >= settings["lr_decay_after"]:
        lr = f32(lr * settings["lr_decay"])     # float * float in C
    return lr


def train_advance(prog, settings, nbatches, dt):
    """Count a step taken (dt seconds); at an epoch's end (returns True)
    start the next epoch. The rate follows schedule_lr."""
    prog["step"] += 1
    prog["batch"] += 1
    prog["elapsed"] += dt
    prog["restored_step"] = 0       # the weights are this step's now
    end = prog["batch"] >= nbatches
    if end:
        prog["batch"] = 0
        prog["epoch"] += 1
    prog["lr"] = schedule_lr(settings, prog, end)
    return end


class Bounds:
    """What ends a run (train.c: train_bounds): epochs, steps (both in
    all, as burble counts them), a time budget for this run; a budget given
    without --epochs lifts the epoch limit."""

    def __init__(self, settings, time_limit, epochs_given):
        self.epochs = 0 if time_limit > 0 and not epochs_given else \
            settings["epochs"]
        self.max_steps = settings["max_steps"]
        self.time_limit = time_limit

    def steps(self, nbatches):
        by_epochs = self.epochs * nbatches if self.epochs > 0 else 0
        if self.max_steps > 0 and (by_epochs == 0 or
                                   self.max_steps < by_epochs):
            return self.max_steps
        return by_epochs

    def stop_reason(self, settings, prog, run_time):
        if self.epochs > 0 and prog["epoch"] >= self.epochs:
            return "finished"
        if self.max_steps > 0 and prog["step"] >= self.max_steps:
            return "finished"
        if settings["patience"] > 0 and prog["stale"] >= settings["patience"]:
            return "early stopping: validation loss stopped improving"
        if self.time_limit > 0 and run_time >= self.time_limit:
            return "time limit"
        return None


def point_due(settings, prog, epoch_end):
    """An evaluation point (evaluate, record, save) after this step?"""
    if epoch_end:
        return settings["eval_every"] == 0
    return settings["eval_every"] > 0 and \
        prog["step"] % settings["eval_every"] == 0


# ---- burble's dropout masks (src/core/fb.c: drop_block) ------------------------

_GOLD, _SM1, _SM2 = 0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb
_BLOCK_MUL = 0xd1b54a32d192ed03


def _i64(u):
    """A 64-bit pattern as torch's int64."""
    return u - (1 << 64) if u >= 1 << 63 else u


def _lsr(x, k):
    """Logical right shift of int64 bit patterns."""
    return (x >> k) & ((1 << (64 - k)) - 1)


def drop_block_ref(seed, k, n, p):
    """Block k of a layer's mask drawn from seed, n elements: the
    reference, in Python integers, as fb.c draws it (for the self-check)."""
    keep = int((1.0 - p) * 4294967296.0)
    r = bc.Xoshiro((seed ^ (k * _BLOCK_MUL)) & bc.M64)
    out = []
    for e in range(0, n, 2):
        u = r.u64()
        out.append((u & 0xffffffff) < keep)
        if e + 1 < n:
            out.append((u >> 32) < keep)
    return out


class MaskGen:
    """burble's inverted-dropout masks, drawn on the device.

    Layer l's mask at a step covers (T, B, H) time-major elements, cut in
    blocks of 4096, block k drawn from xoshiro256** seeded by splitmix64 of
    (seed_l ^ k * 0xd1b54a32d192ed03), two 32-bit draws per call, an
    element kept when its draw is below (1 - p) * 2^32; seed_l is the
    training rng's next draw (one per layer per step, in layer order).
    Every block is an independent generator, so all blocks of all layers of
    several steps are drawn at once, one vector lane each: 2048 rounds of a
    few int64 operations. A process of several draws only the blocks that
    hold its streams.
    """

    def __init__(self, T, B, H, L, p, b0, b1, device):
        self.T, self.B, self.H, self.L, self.p = T, B, H, L, p
        self.device = device
        self.keep = int((1.0 - p) * 4294967296.0)
        self.scale = f32(1.0 / f32(1.0 - p))     # 1.0f / (1.0f - p)
        N = T * B * H
        nb = b1 - b0
        # The elements this process needs, (T, nb, H), and their blocks.
        e = (np.arange(T)[:, None, None] * B + np.arange(b0, b1)[None, :, None]
             ) * H + np.arange(H)[None, None, :]
        e = e.reshape(-1)
        self.blocks = np.unique(e // DROP_BLOCK)
        pos = np.searchsorted(self.blocks, e // DROP_BLOCK) * DROP_BLOCK + \
            e % DROP_BLOCK
        self.all = nb == B and len(self.blocks) * DROP_BLOCK >= N
        self.gather = None if self.all else \
            torch.from_numpy(pos).to(device)
        self.N, self.nb = N, nb
        # Steps drawn at once. The rounds are sequential, so on a GPU
        # their cost is kernel launches, paid once per window: up to 256
        # steps in an eighth of the free memory (a lane takes 8 KB: its
        # bits and their reordered copy); on a CPU up to 64 steps in 2^16
        # lanes (512 MB).
        per_step = L * len(self.blocks)
        lanes, most = 1 << 16, 64
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            lanes, most = max(1, free // 8 // (2 * DROP_BLOCK)), 256
        self.window = int(max(1, min(most, lanes // per_step)))
        self.queue = []
        self._check()

    def _draw(self, seeds):
        """bool (len(seeds), nblocks * 4096): the blocks of each seed."""
        dev = self.device
        k = torch.tensor([_i64((int(b) * _BLOCK_MUL) & bc.M64)
                          for b in self.blocks], dtype=torch.int64, device=dev)
        sd = torch.tensor([_i64(s) for s in seeds], dtype=torch.int64,
                          device=dev)
        x = (sd[:, None] ^ k[None, :]).reshape(-1)      # the lanes
        s = []
        for _ in range(4):                              # splitmix64
            x = x + _i64(_GOLD)
            z = x
            z = (z ^ _lsr(z, 30)) * _i64(_SM1)
            z = (z ^ _lsr(z, 27)) * _i64(_SM2)
            s.append(z ^ _lsr(z, 31))
        s0, s1, s2, s3 = s
        half = DROP_BLOCK // 2
        out = torch.empty((half, 2, x.numel()), dtype=torch.bool, device=dev)
        keep = self.keep
        for j in range(half):
            r = s1 * 5
            r = ((r << 7) | _lsr(r, 57)) * 9
            t = s1 << 17
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = (s3 << 45) | _lsr(s3, 19)
            torch.lt(r & 0xffffffff, keep, out=out[j, 0])
            torch.lt(_lsr(r, 32), keep, out=out[j, 1])
        # (half, 2, seeds * nblocks) -> (seeds, nblocks * 4096)
        return out.permute(2, 0, 1).reshape(len(seeds), -1)

    def _check(self):
        """The vectorised draw against the reference, on this device."""
        seed = 0x243f6a8885a308d3
        b = int(self.blocks[0])
        got = self._draw([seed])[0, :DROP_BLOCK].cpu().tolist()
        want = drop_block_ref(seed, b, DROP_BLOCK, self.p)
        if got != want:
            raise Refused("the dropout masks drawn on %s differ from "
                          "burble's (int64 arithmetic?); use --dropout-masks "
                          "native" % self.device)

    def masks(self, rng):
        """This step's masks, [(nb, T, H)] per layer, scaled as burble's
        (0 or 1 / (1 - p)); draws the L seeds from rng as burble does."""
        seeds = [rng.u64() for _ in range(self.L)]
        if not self.queue:
            ahead = bc.Xoshiro(state=rng.s)
            window = [seeds] + [[ahead.u64() for _ in range(self.L)]
                                for _ in range(self.window - 1)]
            flat = [s for w in window for s in w]
            bits = self._draw(flat)
            self.queue = [(w, bits[i * self.L:(i + 1) * self.L])
                          for i, w in enumerate(window)]
        want, bits = self.queue.pop(0)
        assert want == seeds, "dropout seeds out of step"
        out = []
        for l in range(self.L):
            m = bits[l]
            m = m[:self.N] if self.all else m[self.gather]
            m = m.view(self.T, self.nb, self.H).transpose(0, 1)
            out.append(m.to(torch.float32).mul_(self.scale).contiguous())
        return out


class NativeMasks:
    """--dropout-masks native: PyTorch's own random masks (fast, not
    burble's); the training rng still advances as burble's does, so the
    file hands back the state burble would have."""

    def __init__(self, T, H, L, p, nb, device):
        self.shape, self.L, self.p = (nb, T, H), L, p
        self.scale = f32(1.0 / f32(1.0 - p))
        self.device = device

    def masks(self, rng):
        for _ in range(self.L):
            rng.u64()
        return [(torch.rand(self.shape, device=self.device) >= self.p)
                .to(torch.float32).mul_(self.scale) for _ in range(self.L)]


# ---- the text, as burble cuts it ----------------------------------------------

def corpus_name(paths):
    """text.c's corpus_name: the first file's base name, "+N" for more."""
    base = "stdin" if paths[0] == "-" else os.path.basename(paths[0]) or \
        paths[0]
    return base + ("+%d" % (len(paths) - 1) if len(paths) > 1 else "")


def split_text(n, settings):
    """session.c's setup_data: (ntrain, nval, B, note). The last val_frac
    of the text validates; a batch too large for the text shrinks."""
    nval = int(float(n) * settings["val_frac"]) if settings["val_frac"] > 0 \
        else 0
    ntrain = n - nval
    B, T = settings["batch"], settings["seq"]
    note = None
    if ntrain < T + 1:
        raise Refused("too short: %d characters of training text; --seq %d "
                      "needs at least %d" % (ntrain, T, T + 1))
    if ntrain < B * T + 1:
        nb = (ntrain - 1) // T
        note = ("%d training characters are too few for batch %d x seq %d "
                "(needs %d): batch shrunk to %d" % (ntrain, B, T, B * T + 1,
                                                     nb))
        B = nb
    return ntrain, nval, B, note


class Streams:
    """text.c's batcher over ids (a 1-D int64 tensor on the device): B
    streams of L = (n - 1) / B ids; batch k is [kT, kT + T) of each."""

    def __init__(self, ids, B, T, b0, b1):
        n = ids.numel()
        self.B, self.T = B, T
        self.L = (n - 1) // B
        self.nbatches = self.L // T
        self.x = ids[:B * self.L].view(B, self.L)[b0:b1]
        self.y = ids[1:B * self.L + 1].view(B, self.L)[b0:b1]

    def get(self, k):
        k %= self.nbatches
        s = slice(k * self.T, (k + 1) * self.T)
        return self.x[:, s], self.y[:, s]


def share(n, i, k):
    """Part i of k of range(n): as even as can be."""
    return n * i // k, n * (i + 1) // k


# ---- the model, a layer at a time ------------------------------------------------

class TrainNet(nn.Module):
    """burble's network as L one-layer nn.LSTM/GRU/RNN (cuDNN on a GPU), so
    that burble's dropout masks go between them; the same tensors, named
    after burble's, as CharRNN's state_dict."""

    def __init__(self, cfg):
        super().__init__()
        self.cell, self.L, self.H = cfg["cell"], cfg["layers"], cfg["hidden"]
        self.V, self.E = cfg["vocab"], cfg["embed"]
        if self.E > 0:
            self.embedding = nn.Embedding(self.V, self.E)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[self.cell]
        self.layers = nn.ModuleList(
            rnn(self.E if l == 0 and self.E > 0 else self.V if l == 0
                else self.H, self.H, 1, batch_first=True)
            for l in range(self.L))
        self.fc = nn.Linear(self.H, self.V)
        self.k = 2 if self.cell == "lstm" else 1

    def named(self):
        """[(burble's name, parameter)] in burble's order."""
        out = []
        if self.E > 0:
            out.append(("embedding.weight", self.embedding.weight))
        for l, m in enumerate(self.layers):
            for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                out.append(("%s.%s_l%d" % (self.cell, w, l),
                            getattr(m, w + "_l0")))
        out += [("fc.weight", self.fc.weight), ("fc.bias", self.fc.bias)]
        return out

    def forward(self, x, state, masks=None):
        """x (b, T) ids, state (k, L, b, H) -> logits (b, T, V), state."""
        inp = self.embedding(x) if self.E > 0 else \
            F.one_hot(x, self.V).to(torch.float32)
        hs, cs = [], []
        for l, m in enumerate(self.layers):
            if self.k == 2:
                out, (h, c) = m(inp, (state[0, l:l + 1].contiguous(),
                                      state[1, l:l + 1].contiguous()))
                cs.append(c)
            else:
                out, h = m(inp, state[0, l:l + 1].contiguous())
            hs.append(h)
            if masks is not None:
                out = out * masks[l]
            inp = out
        new = torch.stack([torch.cat(hs)] + ([torch.cat(cs)] if cs else []))
        return self.fc(inp), new


# ---- the optimizers (src/core/optim.c, operation for operation) ---------------

class Optim:
    """Adam, RMSprop and SGD over the model's tensors, with burble's state
    (m or the momentum buffer, then v or the squared-gradient average) and
    burble's float32 arithmetic, which is torch.optim's: each operation
    rounds once, in the same order, so the same gradients give the same
    bits."""

    def __init__(self, cfg, m, v, t):
        self.cfg, self.m, self.v, self.t = cfg, m, v, t

    def step(self, params, grads, lr):
        c = self.cfg
        self.t += 1
        if c["name"] == "adam":
            b1, b2, eps = c["beta1"], c["beta2"], c["eps"]
            c1, c2 = f32(1.0 - b1), f32(1.0 - b2)
            bc1 = 1.0 - math.pow(b1, self.t)
            bc2 = 1.0 - math.pow(b2, self.t)
            step = f32(lr / bc1)
            bc2s = f32(math.sqrt(bc2))
            for p, g, m, v in zip(params, grads, self.m, self.v):
                m.add_((g - m).mul_(c1))        # m += (1 - b1) (g - m)
                v.mul_(b2).add_((g * c2).mul_(g))
                d = v.sqrt().div_(bc2s).add_(eps)
                p.sub_(torch.div(m, d).mul_(step))
        elif c["name"] == "rmsprop":
            a, eps, mu = c["alpha"], c["eps"], c["momentum"]
            ca = f32(1.0 - a)
            for p, g, buf, v in zip(params, grads, self.m, self.v):
                v.mul_(a).add_((g * ca).mul_(g))
                d = v.sqrt().add_(eps)
                if mu > 0:
                    buf.mul_(mu).add_(torch.div(g, d))
                    p.sub_(buf * lr)
                else:
                    p.sub_(torch.div(g, d).mul_(lr))
        else:
            mu = c["momentum"]
            for p, g, buf in zip(params, grads, self.m):
                if mu != 0:
                    if self.t == 1:
                        buf.copy_(g)
                    else:
                        buf.mul_(mu).add_(g)
                    p.sub_(buf * lr)
                else:
                    p.sub_(g * lr)


def clip_grads(grads, max_norm):
    """optim.c's grad_clip: the global L2 norm summed in double; scaled by
    (float)(max_norm / (norm + 1e-6)) when that is below 1. Returns the
    norm (NaN/Inf leaves the gradient alone)."""
    ss = float(torch.stack([torch.sum(g.double() * g.double())
                            for g in grads]).sum())
    norm = math.sqrt(ss) if ss >= 0 else math.nan
    if not math.isfinite(norm) or not max_norm > 0:
        return norm
    coef = max_norm / (norm + 1e-6)
    if coef < 1.0:
        cf = f32(coef)
        for g in grads:
            g.mul_(cf)
    return norm


# ---- several processes ------------------------------------------------------------

class Dist:
    """One process, or one of torchrun's (WORLD_SIZE > 1): gloo on CPU,
    nccl on GPU, a stream share each."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = device
        if device.type == "cuda":
            self.device = torch.device("cuda", self.local if self.world > 1
                                       else (device.index or 0))
            torch.cuda.set_device(self.device)
        self.on = self.world > 1
        if self.on:
            import torch.distributed as dist
            self.d = dist
            dist.init_process_group("nccl" if device.type == "cuda" else
                                    "gloo", init_method="env://")

    @property
    def main(self):
        return self.rank == 0

    def sum_(self, t):
        if self.on:
            self.d.all_reduce(t)
        return t

    def close(self):
        if self.on:
            self.d.destroy_process_group()


# ---- the trainer ------------------------------------------------------------------

def fmt_duration(s):
    if not math.isfinite(s) or s < 0:
        return "--:--"
    t = int(s + 0.5)
    if t >= 3600:
        return "%d:%02d:%02d" % (t // 3600, t // 60 % 60, t % 60)
    return "%d:%02d" % (t // 60, t % 60)


def fmt_count(v):
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    if v >= 1e4:
        return "%.1f k" % (v / 1e3)
    return "%.0f" % v


def expand_template(tmpl, epoch, step, loss):
    out = tmpl.replace("{epoch}", "%02d" % epoch).replace("{step}",
                                                           "%d" % step)
    return out.replace("{loss}", "%.4f" % (loss if math.isfinite(loss)
                                           else 0.0))


def best_path_for(tmpl):
    """session.c's best_path_for: the output without its {fields} (and
    the separator before each), ".best" before the extension."""
    s, i = "", 0
    while i < len(tmpl):
        if tmpl[i] == "{" and "}" in tmpl[i:]:
            if s and s[-1] in "-_.":
                s = s[:-1]
            i = tmpl.index("}", i) + 1
            continue
        s += tmpl[i]
        i += 1
    slash, dot = s.rfind("/"), s.rfind(".")
    if dot > 0 and dot > slash + 1:
        return s[:dot] + ".best." + s[dot + 1:]
    return s + ".best"


class Tally:
    def __init__(self):
        self.loss, self.correct, self.steps = 0.0, 0, 0

    def add(self, loss, correct):
        self.loss += loss
        self.correct += correct
        self.steps += 1

    def means(self, chars):
        """hist_means: float mean loss and accuracy, NaN when empty."""
        if not self.steps:
            return math.nan, math.nan
        return f32(self.loss / self.steps), \
            f32(f32(self.correct) / f32(self.steps * chars))


class Trainer:
    def __init__(self, a, ck, ids, dist):
        self.a, self.ck, self.dist = a, ck, dist
        self.dev = dist.device
        self.settings, self.prog = ck.settings, ck.progress
        self.hist = ck.history
        s = self.settings
        n = len(ids)
        ntrain, nval, B, note = split_text(n, s)
        if note:
            self.note(note)
            s["batch"] = B
        T = s["seq"]
        if B < dist.world:
            raise Refused("batch %d: fewer streams than the %d processes"
                          % (B, dist.world))
        self.B, self.T = B, T
        self.b0, self.b1 = share(B, dist.rank, dist.world)
        ids_t = torch.from_numpy(ids.astype(np.int64)).to(self.dev)
        self.tb = Streams(ids_t[:ntrain], B, T, self.b0, self.b1)
        self.ntrain, self.nval = ntrain, nval
        self.vb = None
        if nval >= 2:
            vB = min(B, (nval - 1) // T)
            vT = T
            if vB < 1:
                vB, vT = 1, nval - 1
            vrank = share(vB, dist.rank, dist.world)
            self.vb = Streams(ids_t[ntrain:], vB, vT, *vrank)
        cfg = ck.config
        self.cfg = cfg
        torch.manual_seed(s["seed"] & 0x7fffffffffffffff)
        self.net = TrainNet(cfg).to(self.dev)
        self.named = self.net.named()
        with torch.no_grad():
            for name, p in self.named:
                p.copy_(torch.from_numpy(ck.params[name]))
        self.params = [p for _, p in self.named]
        m, v = ck.moments
        self.opt = Optim(dict(s["optim"]),
                         [torch.from_numpy(m[nm]).to(self.dev)
                          for nm, _ in self.named],
                         [torch.from_numpy(v[nm]).to(self.dev)
                          for nm, _ in self.named], self.prog["optim_t"])
        k, L, H = self.net.k, cfg["layers"], cfg["hidden"]
        self.state = torch.zeros((k, L, self.b1 - self.b0, H),
                                 device=self.dev)
        if ck.state is not None:
            if ck.state.size == k * L * B * H:
                full = torch.from_numpy(ck.state).view(k, L, B, H)
                self.state.copy_(full[:, :, self.b0:self.b1])
            else:
                self.note("carried hidden state does not match the batch; "
                          "starting from zero")
        if self.prog["batch"] >= self.tb.nbatches:
            self.prog["batch"] = 0
            self.state.zero_()
        self.rng = bc.Xoshiro(state=self.prog["rng"])
        p = cfg["dropout"]
        self.masks = None
        if p > 0:
            if a.dropout_masks == "exact":
                self.masks = MaskGen(T, B, H, L, p, self.b0, self.b1,
                                     self.dev)
            else:
                self.masks = NativeMasks(T, H, L, p, self.b1 - self.b0,
                                         self.dev)
        self.guard_init()
        self.bounds = Bounds(s, a.time or 0.0, a.epochs is not None)
        self.out = a.output
        self.best = best_path_for(a.output)
        self.save_failed = False
        self.last_saved = None
        self.metrics = open(a.metrics, "a") if a.metrics and dist.main \
            else None

    # -- messages
    def say(self, line):
        if self.dist.main:
            print(line, flush=True)

    def note(self, msg):
        if self.dist.main:
            print("%s: note: %s" % (PROG, msg), file=sys.stderr, flush=True)

    # -- the divergence guard (train.c)
    def guard_init(self):
        self.loss_ema = 0.0
        self.loss_uniform = math.log(self.cfg["vocab"])
        self.bad = 0
        self.guard_keep(self.prog["step"])

    def guard_keep(self, step):
        self.good = ([p.detach().clone() for p in self.params],
                     [t.clone() for t in self.opt.m],
                     [t.clone() for t in self.opt.v])
        self.good_t = self.opt.t
        self.good_step = step

    def guard_restore(self):
        with torch.no_grad():
            for dst, src in zip(self.params + self.opt.m + self.opt.v,
                                self.good[0] + self.good[1] + self.good[2]):
                dst.copy_(src)
        self.opt.t = self.good_t
        self.loss_ema = 0.0

    # -- one step (train.c: train_step)
    def step(self):
        x, y = self.tb.get(self.prog["batch"])
        masks = self.masks.masks(self.rng) if self.masks else None
        net = self.net
        net.zero_grad(set_to_none=False)
        logits, state = net(x, self.state, masks)
        self.state = state.detach()
        rows = F.cross_entropy(logits.reshape(-1, net.V), y.reshape(-1),
                               reduction="none")
        (rows.sum() / (self.B * self.T)).backward()
        correct = (logits.detach().argmax(-1) == y).sum()
        stats = torch.stack([rows.detach().double().sum(), correct.double()])
        grads = [p.grad for p in self.params]
        if self.dist.on:
            # One all-reduce of all the gradients (each process's share
            # of the global mean), and the loss sums in double.
            flat = torch.cat([g.reshape(-1) for g in grads])
            self.dist.sum_(flat)
            self.dist.sum_(stats)
            off = 0
            for g in grads:
                g.copy_(flat[off:off + g.numel()].view_as(g))
                off += g.numel()
        stats = stats.tolist()
        loss = stats[0] / (self.B * self.T)
        correct = int(stats[1])
        norm = clip_grads(grads, self.settings["clip"])
        blown = math.isfinite(loss) and self.loss_ema > 0 and \
            loss > GUARD_FACTOR * self.loss_ema and loss > self.loss_uniform
        if not math.isfinite(loss) or not math.isfinite(norm) or blown:
            self.guard_restore()
            self.prog["lr"] = f32(self.prog["lr"] * 0.5)
            self.bad += 1
            self.note("%s at step %d: back to the weights of step %d, "
                      "learning rate lowered to %.3g"
                      % ("loss exploded" if blown else "NaN/Inf",
                         self.prog["step"], self.good_step, self.prog["lr"]))
            return None, 0, self.bad >= GUARD_TRIES
        self.bad = 0
        self.loss_ema = 0.95 * self.loss_ema + 0.05 * loss \
            if self.loss_ema > 0 else loss
        if self.prog["step"] - self.good_step >= GUARD_EVERY:
            self.guard_keep(self.prog["step"])
        with torch.no_grad():
            self.opt.step([p.data for p in self.params], grads,
                          self.rate_now())
        return loss, correct, False

    def rate_now(self):
        """The rate the next step takes (train.c: train_step's
        *lr x factor), as burble reports it."""
        return f32(float(self.prog["lr"]) * lr_factor(
            self.settings, self.prog, self.bounds, self.tb.nbatches,
            self.run_time))

    def stop_reason(self):
        """Why the run stops before its next step, or None. Several
        processes agree: a signal to any of them, the first one's clock."""
        run_time = self.run_time
        signalled = self.signalled
        if self.dist.on:
            v = torch.tensor([float(signalled), run_time if self.dist.main
                              else 0.0], dtype=torch.float64,
                             device=self.dev)
            signalled, run_time = self.dist.sum_(v).tolist()
        if signalled:
            return "stopped"
        return self.bounds.stop_reason(self.settings, self.prog, run_time)

    # -- evaluation (train.c: train_eval_batches)
    @torch.no_grad()
    def evaluate(self):
        vb = self.vb
        total = torch.zeros(2, dtype=torch.float64, device=self.dev)
        nb = vb.x.shape[0]
        if nb > 0:
            st = torch.zeros((self.net.k, self.cfg["layers"], nb,
                              self.cfg["hidden"]), device=self.dev)
            for k in range(vb.nbatches):
                x, y = vb.get(k)
                logits, st = self.net(x, st)
                rows = F.cross_entropy(logits.reshape(-1, self.net.V),
                                       y.reshape(-1), reduction="none")
                total[0] += rows.double().sum()
                total[1] += (logits.argmax(-1) == y).sum()
        self.dist.sum_(total)
        count = vb.B * vb.T * vb.nbatches
        return f32(float(total[0]) / max(count, 1)), \
            f32(f32(float(total[1])) / f32(max(count, 1)))

    # -- saving
    def full_state(self):
        """The carried state of all B streams (every process calls it)."""
        k, L, H = self.net.k, self.cfg["layers"], self.cfg["hidden"]
        if not self.dist.on:
            return self.state
        full = torch.zeros((k, L, self.B, H), device=self.dev)
        full[:, :, self.b0:self.b1] = self.state
        return self.dist.sum_(full)

    def snapshot(self):
        ck = self.ck
        for name, p in self.named:
            ck.params[name] = p.detach().cpu().numpy().copy()
        ck.moments = ({nm: t.cpu().numpy().copy() for (nm, _), t in
                       zip(self.named, self.opt.m)},
                      {nm: t.cpu().numpy().copy() for (nm, _), t in
                       zip(self.named, self.opt.v)})
        ck.state = self.full_state().detach().cpu().numpy().reshape(-1).copy()
        self.prog["rng"] = self.rng.s[:]
        self.prog["optim_t"] = self.opt.t
        ck.progress, ck.history, ck.settings = self.prog, self.hist, \
            self.settings
        return ck

    def save_to(self, path, ck):
        if not self.dist.main:
            return True
        try:
            lock = bc.Lock(path)
            try:
                bc.save(path, ck, self.a.weights_only)
            finally:
                lock.release()
        except CkptError as e:
            print("%s: error: save failed: %s; training goes on" % (PROG, e),
                  file=sys.stderr, flush=True)
            return False
        self.say("saved %s" % path)
        return True

    def save_latest(self, loss):
        ck = self.snapshot()
        path = expand_template(self.out, self.prog["epoch"],
                               self.prog["step"], loss)
        self.save_failed = not self.save_to(path, ck)
        if not self.save_failed:
            self.last_saved = path

    def hist_record(self, tl, ta, vl, va):
        p = self.prog
        self.hist.append({
            "step": p["step"],
            "epoch": p["epoch"] + p["batch"] / max(self.tb.nbatches, 1),
            "train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va,
            "lr": self.rate_now(), "elapsed": p["elapsed"]})

    def metrics_line(self, kind, loss, acc, cps):
        if self.metrics is None:
            return
        p = self.prog
        self.metrics.write(
            '{"kind":"%s","step":%d,"epoch":%.6f,"loss":%.6g,"bpc":%.6g,'
            '"acc":%.6g,"lr":%.6g,"chars_per_s":%.1f,"elapsed":%.3f}\n' % (
                kind, p["step"], p["epoch"] + p["batch"] /
                max(self.tb.nbatches, 1), loss, loss / math.log(2), acc,
                self.rate_now(), cps, p["elapsed"]))
        self.metrics.flush()

    def checkpoint_point(self, tl, ta):
        """Evaluate, record, save (session.c's checkpoint_point)."""
        p = self.prog
        vl = va = math.nan
        if self.vb is not None:
            vl, va = self.evaluate()
            better = vl < p["best_val"]
            if better:
                p["best_val"], p["best_step"], p["stale"] = vl, p["step"], 0
            else:
                p["stale"] += 1
            self.say("val epoch %d step %d loss %.4f bpc %.4f acc %.1f%%%s"
                     % (p["epoch"], p["step"], vl, vl / math.log(2), 100 * va,
                        " (best)" if p["best_step"] == p["step"] else ""))
            self.metrics_line("val", vl, va, 0)
            if better:
                self.save_to(self.best, self.snapshot())
        self.hist_record(tl, ta, vl, va)
        self.save_latest(vl if self.vb is not None else tl)

    # -- reports (session.c's report_post and the headless lines)
    def report(self, now):
        r = self.rep
        cps = r["chars"] / max(now - r["t0"], 1e-9)
        loss = f32(r["tally"].loss / r["tally"].steps)
        acc = f32(f32(r["tally"].correct) /
                  f32(r["tally"].steps * self.B * self.T))
        self.metrics_line("train", loss, acc, cps)
        p = self.prog
        quiet = self.settings["report_every"] == 0 and \
            self.a.report_every is None
        if not quiet or now - self.last_line >= 2.0 or p["batch"] == 0:
            self.last_line = now
            total = self.bounds.steps(self.tb.nbatches)
            left = (total - p["step"]) * self.B * self.T / cps \
                if total > 0 and cps > 0 else math.nan
            if self.bounds.time_limit > 0:
                left2 = self.bounds.time_limit - self.run_time
                left = left2 if not math.isfinite(left) else min(left, left2)
            e = self.bounds.epochs
            ep = "%d/%d" % (min(p["epoch"] + 1, e), e) if e > 0 else \
                "%d" % (p["epoch"] + 1)
            self.say("epoch %s step %d%s batch %d/%d loss %.4f acc %.1f%% lr "
                     "%.2e %.0f chars/s elapsed %s ETA %s" % (
                         ep, p["step"], "/%d" % total if total > 0 else "",
                         p["batch"], self.tb.nbatches, loss, 100 * acc,
                         self.rate_now(), cps, fmt_duration(p["elapsed"]),
                         fmt_duration(left)))
        self.rep = {"tally": Tally(), "chars": 0.0, "t0": now}

    def report_due(self, now, epoch_end):
        every = self.a.report_every if self.a.report_every is not None \
            else self.settings["report_every"]
        due = self.prog["step"] % every == 0 if every > 0 else \
            now - self.rep["t0"] >= 0.25
        return (due or epoch_end) and self.rep["tally"].steps > 0

    def run(self):
        p, s = self.prog, self.settings
        self.signalled = False
        self.run_time = 0.0
        self.last_line = -1e9
        self.rep = {"tally": Tally(), "chars": 0.0, "t0": time.time()}
        htally = Tally()
        hist_every = max(1, self.tb.nbatches // 20)
        chars = self.B * self.T
        why, diverged = "finished", False
        t_start = time.time()
        while True:
            why = self.stop_reason()
            if why is not None:
                break
            t0 = time.time()
            loss, correct, diverged = self.step()
            if diverged:
                why = ("training diverged (the loss kept exploding or "
                       "turning NaN)")
                print("%s: error: %s" % (PROG, why), file=sys.stderr)
                break
            if loss is not None:
                self.rep["tally"].add(loss, correct)
                htally.add(loss, correct)
            if self.dev.type == "cuda":
                torch.cuda.synchronize(self.dev)
            dt = time.time() - t0
            epoch_end = train_advance(p, s, self.tb.nbatches, dt)
            self.rep["chars"] += chars
            if epoch_end:
                self.state.zero_()
            now = time.time()
            if self.report_due(now, epoch_end):
                self.report(now)
            tl, ta = htally.means(chars)
            if point_due(s, p, epoch_end):
                self.checkpoint_point(tl, ta)
            elif p["step"] % hist_every == 0 and htally.steps > 0:
                self.hist_record(tl, ta, math.nan, math.nan)
            else:
                self.run_time = time.time() - t_start
                continue
            htally = Tally()
            self.run_time = time.time() - t_start
        self.finish(why, htally)
        return 1 if diverged or self.save_failed else 0

    def finish(self, why, htally):
        """The run is over: report, a point for a time limit, the last
        save, the done line."""
        p = self.prog
        if self.rep["tally"].steps > 0:
            self.report(time.time())
        last = self.hist[-1] if self.hist else None
        point_now = last is not None and last["step"] == p["step"] and \
            not math.isnan(last["val_loss"])
        if why == "time limit" and not point_now:
            tl, ta = htally.means(self.B * self.T)
            self.checkpoint_point(tl, ta)
            point_now = True
        if why == "stopped" or not point_now:
            self.save_latest(math.nan)
        where = "the last save failed" if self.save_failed else \
            "saved %s" % (self.last_saved or "nothing")
        if math.isfinite(p["best_val"]):
            self.say("done (%s): best val loss %.4f at step %d; %s"
                     % (why, p["best_val"], p["best_step"], where))
        else:
            self.say("done (%s) at step %d; %s" % (why, p["step"], where))
        if self.metrics:
            self.metrics.close()


# ---- setting a run up ------------------------------------------------------------

def parse_duration(s):
    """cli_duration: 90, 90s, 10m, 1.5h."""
    unit = {"s": 1, "m": 60, "h": 3600}.get(s[-1:], None)
    try:
        v = float(s[:-1]) * unit if unit else float(s)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and 0 < v <= 366 * 86400.0):
        raise argparse.ArgumentTypeError(
            "must be a duration such as 90, 90s, 10m or 1.5h, got '%s'" % s)
    return v


def add_arguments(t):
    """The options of `burble_torch.py train`."""
    t.add_argument("run", metavar="RUN.safetensors")
    t.add_argument("files", nargs="+", metavar="FILE",
                   help="the corpus, as given to burble train")
    t.add_argument("--resume", action="store_true",
                   help="continue the run exactly (needs optimizer state)")
    t.add_argument("-o", "--output", help="checkpoint to write (default: "
                   "RUN itself); may hold {epoch}, {step}, {loss}")
    # As burble's: whichever comes first.
    t.add_argument("--steps", type=int, help="stop after N optimizer steps "
                   "in all")
    t.add_argument("--time", type=parse_duration, help="train this long "
                   "(90, 90s, 10m, 1.5h), then evaluate, save and stop")
    t.add_argument("--epochs", type=int, help="epochs in all")
    t.add_argument("--device", default="auto",
                   help="cpu, cuda, cuda:N (default: cuda when there is one)")
    t.add_argument("--threads", type=int, default=0,
                   help="CPU threads per process (default: cores / processes)")
    t.add_argument("--dropout-masks", choices=("exact", "native"),
                   default="exact", help="exact: burble's masks (default); "
                   "native: PyTorch's random masks, faster on a GPU")
    t.add_argument("--tf32", action="store_true",
                   help="let a GPU round matrix products to TF32 (faster, "
                   "not burble's float32)")
    t.add_argument("--map-unknown", action="store_true")
    t.add_argument("--weights-only", action="store_true",
                   help="save without optimizer state")
    t.add_argument("--metrics", help="append burble's JSON lines here")
    t.add_argument("--report-every", type=int, help="a progress line every "
                   "N steps")
    for opt, typ in (("--patience", int), ("--eval-every", int),
                     ("--lr", float), ("--lr-decay", float),
                     ("--lr-decay-after", int), ("--clip", float),
                     ("--warmup", int), ("--lr-min", float)):
        t.add_argument(opt, type=typ)
    t.add_argument("--lr-schedule", choices=bc.SCHEDULES)
    # A fresh run (fine-tuning) only: with --resume they are the file's.
    for opt, typ in (("--batch", int), ("--seq", int), ("--val", float),
                     ("--optim", str), ("--momentum", float),
                     ("--seed", int)):
        t.add_argument(opt, type=typ)


# (option, setting, conversion): what a resumed run takes from the command
# line (burble's OVERRIDE_*), and what only a fresh run (fine-tuning) does.
RUN_OPTIONS = (("epochs", "epochs", int), ("steps", "max_steps", int),
               ("patience", "patience", int),
               ("eval_every", "eval_every", int), ("clip", "clip", f32),
               ("warmup", "warmup", int), ("lr_min", "lr_min", f32))
FRESH_OPTIONS = (("batch", "batch", int), ("seq", "seq", int),
                 ("val", "val_frac", f32), ("seed", "seed", int))


def apply_overrides(a, s, prog, resume):
    """The command line's settings over the run's."""
    fresh = [o for o in ("batch", "seq", "val", "optim", "momentum", "seed")
             if getattr(a, o) is not None]
    if resume and fresh:
        raise Refused("--%s: with --resume the run keeps the checkpoint's "
                      "batch, seq, validation split, optimizer and seed"
                      % fresh[0])
    for opt, key, conv in RUN_OPTIONS + FRESH_OPTIONS:
        if getattr(a, opt) is not None:
            s[key] = conv(getattr(a, opt))
    if a.optim is not None:
        if a.optim.lower() not in bc.OPTIMS:
            raise Refused("--optim: adam, rmsprop or sgd, got '%s'" % a.optim)
        lr = s["optim"]["lr"]
        s["optim"] = bc.optim_defaults(a.optim.lower())
        s["optim"]["lr"] = lr
    if a.momentum is not None:
        s["optim"]["momentum"] = f32(a.momentum)
    if a.lr is not None:
        s["optim"]["lr"] = prog["lr"] = f32(a.lr)
    if a.lr_schedule is not None or a.lr_decay is not None or \
            a.lr_decay_after is not None:
        # burble takes the schedule and its decay together from the
        # command line (their defaults where not given) once one of them
        # is; --lr-decay alone means the step schedule (cli_train.c).
        s["lr_decay"] = f32(a.lr_decay if a.lr_decay is not None else 1.0)
        s["lr_decay_after"] = a.lr_decay_after or 0
        if a.lr_schedule is not None:
            s["lr_schedule"] = a.lr_schedule
        else:
            s["lr_schedule"] = "step" if s["lr_decay"] != 1.0 else "cosine"
        if s["lr_decay"] != 1.0 and s["lr_schedule"] != "step":
            raise Refused("--lr-decay needs --lr-schedule step, not %s"
                          % s["lr_schedule"])


def prepare(a, ck):
    """Check the run against what this code can honour and set up its
    settings and progress: --resume keeps everything, otherwise a fresh
    run (fine-tuning) from the weights."""
    if a.resume:
        if not ck.has_train:
            raise Refused("%s: weights only (no optimizer state): cannot "
                          "--resume; without --resume burble_torch.py train "
                          "fine-tunes its weights with fresh optimizer "
                          "moments" % a.run)
        check_settings(ck.settings_extra, ck.progress_extra)
        apply_overrides(a, ck.settings, ck.progress, True)
        return
    check_settings(ck.settings_extra, {})
    s = ck.settings or bc.settings_default()
    if ck.settings is None and a.seed is None:
        s["seed"] = (int(time.time()) ^ (os.getpid() << 16)) & bc.M64
    ck.settings = s
    apply_overrides(a, s, {}, False)
    ck.progress = bc.progress_init(s)     # the rng from the final seed
    ck.progress_extra = {}
    ck.history = []
    ck.moments = ({n: np.zeros_like(w) for n, w in ck.params.items()},
                  {n: np.zeros_like(w) for n, w in ck.params.items()})
    ck.state = None
    return "%s: fine-tuning its weights with fresh optimizer moments from " \
        "step 0 (--resume continues a run exactly)" % a.run


def pick_device(name):
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise Refused("--device %s: no CUDA device here" % name)
    if dev.type not in ("cpu", "cuda"):
        raise Refused("--device: cpu or cuda, got '%s'" % name)
    return dev


def main(a):
    """burble_torch.py train: returns the exit status."""
    try:
        return _main(a)
    except (Refused, CkptError) as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return 1


def _main(a):
    if a.output is None:
        a.output = a.run
    dev = pick_device(a.device)
    # burble's float32 on a GPU: no TF32 unless asked.
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    ck = bc.load(a.run)
    fresh = prepare(a, ck)
    if "{" not in a.output:
        bc.check_output(a.output)
    vocab = bt.Vocab(ck.vocab["cp"])
    ids = bt.read_ids(a.files, ck.text, vocab, a.map_unknown)
    ck.corpus = corpus_name(a.files)
    dist = Dist(dev)
    try:
        threads = a.threads or max(1, (os.cpu_count() or 1) // dist.world)
        torch.set_num_threads(threads)
        if fresh and dist.main:
            print("%s: note: %s" % (PROG, fresh), file=sys.stderr)
        tr = Trainer(a, ck, ids, dist)
        cfg = ck.config
        nparams = sum(p.numel() for p in tr.params)
        where = "%s%s" % (dist.device.type, " x %d processes" % dist.world
                          if dist.on else "")
        tr.say("%s: training %s %dx%d (%s params) on %s: %d train / %d val "
               "characters, vocabulary %d, batch %d x %d, %d steps per "
               "epoch, %s, %d thread%s" % (
                   PROG, cfg["cell"].upper(), cfg["layers"], cfg["hidden"],
                   fmt_count(nparams), ck.corpus, tr.ntrain, tr.nval,
                   cfg["vocab"], tr.B, tr.T, tr.tb.nbatches, where, threads,
                   "" if threads == 1 else "s"))
        if a.resume and tr.hist:
            tr.say("resumed at step %d, epoch %d (%d history points)" % (
                ck.progress["step"], ck.progress["epoch"], len(tr.hist)))

        def on_signal(sig, frame):
            if tr.signalled:
                os._exit(128 + sig)
            tr.signalled = True
            print("%s: %s: saving and stopping (again to exit at once)"
                  % (PROG, signal.Signals(sig).name), file=sys.stderr)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        return tr.run()
    finally:
        dist.close()
