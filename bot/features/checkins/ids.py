"""Check-ins: the buttons (choice ids) and dialog steps of mentors and of experts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, OneOf

CheckinNumber = Annotated[int, Int(1)]  # a check-in's row id


class Step(StrEnum):
    """Where a mentor answering, or an expert scheduling, is in a check-in's dialog."""

    WORDS = "ck.words"  # the mentor's optional words after the score
    MENTOR = "ck.mentor"  # the expert chooses a mentor (a button, or a name to search)
    WHEN = "ck.when"  # when: a button, or a date and time typed
    MESSAGE = "ck.message"  # the expert's own message, or the default
    CONFIRM = "ck.confirm"  # the summary with Schedule


# --- the mentor's buttons ------------------------------------------------------------------------


class Score(ChoiceId, prefix="ck:s"):
    """The mentor's answer: how they are doing, 1-5."""

    checkin: CheckinNumber
    score: Annotated[int, Int(1, 5)]


class Later(ChoiceId, prefix="ck:later"):
    """Not now: when to ask again (at most twice)."""

    checkin: CheckinNumber


class Snooze(ChoiceId, prefix="ck:snz"):
    """Ask again in 3 hours, a day or three days."""

    checkin: CheckinNumber
    when: Annotated[str, OneOf("3h", "1d", "3d")]


class OpenCheckin(ChoiceId, prefix="ck:open"):
    """A check-in waiting for an answer (or missed), found again from the menu."""

    checkin: CheckinNumber


class SkipWords(ChoiceId, prefix="ck:skip"):
    """No words after the score."""

    checkin: CheckinNumber


# --- the expert's buttons ------------------------------------------------------------------------


class ListCheckins(ChoiceId, prefix="ck:x:list"):
    """The expert's check-ins (the menu's Check-ins)."""


class NewCheckin(ChoiceId, prefix="ck:x:new"):
    """Schedule a check-in: choose a mentor first."""


class ChooseMentor(ChoiceId, prefix="ck:x:m"):
    """The mentor to check in with."""

    mentor: Annotated[int, Int(1)]


class ChooseWhen(ChoiceId, prefix="ck:x:w"):
    """In 3 days, a week or two weeks (at the configured time of day)."""

    when: Annotated[str, OneOf("3d", "1w", "2w")]


class DefaultMessage(ChoiceId, prefix="ck:x:default"):
    """No message of the expert's own: the default question only."""


class ConfirmSchedule(ChoiceId, prefix="ck:x:ok"):
    """Schedule the check-in as summarised."""


class CancelScheduling(ChoiceId, prefix="ck:x:cancel"):
    """Stop scheduling (nothing is stored)."""


class Move(ChoiceId, prefix="ck:x:mv"):
    """Move a scheduled check-in to another time."""

    checkin: CheckinNumber


class CancelCheckin(ChoiceId, prefix="ck:x:cx"):
    """Cancel a scheduled check-in."""

    checkin: CheckinNumber
