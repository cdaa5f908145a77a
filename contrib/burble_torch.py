#!/usr/bin/python3
# burble_torch.py - burble checkpoints in PyTorch, both ways.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""burble checkpoints in PyTorch, both ways.

A burble checkpoint is a .safetensors file whose model tensors carry the
names and shapes of the classic PyTorch CharRNN defined here (one-hot or
nn.Embedding -> nn.LSTM / nn.GRU / nn.RNN(tanh), batch_first -> nn.Dropout
-> nn.Linear). The metadata (strings) holds "burble.config" and
"burble.vocab" as JSON; see src/core/ckpt*.c for the rest of the format.

As a module:
    import burble_torch as bt
    model, vocab, meta = bt.load("burble.safetensors")   # CharRNN, eval mode
    bt.save("mine.safetensors", model, vocab)           # burble can load it

As a program:
    burble_torch.py eval MODEL FILE...      the loss exactly as `burble eval`
    burble_torch.py export-random OUT --vocab-from FILE [--cell lstm
        --layers 2 --hidden 32 --embed 0 --seed 1]   a fresh PyTorch model
    burble_torch.py train-tiny OUT FILE... [--steps 50 ...]   a few Adam
        steps in PyTorch, saved for burble
    burble_torch.py train RUN FILE... [--resume] [--steps N] [--time D]
        [--epochs N] [--device cpu|cuda] [-o OUT]   a burble run continued
        exactly (or, without --resume, its weights fine-tuned), on a CPU,
        a GPU or several under torchrun; saved as burble saves it
        (burble_torch_train.py, burble_torch_ckpt.py)

Evaluation, as `burble eval` does it: the text (files concatenated, read
with the checkpoint's text options; a word model's as burble_torch_words.py
splits it) is ONE stream; it is cut into chunks of
T = 100 (--seq) characters whose hidden state carries from chunk to chunk,
starting from zeros; every character after the first is predicted once
(the last chunk is shorter). loss is the mean cross-entropy in nats over
those n - 1 predictions, bpc = loss / ln 2, accuracy the fraction whose
arg-max is right, chars = n - 1.

safetensors is read and written here in plain Python (json + numpy), so no
package beyond Debian's python3-torch is needed, and nothing is unpickled.
"""
import argparse
import json
import math
import os
import struct
import sys
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import burble_torch_words as words

FORMAT_VERSION = 1
UNK = 0x110000          # the unknown symbol (shown as U+FFFD)
EOR = 0x110001          # end of record (shown as a newline)
MAX_HEADER = 100_000_000

_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}


# ---- safetensors ----------------------------------------------------------

def read_safetensors(path):
    """Return ({name: float32 tensor}, {metadata key: string})."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: truncated" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > min(len(blob) - 8, MAX_HEADER):
        raise ValueError("%s: bad header length %d" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, e in header.items():
        if e["dtype"] not in _DTYPES:
            raise ValueError("%s: tensor %s: dtype %s not supported"
                             % (path, name, e["dtype"]))
        b, end = e["data_offsets"]
        if not 0 <= b <= end <= len(data):
            raise ValueError("%s: tensor %s: bad offsets" % (path, name))
        a = np.frombuffer(data[b:end], dtype=_DTYPES[e["dtype"]])
        a = a.astype(np.float32).reshape(e["shape"])
        tensors[name] = torch.from_numpy(a.copy())
    return tensors, meta


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: tensor}, written as little-endian F32, in order."""
    header, chunks, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().to(torch.float32).contiguous().numpy()
        raw = a.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":"), sort_keys=True)
    h = h.encode("utf-8")
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


# ---- the model -------------------------------------------------------------

class CharRNN(nn.Module):
    """one-hot(V) or Embedding(V, E) -> LSTM/GRU/RNN -> Dropout -> Linear."""

    def __init__(self, vocab_size, hidden=256, layers=2, cell="lstm",
                 embed=0, dropout=0.0):
        super().__init__()
        self.V, self.H, self.L, self.E = vocab_size, hidden, layers, embed
        self.cell = cell
        if embed > 0:
            self.embedding = nn.Embedding(vocab_size, embed)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        # Named after the cell, so the state_dict says "lstm.weight_ih_l0".
        setattr(self, cell, rnn(embed if embed > 0 else vocab_size, hidden,
                                layers, batch_first=True,
                                dropout=dropout if layers > 1 else 0.0))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden, vocab_size)
        self.p = dropout

    @property
    def recurrent(self):
        """The nn.LSTM / nn.GRU / nn.RNN (an attribute named after it)."""
        return self._modules[self.cell]

    def config(self):
        return {"cell": self.cell, "layers": self.L, "hidden": self.H,
                "vocab": self.V, "embed": self.E, "dropout": self.p}

    def forward(self, x, hidden=None):
        """x: (B, T) ids -> logits (B, T, V), the new hidden state."""
        inp = self.embedding(x) if self.E > 0 else \
            F.one_hot(x, self.V).to(torch.float32)
        out, hidden = self.recurrent(inp, hidden)
        return self.fc(self.dropout(out)), hidden


class Vocab:
    """Code points in id order; the unknown and end-of-record symbols sort
    after every character."""

    def __init__(self, cps):
        self.cp = list(cps)
        self.index = {c: i for i, c in enumerate(self.cp)}
        self.unk = self.index.get(UNK, -1)
        self.eor = self.index.get(EOR, -1)

    def __len__(self):
        return len(self.cp)

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(map(ord, text))))

    def to_meta(self):
        return json.dumps({"cp": self.cp, "unk": self.unk, "eor": self.eor},
                          separators=(",", ":"))

    def encode(self, text, map_unknown=True):
        """Characters to ids; unknown ones become the unknown symbol (if
        there is one and map_unknown) or raise KeyError."""
        out = []
        for ch in text:
            i = self.index.get(ord(ch), -1)
            if i < 0:
                if not map_unknown or self.unk < 0:
                    raise KeyError("not in the vocabulary: %r (U+%04X)"
                                   % (ch, ord(ch)))
                i = self.unk
            out.append(i)
        return out

    def decode(self, ids):
        return "".join("\ufffd" if self.cp[i] == UNK else
                       "\n" if self.cp[i] == EOR else chr(self.cp[i])
                       for i in ids)


DEFAULT_TEXT = {"lowercase": False, "filter": "none", "filter_set": None,
                "min_count": 0, "lines": False, "record_sep": None}


def load(path, device="cpu"):
    """A burble checkpoint -> (CharRNN in eval mode, Vocab, metadata)."""
    tensors, meta = read_safetensors(path)
    if "burble.config" not in meta or "burble.vocab" not in meta:
        raise ValueError("%s: no burble.config/burble.vocab metadata" % path)
    cfg = json.loads(meta["burble.config"])
    vm = json.loads(meta["burble.vocab"])
    if vm.get("tokenizer", "char") == "word":
        vocab = words.WordVocab(vm["tokens"], vm["unk"], vm.get("eor", -1))
    else:
        vocab = Vocab(vm["cp"])
    model = CharRNN(cfg["vocab"], cfg["hidden"], cfg["layers"], cfg["cell"],
                    cfg.get("embed", 0), cfg.get("dropout", 0.0))
    model.load_state_dict({k: v for k, v in tensors.items()
                           if not k.startswith("burble.")})
    return model.to(device).eval(), vocab, meta


def save(path, model, vocab, text_opts=None, corpus=None):
    """Write model (a CharRNN) so that burble loads it (weights only)."""
    meta = {"format": "burble", "burble.version": str(FORMAT_VERSION),
            "burble.config": json.dumps(model.config()),
            "burble.vocab": vocab.to_meta(),
            "burble.text": json.dumps(text_opts or DEFAULT_TEXT)}
    if corpus is not None:
        meta["burble.corpus"] = corpus
    write_safetensors(path, model.state_dict(), meta)


# ---- reading text as burble does (src/text.c) ------------------------------

def _printable(ch):
    if ch in "\n\t" or ch in "\u200c\u200d" or 0xE0020 <= ord(ch) <= 0xE007F:
        return True
    cat = unicodedata.category(ch)
    return cat[0] != "C" and cat not in ("Zl", "Zp")


def _lower(ch):
    lo = ch.lower()
    return lo if len(lo) == 1 else ch


def read_text(paths, opts=None):
    """The files concatenated as burble reads them: per file a leading BOM
    dropped, CRLF and lone CR -> LF; lowercase, then the filter; records
    (lines / record_sep) end in the EOR symbol. Returns a list of code
    points (EOR as 0x110001)."""
    o = dict(DEFAULT_TEXT, **(opts or {}))
    out = []
    lines, sep = o["lines"], None if o["lines"] else o["record_sep"]
    records = lines or sep is not None

    def keep(ch):
        if o["filter"] == "printable":
            return _printable(ch)
        if o["filter"] == "set":
            return ch in (o["filter_set"] or "")
        return True
    keep_nl = keep("\n")
    for p in paths:
        with open(p, "rb") as f:
            raw = f.read()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        if not records:
            for ch in text:
                if ch == "\n":
                    if keep_nl:
                        out.append(10)
                    continue
                c = _lower(ch) if o["lowercase"] else ch
                if keep(c):
                    out.append(ord(c))
            continue
        # Records: split, then drop leading/trailing newlines of each.
        if lines:
            recs = text.split("\n")
        else:
            recs, cur = [], []
            for line in text.split("\n"):
                if line == sep:
                    recs.append("\n".join(cur))
                    cur = []
                else:
                    cur.append(line)
            recs.append("\n".join(cur))
        for r in recs:
            syms = []
            for ch in r:
                if ch == "\n":
                    if keep_nl:
                        syms.append(10)
                    continue
                c = _lower(ch) if o["lowercase"] else ch
                if keep(c):
                    syms.append(ord(c))
            while syms and syms[0] == 10:
                syms.pop(0)
            while syms and syms[-1] == 10:
                syms.pop()
            if syms:
                out.extend(syms)
                out.append(EOR)
    return out


def _missing(cps):
    raise SystemExit("burble_torch: characters not in the vocabulary: "
                     + ", ".join("U+%04X" % c for c in sorted(cps)[:5]))


def read_ids(paths, opts, vocab, map_unknown=False):
    """The files as burble reads them (read_text), encoded with vocab:
    a uint16 numpy array. Without records the work is vectorised (a
    table over the distinct characters), so large corpora read fast."""
    o = dict(DEFAULT_TEXT, **(opts or {}))
    if o["lines"] or o["record_sep"] is not None:
        cps = np.array(read_text(paths, opts), dtype=np.int64)
    else:
        parts = []
        for p in paths:
            if p == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(p, "rb") as f:
                    raw = f.read()
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw:
                raise SystemExit("burble_torch: %s: empty file" % p)
            text = raw.decode("utf-8").replace("\r\n", "\n") \
                .replace("\r", "\n")
            parts.append(np.frombuffer(text.encode("utf-32-le"),
                                       dtype="<u4").astype(np.int64))
        cps = np.concatenate(parts)
        uniq = np.unique(cps)
        probe = read_text_chars([chr(c) for c in uniq], o)
        if any(m != c for m, c in zip(probe, uniq)):
            cps = np.array(probe, dtype=np.int64)[np.searchsorted(uniq, cps)]
            cps = cps[cps >= 0]
    if cps.size == 0:
        raise SystemExit("burble_torch: no characters left after filtering")
    table = {c: i for i, c in enumerate(vocab.cp)}
    uniq = np.unique(cps)
    idx = np.array([table.get(int(c), -1) for c in uniq], dtype=np.int64)
    if (idx < 0).any():
        if not map_unknown or vocab.unk < 0:
            _missing(uniq[idx < 0].tolist())
        idx[idx < 0] = vocab.unk
    return idx[np.searchsorted(uniq, cps)].astype(np.uint16)


def read_text_chars(chars, o):
    """What each character becomes outside records: its code point after
    lowercasing, or -1 where the filter drops it (newline included)."""
    out = []
    for ch in chars:
        c = _lower(ch) if o["lowercase"] and ch != "\n" else ch
        if o["filter"] == "printable":
            kept = _printable(c)
        elif o["filter"] == "set":
            kept = c in (o["filter_set"] or "")
        else:
            kept = True
        out.append(ord(c) if kept else -1)
    return out


def encode_cps(vocab, cps, map_unknown=False):
    ids, missing = [], set()
    for c in cps:
        i = vocab.index.get(c, -1)
        if i < 0:
            if map_unknown and vocab.unk >= 0:
                i = vocab.unk
            else:
                missing.add(c)
                continue
        ids.append(i)
    if missing:
        _missing(missing)
    return ids


# ---- evaluation ------------------------------------------------------------

@torch.no_grad()
def evaluate(model, ids, T=100):
    """One stream, chunks of T, the state carried: (loss, accuracy, n)."""
    model.eval()
    x = torch.tensor(ids[:-1], dtype=torch.long).unsqueeze(0)
    y = torch.tensor(ids[1:], dtype=torch.long).unsqueeze(0)
    n = x.shape[1]
    h, total, correct = None, 0.0, 0
    for i in range(0, n, T):
        logits, h = model(x[:, i:i + T], h)
        logits = logits.reshape(-1, model.V)
        t = y[0, i:i + T]
        total += float(F.cross_entropy(logits, t, reduction="sum"))
        correct += int((logits.argmax(1) == t).sum())
    return total / n, correct / n, n


def _cmd_eval(a):
    model, vocab, meta = load(a.model)
    opts = json.loads(meta.get("burble.text", "null")) or DEFAULT_TEXT
    if isinstance(vocab, words.WordVocab):
        ids = words.read_ids(a.files, opts, vocab, read_text)
    else:
        ids = encode_cps(vocab, read_text(a.files, opts), a.map_unknown)
    if len(ids) < 2:
        raise SystemExit("burble_torch: too short to evaluate")
    loss, acc, n = evaluate(model, ids, a.seq)
    if isinstance(vocab, words.WordVocab):
        w = words.eval_json(vocab, ids, loss, acc, n)
        print(json.dumps(w) if a.json else
              "loss %.6f nats/token  perplexity %.4f  accuracy %.2f%%  "
              "tokens %d\nloss %.6f nats/char  bpc %.4f  chars %d"
              % (loss, w["perplexity"], 100 * acc, n, w["loss_per_char"],
                 w["bpc"], w["chars"]))
    elif a.json:
        print(json.dumps({"loss": loss, "bpc": loss / math.log(2),
                          "perplexity": math.exp(loss), "accuracy": acc,
                          "chars": n}))
    else:
        print("loss %.6f nats  bpc %.4f  perplexity %.4f  accuracy %.2f%%  "
              "chars %d" % (loss, loss / math.log(2), math.exp(loss),
                            100 * acc, n))


def _vocab_from(paths):
    return Vocab(sorted(set(read_text(paths))))


def _cmd_export_random(a):
    torch.manual_seed(a.seed)
    vocab = _vocab_from(a.vocab_from)
    model = CharRNN(len(vocab), a.hidden, a.layers, a.cell, a.embed,
                    a.dropout)
    save(a.out, model, vocab, corpus=os.path.basename(a.vocab_from[0]))


def _cmd_train_tiny(a):
    torch.manual_seed(a.seed)
    cps = read_text(a.files)
    vocab = Vocab(sorted(set(cps)))
    data = torch.tensor(encode_cps(vocab, cps), dtype=torch.long)
    model = CharRNN(len(vocab), a.hidden, a.layers, a.cell, a.embed,
                    a.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    B, T = a.batch, a.seq
    nb = (len(data) - 1) // (B * T)
    if nb < 1:
        raise SystemExit("burble_torch: text too short for batch x seq")
    xs = data[:nb * B * T].view(B, nb * T)
    ys = data[1:nb * B * T + 1].view(B, nb * T)
    model.train()
    h = None
    for step in range(a.steps):
        k = step % nb
        if k == 0:
            h = None
        logits, h = model(xs[:, k * T:(k + 1) * T], h)
        h = tuple(e.detach() for e in h) if isinstance(h, tuple) \
            else h.detach()
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)),
                               ys[:, k * T:(k + 1) * T].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    save(a.out, model.eval(), vocab, corpus=os.path.basename(a.files[0]))
    print("trained %d steps, last loss %.4f" % (a.steps, float(loss)))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="burble_torch.py",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("eval", help="loss of MODEL on FILE..., as burble eval")
    e.add_argument("-m", "--model", dest="model_opt")
    e.add_argument("model", nargs="?")
    e.add_argument("files", nargs="*")
    e.add_argument("--seq", type=int, default=100)
    e.add_argument("--map-unknown", action="store_true")
    e.add_argument("--json", action="store_true")

    def model_opts(p):
        p.add_argument("--cell", choices=["lstm", "gru", "rnn"],
                       default="lstm")
        p.add_argument("--layers", type=int, default=2)
        p.add_argument("--hidden", type=int, default=32)
        p.add_argument("--embed", type=int, default=0)
        p.add_argument("--dropout", type=float, default=0.0)
        p.add_argument("--seed", type=int, default=1)
    x = sub.add_parser("export-random", help="a fresh PyTorch CharRNN")
    x.add_argument("out")
    x.add_argument("--vocab-from", nargs="+", required=True)
    model_opts(x)
    t = sub.add_parser("train-tiny", help="a few PyTorch training steps")
    t.add_argument("out")
    t.add_argument("files", nargs="+")
    t.add_argument("--steps", type=int, default=50)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--seq", type=int, default=50)
    t.add_argument("--lr", type=float, default=3e-3)
    model_opts(t)
    r = sub.add_parser("train", help="continue a burble run (or fine-tune "
                       "its weights) in PyTorch, and save it for burble")
    import burble_torch_train
    burble_torch_train.add_arguments(r)
    a = ap.parse_args(argv)
    if a.cmd == "train":
        sys.exit(burble_torch_train.main(a))
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if a.cmd == "eval":
        if a.model_opt:          # burble's spelling: eval -m MODEL FILE...
            if a.model:
                a.files.insert(0, a.model)
            a.model = a.model_opt
        if not a.model or not a.files:
            ap.error("eval: MODEL and FILE... are needed")
        _cmd_eval(a)
    elif a.cmd == "export-random":
        _cmd_export_random(a)
    else:
        _cmd_train_tiny(a)


if __name__ == "__main__":
    main()
