"""The best finding of a scan so far that nothing later takes away, and what could outrank it.

A match that could not rank above that finding is not judged: the scan's best finding is the
same, found sooner (speed only; "I want to die" said a hundred times is judged once).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import chain

from bot.crisis_detect.matching import _mask
from bot.crisis_detect.message import _reads
from bot.crisis_detect.model import _MSG_KEYS, _RANK, Finding, _Modifier, _Rule, _WordKeys

# as scan_rules ranks findings: tier, priority, -word position, -rule order
_Rank = tuple[int, int, int, int]


class _ScanState:
    """What one scan carries from match to match: whether a rule matched and was judged away,
    and the best finding so far that stays."""

    __slots__ = ("dropped", "best", "offset", "_rank", "_leave", "_raisable", "_raised")

    def __init__(
        self,
        rank: dict[str, tuple[int, int] | None],
        leave: frozenset[str],
        raisable: frozenset[str],
        raised: Callable[[], frozenset[str]],
    ) -> None:
        self.dropped = False
        self.best: _Rank = (0, 0, 0, 0)  # no finding stays yet: nothing is passed over
        self.offset = 0  # the word position where the sentence being scanned starts
        self._rank = rank  # per rule: priority and -order (None: a hint)
        self._leave = leave  # rules a message-wide modifier may drop
        self._raisable = raisable  # rules a message-wide modifier may raise to urgent
        self._raised: Callable[[], frozenset[str]] | frozenset[str] = raised

    def take(self, finding: Finding, past: bool, where: int) -> None:
        """Takes a finding at word position `where` as the best that stays, if nothing after
        can take it away and it ranks higher than the one before. A hint may lack backing; a
        message-wide modifier may drop a finding of some rules, and any about the past."""
        rule = finding.rule
        known = self._rank[rule]
        if known is None or past or rule in self._leave:
            return
        rank = (_RANK[finding.tier], known[0], -where, known[1])
        if rank > self.best:
            self.best = rank

    def raised(self, rule: str, top: tuple[int, int, int]) -> tuple[int, int, int]:
        """A rule's highest rank (`top`: tier, priority, -order) with urgent as its tier when
        a message-wide modifier whose words are in the message may raise it (read once, when
        first asked: most scans never ask)."""
        if rule not in self._raisable:
            return top
        if callable(self._raised):
            self._raised = self._raised()
        return (3, top[1], top[2]) if rule in self._raised else top


class _Bounds:
    """CrisisDetector's part that sets up a scan's state from the message-wide modifiers whose
    words are in the message."""

    def _bound_tables(self) -> None:
        """Per rule its priority and -order (None for a hint); the rules a message-wide
        modifier may drop (or, about the past, any) or raise to urgent."""
        self._rank_of: dict[str, tuple[int, int] | None] = {
            rule: None if top is None else top[1:] for rule, top in self._tops.items()
        }
        urgent = [m for m in self._msg_mods if m.effect == "urgent"]
        self._leave = frozenset(
            chain.from_iterable(
                _touched(m, self._rules) for m in self._msg_mods if m.effect == "drop"
            )
        )
        self._raisable = frozenset(chain.from_iterable(_touched(m, self._rules) for m in urgent))
        # per key tag of an urgent message-wide modifier, the rules that modifier may raise
        self._raising: dict[int, frozenset[str]] = {}
        for tag, pairs in self._msg_index.items():
            rules = [_touched(m, self._rules) for m, _ in pairs if m.effect == "urgent"]
            if rules:
                self._raising[tag] = frozenset(chain.from_iterable(rules))
        self._raising_keys = _mask(self._raising)
        # the words seen so far with such a key tag (filled as words are first looked up; a
        # word's tags never change, so a scan's words are all here, see scan_rules)
        self._raising_words: set[str] = set()

    def _scan_state(
        self, all_words: list[list[str]], all_tags: list[tuple[list[int], list[_WordKeys]]]
    ) -> _ScanState:
        """A scan's state (what message-wide modifiers may raise is read from the message)."""
        raised = partial(self._message_raises, all_words, all_tags)
        return _ScanState(self._rank_of, self._leave, self._raisable, raised)

    def _message_raises(
        self, all_words: list[list[str]], all_tags: list[tuple[list[int], list[_WordKeys]]]
    ) -> frozenset[str]:
        """The rules an urgent message-wide modifier with a key word in the message may raise."""
        words_in, keys = self._raising_words, set()
        for words, (_, infos) in zip(all_words, all_tags, strict=True):
            if not words_in.isdisjoint(words):  # most sentences have no such word
                keys.update(chain.from_iterable(map(_MSG_KEYS, infos)))
        return frozenset(chain.from_iterable(self._raising[t] for t in keys & self._raising.keys()))


def _touched(mod: _Modifier, rules: list[_Rule]) -> list[str]:
    """The rules a message-wide modifier can change (as _message_wide reads it)."""
    return [rule.id for rule in rules if _reads(mod, rule.lang, rule.kind, rule.id)]
