"""Retention: a daily job deletes free text older than `privacy.retention_days`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import local_at
from storage.guesses import GuessesRepo
from storage.jobs import Job, JobsRepo
from storage.links import LinkCodesRepo
from storage.privacy import PrivacyRepo

if TYPE_CHECKING:
    from bot.app import App

RETENTION_JOB = "privacy.retention"


def _next_run(app: App, after: datetime) -> datetime:
    tz = app.config.tz
    day = after.astimezone(tz).date()
    at = app.config.privacy.cleanup_at
    candidate = local_at(day, at, tz)
    return candidate if candidate > after else local_at(day + timedelta(days=1), at, tz)


async def ensure_clean_up(app: App) -> None:
    """Keep exactly one pending clean-up job (a row like every other timed work)."""
    if not await app.db.repo(JobsRepo).pending_for(RETENTION_JOB, "daily"):
        await app.scheduler.add(RETENTION_JOB, "daily", _next_run(app, app.clock.now()))


async def clean_up(app: App, job: Job) -> datetime:
    """Delete free text older than its retention; runs daily."""
    now = app.clock.now()
    privacy = app.db.repo(PrivacyRepo)
    removed = {}
    for kind, days in app.config.privacy.retention_days.model_dump().items():
        if days:
            removed[kind] = await privacy.purge_older_than(kind, days, now)
    # Link codes past their time (with the id of an account that claimed one) and wrong-code
    # counts older than their hour; both are also deleted as they are used.
    removed["link_codes"] = await app.db.repo(LinkCodesRepo).purge_expired(now)
    removed["code_guesses"] = await app.db.repo(GuessesRepo).purge(now)
    await app.db.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, NULL, ?, NULL, ?)",
        (app.db.now_iso(), "privacy.retention", json.dumps(removed)),
    )
    return _next_run(app, now)
