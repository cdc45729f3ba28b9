"""The workshop form's limits; reading typed answers is bot/text's (dates, counts, durations)."""

from __future__ import annotations

from bot.text.numbers import MAX_MINUTES, MIN_MINUTES

MAX_PARTICIPANTS = 500
COMMUNITY_MAX = 80

__all__ = ["COMMUNITY_MAX", "MAX_MINUTES", "MAX_PARTICIPANTS", "MIN_MINUTES"]
