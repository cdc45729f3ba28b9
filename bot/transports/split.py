"""Splitting a long text into messages a messenger accepts, at line breaks or spaces where possible."""

from __future__ import annotations

from collections.abc import Callable


def utf8_size(text: str) -> int:
    """Bytes of the text in UTF-8 (Signal's limit is in bytes)."""
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Parts of at most `limit` (as `size` measures), cut at a line break or space if one is near."""
    if not text:
        return ["…"]
    parts = []
    while size(text) > limit:
        fits = _longest_prefix(text, limit, size)
        cut = text.rfind("\n", 0, fits)
        if cut < fits // 2:  # a line break far back would leave a short part: a space will do
            cut = text.rfind(" ", 0, fits)
        if cut <= 0:  # one word longer than a part
            cut = fits
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def _longest_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """How many characters from the start fit in `limit` (at least one)."""
    low, high = 1, min(len(text), limit)  # a character measures at least 1
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
