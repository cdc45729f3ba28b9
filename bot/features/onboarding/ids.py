"""Onboarding's buttons (choice ids) and dialog steps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.i18n import LANGUAGES
from bot.ids import ChoiceId, OneOf


class Step(StrEnum):
    """Where a new person is in onboarding."""

    CONSENT = "onb.consent"
    LANGUAGE = "onb.language"
    NAME = "onb.name"


class Consent(ChoiceId, prefix="onb:consent"):
    """Agree, read more, or decline."""

    answer: Annotated[str, OneOf("yes", "more", "no")]


class Language(ChoiceId, prefix="onb:lang"):
    """The language to use."""

    code: Annotated[str, OneOf(*LANGUAGES)]
