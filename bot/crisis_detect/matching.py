"""Pattern matching over a clause's tag masks: ordered slots with gaps, and "&" windows."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

from bot.crisis_detect.model import _Pattern, _Slot


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


def _matches(
    pattern: _Pattern,
    tags: list[int],
    start: int,
    end: int,
    first: int | None = None,
    last: int | None = None,
) -> list[list[int]]:
    """Positions of the pattern's matched slots, one match per first position, left to right
    (first positions looked for from first to last only, when given: where a match can start)."""
    lo = start if first is None else max(start, first)
    hi = end if last is None else min(end, last + 1)
    if pattern.window:
        return list(_unordered(pattern, tags, start, end, lo, hi))
    slots = pattern.slots
    head = slots[0].tags
    # the words of the first slot, found in C (a long clause has hundreds of words)
    heads = list(compress(range(lo, hi), map(head.__and__, tags[lo:hi])))
    if len(slots) == 1:
        return [[i] for i in heads]
    return _from_heads(slots, tags, end, heads)


def _from_heads(
    slots: tuple[_Slot, ...], tags: list[int], end: int, heads: list[int]
) -> list[list[int]]:
    """The matches of an ordered pattern of two or more slots that start at the heads (words
    of its first slot), in their order."""
    out = []
    for i in heads:
        rest = _walk(slots, tags, end, 1, i, 0)
        if rest is not None:
            out.append([i, *rest])
    return out


def _matches_near(
    pattern: _Pattern,
    tags: list[int],
    start: int,
    end: int,
    near: list[int],
    reach: tuple[int, int],
    single: bool,
) -> list[list[int]]:
    """_matches of a pattern every match of which holds a word of its index tag (`near`: those
    words of the clause): it starts within `reach` of one; a pattern of one slot of only that
    tag (`single`) matches those words themselves."""
    if single:
        return [[i] for i in near]
    if not reach[0] and not pattern.window:
        # the tag's slot is the first one: its words are where matches start (no scan)
        return _from_heads(pattern.slots, tags, end, near)
    return _matches(pattern, tags, start, end, near[0] - reach[0], near[-1] + reach[1])


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
    if k == n - 1:
        # the last slot (the most common case): its first word in reach, without recursion
        mask = slot.tags
        for i in range(prev + 1, hi + 1):
            if tags[i] & mask:
                return [i]
        return None if not slot.optional else []
    for i in range(prev + 1, hi + 1):
        if tags[i] & slot.tags:
            rest = _walk(slots, tags, end, k + 1, i, 0)
            if rest is not None:
                return [i, *rest]
    if slot.optional:
        return _walk(slots, tags, end, k + 1, prev, max(slot.gap, budget))
    return None


def _unordered(pattern: _Pattern, tags: list[int], start: int, end: int, first: int, stop: int):
    """Matches of an "&" pattern: every slot somewhere within the window, in any order (the
    first slot looked for from first to stop - 1)."""
    slots = pattern.slots
    window = pattern.window
    head = slots[0].tags
    for i in [i for i in range(first, stop) if tags[i] & head]:
        used = [i]
        lo, hi = max(start, i - window), min(end, i + window + 1)
        for slot in slots[1:]:
            found = _nearest(slot.tags, tags, i, lo, hi, used)
            if found is None:
                break
            used.append(found)
        else:
            yield sorted(used)


def _nearest(mask: int, tags: list[int], i: int, lo: int, hi: int, used: list[int]) -> int | None:
    """The position in lo..hi - 1 nearest to i (the earlier of two as near) whose word has the
    mask's tags and is not used yet, or None: looked for outwards from i."""
    for distance in range(1, max(i - lo, hi - 1 - i) + 1):
        j = i - distance
        if j >= lo and j not in used and tags[j] & mask:
            return j
        j = i + distance
        if j < hi and j not in used and tags[j] & mask:
            return j
    return None
