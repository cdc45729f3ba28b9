"""Crisis-signal detection in free text: word-stem phrases per language, case and inflection tolerant."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


@dataclass(frozen=True)
class Signal:
    """A phrase that matched: its category and the phrase itself."""

    category: str  # "self_harm" or "danger"
    phrase: str


def normalise(text: str) -> list[str]:
    """Lower-case words with typographic apostrophes folded; accents kept (ä and ö matter)."""
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    return _WORD.findall(text)


class CrisisDetector:
    """Finds crisis signals; every language's phrases are checked, whatever the person's language."""

    def __init__(self, signals: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self._phrases: list[tuple[str, str, tuple[str, ...]]] = []
        for categories in signals.values():
            for category, phrases in categories.items():
                for phrase in phrases:
                    stems = tuple(normalise(phrase))
                    if stems:
                        self._phrases.append((category, phrase, stems))
        # danger first: when both match, immediate danger decides the reply
        self._phrases.sort(key=lambda p: p[0] != "danger")
        # One regex over the space-joined words rules out most texts in a single pass; only a
        # text it matches is walked phrase by phrase (which decides the category and phrase).
        self._any = re.compile(
            "|".join(
                "(?:^| )" + " ".join(re.escape(stem) + "[^ ]*" for stem in stems)
                for _, _, stems in self._phrases
            )
            or "(?!)"
        )

    def scan(self, text: str) -> Signal | None:
        """The first signal in `text`, or None."""
        words = normalise(text)
        if not words or not self._any.search(" ".join(words)):
            return None
        return self.walk(words)

    def walk(self, words: list[str]) -> Signal | None:
        """Every phrase against the words; danger first, unless a self-harm phrase explains it."""
        found = []
        for category, phrase, stems in self._phrases:
            start = _match_at(words, stems)
            if start is not None:
                found.append((category, phrase, start, start + len(stems)))
        harm = [(start, end) for category, _, start, end in found if category == "self_harm"]
        for category, phrase, start, end in found:
            # "wants to kill himself" holds "want to kill", but it is about self-harm
            if category == "danger" and any(s < end and start < e for s, e in harm):
                continue
            return Signal(category, phrase)
        return None


def _match_at(words: list[str], stems: tuple[str, ...]) -> int | None:
    """Where the stems start, word by word, in the words (None when they do not)."""
    span = len(stems)
    for start in range(len(words) - span + 1):
        if all(words[start + i].startswith(stems[i]) for i in range(span)):
            return start
    return None
