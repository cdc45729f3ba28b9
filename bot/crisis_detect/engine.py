"""The crisis detector: word classes, rules over clauses, modifiers that lower or raise a match."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.bound import _Bounds, _ScanState
from bot.crisis_detect.clauses import _ClauseScanner
from bot.crisis_detect.indexes import _Indexer
from bot.crisis_detect.judging import _Judge
from bot.crisis_detect.lexicon import Lexicon
from bot.crisis_detect.matching import _bits, _mask, _matches
from bot.crisis_detect.message import _MessageJudge
from bot.crisis_detect.model import (
    _RANK,
    _RULE_KEYS,
    _TAGS,
    ABOUTS,
    EFFECTS,
    KINDS,
    MESSAGE_EFFECTS,
    SCOPES,
    TIERS,
    Finding,
    _Lang,
    _Modifier,
    _Rule,
    _WordKeys,
)
from bot.crisis_detect.net import MIN_WORDS, URGENT_FILE, StatNet
from bot.crisis_detect.rules_load import _RuleLoader, _WordLoader
from bot.crisis_detect.stored import load_or_build
from bot.crisis_detect.text import fold, sentences

__all__ = [
    "ABOUTS",
    "EFFECTS",
    "FREQUENT_FILE",
    "KINDS",
    "MESSAGE_EFFECTS",
    "RULES_DIR",
    "SCOPES",
    "TIERS",
    "CrisisDetector",
    "Finding",
]

RULES_DIR = Path(__file__).parent / "rules"
# a clear finding of these kinds is the rules' alone: the net never drops it
_NEVER_VETOED = frozenset(("suicide", "selfharm"))
# the most frequent words of the training texts (written by train.py): never a rule's index
FREQUENT_FILE = Path(__file__).parent / "frequent.txt"


class CrisisDetector(_RuleLoader, _Indexer, _Judge, _MessageJudge, _ClauseScanner, _Bounds):
    """Scans free text for crisis signals in English, Finnish and Swedish, all rules on every text."""

    def __init__(
        self,
        documents: Iterable[Mapping[str, Any]],
        net: StatNet | None = None,
        frequent: Sequence[str] = (),
    ) -> None:
        self.lexicon = Lexicon()
        self.net = net  # the statistical net under the rules (net.py), if any
        self.urgent_net: StatNet | None = None  # raises a finding to urgent (net.py), if any
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

    # ----------------------------------------------------------------- loading

    @classmethod
    def default(cls, net: bool = True) -> CrisisDetector:
        """The detector with the rules shipped in this package (en, fi, sv) and, unless net is
        False, the statistical net stored with them (with the nets: kept built on disk, stored.py)."""
        if net:
            return load_or_build(cls._shipped)
        return cls._shipped(net=False)

    @classmethod
    def _shipped(cls, net: bool = True) -> CrisisDetector:
        """The detector built from the files of this package."""
        docs = []
        for path in sorted(RULES_DIR.glob("*.yaml")):
            docs.append(yaml.load(path.read_text(encoding="utf-8"), Loader=_WordLoader))
        frequent = (
            FREQUENT_FILE.read_text(encoding="utf-8").split() if FREQUENT_FILE.exists() else []
        )
        detector = cls(docs, StatNet.load() if net else None, frequent)
        if net:
            detector.urgent_net = StatNet.load(URGENT_FILE)
        return detector

    # ---------------------------------------------------------------- scanning

    def scan(self, text: str) -> Finding | None:
        """The most serious signal in the text (judged clause by clause), or None."""
        if not text:
            return None
        best, where, all_words, all_tags = self.scan_rules(text)
        net = self.net
        if net is not None and (best is None or best.tier != "urgent"):
            best = self._with_net(net, best, where, all_words, all_tags)
        urgent = self.urgent_net
        if best is not None and best.tier != "urgent" and urgent is not None:
            # immediacy as the urgency net reads it: the finding's sentence and its neighbours
            # (a finding of the net itself: the whole text)
            window = all_words[max(0, where - 1) : where + 2] if where >= 0 else all_words
            if urgent.score(window) >= urgent.net and not self._calm(best, where, all_tags):
                best = replace(best, tier="urgent")
        return best

    def _calm(
        self, finding: Finding, where: int, all_tags: list[tuple[list[int], list[_WordKeys]]]
    ) -> bool:
        """Whether the finding's sentence holds a "calm" modifier for it ("yesterday": not
        happening now), which the urgency net does not overrule."""
        if where < 0:
            return False
        tags, infos = all_tags[where]
        for mod, _, _ in self._modifier_hits(tags, infos, 0, len(tags), lang=finding.lang):
            if mod.effect == "calm" and finding.kind in mod.kinds:
                return True
        return False

    def _with_net(
        self,
        net: StatNet,
        best: Finding | None,
        where: int,
        all_words: list[list[str]],
        all_tags: list[tuple[list[int], list[_WordKeys]]],
    ) -> Finding | None:
        """The rules' finding as the statistical net judges it: a gentle one (or a clear one of
        violence or recruitment) in a sentence that reads clearly like the look-alikes is
        dropped; where no rule found anything, the net may ask gently."""
        if best is not None:
            # a sentence of a word or three says too little to the net: "självmordstankar"
            sentence = all_words[where : where + 1]
            if len(sentence[0]) < MIN_WORDS:
                return best
            if best.tier == "gentle":
                return None if net.score(sentence) < net.veto else best
            if best.kind in _NEVER_VETOED or net.clear_veto == -math.inf:
                return best
            return None if net.score(sentence) < net.clear_veto else best
        if sum(map(len, all_words)) < MIN_WORDS:
            return None
        # where rules matched and judged it a look-alike (or negated it) they mostly know
        # better: the net asks there only from a much higher score
        threshold = net.judged if where == -2 else net.net
        if threshold == math.inf:
            return None
        score, first, last = net.best(all_words)
        if score < threshold or self._look_alike(all_tags[first : last + 1]):
            return None
        return self._net_finding(all_words, all_tags[first : last + 1])

    def scan_rules(
        self, text: str
    ) -> tuple[Finding | None, int, list[list[str]], list[tuple[list[int], list[_WordKeys]]]]:
        """The rules' finding (or None), the number of its sentence (-1 when nothing matched,
        -2 when rules matched but negation or a modifier dropped them all), and the text's words
        and word classes per sentence."""
        all_tags: list[tuple[list[int], list[_WordKeys]]] = []
        all_words: list[list[str]] = []
        # the sentences with a rule's key tag (most have none): index, key tags, marks
        keyed: list[tuple[int, set[int], tuple[frozenset[int], frozenset[int]]]] = []
        if len(self._raising_words) >= 5_000:  # words of one scan stay till its end (bound.py)
            self._raising_words.clear()
            self._words.clear()
        word_of = self._words.__getitem__
        for words, commas, quotes in sentences(text):
            infos = list(map(word_of, words))
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos)))
            if keys:
                keyed.append((len(all_words), keys, (commas, quotes)))
            all_words.append(words)
            all_tags.append((list(map(_TAGS, infos)), infos))
        starts = list(accumulate(map(len, all_words), initial=0))
        state = self._scan_state(all_words, all_tags) if keyed else None
        found = self._judged(keyed, all_words, all_tags, starts, state) if state else []
        if found and self._msg_index:
            found = self._message_wide(found, all_tags)
            if not found:
                state.dropped = True  # a message-wide modifier judged them all away
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
            sentence = -2 if state is not None and state.dropped else -1
        return best, sentence, all_words, all_tags

    def _judged(
        self,
        keyed: list[tuple[int, set[int], tuple[frozenset[int], frozenset[int]]]],
        all_words: list[list[str]],
        all_tags: list[tuple[list[int], list[_WordKeys]]],
        starts: list[int],
        state: _ScanState,
    ) -> list[tuple[Finding, bool, int]]:
        """The findings of the sentences with a rule key tag (finding, about the past?, word
        position), in order. A sentence said again in the same message is judged once: its
        findings depend only on its words and marks ("I want to die. I want to die. ...")."""
        found: list[tuple[Finding, bool, int]] = []
        # a sentence judged, by its length and first and last words (a cheap key; the words
        # and marks are compared on a hit): its words, marks, findings, dropped after it
        judged: dict[tuple[int, str, str], tuple[list[str], tuple, list, bool]] = {}
        weak = self._weak
        for n, keys, marks in keyed:
            words = all_words[n]
            position = state.offset = starts[n]
            key = (len(words), words[0], words[-1])
            known = judged.get(key)
            if known is None or known[0] != words or known[1] != marks:
                tags, infos = all_tags[n]
                findings = self._sentence(words, tags, infos, marks, state, keys)
                # dropped stays True once set: what it was before this sentence matters not
                judged[key] = (words, marks, findings, state.dropped)
                if findings:
                    found.extend((f, past, position + start) for f, past, start in findings)
                continue
            # said before: each finding is there already, at an earlier place (it ranks higher
            # and fares the same with message-wide modifiers); a hint counts again, as backing
            _, _, findings, dropped = known
            state.dropped |= dropped
            found.extend(
                (f, past, position + start) for f, past, start in findings if f.rule in weak
            )
        return found

    def clear_cache(self) -> None:
        """Forgets the words seen so far (for measuring a cold scan)."""
        self.lexicon.clear_cache()
        self._words.clear()
        self._raising_words.clear()
        for net in (self.net, self.urgent_net):
            if net is not None:
                net.clear_cache()

    def _word_of(self, word: str) -> _WordKeys:
        """A word's tags and its key tags as numbers (the cache calls this for a word not seen
        yet)."""
        all_tags = self.lexicon.tags(word)
        tags = all_tags & self._all_keys
        if len(self._words) >= 20_000:
            self._words.clear()
        if not tags:
            return all_tags, (), (), ()  # most words
        if tags & self._raising_keys:
            self._raising_words.add(word)
        return (
            all_tags,
            tuple(_bits(tags & self._cand_keys)),
            tuple(_bits(tags & self._mod_keys)),
            tuple(_bits(tags & self._msg_keys)),
        )

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
