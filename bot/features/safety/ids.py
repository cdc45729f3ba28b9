"""Safety's buttons (choice ids): the answers after a crisis signal, and where to get help."""

from __future__ import annotations

from typing import Annotated

from bot.ids import ChoiceId, OneOf


class About(ChoiceId, prefix="safety:about"):
    """Whom the worry is about: guidance for that, and the offer of an expert."""

    about: Annotated[str, OneOf("me", "other")]


class NotNeeded(ChoiceId, prefix="safety:ok"):
    """The person is okay: respected, with the helplines once more."""


class More(ChoiceId, prefix="safety:more"):
    """After the gentle check, "not really": the full help."""


class ExpertYes(ChoiceId, prefix="safety:expert:yes"):
    """Yes, an expert may contact me: an urgent request."""


class ExpertNo(ChoiceId, prefix="safety:expert:no"):
    """No expert now: where to turn later."""


class Done(ChoiceId, prefix="safety:done"):
    """Back to what the person was doing (or the menu)."""


class Helplines(ChoiceId, prefix="help:lines"):
    """Every helpline (as /helplines; a menu item)."""


class Victims(ChoiceId, prefix="help:victims"):
    """Support for victims and survivors: steps and contacts."""
