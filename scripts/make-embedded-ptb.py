#!/usr/bin/env python3
"""Write the embedded Penn-Treebank-format corpus under data/ptb-kjv/ from the King James Bible.

Source: the Debian package `bible-kjv-text` (version 4.38), whose /usr/lib/bible.data holds the KJV text
(public domain) in the Bible Retrieval System's compressed format: a header, a table of block offsets,
then 64 KiB blocks of text, each an independent Unix `compress` (LZW, up to 16-bit codes, block mode)
stream without the 3-byte magic. The text is one verse per line, "<Book><chapter>:<verse> <text>".

Normalisation, as Mikolov's PTB files are made (the exact rules are in data/ptb-kjv/README.md, written
by this script): a line `chapter <n>` opens each chapter (as printed editions do; it becomes
`chapter N`), verses are joined per chapter and cut into sentences after `.`, `?` or `!`; lower case;
`'s` split off as its own token, other apostrophes, `--` dashes and all other punctuation removed;
tokens with a digit become `N`; chapters go to train/valid/test by their position in blocks of 40; the
9,998 most frequent training tokens (count descending, then code-point order) are kept and the rest
become `<unk>`, so with the loader's `<eos>` the vocabulary has 10,000 entries, as PTB's.

Usage:
  apt-get install -y bible-kjv-text && python3 scripts/make-embedded-ptb.py           # (re)write data/ptb-kjv/
  python3 scripts/make-embedded-ptb.py --check    # regenerate in memory, compare byte for byte (npm run check:corpus)
`KJV_DATA=/path/to/bible.data` points the script at another copy of the package's file.
Standard library only; the output does not depend on the Python version or the machine.
"""
import collections
import hashlib
import os
import re
import struct
import sys

SRC = os.environ.get("KJV_DATA", "/usr/lib/bible.data")
SRC_SHA256 = "6c746c2acc8a34bfded980883ff1701a5d68934a1c853ebf88a07b978fe0ae0e"  # bible-kjv-text 4.38
PACKAGE = "bible-kjv-text"
PACKAGE_VERSION = "4.38"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "ptb-kjv")
SPLITS = ("train", "valid", "test")
BLOCK_CHAPTERS = 40  # chapter k: position k % 40 in 0..33 → train, 34..36 → valid, 37..39 → test
VALID_FROM, TEST_FROM = 34, 37
VOCAB_WORDS = 9998  # + <unk> + the loader's <eos> = 10,000
UNK = "<unk>"
VERSE = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.+)$")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def unlzw(data, maxbits=16):
    """Decode one Unix `compress` code stream (block mode, no magic header) into bytes.

    Codes are packed least-significant bit first. The code width starts at 9 bits and grows by one
    when the next free table entry would not fit; `compress` writes codes in groups of eight, so a
    width change (or a CLEAR code, 256) skips to the end of the current group of 8 codes.
    """
    nbits, maxmax = 9, 1 << maxbits
    limit = (1 << nbits) - 1
    table = [bytes([i]) for i in range(256)] + [b""]  # entry 256 is CLEAR
    out = bytearray()
    pos = seg = 0  # bit position; bit position where codes of the current width began
    total = len(data) * 8
    prev = None

    def skip_group(p, s, n):
        group = n * 8
        return s + -(-(p - s) // group) * group

    while True:
        if len(table) > limit and nbits < maxbits:
            pos = seg = skip_group(pos, seg, nbits)
            nbits += 1
            limit = maxmax if nbits == maxbits else (1 << nbits) - 1
            continue
        if pos + nbits > total:
            break
        word = int.from_bytes(data[pos >> 3 : (pos >> 3) + 4], "little")
        code = (word >> (pos & 7)) & ((1 << nbits) - 1)
        pos += nbits
        if code == 256:
            pos = seg = skip_group(pos, seg, nbits)
            nbits, limit = 9, (1 << 9) - 1
            del table[257:]
            prev = None
            continue
        if prev is None:
            entry = table[code]
        elif code < len(table):
            entry = table[code]
            if len(table) < maxmax:
                table.append(table[prev] + entry[:1])
        elif code == len(table):
            entry = table[prev] + table[prev][:1]
            table.append(entry)
        else:
            raise ValueError(f"corrupt LZW stream: code {code} with {len(table)} table entries")
        out += entry
        prev = code
    return bytes(out)


def read_kjv(path):
    """The package's text: 'EC02' header, at 0x54 the block size and count, then count+1 offsets."""
    raw = open(path, "rb").read()
    if raw[:4] != b"EC02":
        sys.exit(f"{path}: not a Bible Retrieval System data file (no 'EC02' magic)")
    block_size, blocks = struct.unpack(">II", raw[0x54:0x5C])
    offsets = struct.unpack(f">{blocks + 1}I", raw[0x5C : 0x5C + 4 * (blocks + 1)])
    text = b"".join(unlzw(raw[offsets[k] : offsets[k + 1]]) for k in range(blocks))
    assert len(text) <= block_size * blocks, "decoded more text than the header announces"
    return raw, text.decode("ascii")


def chapters(text):
    """[(book, chapter, [verse texts])] in canonical order; the first line is the file's title."""
    out = []
    for line in text.split("\n")[1:]:
        if not line:
            continue
        m = VERSE.match(line)
        if not m:
            sys.exit(f"unexpected line in the KJV text: {line[:80]!r}")
        key = (m[1], int(m[2]))
        if not out or out[-1][:2] != key:
            out.append((m[1], int(m[2]), []))
        out[-1][2].append(m[4])
    return out


def tokens(sentence):
    """PTB-style tokens of one sentence (see the module docstring)."""
    s = sentence.lower().replace("--", " ")
    s = re.sub(r"[^a-z0-9'\- ]", " ", s)
    out = []
    for w in s.split():
        possessive = w.endswith("'s")
        if possessive:
            w = w[:-2]
        w = w.replace("'", "").strip("-")
        if w:
            out.append("N" if re.search(r"[0-9]", w) else w)
        if possessive:
            out.append("'s")
    return out


def split_of(chapter_index):
    k = chapter_index % BLOCK_CHAPTERS
    return "train" if k < VALID_FROM else "valid" if k < TEST_FROM else "test"


def build(src):
    if not os.path.isfile(src):
        sys.exit(f"{src} not found: install the Debian package with `apt-get install -y {PACKAGE}` (or set KJV_DATA)")
    raw, text = read_kjv(src)
    src_sha = hashlib.sha256(raw).hexdigest()
    if src_sha != SRC_SHA256:
        sys.exit(f"{src} has sha256 {src_sha}, not that of {PACKAGE} {PACKAGE_VERSION} ({SRC_SHA256}); install that version")
    sentences = {s: [] for s in SPLITS}
    chapter_counts = collections.Counter()
    verse_count = 0
    for idx, (_book, number, verses) in enumerate(chapters(text)):
        split = split_of(idx)
        chapter_counts[split] += 1
        verse_count += len(verses)
        sentences[split].append(tokens(f"chapter {number}"))
        for s in SENTENCE_END.split(" ".join(verses)):
            t = tokens(s)
            if t:
                sentences[split].append(t)
    counts = collections.Counter(w for line in sentences["train"] for w in line)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = {w for w, _ in ranked[:VOCAB_WORDS]}
    files, stats = {}, {}
    for split in SPLITS:
        lines = [[w if w in keep else UNK for w in line] for line in sentences[split]]
        files[split] = "".join(" " + " ".join(line) + " \n" for line in lines).encode("ascii")
        n_words = sum(len(line) for line in lines)
        stats[split] = {
            "chapters": chapter_counts[split],
            "sentences": len(lines),
            "words": n_words,
            "tokens": n_words + len(lines),  # with one <eos> per line, as the loader counts
            "unk": sum(line.count(UNK) for line in lines),
            "sha256": hashlib.sha256(files[split]).hexdigest(),
            "bytes": len(files[split]),
        }
    info = {
        "types": len(counts),
        "cut_count": ranked[VOCAB_WORDS - 1][1],
        "verses": verse_count,
        "chapters": sum(chapter_counts.values()),
    }
    files["README"] = readme(stats, info).encode("utf8")
    return files


def readme(stats, info):
    rows = "\n".join(
        f"| {s} | {st['chapters']:,} | {st['sentences']:,} | {st['words']:,} | {st['tokens']:,} | {st['unk']:,} | {st['bytes']:,} | `{st['sha256']}` |"
        for s, st in stats.items()
    )
    total = sum(st["tokens"] for st in stats.values())
    shares = " / ".join(f"{100 * st['tokens'] / total:.1f}" for st in stats.values())
    return f"""# PTB-format corpus from the King James Bible (embedded recurrent-search data)

A real English corpus in the format of Mikolov's Penn Treebank files (one sentence per line, lower
case, no punctuation, numbers as `N`, a 10,000-entry vocabulary with `<unk>` and `<eos>`), shipped so
that the recurrent-cell search and its tests run without downloading PTB. Read it with
`loadEmbeddedPtb()` (`src/data/embedded.ts`); `--data <dir>` selects a real PTB instead.

| split | chapters | sentences (lines) | words | tokens with `<eos>` | `<unk>` | bytes | sha256 |
|---|---|---|---|---|---|---|---|
{rows}

Token shares train / valid / test: {shares} %. Vocabulary: {VOCAB_WORDS:,} words + `<unk>` + `<eos>` =
10,000 (the training text has {info['types']:,} distinct tokens; the least frequent kept ones occur
{'once' if info['cut_count'] == 1 else str(info['cut_count']) + ' times'}; among equally frequent tokens the code-point order decides). The text: {info['chapters']:,} chapters, {info['verses']:,} verses.

## Source and licence

- Source: the Debian package `{PACKAGE}` (version {PACKAGE_VERSION}, source package `bible-kjv`),
  file `/usr/lib/bible.data` (sha256 `{SRC_SHA256}`): the Authorized (King James)
  Version, "Textfile 930105", as distributed with Chip Chapin's Bible Retrieval System.
- The KJV text: translated in 1611; its copyright has expired (public domain; the package's copyright
  file states so). The package's copyright file gives the data file's terms — unrestricted use, copying,
  modification and distribution, provided its legend is included; quoted verbatim:

  >         Bible Retrieval System
  >         Chip Chapin, Hewlett Packard Company
  >         Initial release, September 5, 1989
  >         Last Updated: April 26, 1993
  >
  > This file is provided for unrestricted use provided that this
  > legend is included on all tape media and as a part of the
  > software program in whole or part.  Users may copy, modify or
  > distribute this file at will.
  >             -- Chip Chapin, September 4, 1989

## Normalisation (scripts/make-embedded-ptb.py)

1. Decode the data file (64 KiB blocks, each a Unix `compress` LZW stream) into the verse-per-line
   text `<Book><chapter>:<verse> <text>`; drop the title line.
2. Per chapter, in canonical book order: a line `chapter <n>` (printed editions head each chapter so),
   then the chapter's verses joined by spaces and cut into sentences after `.`, `?` and `!` (a sentence
   may span verses, never chapters).
3. Tokens: lower case; `--` (a dash) → space; every character other than `a-z`, `0-9`, `'`, `-`
   → space; split on spaces; a word ending in `'s` gives the word and the token `'s` (PTB's
   possessive); other apostrophes are removed, hyphens kept inside a word (`god-ward`) and stripped at
   its ends; a token containing a digit becomes `N` (in this text: the chapter numbers of step 2).
4. Split by chapters in blocks of {BLOCK_CHAPTERS}: the chapter at 0-based position k goes to train if
   k mod {BLOCK_CHAPTERS} < {VALID_FROM}, to valid if < {TEST_FROM}, else to test (85 / 7.5 / 7.5 % of the chapters,
   spread over the whole text).
5. Vocabulary: the {VOCAB_WORDS:,} most frequent tokens of the **training** split (ties: code-point order of
   the token); every other token in any split → `<unk>`.
6. Each line is written as PTB writes it: a space, the tokens joined by single spaces, a space, `\\n`.

## Regenerate

```sh
apt-get update && apt-get install -y {PACKAGE}
python3 scripts/make-embedded-ptb.py           # standard library only; output (this README included) is byte-identical
npm run check:corpus                            # = python3 scripts/make-embedded-ptb.py --check
```

`KJV_DATA=/path/to/bible.data` points the script at another copy of the package's file.
"""


def main():
    check = "--check" in sys.argv[1:]
    files = build(SRC)
    names = {s: f"{s}.txt" for s in SPLITS} | {"README": "README.md"}
    if check:
        bad = []
        for key, name in names.items():
            path = os.path.join(OUT, name)
            have = open(path, "rb").read() if os.path.isfile(path) else None
            if have != files[key]:
                bad.append(name)
        if bad:
            sys.exit(f"data/ptb-kjv: {', '.join(bad)} differ from what scripts/make-embedded-ptb.py writes; rerun it without --check")
        print("data/ptb-kjv: all files reproduced byte for byte")
        return
    os.makedirs(OUT, exist_ok=True)
    for key, name in names.items():
        tmp = os.path.join(OUT, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(files[key])
        os.replace(tmp, os.path.join(OUT, name))
    print(f"wrote {os.path.normpath(OUT)}: " + ", ".join(f"{s} {len(files[s]):,} bytes" for s in SPLITS))


if __name__ == "__main__":
    main()
