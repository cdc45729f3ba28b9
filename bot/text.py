"""Typed free text tidied before it is stored (workshop notes, check-in words and messages)."""

from __future__ import annotations

import unicodedata

NOTE_MAX = 1000  # a note typed in one message: what went well or was hard, a check-in's words


def clean_text(text: str, limit: int) -> tuple[str, str | None]:
    """Text without control characters, whitespace tidied; problems: empty, too_long."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\u200c\u200d" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    lines = [" ".join(line.split()) for line in kept.splitlines()]
    cleaned = "\n".join(line for line in lines if line).strip()
    if not cleaned:
        return "", "empty"
    if len(cleaned) > limit:
        return cleaned, "too_long"
    return cleaned, None
