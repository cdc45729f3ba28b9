"""Settings' buttons (choice ids)."""

from __future__ import annotations

from typing import Annotated

from bot.ids import ChoiceId, OneOf
from storage.broadcasts import MUTABLE_KINDS


class Home(ChoiceId, prefix="set:home"):
    """The settings (as /settings)."""


class Mute(ChoiceId, prefix="set:mute"):
    """Turn one kind of announcement off, or on again."""

    kind: Annotated[str, OneOf(*MUTABLE_KINDS)]


class Pause(ChoiceId, prefix="set:pause"):
    """Pause everything the bot starts on its own (as /pause)."""


class Resume(ChoiceId, prefix="set:resume"):
    """Back to normal (as /resume)."""
