#!/usr/bin/python3
# make.py - regenerate the malformed checkpoints in this directory.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Each *.safetensors file here is broken in one way; EXPECT lists each file
# with a part of the one-line error burble must give for it (tests/test_ckpt
# checks both the rejection and the reason; tests/ckpt_files.sh runs
# `burble info` on each). The two valid-*.safetensors files are the good
# bases the others differ from (EXPECT says "-": they must load); they also
# seed the fuzzer (tests/fuzz_ckpt.c).
# Run from anywhere: python3 tests/ckpt-bad/make.py
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# A valid base: LSTM, 1 layer, hidden 2, vocabulary "abc", one-hot input.
H, V, G = 2, 3, 4
BASE_TENSORS = [
    ("lstm.weight_ih_l0", [G * H, V]),
    ("lstm.weight_hh_l0", [G * H, H]),
    ("lstm.bias_ih_l0", [G * H]),
    ("lstm.bias_hh_l0", [G * H]),
    ("fc.weight", [V, H]),
    ("fc.bias", [V]),
]


def base_meta(**over):
    cfg = {"cell": "lstm", "layers": 1, "hidden": H, "vocab": V,
           "embed": 0, "dropout": 0.0}
    cfg.update(over.pop("config", {}))
    voc = {"cp": [97, 98, 99], "unk": -1, "eor": -1}
    voc.update(over.pop("vocab", {}))
    meta = {"format": "burble", "burble.version": "1",
            "burble.config": json.dumps(cfg), "burble.vocab": json.dumps(voc)}
    meta.update(over)
    return {k: v for k, v in meta.items() if v is not None}


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def data_for(shape, value=None):
    n = numel(shape)
    vals = [value if value is not None else 0.01 * (i % 17) for i in range(n)]
    return struct.pack("<%df" % n, *vals)


def assemble(tensors, meta, header_text=None, length=None, tail=b""):
    """tensors: list of (name, entry dict or None, data bytes)."""
    if header_text is None:
        hdr = {}
        if meta is not None:
            hdr["__metadata__"] = meta
        for name, entry, _ in tensors:
            hdr[name] = entry
        header_text = json.dumps(hdr, separators=(",", ":"), sort_keys=True)
    h = header_text.encode("utf-8") if isinstance(header_text, str) \
        else header_text
    h += b" " * (-len(h) % 8)
    n = len(h) if length is None else length
    body = b"".join(d for _, _, d in tensors)
    return struct.pack("<Q", n) + h + body + tail


def tiled(specs):
    """specs: list of (name, shape, dtype, data). Contiguous offsets."""
    out, off = [], 0
    for name, shape, dtype, data in specs:
        entry = {"dtype": dtype, "shape": shape,
                 "data_offsets": [off, off + len(data)]}
        out.append((name, entry, data))
        off += len(data)
    return out


def base_specs(value=None):
    return [(n, s, "F32", data_for(s, value)) for n, s in BASE_TENSORS]


def good():
    return assemble(tiled(base_specs()), base_meta())


FILES = []


def case(name, expect, blob):
    FILES.append((name, expect, blob))


def with_entry(fn):
    """Base tensors with fn(list of (name, entry, data)) applied."""
    t = tiled(base_specs())
    fn(t)
    return t


def main():
    g = good()
    case("valid.safetensors", "-", g)
    P = sum(numel(s) for _, s in BASE_TENSORS)
    sett = json.dumps({"batch": 2, "seq": 3})
    prog = json.dumps({"step": 1, "epoch": 0, "batch": 1, "lr": 0.002,
                       "best_val": None, "rng": ["1", "2", "3", "4"]})
    hist = json.dumps([{"step": 1, "epoch": 0.5, "train_loss": 1.1,
                        "train_acc": 0.25, "val_loss": None,
                        "val_acc": None, "lr": 0.002, "elapsed": 0.5}])
    text = json.dumps({"lowercase": False, "filter": "none",
                       "filter_set": None, "min_count": 0, "lines": False,
                       "record_sep": None})
    case("valid-full.safetensors", "-", assemble(tiled(
        base_specs() + [("burble.optim.state", [2, P], "F32",
                         data_for([2, P])),
                        ("burble.state", [8], "F32", data_for([8]))]),
        base_meta(**{"burble.settings": sett, "burble.progress": prog,
                     "burble.history": hist, "burble.text": text,
                     "burble.corpus": "abc.txt"})))
    case("empty.safetensors", "truncated (0 bytes", b"")
    case("too-short.safetensors", "truncated (5 bytes", g[:5])
    case("truncated.safetensors", "truncated (header says", g[:100])
    case("truncated-data.safetensors", "past the end of the data",
         g[:len(g) - 10])
    case("header-past-end.safetensors", "truncated (header says",
         struct.pack("<Q", len(g) + 100) + g[8:])
    case("header-huge.safetensors", "not a safetensors file, or corrupt",
         struct.pack("<Q", 1 << 62) + g[8:])
    case("not-safetensors.safetensors", "not a safetensors file",
         b"Alice was beginning to get very tired of sitting by her sister\n")
    case("empty-header.safetensors", "empty header", struct.pack("<Q", 0))
    case("not-json.safetensors", "not valid JSON",
         assemble([], None, header_text="{this is not json}"))
    case("json-array.safetensors", "not a JSON object",
         assemble([], None, header_text="[1, 2, 3]"))
    case("garbage-after-json.safetensors", "not valid JSON",
         assemble([], None, header_text='{"a": 1} xyz'))
    case("nul-in-header.safetensors", "not valid JSON",
         assemble([], None, header_text=b'{"a\x00": 1}'))
    case("invalid-utf8-header.safetensors", "not valid JSON",
         assemble([], None, header_text=b'{"\xc3\x28": 1}'))
    case("deep-nesting.safetensors", "not valid JSON",
         assemble([], None, header_text='{"a":' + "[" * 5000 + "]" * 5000
                  + "}"))
    # Control characters quoted in a message must not break the line.
    case("newline-in-error.safetensors", "not valid JSON",
         assemble([], None, header_text=b'{"a\\\n": 1}'))
    specs = base_specs() + [("x\ny", [2], "F32", data_for([2]))]
    case("newline-in-name.safetensors", "unexpected tensor 'x?y'",
         assemble(tiled(specs), base_meta()))
    # Duplicate keys: write the JSON by hand.
    t = tiled(base_specs())
    parts = ['"__metadata__":' + json.dumps(base_meta())]
    parts += ['"%s":%s' % (n, json.dumps(e)) for n, e, _ in t]
    parts.append('"fc.bias":' + json.dumps(t[-1][1]))
    case("duplicate-keys.safetensors", "duplicate",
         assemble(t, None, header_text="{" + ",".join(parts) + "}"))

    def dtype(d):
        def f(t):
            t[-1][1]["dtype"] = d
        return f
    case("dtype-f16.safetensors", "dtype F16",
         assemble(with_entry(dtype("F16")), base_meta()))
    case("dtype-i64.safetensors", "dtype I64",
         assemble(with_entry(dtype("I64")), base_meta()))

    def shape(s):
        def f(t):
            t[4][1]["shape"] = s
        return f
    case("shape-lies.safetensors", "lies about its size",
         assemble(with_entry(shape([3, 3])), base_meta()))
    case("negative-size.safetensors", "negative size",
         assemble(with_entry(shape([-3, -2])), base_meta()))
    case("three-dims.safetensors", "3 dimensions",
         assemble(with_entry(shape([3, 2, 1])), base_meta()))
    case("scalar.safetensors", "0 dimensions",
         assemble(with_entry(shape([])), base_meta()))
    case("shape-not-int.safetensors", "shape must hold integers",
         assemble(with_entry(shape([3.0, 2])), base_meta()))
    case("shape-overflow.safetensors", "shape is too large",
         assemble(with_entry(shape([1 << 62, 1 << 62])), base_meta()))

    def offsets(b, e):
        def f(t):
            t[-1][1]["data_offsets"] = [b, e]
        return f
    n = sum(len(d) for _, _, d in tiled(base_specs()))
    case("offsets-out-of-range.safetensors", "past the end of the data",
         assemble(with_entry(offsets(n - 12 + 400, n + 400)), base_meta()))
    case("offsets-reversed.safetensors", "bad data_offsets",
         assemble(with_entry(offsets(n, n - 12)), base_meta()))
    case("offsets-negative.safetensors", "bad data_offsets",
         assemble(with_entry(offsets(-12, 0)), base_meta()))
    case("offsets-huge.safetensors", "past the end of the data",
         assemble(with_entry(offsets(1 << 62, (1 << 62) + 12)),
                  base_meta()))
    case("offsets-bignum.safetensors", "not valid JSON",
         assemble(with_entry(offsets(1 << 64, (1 << 64) + 12)),
                  base_meta()))
    case("offsets-float.safetensors", "data_offsets must be two integers",
         assemble(with_entry(offsets(float(n - 12), float(n))),
                  base_meta()))
    case("overlap.safetensors", "overlap",
         assemble(with_entry(offsets(n - 16, n - 4)), base_meta(),
                  tail=b"\0" * 0))
    t = with_entry(offsets(n - 12 + 8, n + 8))
    case("gap.safetensors", "unused bytes before tensor",
         assemble(t, base_meta(), tail=b"\0" * 8))
    case("trailing-bytes.safetensors", "bytes after the last tensor",
         assemble(tiled(base_specs()), base_meta(), tail=b"\0" * 16))

    specs = [s for s in base_specs() if s[0] != "lstm.bias_hh_l0"]
    case("missing-tensor.safetensors", "'lstm.bias_hh_l0' is missing",
         assemble(tiled(specs), base_meta()))
    specs = base_specs() + [("foo.weight", [2], "F32", data_for([2]))]
    case("unexpected-tensor.safetensors", "unexpected tensor 'foo.weight'",
         assemble(tiled(specs), base_meta()))
    specs = base_specs()
    specs[-1] = ("fc.bias", [V], "F32",
                 struct.pack("<3f", 0.0, float("nan"), 1.0))
    case("nan-weights.safetensors", "holds NaN",
         assemble(tiled(specs), base_meta()))
    specs[-1] = ("fc.bias", [V], "F32",
                 struct.pack("<3f", 0.0, float("inf"), 1.0))
    case("inf-weights.safetensors", "holds infinity",
         assemble(tiled(specs), base_meta()))

    case("no-metadata.safetensors", "no burble.config",
         assemble(tiled(base_specs()), None))
    m = base_meta()
    m["burble.config"] = json.loads(m["burble.config"])
    case("metadata-not-string.safetensors", "is not a string",
         assemble(tiled(base_specs()), m))
    case("metadata-not-object.safetensors", "__metadata__ must be an object",
         assemble(tiled(base_specs()), ["a", "b"]))
    case("no-version.safetensors", "no burble.version",
         assemble(tiled(base_specs()), base_meta(**{"burble.version": None})))
    case("version-newer.safetensors", "newer burble (format 2",
         assemble(tiled(base_specs()), base_meta(**{"burble.version": "2"})))
    case("version-older.safetensors", "older burble (format 0",
         assemble(tiled(base_specs()), base_meta(**{"burble.version": "0"})))
    case("version-garbage.safetensors", "bad format version",
         assemble(tiled(base_specs()),
                  base_meta(**{"burble.version": "one"})))
    case("config-not-json.safetensors", "burble.config: not valid JSON",
         assemble(tiled(base_specs()),
                  base_meta(**{"burble.config": "{cell: lstm"})))
    case("config-hidden-lies.safetensors", "lies about its sizes",
         assemble(tiled(base_specs()), base_meta(config={"hidden": 256})))
    case("config-vocab-lies.safetensors", "says vocab 2",
         assemble(tiled(base_specs()), base_meta(config={"vocab": 2})))
    case("config-cell-lies.safetensors", "'gru.weight_ih_l0' is missing",
         assemble(tiled(base_specs()), base_meta(config={"cell": "gru"})))
    case("config-embed-lies.safetensors", "'embedding.weight' is missing",
         assemble(tiled(base_specs()), base_meta(config={"embed": 4})))
    case("config-bad-cell.safetensors", "unknown cell",
         assemble(tiled(base_specs()),
                  base_meta(config={"cell": "transformer"})))
    case("layers-1e9.safetensors", "'layers' must be an integer",
         assemble(tiled(base_specs()), base_meta(config={"layers": 1e9})))
    case("layers-huge.safetensors", "layers must be 1..",
         assemble(tiled(base_specs()),
                  base_meta(config={"layers": 1000000000})))
    case("hidden-2p40.safetensors", "'hidden' must be an integer in",
         assemble(tiled(base_specs()), base_meta(config={"hidden": 1 << 40})))
    case("hidden-negative.safetensors", "'hidden' must be an integer in",
         assemble(tiled(base_specs()), base_meta(config={"hidden": -2})))
    case("dropout-bad.safetensors", "dropout",
         assemble(tiled(base_specs()), base_meta(config={"dropout": 1.5})))
    case("vocab-not-ascending.safetensors", "not strictly ascending",
         assemble(tiled(base_specs()), base_meta(vocab={"cp": [98, 97, 99]})))
    case("vocab-duplicate.safetensors", "not strictly ascending",
         assemble(tiled(base_specs()), base_meta(vocab={"cp": [97, 97, 99]})))
    case("vocab-bad-codepoint.safetensors", "not a valid code point",
         assemble(tiled(base_specs()),
                  base_meta(vocab={"cp": [97, 98, 0x110005]})))
    case("vocab-surrogate.safetensors", "not a valid code point",
         assemble(tiled(base_specs()),
                  base_meta(vocab={"cp": [97, 98, 0xD800]})))
    case("vocab-negative.safetensors", "not a valid code point",
         assemble(tiled(base_specs()), base_meta(vocab={"cp": [-1, 97, 98]})))
    case("vocab-size-lies.safetensors", "4 symbols, but burble.config says",
         assemble(tiled(base_specs()),
                  base_meta(vocab={"cp": [97, 98, 99, 100]})))
    case("vocab-unk-lies.safetensors", "do not match the code points",
         assemble(tiled(base_specs()), base_meta(vocab={"unk": 0})))
    # Training tensors without their metadata, and of the wrong size.
    specs = base_specs() + [("burble.optim.state", [2, P], "F32",
                             data_for([2, P]))]
    case("optim-no-settings.safetensors", "optimizer state without",
         assemble(tiled(specs), base_meta()))
    full = base_meta(**{"burble.settings": sett, "burble.progress": prog})
    specs = base_specs() + [("burble.optim.state", [2, P + 1], "F32",
                             data_for([2, P + 1]))]
    case("optim-wrong-size.safetensors", "burble.optim.state",
         assemble(tiled(specs), full))
    specs = base_specs() + [("burble.optim.state", [2, P], "F32",
                             data_for([2, P])),
                            ("burble.state", [5], "F32", data_for([5]))]
    case("state-wrong-size.safetensors", "with batch 2 needs [8]",
         assemble(tiled(specs), full))
    zero = json.dumps({"step": 1, "epoch": 0, "batch": 1, "lr": 0.002,
                       "rng": ["0", "0", "0", "0"]})
    specs = base_specs() + [("burble.optim.state", [2, P], "F32",
                             data_for([2, P]))]
    case("rng-zero.safetensors", "all zero",
         assemble(tiled(specs),
                  base_meta(**{"burble.settings": sett,
                               "burble.progress": zero})))
    case("settings-batch-huge.safetensors", "'batch' must be an integer in",
         assemble(tiled(specs),
                  base_meta(**{"burble.settings": '{"batch": 1e300}',
                               "burble.progress": prog})))
    case("history-not-array.safetensors", "burble.history: must be a JSON "
         "array", assemble(tiled(base_specs()),
                           base_meta(**{"burble.history": '{"a": 1}'})))
    case("history-float-overflow.safetensors", "out of range for a float",
         assemble(tiled(base_specs()),
                  base_meta(**{"burble.history":
                               '[{"step": 1, "train_loss": 1e39}]'})))

    for f in os.listdir(HERE):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(HERE, f))
    with open(os.path.join(HERE, "EXPECT"), "w") as ex:
        ex.write("# file<TAB>part of the one-line error, or - for a file "
                 "that must load (made by make.py)\n")
        for name, expect, blob in FILES:
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(blob)
            ex.write("%s\t%s\n" % (name, expect))
    print("wrote %d files" % len(FILES))


if __name__ == "__main__":
    main()
