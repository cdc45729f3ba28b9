"""The best finding of a scan so far that nothing later takes away, and what could outrank it.

A match that could not rank above that finding is not judged: the scan's best finding is the
same, found sooner (speed only; "I want to die" said a hundred times is judged once).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from bot.crisis_detect.model import _RANK, Finding, _Modifier, _Rule

# as scan_rules ranks findings: tier, priority, -word position, -rule order
_Rank = tuple[int, int, int, int]
_NOTHING: frozenset[str] = frozenset()


class _ScanState:
    """What one scan carries from match to match: whether a rule matched and was judged away,
    the best finding so far that stays, and which rules the message-wide modifiers that may be
    in the message could raise to urgent, drop, or drop when about the past."""

    __slots__ = ("dropped", "best", "top", "offset", "raised", "dropping", "recovering", "rank")

    def __init__(
        self,
        rank: dict[str, tuple[int, int] | None],
        raised: frozenset[str] = _NOTHING,
        dropping: frozenset[str] = _NOTHING,
        recovering: frozenset[str] = _NOTHING,
    ) -> None:
        self.dropped = False
        self.best: _Rank = (0, 0, 0, 0)  # no finding stays yet: nothing is passed over
        self.top = (0, 0)  # best's tier and priority
        self.offset = 0  # the word position where the sentence being scanned starts
        self.rank = rank  # per rule: priority and -order (None: a hint)
        self.raised, self.dropping, self.recovering = raised, dropping, recovering

    def take(self, finding: Finding, past: bool, where: int) -> None:
        """Takes a finding at word position `where` as the best that stays, if nothing after
        can take it away (a hint may lack backing; a message-wide modifier may drop it) and it
        ranks higher than the one before."""
        rule = finding.rule
        known = self.rank[rule]
        if known is None or rule in self.dropping or past and rule in self.recovering:
            return
        rank = (_RANK[finding.tier], known[0], -where, known[1])
        if rank > self.best:
            self.best, self.top = rank, rank[:2]


class _Bounds:
    """CrisisDetector's part that sets up a scan's state from the message-wide modifiers whose
    words are in the message."""

    def _bound_tables(self) -> None:
        """Per rule its priority and -order (None for a hint); per message-wide modifier the
        rules it touches."""
        self._rank_of: dict[str, tuple[int, int] | None] = {
            rule.id: None if rule.weak else (rule.priority, -n)
            for n, rule in enumerate(self._rules)
        }
        # by the modifier's id (its name: an object's id() changes when the detector is stored)
        self._touched = {m.id: frozenset(_touched(m, self._rules)) for m in self._msg_mods}
        self._states: dict[frozenset[str], tuple[frozenset[str], ...]] = {}

    def _scan_state(self, msg_keys: Iterable[int]) -> _ScanState:
        """A scan's state, given the message-wide modifiers' key tags in the message."""
        index = self._msg_index
        present = frozenset(mod.id for tag in set(msg_keys) for mod, _ in index[tag])
        if not present:
            return _ScanState(self._rank_of)
        sets = self._states.get(present)
        if sets is None:
            if len(self._states) >= 1_000:
                self._states.clear()
            mods = [m for m in self._msg_mods if m.id in present]
            sets = self._states[present] = tuple(
                frozenset(chain.from_iterable(self._touched[m.id] for m in mods if m.effect == e))
                for e in ("urgent", "drop", "recovered")
            )
        return _ScanState(self._rank_of, *sets)


def _touched(mod: _Modifier, rules: list[_Rule]) -> list[str]:
    """The rules a message-wide modifier can change (as _message_wide reads it: its language or
    any, its kinds, its rules if it names some)."""
    return [
        rule.id
        for rule in rules
        if (mod.lang == rule.lang or mod.any_lang)
        and rule.kind in mod.kinds
        and (not mod.rules or rule.id in mod.rules)
    ]
