"""The crisis detector's shortcuts (speed only) find what the full search finds."""

from __future__ import annotations

import random
import re
from itertools import chain
from pathlib import Path

import pytest

from bot.crisis_detect import CrisisDetector, engine
from bot.crisis_detect.bound import _ScanState, _touched
from bot.crisis_detect.evaluate import default_paths, load_items
from bot.crisis_detect.matching import _matches, _matches_near
from bot.crisis_detect.model import _MSG_KEYS, _RULE_KEYS
from bot.crisis_detect.text import _FOLD_FIRST, _QUOTE, _fold_one, _quotes_marked, fold, sentences
from bot.features.safety.net import shared_detector

DATA = Path(__file__).parent / "data" / "crisis"


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    # The bot's own detector of this process (CrisisDetector.default(), loaded once: 0.5 s).
    return shared_detector()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    items = load_items(default_paths(DATA))
    return [item["text"] for item in items[::3]]


def _sentences(detector: CrisisDetector, texts: list[str]):
    for text in texts:
        for words, _, _ in sentences(text):
            infos = [detector._words[w] for w in words]
            yield words, [info[0] for info in infos], infos


def test_reach_bound_keeps_every_match(detector: CrisisDetector, texts: list[str]) -> None:
    """A candidate's matches start near a word of the tag it was found by: the bounded search
    gives the same matches as the search over the whole clause."""
    bounded = matched = 0
    for words, tags, infos in _sentences(detector, texts):
        for start, end in detector._clauses(words):
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos[start:end])))
            for tag in keys:
                near = [i for i in range(start, end) if tags[i] & 1 << tag]
                for _, _, pattern, reach, _, _ in detector._candidates[tag]:
                    if reach is None:
                        continue
                    full = _matches(pattern, tags, start, end)
                    lo, hi = near[0] - reach[0], near[-1] + reach[1]
                    assert _matches(pattern, tags, start, end, lo, hi) == full, words
                    bounded += 1
                    matched += bool(full)
    assert bounded > 1000 and matched > 100  # the check saw real matches


def test_message_hits_as_the_full_search(detector: CrisisDetector, texts: list[str]) -> None:
    """The index of only the wanted message-wide modifiers finds the same modifiers as looking
    for every message-wide modifier and keeping the wanted ones."""
    wanted = frozenset(id(mod) for mod in detector._msg_mods[::2])
    found = 0
    for text in texts:
        all_tags = [(tags, infos) for _, tags, infos in _sentences(detector, [text])]
        full = set()
        for tags, infos in all_tags:
            if any(map(_MSG_KEYS, infos)):
                hits = detector._modifier_hits(tags, infos, 0, len(tags), message=True, only=wanted)
                full.update(id(mod) for mod, _, _ in hits)
        fast = detector._message_hits(wanted, all_tags)
        assert len(fast) == len({id(mod) for mod in fast})  # each once
        assert {id(mod) for mod in fast} == full, text
        found += bool(full)
    assert found > 10


def test_reach_needs_a_required_slot_of_the_tag(detector: CrisisDetector) -> None:
    """Every pattern found under a tag with a reach has a required slot of only that tag."""
    for tag, entries in detector._candidates.items():
        for _, _, pattern, reach, _, _ in entries:
            if reach is not None:
                assert any(
                    s.tags == 1 << tag and not s.optional and not s.at_end for s in pattern.slots
                )


def test_single_slot_matches_are_the_words_of_the_tag(
    detector: CrisisDetector, texts: list[str]
) -> None:
    """A pattern of one required slot of only its index tag matches at each word of the tag in
    the clause, as the full search finds (the scan then skips the search)."""
    checked = 0
    for words, tags, infos in _sentences(detector, texts):
        for start, end in detector._clauses(words):
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos[start:end])))
            for tag in keys:
                near = [i for i in range(start, end) if tags[i] & 1 << tag]
                for _, _, pattern, _, single, _ in detector._candidates[tag]:
                    if single:
                        assert _matches(pattern, tags, start, end) == [[i] for i in near], words
                        checked += 1
    assert checked > 100


def test_modifier_reach_and_single_keep_every_hit(
    detector: CrisisDetector, texts: list[str]
) -> None:
    """The modifiers a language's rules read, found with the reach and one-slot shortcuts, are
    the hits of the full search over the sentence, in the same order."""
    hits = 0
    for _, tags, infos in _sentences(detector, texts):
        for lang, index in detector._mod_need_lang.items():
            fast = detector._modifier_hits(tags, infos, 0, len(tags), lang=lang)
            full = []
            for tag in set(chain.from_iterable(info[2] for info in infos)):
                for _, mod, pattern, _, _ in index[tag]:
                    full += [(mod, s[0], s[-1]) for s in _matches(pattern, tags, 0, len(tags))]
            assert fast == full
            hits += len(full)
    assert hits > 100


def _unordered_by_min(pattern, tags: list[int], start: int, end: int) -> list[list[int]]:
    """An "&" pattern's matches as first written: every slot's nearest word by min()."""
    out = []
    for i in [i for i in range(start, end) if tags[i] & pattern.slots[0].tags]:
        used = [i]
        lo, hi = max(start, i - pattern.window), min(end, i + pattern.window + 1)
        for slot in pattern.slots[1:]:
            near = [j for j in range(lo, hi) if j not in used and tags[j] & slot.tags]
            if not near:
                break
            used.append(min(near, key=lambda j: abs(j - i)))
        else:
            out.append(sorted(used))
    return out


def test_window_matches_as_the_nearest_by_min(detector: CrisisDetector, texts: list[str]) -> None:
    """The outward search for an "&" pattern's other slots finds what min() over the window
    found (the nearest, the earlier of two as near)."""
    windows = [p for r in [*detector._rules, *detector._modifiers] for p in r.patterns if p.window]
    matched = 0
    for _, tags, _ in _sentences(detector, texts):
        for pattern in windows:
            full = _unordered_by_min(pattern, tags, 0, len(tags))
            assert _matches(pattern, tags, 0, len(tags)) == full
            matched += bool(full)
    assert matched > 20


def test_opening_quotes_as_the_regex(texts: list[str]) -> None:
    # the regex _quotes_marked replaced: a quote character after a space or at the start,
    # before a word character (Unicode spaces, digits and "_" included)
    regex = re.compile("['\"\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e](?<!\\S.)(?=\\w)")
    alphabet = "ab_1 \n\t\u00a0\u2003.-é😂'\"\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
    rng = random.Random(5)
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(20_000)
    ]
    marked = 0
    for text in [*texts, *samples]:
        expected = regex.sub(f" {_QUOTE} ", text)
        assert _quotes_marked(text) == expected, text
        marked += expected != text
    assert marked > 1_000  # the samples do hold opening quotes


def test_matches_near_as_the_full_search(detector: CrisisDetector, texts: list[str]) -> None:
    """_matches_near (the words of the tag as the heads when its slot is the first one, the
    one-slot shortcut, the bounded search) gives the matches of the search over the clause."""
    first_slot = matched = 0
    for words, tags, infos in _sentences(detector, texts):
        for start, end in detector._clauses(words):
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos[start:end])))
            for tag in keys:
                near = [i for i in range(start, end) if tags[i] & 1 << tag]
                for _, _, pattern, reach, single, _ in detector._candidates[tag]:
                    if reach is None:
                        continue
                    full = _matches(pattern, tags, start, end)
                    found = _matches_near(pattern, tags, start, end, near, reach, single)
                    assert found == full, words
                    first_slot += not reach[0] and not pattern.window and not single
                    matched += bool(full)
    assert first_slot > 500 and matched > 100  # the check saw real matches


def test_fold_as_the_regex_substitution() -> None:
    # fold's non-ASCII characters found by the ASCII encoder (an error handler) instead of a
    # regex: each still folded by _fold_one, the same text as the substitution gave
    regex = re.compile(r"[^\x00-\x7f]")

    def by_regex(text: str) -> str:
        text = text.casefold()
        for ch, plain in _FOLD_FIRST:
            text = text.replace(ch, plain)
        text = regex.sub(lambda m: _fold_one(m.group()), text)
        return text.replace("'", "").replace("`", "")

    alphabet = "aB 'é’😂\u0301ßİ\ud800–…ÄöÅ\u4e00\u00a0ø"
    rng = random.Random(3)
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(10))) for _ in range(20_000)
    ]
    # long texts of many non-ASCII characters: folded by str.translate (Arabic, emoji, ...)
    many = "ابتثجحخ абвгд 😂💀🙃🤡 ÄéßİøÅ’–…\u4e00\u0301 "
    samples += ["".join(rng.choice(many + "ab ") for _ in range(800)) for _ in range(30)]
    for text in samples:
        assert fold(text) == by_regex(text), text


def _stress_texts(detector: CrisisDetector, seed: int) -> list[str]:
    """Texts where judging each match again would be slow (one item said again and again; items
    joined without punctuation: one sentence of hundreds of words), and texts where what the
    message says elsewhere changes a finding (hints said twice, message-wide modifiers)."""
    items = [item["text"] for item in load_items(default_paths(DATA))]
    rng = random.Random(seed)
    out = [((t + " ") * (4000 // (len(t) + 1) + 1))[:4000] for t in rng.sample(items, 20)]
    for _ in range(20):
        joined = " ".join(rng.sample(items, 60))[:4000]
        out.append(re.sub(r"[.,!?;:()|\n'\"-]", " ", joined))
    out += [" ".join(rng.sample(items, 60))[:4000] for _ in range(10)]
    # a hint that counts only when said twice
    scanned = {t: detector.scan_rules(t) for t in items}
    hints = [t for t in items if detector.scan_rules(f"{t} {t}")[0] != scanned[t][0]]
    out += [" ".join((h, rng.choice(items), h)) for h in rng.sample(hints, min(60, len(hints)))]
    # a finding a message-wide modifier drops or raises, said before or after the modifier
    every = frozenset(id(mod) for mod in detector._msg_mods)
    hits = {t: {m.id for m in detector._message_hits(every, scanned[t][3])} for t in items}
    for effect in ("drop", "recovered", "urgent"):
        mods = [mod for mod in detector._msg_mods if mod.effect == effect]
        names = {mod.id for mod in mods}
        rules = set(chain.from_iterable(_touched(mod, detector._rules) for mod in mods))
        changed = [t for t in items if getattr(scanned[t][0], "rule", "") in rules]
        changing = [t for t in items if hits[t] & names]
        for _ in range(150):
            parts = [rng.choice(changed), rng.choice(items), rng.choice(changing)]
            rng.shuffle(parts)
            out.append(" ".join(parts))
    return out


def test_passing_over_outranked_matches_keeps_the_best(
    detector: CrisisDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matches that could not outrank the best finding that stays are not judged, and a
    sentence said again is judged once: the scan finds what judging every match finds."""
    texts = _stress_texts(detector, 11)
    fast = [detector.scan_rules(text)[:2] for text in texts]
    # every match judged: no finding is taken as one that stays, and every sentence is its own
    # (a comma position past its end, which no rule reads, makes each sentence's key unique)
    monkeypatch.setattr(_ScanState, "take", lambda *args: None)
    count = iter(range(10**9))
    monkeypatch.setattr(
        engine,
        "sentences",
        lambda text: [(w, c | {10**6 + next(count)}, q) for w, c, q in sentences(text)],
    )
    full = [detector.scan_rules(text)[:2] for text in texts]
    assert fast == full
    assert sum(found is not None for found, _ in full) > 0.8 * len(texts)  # most find something
