"""The main menu's buttons (choice ids), the language choice, and text typed at the menu."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.i18n import LANGUAGES
from bot.ids import ChoiceId, Int, OneOf


class Step(StrEnum):
    """Text typed outside any form, kept while the person decides where it goes."""

    LOOSE = "menu.loose"


class Home(ChoiceId, prefix="menu:home"):
    """The main menu (every "Back to menu" button)."""


class Help(ChoiceId, prefix="menu:help"):
    """What the bot is and the commands this person may use."""


class ChooseLanguage(ChoiceId, prefix="menu:language"):
    """The language buttons."""


class OpenHeld(ChoiceId, prefix="menu:held"):
    """A message that waited while the person was in a form, with its buttons again."""

    held: Annotated[int, Int(1)]


class LooseToExperts(ChoiceId, prefix="menu:ask"):
    """Send what was typed at the menu to the experts, by name or anonymously."""

    anonymous: Annotated[str, OneOf("yes", "no")]


class SetLanguage(ChoiceId, prefix="lang:set"):
    """Switch to a language."""

    code: Annotated[str, OneOf(*LANGUAGES)]


class MentorTools(ChoiceId, prefix="menu:mentor"):
    """Team roles: the mentor menu (learning, journal, workshops, asking), one tap away."""


class ExpertTools(ChoiceId, prefix="menu:team"):
    """Staff and admins: the experts' tools (queue, check-ins, shared reflections, practices)."""
