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


# Laughing and joking emoji become a word the rules can see ("lol").
_JOKE_EMOJI = re.compile("[\U0001F602\U0001F923\U0001F605\U0001F606\U0001F601\U0001F604\U0001F480\U0001F639\U0001F61C\U0001F61D\U0001F92A\U0001F643\U0001F608]")
_COMMA = re.compile(r",|\s[-–—]+\s")


def sentences(text: str) -> list[tuple[list[str], frozenset[int]]]:
    """Each sentence's folded words and the positions of words that follow a comma."""
    folded = fold(_JOKE_EMOJI.sub(" lol ", text)).replace("@", "a").replace("$", "s")
    out = []
    for part in _SENTENCE.split(folded):
        words: list[str] = []
        commas = []
        for chunk in _COMMA.split(part):
            if words:
                commas.append(len(words))
            words.extend(_word(w) for w in _WORD.findall(chunk))
        if words:
            out.append((words, frozenset(commas)))
    return out
