"""The main menu's buttons (choice ids) and the language choice."""

from __future__ import annotations

from typing import Annotated

from bot.i18n import LANGUAGES
from bot.ids import ChoiceId, OneOf


class Home(ChoiceId, prefix="menu:home"):
    """The main menu (every "Back to menu" button)."""


class Help(ChoiceId, prefix="menu:help"):
    """What the bot is and the commands this person may use."""


class ChooseLanguage(ChoiceId, prefix="menu:language"):
    """The language buttons."""


class SetLanguage(ChoiceId, prefix="lang:set"):
    """Switch to a language."""

    code: Annotated[str, OneOf(*LANGUAGES)]


class MentorTools(ChoiceId, prefix="menu:mentor"):
    """Team roles: the mentor menu (learning, journal, workshops, asking), one tap away."""


class ExpertTools(ChoiceId, prefix="menu:team"):
    """Staff and admins: the experts' tools (queue, check-ins, shared reflections, practices)."""
