"""The learning journey's buttons (choice ids) and dialog steps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, Key, OneOf

ContentKey = Annotated[str, Key(24)]  # a section, bite or option id (content ids are ≤ 24)


class Step(StrEnum):
    """Where a mentor is in a learning dialog."""

    REFLECT = "learn.reflect"  # writing a reflection, message by message, until Done
    COMMENT = "learn.comment"  # the optional comment after the section feedback score


class Home(ChoiceId, prefix="learn:home"):
    """The list of sections."""


class SectionOverview(ChoiceId, prefix="learn:s"):
    """A section's intro with Start / Continue."""

    section: ContentKey


class ContinueSection(ChoiceId, prefix="learn:go"):
    """The first unread bite of a section (or its end)."""

    section: ContentKey


class BiteList(ChoiceId, prefix="learn:list"):
    """Every bite of a section, to open any of them again."""

    section: ContentKey


class ShowBite(ChoiceId, prefix="learn:bite"):
    """One bite, read again or from the start."""

    bite: ContentKey


class NextBite(ChoiceId, prefix="learn:next"):
    """The bite after this one."""

    bite: ContentKey


class Reflect(ChoiceId, prefix="learn:reflect"):
    """Start a reflection on a bite."""

    bite: ContentKey


class ReflectionDone(ChoiceId, prefix="learn:rdone"):
    """Save the reflection being written."""


class ReflectionCancel(ChoiceId, prefix="learn:rcancel"):
    """Stop writing (what was typed is kept as a private entry)."""


class Share(ChoiceId, prefix="learn:share"):
    """Share a saved reflection with the experts, or keep it private."""

    reflection: Annotated[int, Int(1)]
    answer: Annotated[str, OneOf("yes", "no")]


class CheckAnswer(ChoiceId, prefix="learn:check"):
    """An answer to a section's check question."""

    section: ContentKey
    option: ContentKey


class Feedback(ChoiceId, prefix="learn:fb"):
    """The 1-5 agreement score of a section."""

    section: ContentKey
    score: Annotated[int, Int(1, 5)]


class FeedbackSkip(ChoiceId, prefix="learn:fbskip"):
    """No comment after the score."""

    section: ContentKey


class SectionEnd(ChoiceId, prefix="learn:end"):
    """After the check's feedback: the section's end (feedback question or done)."""

    section: ContentKey


class Link(ChoiceId, prefix="learn:link"):
    """A bite's web link (a URL button; never routed, but its id must be unique)."""

    bite: ContentKey
