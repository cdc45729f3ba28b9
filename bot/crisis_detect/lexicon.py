"""Word classes: every word of a text gets the classes (tags) its form belongs to, as a bit mask."""

from __future__ import annotations

from collections.abc import Iterable

from bot.crisis_detect.text import fold, has_runs, shorten_runs

_CACHE_LIMIT = 20_000
_EMPTY = 0  # a word's tags are a bit mask: bit n set = the word has tag n


def _deletions(word: str) -> set[str]:
    """The word with one letter left out, every way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


class _Cache(dict):
    """Words seen so far and their tags; a new word is looked up and kept."""

    def __init__(self, lookup) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, word: str) -> int:
        found = self._lookup(word)
        self[word] = found
        return found


class Lexicon:
    """Word patterns (exact words and stems ending in '*') mapped to tag numbers."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sizes: dict[int, int] = {}  # how many word patterns each tag has
        self._ids: dict[str, int] = {}
        self._exact: dict[str, int] = {}
        self._prefix: dict[str, int] = {}
        self._stem_lengths: dict[str, tuple[int, ...]] = {}
        # typo-tolerant keys: deletion variant -> [(key, is_stem, tag)]
        self._typo: dict[str, list[tuple[str, bool, int]]] = {}
        self._typo_exact_lengths: dict[str, frozenset[int]] = {}
        self._typo_stem_lengths: dict[str, tuple[int, ...]] = {}
        self._typo_first: set[str] = set()
        self._cache: _Cache = _Cache(self._lookup)

    def tag(self, name: str) -> int:
        """The number of a tag name, created on first use."""
        found = self._ids.get(name)
        if found is None:
            found = self._ids[name] = len(self.names)
            self.names.append(name)
        return found

    def add(self, name: str, patterns: Iterable[str], typo: bool = False) -> int:
        """Adds word patterns to a tag; '*' at the end makes a stem; returns the tag number."""
        patterns = list(patterns)
        tag = self.tag(name)
        self.sizes[tag] = self.sizes.get(tag, 0) + len(patterns)
        for raw in patterns:
            if isinstance(raw, bool):  # YAML reads a bare no/yes/on/off as a boolean
                raise ValueError(f"quote the word {raw!r} in {name}")
            pattern = fold(str(raw).strip())
            stem = pattern.endswith("*")
            word = pattern.rstrip("*")
            if not word or " " in word:
                raise ValueError(f"bad word pattern {raw!r} in {name}")
            target = self._prefix if stem else self._exact
            target[word] = target.get(word, 0) | (1 << tag)
            if typo and len(word) >= (5 if stem else 7):
                for variant in _deletions(word) | {word}:
                    self._typo.setdefault(variant, []).append((word, stem, tag))
                self._typo_first.add(word[:2])
        return tag

    def freeze(self) -> None:
        """Prepares the lookup tables once every pattern is in."""
        by_start: dict[str, set[int]] = {}
        for stem in self._prefix:
            if len(stem) < 3:
                raise ValueError(f"a stem needs three letters or more: {stem}*")
            by_start.setdefault(stem[:3], set()).add(len(stem))
        # stem lengths per first three letters: a word is only cut where a stem could end
        self._stem_lengths = {k: tuple(sorted(v)) for k, v in by_start.items()}
        # per first two letters: lengths of the typo-tolerant whole words (one more or less)
        # and of the stems whose start a word is compared with
        exact: dict[str, set[int]] = {}
        stems: dict[str, set[int]] = {}
        for keys in self._typo.values():
            for key, is_stem, _ in keys:
                if is_stem:
                    stems.setdefault(key[:2], set()).add(len(key))
                else:
                    exact.setdefault(key[:2], set()).update((len(key) - 1, len(key), len(key) + 1))
        self._typo_exact_lengths = {k: frozenset(v) for k, v in exact.items()}
        self._typo_stem_lengths = {k: tuple(sorted(v)) for k, v in stems.items()}
        self._cache.clear()

    def tags(self, word: str) -> int:
        """Every tag of one folded word (exact forms, stems, then one-edit typos of key words)."""
        return self._cache[word]

    def _lookup(self, word: str) -> int:
        """The tags of a word not in the cache (the cache keeps them)."""
        found = self._exact.get(word, 0)
        prefix = self._prefix
        n = len(word)
        for length in self._stem_lengths.get(word[:3], ()):
            if length <= n:
                found |= prefix.get(word[:length], 0)
        if not found and n >= 3 and has_runs(word):
            found = self.tags(shorten_runs(word))
        if not found and n >= 5 and word[:2] in self._typo_first and word.isalpha():
            found = self._typos(word)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        return found
        return found

    def _typos(self, word: str) -> int:
        """Tags of key words within one edit of the word (or of the word's start, for stems)."""
        typo = self._typo
        found = 0
        n = len(word)
        candidates = []
        if n in self._typo_exact_lengths.get(word[:2], ()):
            candidates.append((word, False))
        for length in self._typo_stem_lengths.get(word[:2], ()):
            for cut in (length - 1, length, length + 1):
                if 4 <= cut < n:
                    candidates.append((word[:cut], True))
        seen: set[str] = set()
        for text, as_stem in candidates:
            if text in seen:
                continue
            seen.add(text)
            for variant in _deletions(text) | {text}:
                for key, is_stem, tag in typo.get(variant, ()):
                    if is_stem == as_stem and within_one_edit(key, text):
                        found |= 1 << tag
        return found

    @property
    def tags_of(self):
        """The word cache's item lookup: tags of a word, looked up and kept on first sight."""
        return self._cache.__getitem__

    def clear_cache(self) -> None:
        """Forgets the words seen so far (for measuring a cold scan)."""
        self._cache.clear()

    def cache_size(self) -> int:
        """How many words are remembered."""
        return len(self._cache)
