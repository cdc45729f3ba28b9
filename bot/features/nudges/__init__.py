"""Nudges: the next bite at a rhythm and time of day the mentor chooses, never in quiet hours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.nudges import routes
from bot.features.nudges.service import JOB_KIND, NudgeService, fire_nudge
from storage.nudges import NUDGE_JOB_CONTEXT

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /reminders, the nudge: buttons, the time step and the job handler."""
    app.router.include(routes.routes)
    app.scheduler.on_batch(JOB_KIND, fire_nudge, NUDGE_JOB_CONTEXT)
    app.services.nudges = NudgeService(app)
