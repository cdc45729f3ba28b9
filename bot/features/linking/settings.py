"""Linking's settings (`features.linking` in the config file): code lifetime, wrong-code limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from storage.guesses import GuessLimits


class LinkingSettings(BaseModel):
    """How long a link code (and then its confirmation) is valid; how many wrong codes are allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code_valid_minutes: int = Field(10, ge=2, le=60)
    wrong_codes: GuessLimits = GuessLimits()
