"""Nudges' buttons (choice ids) and dialog step."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, OneOf
from storage.nudges import RHYTHMS

# A time button is "nudge:t:HH:MM" with two digits each, as the suggested times are written.
HOURS = tuple(f"{h:02d}" for h in range(24))
MINUTES = tuple(f"{m:02d}" for m in range(60))


class Step(StrEnum):
    """Where a mentor is in setting up nudges."""

    TIME = "nudge.time"  # choosing (or typing) the time of day after a rhythm


Back = Annotated[str, OneOf("learn", "set")]  # where the reminders were opened from


class Home(ChoiceId, prefix="nudge:home"):
    """The current rhythm with buttons to change it (as /reminders); `back`: where it was opened
    from, so its Back button leads there (the sections, or the settings)."""

    back: Back = "learn"


class Rhythm(ChoiceId, prefix="nudge:r"):
    """Choose a rhythm; then the time of day is asked."""

    rhythm: Annotated[str, OneOf(*(r for r in RHYTHMS if r != "off"))]
    back: Back = "learn"


class TurnOff(ChoiceId, prefix="nudge:r:off"):
    """No more nudges."""

    back: Back = "learn"


class Time(ChoiceId, prefix="nudge:t"):
    """A suggested time of day for the chosen rhythm."""

    hour: Annotated[str, OneOf(*HOURS)]
    minute: Annotated[str, OneOf(*MINUTES)]
