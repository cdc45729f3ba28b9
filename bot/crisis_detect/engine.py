"""The crisis detector: word classes, rules over clauses, modifiers that lower or raise a match."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import reduce
from itertools import chain
from operator import itemgetter, or_
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.lexicon import Lexicon
from bot.crisis_detect.net import MIN_WORDS, StatNet
from bot.crisis_detect.text import fold, sentences

RULES_DIR = Path(__file__).parent / "rules"
# the most frequent words of the training texts (written by train.py): never a rule's index
FREQUENT_FILE = Path(__file__).parent / "frequent.txt"
TIERS = ("gentle", "clear", "urgent")
KINDS = ("suicide", "selfharm", "violence", "recruitment", "danger", "distress")
EFFECTS = (
    "drop",
    "gentle",
    "demote",
    "urgent",
    "calm",
    "other",
    "past",
    "recovered",
    "hypothetical",
    "real",
)
MESSAGE_EFFECTS = ("drop", "urgent", "recovered")
# span: overlaps the match; before: starts before it in the clause; clause, sentence: anywhere
# there; message: anywhere in the message (effects urgent and recovered only)
SCOPES = ("span", "clause", "sentence", "before", "message")
# auto: the person words near the match; victim: the object ("kills me"/"hits her"), else who is
# named before; target: the object, else the writer
# object: the object, else as auto
ABOUTS = ("self", "other", "auto", "victim", "target", "object")
_RANK = {tier: rank for rank, tier in enumerate(TIERS, start=1)}
_DEFAULT_GAP = 2
_CUE_WINDOW = 7  # words before a match searched for who it is about
_NEG_BEFORE = 3  # words before a match (not across a comma) where a negation word cancels it


@dataclass(frozen=True, slots=True)
class Finding:
    """What the detector found: how serious, about whom, what kind, which rule, which language."""

    tier: str  # "gentle" | "clear" | "urgent"
    about: str  # "self" | "other"
    kind: str  # "suicide" | "selfharm" | "violence" | "recruitment" | "danger" | "distress"
    rule: str  # id of the rule that decided ("en.want_die"), never the person's text
    lang: str  # language of that rule


@dataclass(frozen=True, slots=True)
class _Slot:
    tags: int  # bit mask of the slot's tag (one tag; see _alternatives)
    ids: frozenset[int]
    optional: bool
    gap: int  # most words allowed between this slot and the previous matched one
    at_end: bool = False  # "$": the clause ends here


@dataclass(frozen=True, slots=True)
class _Pattern:
    slots: tuple[_Slot, ...]
    key_ids: frozenset[int]  # tags of the slot that indexes the pattern
    need: int  # bit mask, the tag of every required slot: all must be in a clause to match
    window: int = 0  # > 0: the slots in any order, all within this many words ("&" patterns)


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    lang: str
    kind: str
    tier: str
    about: str  # one of ABOUTS
    negatable: bool
    plan: bool
    firm: bool  # a first-person statement: word-level modifiers (topic, idiom) leave it alone
    weak: bool  # a hint only: counts when a second hint or a message-wide modifier backs it
    priority: int  # breaks ties between findings of the same tier
    # who it is about is read before the last matched word ("my friend ... suicidal")
    anchor_last: bool
    patterns: tuple[_Pattern, ...]


@dataclass(frozen=True, slots=True)
class _Modifier:
    id: str
    lang: str
    effect: str
    scope: str
    kinds: frozenset[str]
    rules: frozenset[str]  # when given, only these rules are touched
    any_lang: bool  # also lowers or raises rules of the other languages
    patterns: tuple[_Pattern, ...]


@dataclass(frozen=True, slots=True)
class _Lang:
    code: str
    neg: int  # these are bit masks of tags
    self_cue: int
    other_cue: int
    generic_cue: int
    reflexive_self: int
    reflexive_other: int
    suffix_self: tuple[str, ...]
    suffix_other: tuple[str, ...]
    suffix_tags: int  # word classes whose endings tell the person (Finnish verbs)
    object_self: int
    object_other: int
    possessive_self: tuple[str, ...]
    possessive_other: tuple[str, ...]
    report: int  # "said", "wrote", "sanoi", "skrev": what follows may be a quote
    passive: int  # "uhkaillaan" (is threatened): the person named before is the victim
    complementizer: int  # "that", "että", "att": indirect speech, the pronouns are the writer's
    agent: int  # "by", "av": who did it to the object follows


_ELEMENT = re.compile(r"^~(\d+)$")
# a word: its tags (bit mask), and its key tags as numbers: of rules, of modifiers, of
# message-wide modifiers
_WordKeys = tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]
_TAGS, _RULE_KEYS, _MSG_KEYS = itemgetter(0), itemgetter(1), itemgetter(3)


def _flag(value: Any) -> bool:
    """A rule's yes/no setting (the rule files read true/false as words, see _WordLoader)."""
    if isinstance(value, str):
        if value.lower() not in ("true", "false", "yes", "no"):
            raise ValueError(f"not a yes/no value: {value!r}")
        return value.lower() in ("true", "yes")
    return bool(value)


class _WordLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when there
    """YAML without yes/no/on/off booleans: in word lists they are words ("on", "no")."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _KeyCache(dict):
    """Words seen so far with their tags and key tags; a new word is looked up and kept."""

    def __init__(self, lookup) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, word: str) -> _WordKeys:
        found = self[word] = self._lookup(word)
        return found


class CrisisDetector:
    """Scans free text for crisis signals in English, Finnish and Swedish, all rules on every text."""

    def __init__(
        self,
        documents: Iterable[Mapping[str, Any]],
        net: StatNet | None = None,
        frequent: Sequence[str] = (),
    ) -> None:
        self.lexicon = Lexicon()
        self.net = net  # the statistical net under the rules (net.py), if any
        self._langs: dict[str, _Lang] = {}
        self._rules: list[_Rule] = []
        self._modifiers: list[_Modifier] = []
        docs = list(documents)
        self._pending_suffix: dict[str, list[str]] = {}
        self._class_words: dict[str, tuple[list[str], bool]] = {}
        # how frequent a slot's most frequent word is, by tag number (0: not frequent at all)
        self._heat: dict[int, float] = {}
        self._rank = {fold(w): i for i, w in enumerate(frequent)}
        self._filled: set[str] = set()  # alternative tags whose words are in the lexicon
        self._number_tags(docs)
        for doc in docs:
            self._load_words(doc)
        for lang, names in self._pending_suffix.items():
            mask = _mask(self.lexicon.tag(f"{lang}:{n}") for n in names)
            self._langs[lang] = replace(self._langs[lang], suffix_tags=mask)
        self._load_common(docs, frequent)
        self._load_rules(docs)
        self._build_indexes()

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
        self._mod_keys = _mask(self._mod_index)
        # the modifiers a rule of each language reads (its own and any_lang ones), index order
        self._mod_index_lang = {
            lang: {
                tag: [(m, p) for m, p in pairs if m.lang == lang or m.any_lang]
                for tag, pairs in self._mod_index.items()
            }
            for lang in {r.lang for r in self._rules}
        }
        # rules by the tags that bring them up: the indexed slot, or a plain pattern's gate;
        # with the bit mask of the tags a clause needs for the pattern
        self._candidates: dict[int, list[tuple[int, _Rule, _Pattern]]] = {}
        for index in (self._rule_index, self._plain_index):
            for tag, pairs in index.items():
                self._candidates.setdefault(tag, []).extend((p.need, r, p) for r, p in pairs)
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

    # ----------------------------------------------------------------- loading

    @classmethod
    def default(cls, net: bool = True) -> CrisisDetector:
        """The detector with the rules shipped in this package (en, fi, sv) and, unless net is
        False, the statistical net stored with them."""
        docs = []
        for path in sorted(RULES_DIR.glob("*.yaml")):
            docs.append(yaml.load(path.read_text(encoding="utf-8"), Loader=_WordLoader))
        frequent = (
            FREQUENT_FILE.read_text(encoding="utf-8").split() if FREQUENT_FILE.exists() else []
        )
        return cls(docs, StatNet.load() if net else None, frequent)

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

    # ---------------------------------------------------------------- scanning

    def scan(self, text: str) -> Finding | None:
        """The most serious signal in the text (judged clause by clause), or None."""
        if not text:
            return None
        best, where, all_words, all_tags = self.scan_rules(text)
        net = self.net
        if net is None or (best is not None and best.tier != "gentle"):
            return best
        if best is not None:
            # a gentle rule finding in a sentence that reads clearly like the look-alikes (a
            # sentence of a word or three says too little to the net: "självmordstankar")
            sentence = all_words[where : where + 1]
            if len(sentence[0]) >= MIN_WORDS and net.score(sentence) < net.veto:
                return None
            return best
        if where == -2 or sum(map(len, all_words)) < MIN_WORDS:
            return None  # rules matched and judged it a look-alike (or negated): they know better
        score, first, last = net.best(all_words)
        if score < net.net or self._look_alike(all_tags[first : last + 1]):
            return None
        return self._net_finding(all_words, all_tags[first : last + 1])

    def _look_alike(self, window: list[tuple[list[int], list[_WordKeys]]]) -> bool:
        """Whether the sentences the net scored hold an idiom the rules know (a modifier named
        *idiom* that drops findings: words used literally or figuratively, "the bread knife is
        in the drawer", "cut my hair"): the net keeps quiet there too. Broader look-alikes (games,
        fiction, jokes) are left to the net: in dev they silenced real crises."""
        for tags, infos in window:
            for mod, _, _ in self._modifier_hits(tags, infos, 0, len(tags)):
                if mod.effect == "drop" and "idiom" in mod.id and not mod.rules:
                    return True
        return False

    def scan_rules(
        self, text: str
    ) -> tuple[Finding | None, int, list[list[str]], list[tuple[list[int], list[_WordKeys]]]]:
        """The rules' finding (or None), the number of its sentence (-1 when nothing matched,
        -2 when rules matched but negation or a modifier dropped them all), and the text's words
        and word classes per sentence."""
        found: list[tuple[Finding, bool, int]] = []  # finding, about the past?, word position
        all_tags: list[tuple[list[int], list[_WordKeys]]] = []
        all_words: list[list[str]] = []
        starts: list[int] = []
        dropped = [False]
        position = 0
        word_of = self._words.__getitem__
        for words, commas, quotes in sentences(text):
            starts.append(position)
            infos = list(map(word_of, words))
            tags = list(map(_TAGS, infos))
            all_words.append(words)
            all_tags.append((tags, infos))
            if any(map(_RULE_KEYS, infos)):
                marks = (commas, quotes)
                for finding, past, start in self._sentence(words, tags, infos, marks, dropped):
                    found.append((finding, past, position + start))
            position += len(words)
        if found and self._msg_index:
            found = self._message_wide(found, all_tags)
            if not found:
                dropped[0] = True  # a message-wide modifier judged them all away
        if found and self._weak:
            # a hint alone is not a judgement: the net may still ask ("giving my stuff away")
            found = self._backed(found)
        best: Finding | None = None
        best_rank = (0, 0, 0, 0)
        priority, order = self._priority, self._order
        for finding, _, where in found:
            # then the earlier place, then the rule written first (specific before broad)
            rank = (_RANK[finding.tier], priority[finding.rule], -where, -order[finding.rule])
            if rank > best_rank:
                best, best_rank = finding, rank
        if best is not None:
            sentence = bisect_right(starts, -best_rank[2]) - 1
        else:
            sentence = -2 if dropped[0] else -1
        return best, sentence, all_words, all_tags

    def clear_cache(self) -> None:
        """Forgets the words seen so far (for measuring a cold scan)."""
        self.lexicon.clear_cache()
        self._words.clear()
        if self.net is not None:
            self.net.clear_cache()

    def _word_of(self, word: str) -> _WordKeys:
        """A word's tags and its key tags as numbers (the cache calls this for a word not seen
        yet)."""
        all_tags = self.lexicon.tags(word)
        tags = all_tags & self._all_keys
        if len(self._words) >= 20_000:
            self._words.clear()
        if not tags:
            return all_tags, (), (), ()  # most words
        return (
            all_tags,
            tuple(_bits(tags & self._cand_keys)),
            tuple(_bits(tags & self._mod_keys)),
            tuple(_bits(tags & self._msg_keys)),
        )

    def _net_finding(
        self, all_words: list[list[str]], window: list[tuple[list[int], list[_WordKeys]]]
    ) -> Finding:
        """The net's gentle finding: about whom by the person words where it scored highest,
        in the language most of the text's common words belong to."""
        about = "self"
        other, self_ = self._any_other, self._any_self
        for tags, _ in window:
            for i, t in enumerate(tags):
                if t & other:
                    about = "other"
                    break
                if t & self_ and not (i + 1 < len(tags) and tags[i + 1] & other):
                    break  # "I ..." (but "my friend ...")
            else:
                continue
            break
        counts = {lang: 0 for lang in self._common_words}
        for words in all_words:
            for word in words:
                for lang, common in self._common_words.items():
                    if word in common:
                        counts[lang] += 1
        lang = max(counts, key=lambda k: counts[k]) if counts else "en"
        return Finding("gentle", about, "distress", "net.gentle", lang)

    def _backed(self, found: list[tuple[Finding, bool, int]]) -> list[tuple[Finding, bool, int]]:
        """Hints (weak rules) count only together: two of them at different places in the
        message ("I have made my decision" + "none of this was your fault"), or one raised to
        urgent by a message-wide modifier ("... and now her phone is off")."""
        weak = self._weak
        places = {where for f, _, where in found if f.rule in weak}
        if not places:
            return found
        out = []
        for finding, past, where in found:
            if finding.rule in weak and len(places) < 2:
                if finding.tier != "urgent" or self._tier[finding.rule] == "urgent":
                    continue
            out.append((finding, past, where))
        return out

    def _message_wide(
        self,
        found: list[tuple[Finding, bool, int]],
        all_tags: list[tuple[list[int], list[_WordKeys]]],
    ) -> list[tuple[Finding, bool, int]]:
        """Modifiers that look at the whole message: "now she does not answer" makes a farewell
        urgent; "now I am fine" after "I used to ..." drops what was said about the past."""
        # only modifiers that would change one of the findings are looked for (what they do
        # does not depend on their order: any drop drops, any urgent raises)
        wanted = {
            id(mod)
            for mod in self._msg_mods
            if any(_changes(mod, finding, past) for finding, past, _ in found)
        }
        hits = []
        if wanted:
            for tags, infos in all_tags:
                if any(map(_MSG_KEYS, infos)):
                    hits.extend(
                        self._modifier_hits(tags, infos, 0, len(tags), message=True, only=wanted)
                    )
        out = []
        for finding, past, where in found:
            for mod, _, _ in hits:
                if mod.lang != finding.lang and not mod.any_lang:
                    continue
                if finding.kind not in mod.kinds or (mod.rules and finding.rule not in mod.rules):
                    continue
                if mod.effect == "recovered" and past or mod.effect == "drop":
                    break
                if mod.effect == "urgent":
                    finding = replace(finding, tier="urgent")
            else:
                out.append((finding, past, where))
        return out

    def _sentence(
        self,
        words: list[str],
        tags: list[int],
        infos: list[_WordKeys],
        marks: tuple[frozenset[int], frozenset[int]],
        dropped: list[bool],
    ) -> list[tuple[Finding, bool, int]]:
        """Findings of one sentence, clause by clause (each with: was it about the past, where);
        dropped[0] becomes True when a rule matched and was judged away."""
        # modifiers are looked for once a rule of their language matched (and any_lang ones)
        mods: dict[str, list[tuple[_Modifier, int, int]]] = {}
        findings = []
        index = self._candidates
        if self._breaks.isdisjoint(words):
            clauses = [(0, len(words))]  # most sentences (as _clauses, without the call)
        else:
            clauses = self._clauses(words)
        whole: int | None = None  # the sentence's tags, when it is one clause
        for start, end in clauses:
            # the same set, built in the same order, as updating it word by word
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos[start:end])))
            if not keys:
                continue
            present = reduce(or_, tags[start:end], 0)
            if len(clauses) == 1:
                whole = present
            # each pattern is indexed under one tag, so none is met twice here
            candidates = [
                (rule, pattern)
                for tag in keys
                for need, rule, pattern in index[tag]
                if need & present == need
            ]
            for rule, pattern in candidates:
                for span in _matches(pattern, tags, start, end):
                    lang_mods = mods.get(rule.lang)
                    if lang_mods is None:
                        lang_mods = mods[rule.lang] = self._modifier_hits(
                            tags, infos, 0, len(tags), lang=rule.lang, present=whole
                        )
                    clause_mods = [
                        m for m in lang_mods if m[0].scope == "sentence" or start <= m[1] < end
                    ]
                    found = self._judge(rule, span, words, tags, marks, start, clause_mods)
                    if found is not None:
                        findings.append((found[0], found[1], span[0]))
                    else:
                        dropped[0] = True
        return findings

    def explain(self, text: str) -> list[str]:
        """Every rule match and modifier in the text, for writing and checking rules."""
        lines = []
        for words, commas, quotes in sentences(text):
            tags = [self.lexicon.tags(w) for w in words]
            infos = [self._words[w] for w in words]
            lines.append(" ".join(words))
            for mod, first, last in self._modifier_hits(tags, infos, 0, len(tags)):
                lines.append(
                    f"  modifier {mod.id} {mod.effect}/{mod.scope}: {words[first : last + 1]}"
                )
            for start, end in self._clauses(words):
                for rule in self._rules:
                    for pattern in rule.patterns:
                        for span in _matches(pattern, tags, start, end):
                            mods = self._modifier_hits(tags, infos, 0, len(tags))
                            mods = [
                                m for m in mods if m[0].scope == "sentence" or start <= m[1] < end
                            ]
                            marks = (commas, quotes)
                            found = self._judge(rule, span, words, tags, marks, start, mods)
                            lines.append(f"  rule {rule.id}: {[words[i] for i in span]} -> {found}")
        return lines

    def _clauses(self, words: list[str]) -> list[tuple[int, int]]:
        """Clause bounds: a break word ("but", "mutta", "men") starts a new clause."""
        breaks = self._breaks
        if breaks.isdisjoint(words):
            return [(0, len(words))]
        bounds, start = [], 0
        not_after = self._not_after
        for i, word in enumerate(words):
            if i > start and word in breaks and words[i - 1] not in not_after.get(word, ()):
                bounds.append((start, i))
                start = i
        bounds.append((start, len(words)))
        return bounds

    def _modifier_hits(
        self,
        tags: list[int],
        infos: list[_WordKeys],
        start: int,
        end: int,
        message: bool = False,
        lang: str | None = None,
        present: int | None = None,
        only: set[int] | None = None,
    ) -> list[tuple[_Modifier, int, int]]:
        """(modifier, first, last) for every modifier (message-wide ones if message; of one
        language and those for any language if lang; if only, those whose id() is in it) found
        in the words; present, when given, is the bit mask of the words' tags."""
        hits: list[tuple[_Modifier, int, int]] = []
        if message:
            index, which = self._msg_index, 3
        elif lang is not None and lang in self._mod_index_lang:
            index, which, lang = self._mod_index_lang[lang], 2, None  # filtered already
        else:
            index, which = self._mod_index, 2
        keys = set(chain.from_iterable(map(itemgetter(which), infos[start:end])))
        if not keys:
            return hits
        if present is None:
            present = reduce(or_, tags[start:end], 0)
        # each pattern is in the index once (under one tag), so none is met twice here
        for tag in keys:
            for mod, pattern in index[tag]:
                if lang is not None and mod.lang != lang and not mod.any_lang:
                    continue
                if only is not None and id(mod) not in only:
                    continue
                if pattern.need & present != pattern.need:
                    continue
                for span in _matches(pattern, tags, start, end):
                    hits.append((mod, span[0], span[-1]))
        return hits

    def _judge(
        self,
        rule: _Rule,
        span: list[int],
        words: list[str],
        tags: list[int],
        marks: tuple[frozenset[int], frozenset[int]],
        clause_start: int,
        mods: list[tuple[_Modifier, int, int]],
    ) -> tuple[Finding, bool] | None:
        commas, quotes = marks
        lang = self._langs[rule.lang]
        first, last = span[0], span[-1]
        if rule.negatable and self._negated(lang, span, tags, clause_start, commas):
            return None
        about = self._who(rule, lang, span, words, tags, clause_start, quotes)
        # what the modifiers do does not depend on their order: any drop drops, and so on
        effects = _effects(rule, first, last, mods)
        if "drop" in effects:
            return None
        if "hypothetical" in effects and "real" not in effects:
            return None  # "how do I help someone who ...": dropped unless a real person is named
        generic = about == "generic"
        if generic or "other" in effects:
            about = "other"
        rank = 3 if "urgent" in effects and rule.plan else _RANK[rule.tier]
        # "someone wants to die": nobody in particular, as in training texts; ask gently
        cap = 1 if generic or "gentle" in effects or "past" in effects else 3
        if "calm" in effects:
            cap = min(cap, 2)  # "yesterday": not happening now
        rank = min(rank - ("demote" in effects), cap)
        if rank < 1:
            return None
        return Finding(TIERS[rank - 1], about, rule.kind, rule.id, rule.lang), "past" in effects

    def _negated(
        self,
        lang: _Lang,
        span: list[int],
        tags: list[int],
        clause_start: int,
        commas: frozenset[int],
    ) -> bool:
        """Whether a negation word stands in the match or just before it (not across a comma)."""
        first, last = span[0], span[-1]
        persons = self._persons[lang.code]
        lo = first
        while lo > clause_start and first - lo < _NEG_BEFORE and lo not in commas:
            if tags[lo - 1] & lang.complementizer and tags[lo] & persons:
                # "she doesn't know that I cut myself": the negation is the main clause's
                # (but "no thoughts of hurting myself" reads on); "ettei" (that not) is both
                lo -= 1 if tags[lo - 1] & lang.neg else 0
                break
            lo -= 1
        matched = set(span)
        for i in range(lo, last + 1):
            if i not in matched and tags[i] & lang.neg:
                return True
        return False

    def _who(
        self,
        rule: _Rule,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        quotes: frozenset[int],
    ) -> str:
        """Who a rule's match is about, as the rule says to read it ("generic": nobody named)."""
        about = rule.about
        if about == "self":
            if rule.kind in ("suicide", "selfharm", "distress") and self._reported(
                lang, span[0], tags, clause_start, quotes
            ):
                return "other"  # "my friend texted 'thank you for everything, goodbye'"
            return "self"
        if about == "auto":
            return self._about(
                lang, span[-1:] if rule.anchor_last else span, words, tags, clause_start, quotes
            )
        if about == "object":
            return self._object(lang, span, tags) or self._about(
                lang, span, words, tags, clause_start, quotes
            )
        if about in ("victim", "target"):
            return self._victim(lang, span, words, tags, clause_start, about == "target")
        return about

    def _about(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        quotes: frozenset[int] = frozenset(),
    ) -> str:
        """Who a match is about: reflexive words, then the nearest person word, then verb endings;
        "my friend wrote 'I want to die'" is about the friend."""
        who = self._person(lang, span, words, tags, clause_start)
        if who == "self" and self._reported(lang, span[0], tags, clause_start, quotes):
            return "other"
        return who

    def _reported(
        self, lang: _Lang, first: int, tags: list[int], start: int, quotes: frozenset[int]
    ) -> bool:
        """True when the words come after "<someone else> said/wrote/texted" (a quotation, or
        no "that" between: "they say that I must ..." is about the writer). The frame may be in
        another language than the quoted words ("she wrote 'jag vill dö'")."""
        report, other, self_ = self._any_report, self._any_other, self._any_self
        quoted = False
        first_person = False  # "they said I'd be a soldier": without quotes, I is the writer
        for i in range(first, max(start, first - 12) - 1, -1):
            if i in quotes:
                quoted = True
            if tags[i] & self_ and not tags[i] & report:
                first_person = True
            if i == first:
                continue
            if tags[i] & lang.complementizer and not quoted and first_person:
                return False  # "they say that I must ...": about the writer
            if tags[i] & report and first_person and not quoted:
                return False
            if tags[i] & report:
                for j in range(i - 1, max(start, i - 6) - 1, -1):
                    if tags[j] & other:
                        return True
                    if tags[j] & self_ and j == i - 1:
                        return False  # "I said ..."; but "my group posted", "sent me a message"
        return False

    def _person(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
    ) -> str:
        first, last = span[0], span[-1]
        inside = range(first, last + 1)
        return (
            _first_of(tags, inside, (lang.reflexive_self, "self"), (lang.reflexive_other, "other"))
            or _subject(lang, tags[first])
            or _person_before(lang, words, tags, first, clause_start)
            or (_suffix_person(lang, words[first]) if tags[first] & lang.suffix_tags else None)
            or _first_of(tags, inside, (lang.self_cue, "self"), (lang.other_cue, "other"))
            # nothing near: the nearest person in the clause ("he has started saying that ...")
            or _first_of(
                tags,
                range(first - _CUE_WINDOW - 1, clause_start - 1, -1),
                (lang.other_cue, "other"),
                (lang.self_cue, "self"),
            )
            or _possessive(lang, words, tags, first, last)
            or "self"
        )

    def _object(self, lang: _Lang, span: list[int], tags: list[int]) -> str | None:
        """Who the object of the matched words is ("recruit me", "recruiting her"), if said."""
        for i in range(span[0], min(span[-1] + 4, len(tags))):
            if tags[i] & lang.agent:
                break  # "invited by people from the forum": they are not the object
            if tags[i] & lang.object_self:
                return "self"
            if tags[i] & lang.object_other:
                return "other"
        for i in range(span[0] - 1, max(0, span[0] - 3) - 1, -1):
            # "saada mut lähtemään": the object before an infinitive
            if tags[i] & lang.object_self:
                return "self"
            if tags[i] & lang.object_other:
                return "other"
        return None

    def _victim(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        writer_default: bool = False,
    ) -> str:
        """Who is in danger: the object ("me", "minut", "henne"), else "my husband ..." means me."""
        first, last = span[0], span[-1]
        positions = range(first, min(last + 4, len(tags)))
        found = _first_of(tags, positions, (lang.object_self, "self"), (lang.object_other, "other"))
        if found is not None:
            return found
        if writer_default:
            return "self"
        passive = any(tags[i] & lang.passive for i in range(first, last + 1))
        lo = max(clause_start, first - _CUE_WINDOW)
        if passive:  # "mun kaveria uhkaillaan": the one named is the one threatened
            positions = range(last, lo - 1, -1)
            found = _first_of(tags, positions, (lang.other_cue, "other"), (lang.self_cue, "self"))
            if found is not None:
                return found
        return self._named_victim(lang, words, tags, first, lo, passive)

    def _named_victim(
        self, lang: _Lang, words: list[str], tags: list[int], first: int, lo: int, passive: bool
    ) -> str:
        """Who is in danger by the person named before the match (the writer if nobody)."""
        for i in range(first, lo - 1, -1):
            t = tags[i]
            if t & lang.self_cue:
                return "self"
            if t & lang.other_cue:
                if passive:
                    return "other"  # "mun kaveria uhkaillaan": my friend is the one threatened
                if i > 0 and tags[i - 1] & lang.self_cue:
                    return "self"  # "my husband threatens ..." is about the writer
                if lang.possessive_self and words[i].endswith(lang.possessive_self):
                    return "self"  # Finnish "mieheni" (my husband)
                return "other"
        return "self"


def _effects(
    rule: _Rule, first: int, last: int, mods: list[tuple[_Modifier, int, int]]
) -> set[str]:
    """The effects of the modifiers (found at m_first..m_last) that touch a rule's match at
    first..last."""
    effects = set()
    for mod, m_first, m_last in mods:
        # a modifier reads its own language ("manga" is a comic in English, "many" in Swedish)
        if mod.lang != rule.lang and not mod.any_lang:
            continue
        if rule.kind not in mod.kinds or (mod.rules and rule.id not in mod.rules):
            continue
        if mod.scope == "span" and (m_last < first or m_first > last or rule.firm):
            continue
        if mod.scope == "before" and m_first >= first:
            continue
        effects.add(mod.effect)
    return effects


def _subject(lang: _Lang, head: int) -> str | None:
    """The person when a match starts with its subject ("I should just die")."""
    if head & lang.self_cue and not head & lang.object_self:
        return "self"
    if head & lang.other_cue and not head & lang.object_other:
        return "other"
    return None


def _suffix_person(lang: _Lang, word: str) -> str | None:
    """The person a verb's ending tells (Finnish "ajattelin": I)."""
    if word.endswith(lang.suffix_self):
        return "self"
    if word.endswith(lang.suffix_other):
        return "other"
    return None


def _person_before(
    lang: _Lang, words: list[str], tags: list[int], first: int, clause_start: int
) -> str | None:
    """The nearest person word in the few words before a match ("generic": "someone")."""
    for i in range(first - 1, max(clause_start, first - _CUE_WINDOW) - 1, -1):
        t = tags[i]
        if t & lang.object_self and not t & lang.reflexive_self:
            continue  # "he showed me a photo": me is not who it is about
        if t & lang.self_cue:
            return "self"
        if t & lang.other_cue:
            return "other"
        if t & lang.generic_cue:
            return "generic"
        if i == first - 1 and t & lang.suffix_tags:
            # "ajattelin lopettaa": the verb before an infinitive tells the person
            found = _suffix_person(lang, words[i])
            if found is not None:
                return found
    return None


def _possessive(
    lang: _Lang, words: list[str], tags: list[int], first: int, last: int
) -> str | None:
    """ "other" when a Finnish possessive says the match is someone else's."""
    if not lang.possessive_other:
        return None
    after = last + 1
    if after < len(tags) and tags[after] & lang.other_cue and words[after].endswith("n"):
        return "other"  # "viiltoja osallistujan käsivarsissa" (the participant's)
    for i in range(first, last + 1):
        if len(words[i]) > 6 and words[i].endswith(lang.possessive_other):
            return "other"  # Finnish "elämänsä" (his/her life)
    return None


def _first_of(
    tags: list[int], positions: Iterable[int], a: tuple[int, str], b: tuple[int, str]
) -> str | None:
    """At the first of the positions whose word has a's tags or b's: a's name or b's (a's when
    both)."""
    for i in positions:
        if tags[i] & a[0]:
            return a[1]
        if tags[i] & b[0]:
            return b[1]
    return None


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


def _window(elements: list[str]) -> tuple[int, list[str]]:
    """An "&" pattern's window and its other elements ("& ~8 A B C": A, B and C in any order
    within 8 words); 0 and the elements for an ordered pattern."""
    if not elements or elements[0] != "&":
        return 0, elements
    elements = elements[1:]
    if elements and (m := _ELEMENT.match(elements[0])):
        return int(m.group(1)), elements[1:]
    return 8, elements


def _changes(mod: _Modifier, finding: Finding, past: bool) -> bool:
    """Whether a message-wide modifier found in the text would drop or raise the finding (as
    _message_wide applies them)."""
    if mod.lang != finding.lang and not mod.any_lang:
        return False
    if finding.kind not in mod.kinds or (mod.rules and finding.rule not in mod.rules):
        return False
    if mod.effect == "urgent":
        return finding.tier != "urgent"
    return mod.effect == "drop" or (mod.effect == "recovered" and past)


def _mask(tags: Iterable[int]) -> int:
    """The bit mask of some tag numbers."""
    mask = 0
    for tag in tags:
        mask |= 1 << tag
    return mask


def _bits(mask: int):
    """The tag numbers set in a bit mask."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _matches(pattern: _Pattern, tags: list[int], start: int, end: int) -> list[list[int]]:
    """Positions of the pattern's matched slots, one match per first position, left to right."""
    if pattern.window:
        return list(_unordered(pattern, tags, start, end))
    slots = pattern.slots
    n = len(slots)
    head = slots[0].tags
    out = []
    for i in range(start, end):
        if tags[i] & head:
            if n == 1:
                out.append([i])
                continue
            rest = _walk(slots, tags, end, 1, i, 0)
            if rest is not None:
                out.append([i, *rest])
    return out


def _walk(
    slots: tuple[_Slot, ...], tags: list[int], end: int, k: int, prev: int, budget: int
) -> list[int] | None:
    """Positions of slots k, k + 1, ... after the word at prev (budget: words an optional slot
    not found leaves to the next one), or None."""
    n = len(slots)
    if k == n:
        return []
    slot = slots[k]
    if slot.at_end:
        return [] if prev == end - 1 and k == n - 1 else None
    hi = min(end - 1, prev + 1 + max(slot.gap, budget))
    for i in range(prev + 1, hi + 1):
        if tags[i] & slot.tags:
            rest = _walk(slots, tags, end, k + 1, i, 0)
            if rest is not None:
                return [i, *rest]
    if slot.optional:
        return _walk(slots, tags, end, k + 1, prev, max(slot.gap, budget))
    return None


def _unordered(pattern: _Pattern, tags: list[int], start: int, end: int):
    """Matches of an "&" pattern: every slot somewhere within the window, in any order."""
    slots = pattern.slots
    window = pattern.window
    head = slots[0].tags
    for i in range(start, end):
        if not tags[i] & head:
            continue
        used = [i]
        lo, hi = max(start, i - window), min(end, i + window + 1)
        for slot in slots[1:]:
            near = [j for j in range(lo, hi) if j not in used and tags[j] & slot.tags]
            if not near:
                break
            used.append(min(near, key=lambda j: abs(j - i)))
        else:
            yield sorted(used)
