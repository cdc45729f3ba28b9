"""The web console's buttons in the chat (choice ids)."""

from __future__ import annotations

from bot.ids import ChoiceId


class Open(ChoiceId, prefix="web:open"):
    """The menu's Web console: a fresh sign-in link."""


class ConsoleLink(ChoiceId, prefix="web:link"):
    """The sign-in link itself (a URL button: never routed)."""
