# burble_torch_ckpt.py - full burble checkpoints (training state included)
# read and written in Python, byte for byte as burble writes them.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Full burble checkpoints: weights, optimizer moments, progress, history.

The metadata records are described by the same tables of fields as
src/core/ckpt_meta.c (name, type, reader's range), walked by one writer
and one reader here. The writer prints numbers as src/core/jwrite.c does
(the fewest digits that read back bit-identical, a float through a double;
NaN as null, infinities as "inf"/"-inf", -0.0 kept) and the header as
jansson's json_dumps(JSON_COMPACT | JSON_SORT_KEYS) does, so a file written
here is the file burble would write for the same state: `burble train
--resume` continues it and `burble info` shows its whole history.

Files are replaced as burble replaces them (src/core/ckpt_out.c): only a
missing file or a burble checkpoint is overwritten; "TARGET.lock" (holding
our pid, flock'ed) keeps two writers apart; the new file is written as
"TARGET.tmp.XXXXXX", synced, and renamed over the old one.
"""
import errno
import fcntl
import json
import math
import os
import random
import string
import struct

import numpy as np

FORMAT_VERSION = 1
NAME_OPTIM = "burble.optim.state"
NAME_STATE = "burble.state"
MAX_HEADER = 32 << 20           # CKPT_MAX_HEADER
WRITE_HEADER = 16 << 20         # CKPT_WRITE_HEADER: thin the history above
CELLS = ("lstm", "gru", "rnn")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
OPTIMS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "cosine", "linear", "step")
FILTERS = ("none", "printable", "set")


class CkptError(Exception):
    """A checkpoint that cannot be read or written; str() is one line."""


def f32(x):
    """x rounded to binary32, as a Python float (exact)."""
    return float(np.float32(x))


# ---- the JSON writer (src/core/jwrite.c) -----------------------------------

def _jstr(s):
    """jwrite_str: '"' and '\\' escaped, other bytes < 0x20 as \\u00xx."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _jnum(x, is_float):
    """jwrite_number: the fewest %g digits that read back exactly."""
    x = float(x)
    if math.isnan(x):
        return "null"
    if math.isinf(x):
        return '"inf"' if x > 0 else '"-inf"'
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0.0"
    lo, hi = (6, 9) if is_float else (15, 17)
    for p in range(lo, hi + 1):
        t = "%.*g" % (p, x)
        y = float(t)
        if (np.float32(y) == np.float32(x)) if is_float else y == x:
            break
    return t


# ---- records: one table per record, as ckpt_meta.c ---------------------------

# (name, type, extra): types int, bool, float, double, str, enum, u64, object,
# cp (code points), temps (sample temperatures), rng (4 x 64 bits), infnull
# (a float whose +inf is written null). extra: (lo, hi) for int, the names
# for enum, the sub-table for object, (lo, hi) for a float in a range.
INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1
MAX_BT = 1 << 24
FLT_MAX = float(np.finfo(np.float32).max)
_FLT_EDGE = float.fromhex("0x1.ffffffp127")   # rounds to infinity

CONFIG = [("cell", "enum", CELLS), ("layers", "int", (1, INT_MAX)),
          ("hidden", "int", (1, INT_MAX)), ("vocab", "int", (1, INT_MAX)),
          ("embed", "int", (0, INT_MAX)), ("dropout", "float", None)]
VOCAB = [("cp", "cp", None), ("unk", "int", (-1, INT_MAX)),
         ("eor", "int", (-1, INT_MAX))]
TEXT = [("lowercase", "bool", None), ("filter", "enum", FILTERS),
        ("filter_set", "str", None), ("min_count", "int", (0, LONG_MAX)),
        ("lines", "bool", None), ("record_sep", "str", None)]
OPTIM = [("name", "enum", OPTIMS), ("lr", "float", (0, FLT_MAX)),
         ("beta1", "float", (0, 1)), ("beta2", "float", (0, 1)),
         ("eps", "float", (0, FLT_MAX)), ("alpha", "float", (0, 1)),
         ("momentum", "float", (0, 1))]
SETTINGS = [("batch", "int", (1, MAX_BT)), ("seq", "int", (1, MAX_BT)),
            ("val_frac", "float", (0, 1)), ("optim", "object", OPTIM),
            ("lr_schedule", "enum", SCHEDULES),
            ("warmup", "int", (0, LONG_MAX)), ("lr_min", "float", (0, 1)),
            ("lr_decay", "float", (0, FLT_MAX)),
            ("lr_decay_after", "int", (0, INT_MAX)),
            ("clip", "float", (0, FLT_MAX)), ("epochs", "int", (0, INT_MAX)),
            ("max_steps", "int", (0, LONG_MAX)),
            ("patience", "int", (0, INT_MAX)),
            ("eval_every", "int", (0, LONG_MAX)),
            ("report_every", "int", (0, LONG_MAX)), ("seed", "u64", None),
            ("sample_len", "int", (0, 1 << 24)),
            ("sample_temps", "temps", None)]
PROGRESS = [("step", "int", (0, LONG_MAX)), ("epoch", "int", (0, LONG_MAX)),
            ("batch", "int", (0, LONG_MAX)), ("lr", "float", None),
            ("best_val", "infnull", None), ("best_step", "int", (-1, LONG_MAX)),
            ("restored_step", "int", (0, LONG_MAX)),
            ("stale", "int", (0, INT_MAX)), ("elapsed", "double", None),
            ("optim_t", "int", (0, LONG_MAX)), ("rng", "rng", None)]
HIST = [("step", "int", (0, LONG_MAX)), ("epoch", "double", None),
        ("train_loss", "float", None), ("train_acc", "float", None),
        ("val_loss", "float", None), ("val_acc", "float", None),
        ("lr", "float", None), ("elapsed", "double", None)]
REQUIRED = {"CONFIG": ("cell", "layers", "hidden", "vocab"), "VOCAB": ("cp",),
            "PROGRESS": ("step", "epoch", "batch")}


def optim_defaults(kind):
    """optim.c's optim_defaults."""
    d = {"name": kind, "lr": f32(2e-3), "beta1": f32(0.9),
         "beta2": f32(0.999), "eps": f32(1e-8), "alpha": f32(0.99),
         "momentum": 0.0}
    if kind == "sgd":
        d["lr"], d["momentum"] = f32(0.1), f32(0.9)
    return d


def settings_default():
    """train.c's train_settings_default."""
    return {"batch": 32, "seq": 64, "val_frac": f32(0.1),
            "optim": optim_defaults("adam"), "lr_schedule": "cosine",
            "warmup": 100, "lr_min": f32(0.1), "lr_decay": 1.0,
            "lr_decay_after": 0, "clip": 5.0, "epochs": 30, "max_steps": 0,
            "patience": 0, "eval_every": 0, "report_every": 0, "seed": 0,
            "sample_len": 200, "sample_temps": [f32(0.2), 0.5, 1.0]}


def rec_write(table, rec, extra=None):
    """A record as burble's ckpt_rec_write writes it. extra: keys outside
    the table to keep, {name: JSON text}, written after the table's."""
    parts = []
    for name, typ, arg in table:
        v = rec[name]
        if typ == "int":
            s = "%d" % v
        elif typ == "bool":
            s = "true" if v else "false"
        elif typ == "float":
            s = _jnum(v, True)
        elif typ == "infnull":
            s = "null" if v == math.inf else _jnum(v, True)
        elif typ == "double":
            s = _jnum(v, False)
        elif typ in ("str", "enum"):
            s = "null" if v is None else _jstr(v)
        elif typ == "u64":
            s = _jstr("%d" % v)
        elif typ == "object":
            s = rec_write(arg, v)
        elif typ == "cp":
            s = "[" + ",".join("%d" % c for c in v) + "]"
        elif typ == "temps":
            s = "[" + ",".join(_jnum(t, True) for t in v[:8]) + "]"
        elif typ == "rng":
            s = "[" + ",".join('"%016x"' % w for w in v) + "]"
        parts.append(_jstr(name) + ":" + s)
    for name, text in (extra or {}).items():
        parts.append(_jstr(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


def _num(v, name, null_inf=False):
    if isinstance(v, bool) or not isinstance(v, (int, float, str, type(None))):
        raise CkptError("'%s' must be a number" % name)
    if v is None:
        return math.inf if null_inf else math.nan
    if isinstance(v, str):
        if v in ("inf", "-inf", "nan"):
            return float(v)
        raise CkptError("'%s' must be a number" % name)
    return float(v)


def _field_read(name, typ, arg, v):
    if typ == "int":
        if isinstance(v, bool) or not isinstance(v, int) or \
                not arg[0] <= v <= arg[1]:
            raise CkptError("'%s' must be an integer in [%d, %d]"
                            % (name, arg[0], arg[1]))
        return v
    if typ == "bool":
        if isinstance(v, bool) or v in (0, 1):
            return bool(v)
        raise CkptError("'%s' must be true or false" % name)
    if typ in ("float", "infnull", "double"):
        d = _num(v, name, typ == "infnull")
        if typ == "double":
            return d
        if math.isfinite(d) and abs(d) >= _FLT_EDGE:
            raise CkptError("'%s' is out of range for a float" % name)
        x = f32(d)
        if typ == "float" and arg is not None and not arg[0] <= x <= arg[1]:
            raise CkptError("'%s' must be in [%g, %g]" % (name, arg[0], arg[1]))
        return x
    if typ in ("str", "enum"):
        if v is not None and not isinstance(v, str):
            raise CkptError("'%s' must be a string" % name)
        if typ == "enum" and v is not None and v.lower() not in arg:
            raise CkptError("unknown %s '%.32s'" % (name, v))
        return v.lower() if typ == "enum" and v is not None else v
    if typ == "u64":
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            return v
        if isinstance(v, str) and v.isdigit() and int(v) < 2**64:
            return int(v)
        raise CkptError("'%s' must be a decimal integer" % name)
    if typ == "temps":
        if not isinstance(v, list) or len(v) > 8:
            raise CkptError("'%s' must be an array of at most 8 numbers"
                            % name)
        out = [f32(_num(t, name)) for t in v]
        if not all(0 <= t <= 100 for t in out):
            raise CkptError("'%s' must hold numbers in [0, 100]" % name)
        return out
    if typ == "rng":
        if not isinstance(v, list) or len(v) != 4 or not all(
                isinstance(w, str) and 1 <= len(w) <= 16 and
                all(c in string.hexdigits for c in w) for w in v):
            raise CkptError("'%s' must be 4 hex strings" % name)
        words = [int(w, 16) for w in v]
        if not any(words):
            raise CkptError("'%s' state is all zero" % name)
        return words
    if typ == "cp":
        if not isinstance(v, list):
            raise CkptError("'%s' must be an array of code points" % name)
        return v
    raise CkptError("internal error: field '%s'" % name)


def rec_read(table, o, rec, required=()):
    """The fields of table found in the JSON object o, into rec (which
    holds the defaults). Returns the keys of o outside the table."""
    if not isinstance(o, dict):
        raise CkptError("must be a JSON object")
    unknown = []
    for name, typ, arg in table:
        if name not in o:
            if name in required:
                raise CkptError("'%s' is missing" % name)
            continue
        v = o[name]
        if typ == "object":
            if not isinstance(v, dict):
                raise CkptError("'%s' must be an object" % name)
            sub = rec[name]
            if "name" in v:     # a named optimizer starts from its defaults
                sub = optim_defaults(_field_read("name", "enum", OPTIMS,
                                                 v["name"]))
            unknown += [name + "." + k for k in rec_read(arg, v, sub)]
            rec[name] = sub
        else:
            rec[name] = _field_read(name, typ, arg, v)
    names = {f[0] for f in table}
    return [k for k in o if k not in names] + unknown


# ---- the model layout --------------------------------------------------------

def layout(cfg):
    """[(name, shape)] of the model tensors, in burble's order."""
    cell, L, H, V, E = (cfg["cell"], cfg["layers"], cfg["hidden"],
                        cfg["vocab"], cfg.get("embed", 0))
    G = GATES[cell]
    out = []
    if E > 0:
        out.append(("embedding.weight", (V, E)))
    for l in range(L):
        inp = H if l > 0 else (E if E > 0 else V)
        out += [("%s.weight_ih_l%d" % (cell, l), (G * H, inp)),
                ("%s.weight_hh_l%d" % (cell, l), (G * H, H)),
                ("%s.bias_ih_l%d" % (cell, l), (G * H,)),
                ("%s.bias_hh_l%d" % (cell, l), (G * H,))]
    out += [("fc.weight", (V, H)), ("fc.bias", (V,))]
    return out


def state_floats(cfg, B):
    return (2 if cfg["cell"] == "lstm" else 1) * cfg["layers"] * B * \
        cfg["hidden"]


# ---- the checkpoint ------------------------------------------------------------

class Checkpoint:
    """Everything a burble file holds, as plain Python and numpy.

    params: {name: float32 array} in layout order; moments: (m, v), each
    {name: float32 array}, or None (weights only); state: the carried
    hidden state (k*L*B*H float32) or None; config, vocab (cp, unk, eor),
    text, corpus, settings, progress (dicts as the tables above; None when
    the file has none), history (a list of point dicts). settings_extra:
    keys of burble.settings this code does not know ({name: JSON text}).
    """

    def __init__(self):
        self.params = {}
        self.moments = None
        self.state = None
        self.config = None
        self.vocab = None
        self.text = None
        self.corpus = None
        self.settings = None
        self.settings_extra = {}
        self.progress = None
        self.progress_extra = {}
        self.history = []

    @property
    def has_train(self):
        return self.moments is not None


def _read_header(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise CkptError("%s: %s" % (path, e.strerror))
    try:
        import stat
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CkptError("%s: not a regular file" % path)
        with os.fdopen(fd, "rb", closefd=False) as f:
            blob = f.read()
    finally:
        os.close(fd)
    if len(blob) < 8:
        raise CkptError("%s: truncated" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > min(len(blob) - 8, MAX_HEADER):
        raise CkptError("%s: bad header length %d" % (path, n))
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CkptError("%s: the header is not valid JSON (%s)" % (path, e))
    if not isinstance(header, dict):
        raise CkptError("%s: the header is not a JSON object" % path)
    return header, memoryview(blob)[8 + n:]


def _tensor(path, header, data, name, shape):
    e = header.get(name)
    if not isinstance(e, dict) or e.get("dtype") != "F32":
        raise CkptError("%s: tensor '%s' missing or not F32" % (path, name))
    if list(e.get("shape", [])) != list(shape):
        raise CkptError("%s: lies about its sizes: tensor '%s' is %s, the "
                        "model needs %s" % (path, name, e.get("shape"),
                                            list(shape)))
    b, end = e["data_offsets"]
    if not (0 <= b <= end <= len(data)) or end - b != 4 * int(np.prod(shape)):
        raise CkptError("%s: tensor '%s': bad offsets" % (path, name))
    return np.frombuffer(data[b:end], dtype="<f4").astype(np.float32) \
        .reshape(shape)


def _extras(o, keys):
    """{key: its value as JSON text} for keys of o outside a table; a key
    of the optimizer's object as "optim.KEY"."""
    out = {}
    for k in keys:
        v = o
        for part in k.split("."):
            v = v[part]
        out[k] = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return out


def _meta_json(path, meta, key, kind):
    s = meta.get(key)
    if s is None:
        return None
    try:
        v = json.loads(s)
    except ValueError as e:
        raise CkptError("%s: %s: not valid JSON (%s)" % (path, key, e))
    if not isinstance(v, kind):
        raise CkptError("%s: %s: must be a JSON %s" % (
            path, key, "object" if kind is dict else "array"))
    return v


def load(path):
    """Read a burble file (full or weights only) into a Checkpoint."""
    header, data = _read_header(path)
    meta = header.pop("__metadata__", None) or {}
    ck = Checkpoint()
    if meta.get("format") == "burble" and \
            meta.get("burble.version") != str(FORMAT_VERSION):
        raise CkptError("%s: format version %r; this code reads %d"
                        % (path, meta.get("burble.version"), FORMAT_VERSION))

    def rec(key, table, rec0, tname, kind=dict):
        o = _meta_json(path, meta, key, kind)
        if o is None:
            return None, []
        try:
            extra = rec_read(table, o, rec0, REQUIRED.get(tname, ()))
        except CkptError as e:
            raise CkptError("%s: %s: %s" % (path, key, e))
        return rec0, extra

    ck.config, _ = rec("burble.config", CONFIG, {"embed": 0, "dropout": 0.0},
                       "CONFIG")
    if ck.config is None:
        raise CkptError("%s: not a burble model: no burble.config metadata"
                        % path)
    if (_meta_json(path, meta, "burble.vocab", dict) or {}).get(
            "tokenizer") == "word":
        raise CkptError("%s: a word model (--tokens word): only character "
                        "runs continue in PyTorch (burble_torch.py eval "
                        "reads word models)" % path)
    ck.vocab, _ = rec("burble.vocab", VOCAB, {"unk": -1, "eor": -1}, "VOCAB")
    if ck.vocab is None or len(ck.vocab["cp"]) != ck.config["vocab"]:
        raise CkptError("%s: burble.vocab missing or not of burble.config's "
                        "size" % path)
    cps = ck.vocab["cp"]
    ck.vocab["unk"] = cps.index(0x110000) if 0x110000 in cps else -1
    ck.vocab["eor"] = cps.index(0x110001) if 0x110001 in cps else -1
    ck.text, _ = rec("burble.text", TEXT, {
        "lowercase": False, "filter": "none", "filter_set": None,
        "min_count": 0, "lines": False, "record_sep": None}, "TEXT")
    if ck.text is None:
        ck.text = {"lowercase": False, "filter": "none", "filter_set": None,
                   "min_count": 0, "lines": False, "record_sep": None}
    ck.corpus = meta.get("burble.corpus")
    ck.settings, extra = rec("burble.settings", SETTINGS, settings_default(),
                             "SETTINGS")
    if ck.settings is not None:
        raw = json.loads(meta["burble.settings"])
        ck.settings_extra = _extras(raw, extra)
        if "lr_schedule" not in raw:    # ckpt_meta.c: settings_read
            ck.settings["lr_schedule"] = "step" if \
                ck.settings["lr_decay"] != 1.0 else "constant"
            ck.settings["warmup"] = 0
    ck.progress, extra = rec("burble.progress", PROGRESS, progress_init(
        ck.settings or settings_default()), "PROGRESS")
    if ck.progress is not None:
        ck.progress_extra = _extras(json.loads(meta["burble.progress"]),
                                    extra)
    hist = _meta_json(path, meta, "burble.history", list) or []
    for i, o in enumerate(hist):
        h = {"val_loss": math.nan, "val_acc": math.nan, "step": 0,
             "epoch": 0.0, "train_loss": 0.0, "train_acc": 0.0, "lr": 0.0,
             "elapsed": 0.0}
        try:
            rec_read(HIST, o, h)
        except CkptError as e:
            raise CkptError("%s: burble.history: point %d: %s" % (path, i, e))
        ck.history.append(h)

    for name, shape in layout(ck.config):
        ck.params[name] = _tensor(path, header, data, name, shape)
    P = sum(a.size for a in ck.params.values())
    if NAME_OPTIM in header:
        if ck.settings is None or ck.progress is None:
            raise CkptError("%s: optimizer state without burble.settings and "
                            "burble.progress" % path)
        o = _tensor(path, header, data, NAME_OPTIM, (2, P))
        ck.moments = ({}, {})
        for half in range(2):
            off = 0
            for name, a in ck.params.items():
                ck.moments[half][name] = o[half, off:off + a.size] \
                    .reshape(a.shape).copy()
                off += a.size
    if NAME_STATE in header:
        if ck.moments is None:
            raise CkptError("%s: carried state without optimizer state"
                            % path)
        ck.state = _tensor(path, header, data, NAME_STATE, (state_floats(
            ck.config, ck.settings["batch"]),)).copy()
    known = set(ck.params) | {NAME_OPTIM, NAME_STATE}
    for name in header:
        if name not in known:
            raise CkptError("%s: unexpected tensor '%.64s'" % (path, name))
    return ck


M64 = (1 << 64) - 1


class Xoshiro:
    """src/core/rng.h: xoshiro256**, seeded by splitmix64 (Python ints)."""

    def __init__(self, seed=0, state=None):
        if state is not None:
            self.s = list(state)
            return
        self.s = []
        for _ in range(4):
            seed = (seed + 0x9e3779b97f4a7c15) & M64
            z = seed
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
            self.s.append(z ^ (z >> 31))

    def u64(self):
        s = self.s
        x = (s[1] * 5) & M64
        result = ((((x << 7) | (x >> 57)) & M64) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        return result


def progress_init(settings):
    """train.c's train_progress_init (the rng seeded from the seed)."""
    return {"step": 0, "epoch": 0, "batch": 0, "lr": settings["optim"]["lr"],
            "best_val": math.inf, "best_step": -1, "restored_step": 0,
            "stale": 0,
            "elapsed": 0.0, "optim_t": 0,
            "rng": Xoshiro(settings["seed"]).s[:]}


# ---- writing ---------------------------------------------------------------------

def _hstr(s):
    """A JSON string as jansson's dump writes it (UTF-8 kept, control
    characters as \\b \\f \\n \\r \\t or \\u00XX)."""
    esc = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
           "\r": "\\r", "\t": "\\t"}
    return '"' + "".join(esc.get(c) or ("\\u%04X" % ord(c) if ord(c) < 0x20
                                        else c) for c in s) + '"'


def _history_json(hist, stride):
    pts = []
    for i, h in enumerate(hist):
        if stride > 1 and i % stride != 0 and i + 1 != len(hist) and \
                math.isnan(h["val_loss"]):
            continue
        pts.append(rec_write(HIST, h))
    return "[" + ",".join(pts) + "]"


def _top(extra):
    """The extras of a record's top level (nested ones are not kept)."""
    return {k: v for k, v in extra.items() if "." not in k}


def metadata(ck, with_train, stride=1):
    """The __metadata__ strings, as ckpt_meta_write builds them."""
    meta = {"format": "burble", "burble.version": str(FORMAT_VERSION),
            "burble.config": rec_write(CONFIG, ck.config),
            "burble.vocab": rec_write(VOCAB, ck.vocab),
            "burble.text": rec_write(TEXT, ck.text)}
    if ck.corpus is not None:
        meta["burble.corpus"] = ck.corpus
    if with_train:
        meta["burble.settings"] = rec_write(SETTINGS, ck.settings,
                                            _top(ck.settings_extra))
        meta["burble.progress"] = rec_write(PROGRESS, ck.progress,
                                            _top(ck.progress_extra))
        meta["burble.history"] = _history_json(ck.history, stride)
    return meta


def _header(ck, with_train, stride):
    entries, off, chunks = {}, 0, []

    def add(name, shape, arr):
        nonlocal off
        raw = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        entries[name] = (list(shape), off, off + len(raw))
        chunks.append(raw)
        off += len(raw)
    for name, shape in layout(ck.config):
        add(name, shape, ck.params[name])
    if with_train:
        P = sum(a.size for a in ck.params.values())
        o = np.concatenate([ck.moments[h][n].reshape(-1) for h in range(2)
                            for n in ck.params])
        add(NAME_OPTIM, (2, P), o)
        if ck.state is not None and ck.state.size > 0:
            add(NAME_STATE, (ck.state.size,), ck.state)
    meta = metadata(ck, with_train or ck.settings is not None and
                    ck.progress is not None, stride)
    items = []
    for name in sorted(list(entries) + ["__metadata__"]):
        if name == "__metadata__":
            m = ",".join(_hstr(k) + ":" + _hstr(meta[k]) for k in sorted(meta))
            items.append(_hstr(name) + ":{" + m + "}")
        else:
            shape, b, e = entries[name]
            items.append(_hstr(name) + ':{"data_offsets":[%d,%d],"dtype":'
                         '"F32","shape":[%s]}' % (b, e, ",".join(
                             "%d" % d for d in shape)))
    h = ("{" + ",".join(items) + "}").encode("utf-8")
    return h + b" " * (-len(h) % 8), chunks


def encode(ck, weights_only=False):
    """The bytes of the file burble would write for ck."""
    with_train = ck.has_train and not weights_only
    stride = 1
    h, chunks = _header(ck, with_train, stride)
    while len(h) > WRITE_HEADER and stride < len(ck.history):
        stride *= 2
        h, chunks = _header(ck, with_train, stride)
    if len(h) > MAX_HEADER:
        raise CkptError("the metadata takes %d bytes, more than a checkpoint "
                        "may hold" % len(h))
    return [struct.pack("<Q", len(h)), h] + chunks


# ---- the output's safety (src/core/ckpt_out.c) ---------------------------------

def _target(path):
    return os.path.realpath(path) if os.path.islink(path) else path


def is_checkpoint(path):
    try:
        header, _ = _read_header(path)
    except CkptError:
        return False
    return (header.get("__metadata__") or {}).get("format") == "burble"


def check_output(path):
    """Refuse to replace anything but a missing file or a checkpoint."""
    import stat
    if not path:
        raise CkptError("cannot write a checkpoint to '': an empty file name")
    t = _target(path)
    try:
        st = os.stat(t)
    except FileNotFoundError:
        d = os.path.dirname(t) or "."
        if not os.path.isdir(d):
            raise CkptError("cannot write a checkpoint to %s: no directory %s"
                            % (path, d))
        return
    if not stat.S_ISREG(st.st_mode):
        raise CkptError("refusing to overwrite %s: not a regular file" % path)
    if not is_checkpoint(t):
        raise CkptError("refusing to overwrite %s: not a burble checkpoint"
                        % path)


class Lock:
    """burble's "TARGET.lock": one writer of a checkpoint at a time."""

    def __init__(self, path):
        self.lp = _target(path) + ".lock"
        self.fd = -1
        try:
            fd = os.open(self.lp, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC |
                         os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
        except OSError as e:
            raise CkptError("cannot lock %s: %s: %s" % (path, self.lp,
                                                        e.strerror))
        old = os.pread(fd, 31, 0)
        if old.strip(b"0123456789\n"):
            os.close(fd)
            raise CkptError("cannot lock %s: %s is not a burble lock file"
                            % (path, self.lp))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                pid = old.strip().decode() or "?"
                raise CkptError("%s is being written by another burble run "
                                "(pid %s)" % (path, pid))
            raise CkptError("cannot lock %s: %s" % (path, e.strerror))
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"%d\n" % os.getpid(), 0)
        self.fd = fd

    def release(self):
        if self.fd < 0:
            return
        try:
            if os.path.samestat(os.fstat(self.fd), os.stat(self.lp)):
                os.unlink(self.lp)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = -1


def write_atomic(path, chunks):
    """chunks to path: a temporary file beside it, synced, renamed."""
    target = _target(path)
    rnd = random.SystemRandom()
    letters = string.ascii_letters + string.digits
    for _ in range(100):
        tmp = target + ".tmp." + "".join(rnd.choice(letters)
                                         for _ in range(6))
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                         os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise CkptError("%s: cannot save: %s" % (path, e.strerror))
    else:
        raise CkptError("%s: cannot save: no free temporary name" % path)
    try:
        with os.fdopen(fd, "wb") as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, target)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise CkptError("%s: cannot save (%s); the previous file is "
                        "unchanged" % (path, e.strerror))
    try:
        dfd = os.open(os.path.dirname(target) or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        except OSError:
            pass
        os.close(dfd)
    except OSError:
        pass


def save(path, ck, weights_only=False):
    """Write ck to path as burble does (see the module's docstring)."""
    chunks = encode(ck, weights_only)
    write_atomic(path, chunks)
