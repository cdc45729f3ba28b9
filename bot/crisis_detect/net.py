"""A small statistical net under the rules: weights of word stems, character n-grams and word
pairs (a logistic regression, or Naive Bayes log-odds), trained on the evaluation set's dev part
(see train.py).

It only ever asks gently: when no rule found anything and a sentence (or two neighbouring
sentences) reads like the crisis messages it was trained on, the detector returns a gentle
finding; when the only rule finding is a gentle one and the text reads clearly like the
look-alikes, the finding is dropped.
"""

from __future__ import annotations

import gzip
import math
from operator import itemgetter
from pathlib import Path

NET_FILE = Path(__file__).parent / "net.tsv.gz"
# the urgency net: same features, trained to tell messages of immediate danger from the rest
URGENT_FILE = Path(__file__).parent / "urgent.tsv.gz"
_CACHE_LIMIT = 20_000
STEM, PAIR_STEM, NGRAMS = 5, 4, (3, 4, 5)
MIN_WORDS = 4  # shorter texts (a title, "ok thanks") are left to the rules


def word_features(word: str) -> list[str]:
    """The features of one folded word: its stem and its character n-grams."""
    out = ["s" + word[:STEM]]
    padded = f"<{word}>"
    for n in NGRAMS:
        out.extend("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def pair_feature(a: str, b: str) -> str:
    """The feature of two neighbouring words."""
    return f"b{a[:PAIR_STEM]}_{b[:PAIR_STEM]}"


def text_features(sentences: list[list[str]]) -> set[str]:
    """Every feature of a text given as folded words per sentence (training reads them so)."""
    found: set[str] = set()
    for words in sentences:
        for word in words:
            found.update(word_features(word))
        found.update(pair_feature(a, b) for a, b in zip(words, words[1:], strict=False))
    return found


class _WordCache(dict):
    """Words seen so far and what the net knows of them; a new word is looked up and kept."""

    def __init__(self, lookup) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, word: str) -> tuple[float, int, str]:
        found = self[word] = self._lookup(word)
        return found


_TOTAL, _COUNT = itemgetter(0), itemgetter(1)


# from this many sentences (a long text of short ones) a sentence said again is scored once
_MANY_SENTENCES = 100


class StatNet:
    """Scores folded sentences: the higher, the more it reads like a message needing help."""

    def __init__(
        self,
        weights: dict[str, int],
        scale: float,
        bias: float,
        net: float,
        veto: float,
        sqrt: bool = True,
        judged: float = math.inf,
        clear_veto: float = -math.inf,
    ) -> None:
        self._weights = weights
        self._scale = scale
        self.bias = bias
        # True (Naive Bayes): a window's score is its summed weight over the square root of its
        # features found; False (logistic regression): the plain sum
        self.sqrt = sqrt
        self.net = net  # a text without rule findings scoring at least this gets a gentle check
        self.veto = veto  # a gentle rule finding in a text scoring below this is dropped
        # where the rules matched and judged the words a look-alike (or negated them), the net
        # still asks gently from this score (a much higher bar than net)
        self.judged = judged
        # a clear finding of a kind other than suicide or self-harm in a sentence scoring below
        # this is dropped (topic talk about recruitment or violence the rules took literally)
        self.clear_veto = clear_veto
        # word pairs by the first word's start, then the second's: most words start no pair
        self._pairs: dict[str, dict[str, float]] = {}
        for feature, w in weights.items():
            if feature.startswith("b"):
                a, _, b = feature[1:].partition("_")
                self._pairs.setdefault(a, {})[b] = w / scale
        self._words: dict[str, tuple[float, int, str]] = _WordCache(self._word)

    @classmethod
    def load(cls, path: Path = NET_FILE) -> StatNet | None:
        """The net stored in the package, or None when there is none."""
        if not path.exists():
            return None
        weights: dict[str, int] = {}
        head: dict[str, float] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                if key.startswith("#"):
                    head[key[1:]] = float(value)
                else:
                    weights[key] = int(value)
        sqrt = bool(head.get("sqrt", 1))
        judged, clear_veto = head.get("judged", math.inf), head.get("clear_veto", -math.inf)
        return cls(
            weights,
            head["scale"],
            head["bias"],
            head["net"],
            head["veto"],
            sqrt,
            judged,
            clear_veto,
        )

    def _word(self, word: str) -> tuple[float, int, str]:
        """A word's summed weight, number of features known, and its start for word pairs
        (the cache calls this for a word not seen yet)."""
        weights = self._weights
        total, count = 0, 0
        for feature in word_features(word):
            w = weights.get(feature)
            if w is not None:
                total += w
                count += 1
        if len(self._words) >= _CACHE_LIMIT:
            self._words.clear()
        return (total / self._scale, count, word[:PAIR_STEM])

    def _sentence(self, words: list[str]) -> tuple[float, int]:
        """Sum of the weights and number of features found, for one sentence."""
        found = list(map(self._words.__getitem__, words))
        total = sum(map(_TOTAL, found))
        count = sum(map(_COUNT, found))
        pairs = self._pairs
        for (_, _, a), (_, _, b) in zip(found, found[1:], strict=False):
            second = pairs.get(a)
            if second is not None and b in second:
                total += second[b]
                count += 1
        return total, count

    def _value(self, total: float, count: int) -> float:
        if not count:
            return self.bias
        return self.bias + (total / math.sqrt(count) if self.sqrt else total)

    def score(self, sentences: list[list[str]]) -> float:
        """The highest score of a sentence, two neighbouring sentences, or the whole text."""
        return self.best(sentences)[0]

    def best(self, sentences: list[list[str]]) -> tuple[float, int, int]:
        """The highest score and the sentences (first, last) that have it."""
        if len(sentences) > _MANY_SENTENCES:
            parts = self._each_once(sentences)
        else:
            parts = [self._sentence(words) for words in sentences]
        value = self._value
        best = (-math.inf, 0, 0)
        for i, (t, c) in enumerate(parts):
            if c and (v := value(t, c)) > best[0]:
                best = (v, i, i)
        for i in range(len(parts) - 1):
            (t1, c1), (t2, c2) = parts[i], parts[i + 1]
            if c1 and c2 and (v := value(t1 + t2, c1 + c2)) > best[0]:
                best = (v, i, i + 1)
        if len(parts) > 2:
            v = value(sum(t for t, _ in parts), sum(c for _, c in parts))
            if v > best[0]:
                best = (v, 0, len(parts) - 1)
        return best if best[0] > -math.inf else (self.bias, 0, 0)

    def _each_once(self, sentences: list[list[str]]) -> list[tuple[float, int]]:
        """_sentence of each sentence, a sentence said again scored once ("help. help. ...")."""
        scored: dict[str, tuple[float, int]] = {}
        parts = []
        for words in sentences:
            key = " ".join(words)
            part = scored.get(key)
            if part is None:
                part = scored[key] = self._sentence(words)
            parts.append(part)
        return parts

    def clear_cache(self) -> None:
        """Forgets the words seen so far (for measuring a cold scan)."""
        self._words.clear()

    @property
    def size(self) -> int:
        """How many features the net knows."""
        return len(self._weights)
