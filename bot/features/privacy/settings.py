"""Privacy's settings (`privacy:` in the config file): retention of free text, the clean-up time."""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", frozen=True)


class RetentionDays(BaseModel):
    """How many days free text is kept (null: until the person deletes it or asks to be forgotten)."""

    model_config = _STRICT
    reflections: int | None = Field(None, ge=1)
    ticket_texts: int | None = Field(730, ge=1)
    checkin_words: int | None = Field(365, ge=1)
    workshop_notes: int | None = Field(None, ge=1)
    unfinished: int | None = Field(30, ge=1)  # workshop forms left half-way, text typed in a dialog
    feedback_comments: int | None = Field(730, ge=1)  # comments after a section's feedback score
    held_replies: int | None = Field(30, ge=1)  # replies held back while crisis help was shown


class PrivacySettings(BaseModel):
    """Retention of free text; the daily clean-up runs at `cleanup_at` (local time)."""

    model_config = _STRICT
    retention_days: RetentionDays = RetentionDays()
    cleanup_at: time = time(3, 30)
