"""features.escalations in the config file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EscalationSettings(BaseModel):
    """features.escalations: reminders and release of questions, where experts see them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    remind_after_hours: float = Field(24, gt=0)
    release_after_hours: float = Field(48, gt=0)
    # Told to the mentor with the receipt: "a project expert usually answers within N working days".
    answer_within_days: int = Field(2, ge=1, le=30)
    direct_messages: bool | None = None  # None: only when no experts' team chat is configured
    group_topics: dict[str, int] = {}  # theme -> forum topic of the team chat (message thread id)
