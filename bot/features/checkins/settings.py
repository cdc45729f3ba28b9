"""features.checkins in the config file."""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field


class CheckinSettings(BaseModel):
    """features.checkins: the check-in after a workshop and how long to wait for answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    after_workshop_days: int = Field(7, ge=0, le=365)  # 0 turns the rule off
    at: time = time(12, 0)  # local time of check-ins by the rule or by "in N days"
    answer_hours: float = Field(48, gt=0)  # before the one reminder, and again before missed
    min_gap_days: int = Field(7, ge=0, le=90)  # at most one check-in per mentor this often; 0: off
    late_log_days: int = Field(14, ge=0, le=365)  # none for workshops logged later; 0: no limit
