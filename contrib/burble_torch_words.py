# burble_torch_words.py - word tokens as burble reads them (--tokens word).
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Word tokens as burble reads them: the rules of src/core/words.h.

A word is a run of letters and digits (ASCII, str.isalnum beyond it, and
the combining accents U+0300-U+036F); an apostrophe (' or U+2019) between
two of them stays inside. Every other visible character is a token of its
own; a newline is the token "\\n"; other white space only separates. A word
over 64 bytes (burble's buffer) is the unknown token. Decoding puts one
space between tokens except at the start, around a newline or the
end-of-record symbol, before . , ; : ! ? ) ] } and the ellipsis, and after
( [ {.

Used by burble_torch.py when a checkpoint's burble.vocab says
"tokenizer": "word"; outside ASCII, str.isalnum and C.UTF-8's iswalnum may
disagree on a few characters.
"""
import json
import math

EOR_CP = 0x110001
WORD_MAX_BYTES = 64
LONG = object()         # a word too long to keep: <unk>
EOR = object()          # the end-of-record symbol
CLOSING = {".", ",", ";", ":", "!", "?", ")", "]", "}", "\u2026"}
OPENING = {"(", "[", "{"}
_SPACES = {0xa0, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff} | \
    set(range(0x2000, 0x200e))


def _is_space(c):
    if c < 0x80:
        return c in (0x20, 0x09, 0x0b, 0x0c)
    return c in _SPACES or chr(c).isspace()


def _is_word(c):
    if c < 0x80:
        return chr(c).isalnum()
    return 0x300 <= c <= 0x36f or chr(c).isalnum()


def split(cps):
    """Code points (EOR as 0x110001) -> tokens: strings, LONG or EOR."""
    out, word, nbytes, toolong, apos = [], [], 0, False, None

    def append(c):
        nonlocal nbytes, toolong
        k = len(chr(c).encode("utf-8"))
        if nbytes + k > WORD_MAX_BYTES:
            toolong = True
        else:
            word.append(chr(c))
            nbytes += k

    def flush():
        nonlocal word, nbytes, toolong, apos
        if toolong:
            out.append(LONG)
        elif word:
            out.append("".join(word))
        word, nbytes, toolong = [], 0, False
        if apos is not None:
            out.append(chr(apos))
        apos = None

    for c in cps:
        if c != EOR_CP and _is_word(c):
            if apos is not None:
                append(apos)
            apos = None
            append(c)
            continue
        if (word or toolong) and apos is None and c in (0x27, 0x2019):
            apos = c
            continue
        flush()
        if c == EOR_CP:
            out.append(EOR)
        elif c == 10 or not _is_space(c):
            out.append(chr(c))
    flush()
    return out


class WordVocab:
    """A word vocabulary: tokens in id order, <unk> and the end-of-record
    symbol among them (unk, eor: their ids, eor -1 when none)."""
    kind = "word"

    def __init__(self, tokens, unk, eor=-1):
        self.tok = list(tokens)
        self.unk, self.eor = unk, eor
        self.index = {t: i for i, t in enumerate(self.tok)
                      if i not in (unk, eor)}

    def __len__(self):
        return len(self.tok)

    def to_meta(self):
        return json.dumps({"tokenizer": "word", "cp": None, "unk": self.unk,
                           "eor": self.eor, "tokens": self.tok},
                          separators=(",", ":"))

    def ids(self, tokens):
        """Tokens -> ids; unknown ones (and LONG) become <unk>."""
        return [self.eor if t is EOR else
                self.unk if t is LONG else self.index.get(t, self.unk)
                for t in tokens]

    def piece(self, prev, i):
        """The text id i adds after prev (-1: none)."""
        t = self.tok[i]
        if prev < 0 or prev == self.eor or i == self.eor:
            return t
        p = self.tok[prev]
        if p == "\n" or t == "\n" or t in CLOSING or p in OPENING:
            return t
        return " " + t

    def decode(self, ids, prev=-1):
        out = []
        for i in ids:
            out.append(self.piece(prev, i))
            prev = i
        return "".join(out)


def read_ids(paths, opts, vocab, read_text):
    """The files as burble reads them with --tokens word: each file read
    by read_text (burble_torch's), split on its own, encoded."""
    tokens = []
    for p in paths:
        tokens.extend(split(read_text([p], opts)))
    return vocab.ids(tokens)


def eval_json(vocab, ids, loss, acc, n):
    """burble eval --json's object for a word model: per token, and per
    character of the decoded text of the n tokens predicted."""
    chars = len(vocab.decode(ids[1:n + 1], ids[0]))
    lc = loss * n / chars if chars else float("nan")
    return {"tokenizer": "word", "loss": loss, "perplexity": math.exp(loss),
            "accuracy": acc, "tokens": n, "loss_per_char": lc,
            "bpc": lc / math.log(2), "chars": chars}
