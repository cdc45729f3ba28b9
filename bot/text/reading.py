"""The result of reading a typed answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Reading(Generic[T]):
    """A value read from text, or the problem (a short key such as "format" or "future")."""

    value: T | None = None
    problem: str | None = None
    guessed: bool = False  # an interpretation to confirm before it is kept
    low: int | None = None  # a range typed ("15-20"): its ends; value is the midpoint
    high: int | None = None

    @property
    def ok(self) -> bool:
        """True when a value was read."""
        return self.problem is None and self.value is not None


def fold(text: str) -> str:
    """Lower case, one space between words, no surrounding punctuation."""
    return " ".join(text.casefold().replace("\u00a0", " ").split()).strip(" .!?,;")
