"""Good practices' buttons (choice ids) and dialog step."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int

PageNumber = Annotated[int, Int(0, 10_000)]


class Step(StrEnum):
    """Where a staff member is with the practices."""

    SELECT = "pr.select"  # picking notes for an announcement (the picks are the step's data)


class Page(ChoiceId, prefix="pr:list"):
    """A page of shareable practices, newest first."""

    page: PageNumber


class Select(ChoiceId, prefix="pr:sel"):
    """Pick a practice for the announcement, or unpick it (then the same page again)."""

    workshop: Annotated[int, Int(1)]
    page: PageNumber


class Make(ChoiceId, prefix="pr:make"):
    """Turn the picked practices into an announcement."""
