"""Text folding and sentence splitting shared by the rules and the scanner."""

from __future__ import annotations

import codecs
import re
import unicodedata
from itertools import filterfalse

# Laughing and joking emoji become a word the rules can see ("lol").
_JOKE_EMOJI = "\U0001f602\U0001f923\U0001f605\U0001f606\U0001f601\U0001f604\U0001f480\U0001f639\U0001f61c\U0001f61d\U0001f92a\U0001f643\U0001f608"


def _fold_table() -> dict[str, str]:
    """Non-ASCII characters folded for matching: Latin letters to their base letter (ä -> a),
    combining marks dropped, typographic apostrophes dropped, joking emoji to " lol "."""
    table: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[ch] = base.lower()
    table.update({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "ß": "ss"})
    for code in range(0x300, 0x370):
        table[chr(code)] = ""
    for ch in "’‘´ʼ":
        table[ch] = ""
    for ch in "…•":
        table[ch] = "."
    for ch in "–—":
        table[ch] = ","
    for ch in _JOKE_EMOJI:
        table[ch] = " lol "
    return table


_FOLD = _fold_table()
_FOLD_FIRST = tuple((ch, _FOLD[ch]) for ch in "äöå")
_END, _COMMA, _QUOTE = "\x01", "\x02", "\x03"
# an opening quote: a quote character after a space (or at the start), before a letter: 'I
# want to die' (as the regex "['\"“”‘’«»„](?<!\S.)(?=\w)", found with str.find: faster)
_QUOTE_CHARS = "'\"\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"


def _split_table() -> dict[int, int]:
    """ASCII punctuation, one character for one (CPython's fast path): sentence ends and commas
    marked, other punctuation a space."""
    table: dict[int, int] = {}
    for code in range(128):
        ch = chr(code)
        if not ch.isalnum() and ch not in "_ \t\n\r\x03":
            table[code] = ord(" ")
    for ch in ".!?;\n\r|()":
        table[ord(ch)] = ord(_END)
    table[ord(",")] = ord(_COMMA)
    table[ord(":")] = ord(_COMMA)  # "what I promised not to do: I cut" (negation stops here)
    return table


_SPLIT = _split_table()
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_HAS_ALPHA = re.compile(r"[a-z]")
_LETTER_RUNS = re.compile(r"([a-z])\1\1+")


def _fold_one(ch: str) -> str:
    """One non-ASCII character folded (a letter without its marks, a mark dropped, ...)."""
    found = _FOLD.get(ch)
    if found is not None:
        return found
    # other scripts and symbols: no rule reads them, and an ASCII text splits fast
    return "q" if ch.isalpha() else " "


def _fold_run(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler of fold: a run of non-ASCII characters, each folded."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return "".join([_fold_one(ch) for ch in run]), error.end


_FOLD_ERRORS = "remap-crisis-fold"
codecs.register_error(_FOLD_ERRORS, _fold_run)


# Each non-ASCII character folded so far (by _fold_one), for texts with many of them
# (Arabic, Cyrillic, emoji): str.translate folds those in C, where the error handler below would
# be called once per run of them (once per word of an Arabic text). Up to _KEEP characters.
_FOLDED: dict[int, str] = {}
_KEEP = 20_000
_MANY = 200  # bytes beyond one per character from which translate is the faster


def fold(text: str) -> str:
    """Lower case without diacritics (ä -> a, ö -> o, å -> a) and without apostrophes."""
    text = text.casefold()
    if not text.isascii():
        for ch, plain in _FOLD_FIRST:  # the most frequent letters in one pass each (speed only)
            text = text.replace(ch, plain)
        if not text.isascii():
            if len(text.encode("utf-8", "surrogatepass")) - len(text) > _MANY:
                text = _translated(text)
            if not text.isascii():
                # each other non-ASCII character folded by _fold_one: the encoder finds them in C
                text = text.encode("ascii", _FOLD_ERRORS).decode("ascii")
    return text.replace("'", "").replace("`", "")


def _translated(text: str) -> str:
    """The text with each non-ASCII character folded as _fold_one folds it, as far as _FOLDED
    holds them (new ones are added while it has room)."""
    if len(_FOLDED) < _KEEP:
        for ch in set(text):
            if ord(ch) > 127 and ord(ch) not in _FOLDED:
                _FOLDED[ord(ch)] = _fold_one(ch)
    return text.translate(_FOLDED)


def has_runs(word: str) -> bool:
    """True when a letter is written three or more times in a row."""
    return _LETTER_RUNS.search(word) is not None


def shorten_runs(word: str) -> str:
    """A letter written three or more times counts once ("diiie" -> "die", "kuollaaa" -> "kuolla")."""
    return _LETTER_RUNS.sub(r"\1", word)


def _odd_word(token: str) -> str:
    """A token that is not plain letters: digits inside words read as leet ("su1c1de"), other
    characters (emoji, symbols) dropped."""
    token = "".join(ch for ch in token if ch.isalnum())
    if token and not token.isdigit() and _HAS_ALPHA.search(token):
        token = token.translate(_LEET)
    return token


def sentences(text: str) -> list[tuple[list[str], frozenset[int], frozenset[int]]]:
    """Each sentence's folded words, the positions of words that follow a comma or dash, and of
    words that open a quotation."""
    if "'" in text or '"' in text or not text.isascii():
        text = _quotes_marked(text)
    folded = fold(text).translate(_SPLIT)
    out = []
    for sentence in folded.split(_END):
        if _COMMA in sentence:
            words: list[str] = []
            commas = []
            for chunk in sentence.split(_COMMA):
                if words:
                    commas.append(len(words))
                words.extend(chunk.split())
            marks = frozenset(commas)
        else:
            words = sentence.split()
            marks = frozenset()
        quotes: frozenset[int] = frozenset()
        if _QUOTE in sentence:
            words, quotes = _unquoted(words)
        if not words:
            continue
        if not "".join(words).isalpha():
            words = _odd_words(words)
        out.append((words, marks, quotes))
    return out


def _quotes_marked(text: str) -> str:
    """The text with each opening quote (see _QUOTE_CHARS) replaced by the quote mark."""
    places = []
    last = len(text) - 1
    for ch in _QUOTE_CHARS:
        at = text.find(ch)
        while at >= 0:
            # \w is str.isalnum() or "_" and \s is str.isspace(), in re as in str (Unicode)
            if at < last and (at == 0 or text[at - 1].isspace()):
                after = text[at + 1]
                if after.isalnum() or after == "_":
                    places.append(at)
            at = text.find(ch, at + 1)
    if not places:
        return text
    places.sort()
    parts, start = [], 0
    for at in places:
        parts.append(text[start:at])
        start = at + 1
    parts.append(text[start:])
    return f" {_QUOTE} ".join(parts)


def _unquoted(words: list[str]) -> tuple[list[str], frozenset[int]]:
    """The words without the quotation marks, and the positions of the words that open one."""
    opened = []
    at = -1
    for before in range(words.count(_QUOTE)):  # before: the marks already passed
        at = words.index(_QUOTE, at + 1)
        opened.append(at - before)
    return [w for w in words if w != _QUOTE], frozenset(opened)


def _odd_words(words: list[str]) -> list[str]:
    """The words with those that are not plain letters read as in _odd_word (and empty ones
    left out)."""
    odd = {word: _odd_word(word) for word in set(filterfalse(str.isalpha, words))}
    words = list(map(odd.get, words, words))  # each odd word read, the others as they are
    if "" in words:
        words = list(filter(None, words))  # a comma position may shift; only a hint
    return words
