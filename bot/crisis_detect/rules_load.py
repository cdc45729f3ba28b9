"""Loading the rule files: word classes, persons, rules and modifiers compiled to patterns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import yaml

from bot.crisis_detect.matching import _mask
from bot.crisis_detect.model import (
    _DEFAULT_GAP,
    _ELEMENT,
    ABOUTS,
    EFFECTS,
    KINDS,
    MESSAGE_EFFECTS,
    SCOPES,
    TIERS,
    _Lang,
    _Modifier,
    _Pattern,
    _Rule,
    _Slot,
)
from bot.crisis_detect.text import fold


def _flag(value: Any) -> bool:
    """A rule's yes/no setting (the rule files read true/false as words, see _WordLoader)."""
    if isinstance(value, str):
        if value.lower() not in ("true", "false", "yes", "no"):
            raise ValueError(f"not a yes/no value: {value!r}")
        return value.lower() in ("true", "yes")
    return bool(value)


# libyaml when PyYAML has it (the rules, the evaluation set and section texts)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _WordLoader(_SafeLoader):
    """YAML without yes/no/on/off booleans: in word lists they are words ("on", "no")."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _RuleLoader:
    """CrisisDetector's loading part: rule documents to word classes, rules and modifiers."""

    def _load_common(self, docs: list[Mapping[str, Any]], frequent: Sequence[str]) -> None:
        """Frequent classes and words of each language (a pattern is not indexed on them)."""
        self._common: set[int] = set()
        self._common_words: dict[str, set[str]] = {}
        # frequent classes and words: a pattern is indexed on a slot without them
        for doc in docs:
            lang = str(doc["lang"])
            for name in doc.get("common", ()):
                self._common.add(self.lexicon.tag(f"{lang}:{name}"))
            for name in ("self", "other", "generic"):  # reflexives (myself) are rarer
                self._common.add(self.lexicon.tag(f"{lang}:@{name}"))
            self._common_words[lang] = {fold(str(w)) for w in doc.get("common_words", ())}
            self._common_words[lang].update(frequent)
            self._common.add(self.lexicon.tag(f"{lang}:NEG"))

    def _load_rules(self, docs: list[Mapping[str, Any]]) -> None:
        """Clause breaks, rules and modifiers of every language."""
        breaks: set[str] = set()
        # a break word of one language is an ordinary word in another ("young men", "run fast")
        not_after: dict[str, set[str]] = {}
        for doc in docs:
            lang = str(doc["lang"])
            breaks |= {fold(w) for w in doc.get("clause_breaks", ())}
            for word, before in (doc.get("clause_breaks_not_after") or {}).items():
                not_after.setdefault(fold(word), set()).update(fold(str(w)) for w in before)
            for raw in doc.get("rules", ()):
                self._rules.append(self._rule(lang, raw))
            for raw in doc.get("modifiers", ()):
                self._modifiers.append(self._modifier(lang, raw))
        self.lexicon.freeze()
        self._class_words.clear()
        self._breaks = frozenset(breaks)
        self._not_after = {w: frozenset(before) for w, before in not_after.items()}
        ids = [r.id for r in self._rules] + [m.id for m in self._modifiers]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate rule ids: {sorted(dupes)}")

    def _load_words(self, doc: Mapping[str, Any]) -> None:
        lang = str(doc["lang"])
        typo = set(doc.get("typo", ()))
        for name, patterns in (doc.get("words") or {}).items():
            self.lexicon.add(f"{lang}:{name}", patterns, typo=name in typo)
            self._class_words[f"{lang}:{name}"] = (list(patterns), name in typo)
        person = doc.get("person") or {}

        def cue(name: str) -> int:
            self._class_words[f"{lang}:@{name}"] = (list(person.get(name, ())), False)
            return 1 << self.lexicon.add(f"{lang}:@{name}", person.get(name, ()))

        suffix = doc.get("person_suffix") or {}
        self._pending_suffix[lang] = list(suffix.get("classes", ()))
        self._langs[lang] = _Lang(
            code=lang,
            neg=1 << self.lexicon.tag(f"{lang}:NEG"),
            self_cue=cue("self"),
            other_cue=cue("other"),
            generic_cue=cue("generic"),
            reflexive_self=cue("reflexive_self"),
            reflexive_other=cue("reflexive_other"),
            suffix_self=tuple(fold(s) for s in suffix.get("self", ())),
            suffix_other=tuple(fold(s) for s in suffix.get("other", ())),
            suffix_tags=0,
            object_self=cue("object_self"),
            object_other=cue("object_other"),
            possessive_self=tuple(fold(s) for s in suffix.get("possessive_self", ())),
            possessive_other=tuple(fold(s) for s in suffix.get("possessive_other", ())),
            report=cue("report"),
            passive=cue("passive"),
            complementizer=cue("complementizer"),
            agent=cue("agent"),
        )

    def _patterns(self, lang: str, raw: Any, where: str) -> tuple[_Pattern, ...]:
        seqs = [raw] if isinstance(raw, str) else list(raw)
        return tuple(self._pattern(lang, seq, where) for seq in seqs)

    def _pattern(self, lang: str, seq: str, where: str) -> _Pattern:
        slots: list[_Slot] = []
        gap = _DEFAULT_GAP
        window, elements = _window(seq.split())
        for element in elements:
            if m := _ELEMENT.match(element):
                gap = int(m.group(1))
                continue
            if element == "$":
                if not slots:
                    raise ValueError(f"{where}: '$' cannot start a pattern: {seq!r}")
                slots.append(_Slot(0, frozenset(), False, gap, at_end=True))
                continue
            optional = element.endswith("?")
            element = element.rstrip("?")
            tags = self._slot_tags(lang, element, where, seq)
            slots.append(_Slot(_mask(tags), frozenset(tags), optional, gap if slots else 0))
            gap = _DEFAULT_GAP
        while slots and slots[-1].optional:
            slots.pop()  # a trailing optional word changes nothing about a match
        required = [s for s in slots if not s.optional and not s.at_end]
        if not slots or slots[0].optional:
            raise ValueError(f"{where}: a pattern starts with a required word: {seq!r}")
        # index on the rarest-looking required slot: not a common class (pronouns, negation,
        # "want"), then the fewest alternatives
        sizes = self.lexicon.sizes
        key = min(
            required,
            key=lambda s: (bool(s.ids & self._common), sum(sizes.get(t, 1) for t in s.ids)),
        )
        if window and (len(required) != len(slots) or len(slots) < 2):
            raise ValueError(f"{where}: an '&' pattern has two or more plain words: {seq!r}")
        need = _mask(t for s in required for t in s.ids)
        return _Pattern(tuple(slots), key.ids, need, window)

    def _slot_tags(self, lang: str, element: str, where: str, seq: str) -> set[int]:
        """The tag of one slot of the pattern seq ("A|b|c", "CLASS", "word")."""
        alts = element.split("|")
        if not all(alts) or "$" in alts:
            raise ValueError(f"{where}: empty alternative or '$' among words in {seq!r}")
        for alt in alts:
            if (alt.isupper() or alt.startswith("@")) and f"{lang}:{alt}" not in self.lexicon._ids:
                raise ValueError(f"{where}: unknown word class {alt} in {seq!r}")
        self._note_heat(lang, alts)
        if len(alts) > 1:
            return {self._alternatives(lang, element)}
        if alts[0].isupper() or alts[0].startswith("@"):
            return {self.lexicon.tag(f"{lang}:{alts[0]}")}
        tag = self.lexicon.add(f"{lang}:={fold(alts[0])}", alts)
        if fold(alts[0]).rstrip("*") in self._common_words.get(lang, ()):
            self._common.add(tag)
        return {tag}

    def _alternatives(self, lang: str, element: str) -> int:
        """One tag for "A|b|c": the words of all alternatives (a word then needs one lookup)."""
        name = f"{lang}:#{element}"
        if name not in self._filled:
            self._filled.add(name)
            common = False
            for alt in element.split("|"):
                if alt.isupper() or alt.startswith("@"):
                    words, typo = self._class_words[f"{lang}:{alt}"]
                    self.lexicon.add(name, words, typo=typo)
                    common = common or self.lexicon.tag(f"{lang}:{alt}") in self._common
                else:
                    self.lexicon.add(name, [alt])
                    common = common or fold(alt).rstrip("*") in self._common_words.get(lang, ())
            if common:
                self._common.add(self.lexicon.tag(name))
        return self.lexicon.tag(name)

    def _rule(self, lang: str, raw: Mapping[str, Any]) -> _Rule:
        rid = f"{lang}.{raw['id']}"
        kind, tier, about = raw["kind"], raw.get("tier", "clear"), raw.get("about", "auto")
        if kind not in KINDS or tier not in TIERS or about not in ABOUTS:
            raise ValueError(f"{rid}: bad kind/tier/about")
        return _Rule(
            id=rid,
            lang=lang,
            kind=kind,
            tier=tier,
            about=about,
            negatable=_flag(raw.get("neg", True)),
            plan=_flag(raw.get("plan", False)),
            firm=_flag(raw.get("firm", False)),
            weak=_flag(raw.get("weak", False)),
            priority=int(raw.get("priority", 0)),
            anchor_last=raw.get("anchor") == "last",
            patterns=self._patterns(lang, raw["seq"], rid),
        )

    def _cool_key(self, pattern: _Pattern) -> _Pattern:
        """A modifier's pattern looked for by its least frequent slot ("nowadays" rather than
        "i"): modifiers have no plain-pattern gate."""
        heat = self._heat
        sizes = self.lexicon.sizes

        def rank(ids: frozenset[int]) -> tuple[bool, float, int]:
            return (
                bool(ids & self._common),
                max(heat.get(t, 0.0) for t in ids),
                sum(sizes.get(t, 1) for t in ids),
            )

        slots = [s.ids for s in pattern.slots if s.ids and not s.optional]
        return replace(pattern, key_ids=min(slots, key=rank))

    def _modifier(self, lang: str, raw: Mapping[str, Any]) -> _Modifier:
        mid = f"{lang}.{raw['id']}"
        effect, scope = raw["effect"], raw.get("scope", "span")
        if effect not in EFFECTS or scope not in SCOPES:
            raise ValueError(f"{mid}: bad effect/scope")
        if scope == "message" and effect not in MESSAGE_EFFECTS:
            raise ValueError(f"{mid}: bad effect/scope")
        kinds = frozenset(raw.get("kinds", KINDS))
        patterns = tuple(self._cool_key(p) for p in self._patterns(lang, raw["seq"], mid))
        rules = frozenset(raw.get("rules", ()))
        any_lang = _flag(raw.get("any_lang", False))
        return _Modifier(mid, lang, effect, scope, kinds, rules, any_lang, patterns)


def _window(elements: list[str]) -> tuple[int, list[str]]:
    """An "&" pattern's window and its other elements ("& ~8 A B C": A, B and C in any order
    within 8 words); 0 and the elements for an ordered pattern."""
    if not elements or elements[0] != "&":
        return 0, elements
    elements = elements[1:]
    if elements and (m := _ELEMENT.match(elements[0])):
        return int(m.group(1)), elements[1:]
    return 8, elements
