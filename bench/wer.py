#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""wer.py CUES.TSV HYP.TXT -- word error rate of pocketsphinx_batch output.

CUES.TSV holds "ID<TAB>reference text" (from bench/cues.c), HYP.TXT the
recognizer's "words (ID score)" lines.  Words are compared lowercased,
without punctuation ("it's" stays one word); the error rate is the word-level
edit distance (substitutions + deletions + insertions) summed over all cues,
divided by the number of reference words.  Prints: WER_PERCENT WORDS CUES.
"""
import re
import sys


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def distance(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def main():
    refs = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            uid, text = line.rstrip("\n").split("\t", 1)
            refs[uid] = words(text)
    hyps = {}
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(.*)\((\S+) -?\d+\)\s*$", line)
            if m:
                hyps[m.group(2)] = words(m.group(1))
    errors = total = 0
    for uid, ref in refs.items():
        errors += distance(ref, hyps.get(uid, []))
        total += len(ref)
    print("%.1f %d %d" % (100.0 * errors / total, total, len(refs)))


if __name__ == "__main__":
    main()
