"""Linking's buttons (choice ids)."""

from __future__ import annotations

from typing import Annotated

from bot.ids import ChoiceId, Key


class Home(ChoiceId, prefix="link:home"):
    """A fresh code to send from the other messenger (as /link)."""


class Prefer(ChoiceId, prefix="link:pref"):
    """Send to this messenger from now on."""

    transport: Annotated[str, Key(16)]  # a transport's name: telegram, signal, console
