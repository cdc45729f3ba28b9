"""Tag numbering by word frequency and the indexes a scan looks rules and modifiers up in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from operator import or_
from typing import Any

from bot.crisis_detect.matching import _bits, _mask
from bot.crisis_detect.model import _ELEMENT, _RANK, _Modifier, _Pattern, _Rule, _WordKeys
from bot.crisis_detect.text import fold


class _KeyCache(dict):
    """Words seen so far with their tags and key tags; a new word is looked up and kept."""

    def __init__(self, lookup) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, word: str) -> _WordKeys:
        found = self[word] = self._lookup(word)
        return found


# a rule's pattern as a clause's key tag brings it up: the other tags it needs, the rule, the
# pattern, its reach and whether it is one slot, the highest rank a match can reach (see below)
_Candidate = tuple[int, _Rule, _Pattern, tuple[int, int] | None, bool, tuple[int, int, int] | None]


class _Indexer:
    """CrisisDetector's indexing part: tag numbers, slot heat and the scan indexes."""

    def _build_indexes(self) -> None:
        """The indexes a scan looks rules and modifiers up in, by tag."""
        self._rule_index: dict[int, list[tuple[_Rule, _Pattern]]] = {}
        # patterns made only of common words are not indexed: each sentence checks that all
        # their words are there (one set comparison each)
        self._plain: list[tuple[_Rule, _Pattern]] = []
        for rule in self._rules:
            for pattern in rule.patterns:
                if pattern.key_ids & self._common:
                    self._plain.append((rule, pattern))
                    continue
                for tag in pattern.key_ids:
                    self._rule_index.setdefault(tag, []).append((rule, pattern))
        self._mod_index: dict[int, list[tuple[_Modifier, _Pattern]]] = {}
        self._msg_index: dict[int, list[tuple[_Modifier, _Pattern]]] = {}
        for mod in self._modifiers:
            index = self._msg_index if mod.scope == "message" else self._mod_index
            for pattern in mod.patterns:
                for tag in pattern.key_ids:
                    index.setdefault(tag, []).append((mod, pattern))
        self._any_report = reduce(or_, (lg.report for lg in self._langs.values()), 0)
        self._persons = {
            code: lg.self_cue | lg.other_cue | lg.generic_cue for code, lg in self._langs.items()
        }
        self._any_other = reduce(or_, (lg.other_cue for lg in self._langs.values()), 0)
        self._any_self = reduce(or_, (lg.self_cue for lg in self._langs.values()), 0)
        # one tag of each plain pattern (its least used): a sentence without any skips them all
        sizes, heat = self.lexicon.sizes, self._heat
        self._plain_index: dict[int, list[tuple[_Rule, _Pattern]]] = {}
        for rule, pattern in self._plain:
            gate = min(_bits(pattern.need), key=lambda t: (heat.get(t, 1.0), sizes.get(t, 1)))
            self._plain_index.setdefault(gate, []).append((rule, pattern))
        self._msg_keys = _mask(self._msg_index)
        self._msg_mods = [mod for mod in self._modifiers if mod.scope == "message"]
        # per (lang, kind, rule, tier, about the past?) of a finding: the id() of the message-wide
        # modifiers that would change it (message.py fills it as findings come)
        self._changing: dict[tuple[str, str, str, str, bool], frozenset[int]] = {}
        # per set of wanted message-wide modifiers (their id()): the message index with only them
        self._wanted_index: dict[
            frozenset[int], dict[int, list[tuple[int, _Modifier, _Pattern]]]
        ] = {}
        self._mod_keys = _mask(self._mod_index)
        # the modifiers a rule of each language reads (its own and any_lang ones), index order
        self._mod_index_lang = {
            lang: {
                tag: [(m, p) for m, p in pairs if m.lang == lang or m.any_lang]
                for tag, pairs in self._mod_index.items()
            }
            for lang in {r.lang for r in self._rules}
        }
        # the same with each pattern's needed tags first, less the tag it is indexed under (a
        # word of the sentence has that one): mostly short bit masks (the scan's fast path);
        # then as for rules (below): the reach, and whether the tag's words are the matches
        self._mod_need_lang = {
            lang: {
                tag: [(_rest(p, tag), m, p, _reach(p, tag), _single(p, tag)) for m, p in pairs]
                for tag, pairs in index.items()
            }
            for lang, index in self._mod_index_lang.items()
        }
        # rules by the tags that bring them up: the indexed slot, or a plain pattern's gate;
        # with the bit mask of the other tags a clause needs for the pattern
        # and how far before and after a word of that tag a match can start (None: anywhere),
        # and whether the pattern is one required slot of only that tag (its words match)
        self._candidates: dict[int, list[_Candidate]] = {}
        # per rule the highest rank its match can reach before message-wide modifiers (tier,
        # priority, -order; a plan may be made urgent by a modifier); None for a hint
        tops = self._tops = {
            rule.id: None
            if rule.weak
            else (_RANK["urgent"] if rule.plan else _RANK[rule.tier], rule.priority, -n)
            for n, rule in enumerate(self._rules)
        }
        for index in (self._rule_index, self._plain_index):
            for tag, pairs in index.items():
                self._candidates.setdefault(tag, []).extend(
                    (_rest(p, tag), r, p, _reach(p, tag), _single(p, tag), tops[r.id])
                    for r, p in pairs
                )
        # every pattern is indexed under one tag, so a sentence meets each at most once
        keys = {len(p.key_ids) for r in [*self._rules, *self._modifiers] for p in r.patterns}
        if keys - {1}:
            raise ValueError("a pattern indexed under more or fewer than one tag")
        self._cand_keys = _mask(self._candidates)
        self._all_keys = self._cand_keys | _mask(self._mod_index) | _mask(self._msg_index)
        # per word: its tags and its key tags as small numbers (of rules, of modifiers, of
        # message-wide modifiers), so that sentences are sorted out without wide bit-mask
        # arithmetic; one lookup per word gives both
        self._words: dict[str, _WordKeys] = _KeyCache(self._word_of)
        self._priority = {rule.id: rule.priority for rule in self._rules}
        self._order = {rule.id: n for n, rule in enumerate(self._rules)}
        self._weak = frozenset(rule.id for rule in self._rules if rule.weak)
        self._tier = {rule.id: rule.tier for rule in self._rules}
        self._bound_tables()

    def _number_tags(self, docs: list[Mapping[str, Any]]) -> None:
        """Numbers the tags before they are made, those of frequent words first: a word's bit
        mask is then as short as its rarest tag, and most words' masks are short (speed only)."""
        rank = self._rank

        def heat(words: Iterable[Any], common: set[str]) -> float:
            found = 0.0
            for word in words:
                w = fold(str(word)).rstrip("*")
                if w in rank:
                    found = max(found, 1.0 - rank[w] / (2 * len(rank)))
                elif w in common:
                    found = max(found, 0.3)
            return found

        names: dict[str, float] = {}  # tag name -> how frequent its most frequent word is
        for doc in docs:
            lang = str(doc["lang"])
            common = {fold(str(w)) for w in doc.get("common_words", ())}
            classes = {k: list(v or ()) for k, v in (doc.get("words") or {}).items()}
            classes.update({f"@{k}": list(v or ()) for k, v in (doc.get("person") or {}).items()})
            for name, words in classes.items():
                names[f"{lang}:{name}"] = heat(words, common)
            for raw in [*doc.get("rules", ()), *doc.get("modifiers", ())]:
                seqs = [raw["seq"]] if isinstance(raw["seq"], str) else raw["seq"]
                for element in (e for seq in seqs for e in seq.split()):
                    named = _slot_name(lang, element.rstrip("?"), classes)
                    if named is not None:
                        names.setdefault(named[0], heat(named[1], common))
        for name in sorted(names, key=lambda n: -names[n]):  # stable: file order within a heat
            self.lexicon.tag(name)

    def _note_heat(self, lang: str, alts: list[str]) -> None:
        """Notes how frequent a slot's most frequent word is (a plain pattern's gate is the
        slot with the least frequent one: "bridge|roof|ledge" rather than "im|i")."""
        name = f"{lang}:#{'|'.join(alts)}" if len(alts) > 1 else ""
        if not name:
            alt = alts[0]
            if alt.isupper() or alt.startswith("@"):
                name = f"{lang}:{alt}"
            else:
                name = f"{lang}:={fold(alt)}"
        if self.lexicon.tag(name) in self._heat:
            return
        common_words = self._common_words.get(lang, ())
        rank = self._rank
        heat = 0.0
        for alt in alts:
            if alt.isupper() or alt.startswith("@"):
                words, _ = self._class_words.get(f"{lang}:{alt}", ([], False))
                if self.lexicon.tag(f"{lang}:{alt}") in self._common:
                    heat = max(heat, 0.5)
            else:
                words = [alt]
            for word in words:
                w = fold(str(word)).rstrip("*")
                if w in rank:
                    heat = max(heat, 1.0 - rank[w] / (2 * len(rank)))
                elif w in common_words:
                    heat = max(heat, 0.3)
        self._heat[self.lexicon.tag(name)] = heat


def _slot_name(
    lang: str, element: str, classes: Mapping[str, list[Any]]
) -> tuple[str, list[Any]] | None:
    """The tag name a pattern element makes and its words (None: not a word, or a class)."""
    if element in ("&", "$") or _ELEMENT.match(element):
        return None
    alts = element.split("|")
    words: list[Any] = []
    for alt in alts:
        words += classes.get(alt, [alt])
    if len(alts) > 1:
        return f"{lang}:#{element}", words
    if alts[0] not in classes:
        return f"{lang}:={fold(alts[0])}", words
    return None


def _reach(pattern: _Pattern, tag: int) -> tuple[int, int] | None:
    """How many words before and after a word of the tag a match of the pattern can start, when
    every match holds such a word (a required slot of that one tag); None when not known."""
    reach = None
    distance = 0  # at most this far after the first matched word (gaps and skipped slots)
    for k, slot in enumerate(pattern.slots):
        if k:
            distance += slot.gap + 1
        if slot.optional or slot.at_end or slot.tags != 1 << tag:
            continue
        found = (pattern.window, pattern.window) if pattern.window else (distance, 0)
        if reach is None or sum(found) < sum(reach):
            reach = found
    return reach


def _single(pattern: _Pattern, tag: int) -> bool:
    """Whether the pattern is one required slot of only the tag (not "&", not "$"): each word
    of the tag is a match of its own."""
    if pattern.window or len(pattern.slots) != 1:
        return False
    slot = pattern.slots[0]
    return slot.tags == 1 << tag and not slot.optional and not slot.at_end


def _rest(pattern: _Pattern, tag: int) -> int:
    """The tags a clause needs for the pattern besides the one it is indexed under."""
    return pattern.need & ~(1 << tag)
