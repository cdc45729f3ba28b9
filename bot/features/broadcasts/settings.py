"""features.broadcasts in the config file: the pace and retries of announcements."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BroadcastSettings(BaseModel):
    """features.broadcasts: the pace and retries of announcements."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rate_per_second: float = Field(25, ge=0)  # 0: as fast as the messenger allows
    workers: int = Field(4, ge=1, le=64)
    max_attempts: int = Field(5, ge=1, le=100)
    # A network or server error is tried again (growing waits) until max_attempts tries AND this
    # long since the first error: a messenger down for minutes makes nobody "failed".
    retry_seconds: float = Field(1800, ge=0)
    backoff_seconds: float = Field(2.0, ge=0)
    progress_seconds: float = Field(3.0, gt=0)
    batch: int = Field(10, ge=1, le=1000)
    # Seconds a copy may take before it is tried again; 0: the transport's choice (Telegram: ten
    # times its slowest recent answer, at least 1 s, at most telegram.read_timeout).
    send_timeout: float = Field(0, ge=0, le=60)
