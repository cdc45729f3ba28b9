"""Onboarding's settings (`features.onboarding` in the config file): wrong invite code limits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from storage.guesses import GuessLimits


class OnboardingSettings(BaseModel):
    """How many wrong invite codes (/start CODE) are allowed, per sender and from everyone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    wrong_codes: GuessLimits = GuessLimits()
