"""Text folding, word splitting and clause splitting shared by the rules and the scanner."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not split into a base letter and a mark.
_EXTRA_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "ß": "ss"})
# Apostrophes and similar marks vanish inside words ("can't" -> "cant", "I'm" -> "im").
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
# Sentence ends; a clause never runs across them.
# Quotes and colons do not end one: "Someone may say: 'I want to die'" is one training sentence.
_SENTENCE = re.compile(r"[.!?;…\n\r•|]+|\s[-–—]\s|\(|\)")
# A word: letters and digits (digits inside words are folded as leetspeak below).
_WORD = re.compile(r"[^\W_]+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_REPEATS = re.compile(r"(.)\1\1+")
_HAS_ALPHA = re.compile(r"[a-z]")
_HAS_DIGIT = re.compile(r"[0-9@$]")


def fold(text: str) -> str:
    """Lower case without diacritics (ä -> a, ö -> o, å -> a) and without apostrophes."""
    text = text.casefold().translate(_EXTRA_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", text)


def _word(raw: str) -> str:
    """One folded word: leetspeak inside letter words undone, runs of 3+ letters made one."""
    if _HAS_DIGIT.search(raw) and _HAS_ALPHA.search(raw):
        raw = raw.translate(_LEET)
    if len(raw) > 2:
        raw = _REPEATS.sub(r"\1", raw)
    return raw


def sentences(text: str) -> list[list[str]]:
    """The folded words of each sentence (leet in words undone, long letter runs shortened)."""
    folded = fold(text).replace("@", "a").replace("$", "s")
    out = []
    for part in _SENTENCE.split(folded):
        words = [_word(w) for w in _WORD.findall(part)]
        if words:
            out.append(words)
    return out
