"""Linking's buttons (choice ids)."""

from __future__ import annotations

from typing import Annotated

from bot.ids import ChoiceId, Int, Key


class Home(ChoiceId, prefix="link:home"):
    """A fresh code to send from the other messenger (as /link)."""


class Prefer(ChoiceId, prefix="link:pref"):
    """Send to this messenger from now on."""

    transport: Annotated[str, Key(16)]  # a transport's name: telegram, signal, console


ClaimNumber = Annotated[int, Int(1)]  # a link code's row id


class Confirm(ChoiceId, prefix="link:yes"):
    """Yes: the account that sent my code is mine, join it."""

    claim: ClaimNumber


class Refuse(ChoiceId, prefix="link:no"):
    """No: that was not me, join nothing."""

    claim: ClaimNumber
