"""Check-ins as rows: scheduling one, the expert who looks after a cohort, and the feature's settings."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.roles import Role
from storage.checkins import Checkin, CheckinsRepo
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App


def tz_of(app: App, person: Person) -> ZoneInfo:
    """The person's timezone, else the config's."""
    return ZoneInfo(person.timezone) if person.timezone else app.config.tz


def checkin_time(app: App) -> time:
    """Local time of day for check-ins by rule or by 'in N days'."""
    return app.config.features.checkins.at


def answer_hours(app: App) -> float:
    """Hours to wait for an answer before the reminder (and again before missed)."""
    return app.config.features.checkins.answer_hours


async def schedule(
    app: App,
    mentor: Person,
    expert_id: int | None,
    due: datetime,
    *,
    message: str | None = None,
    themes: tuple[str, ...] = (),
    workshop_id: int | None = None,
) -> Checkin:
    """Store a check-in and arm its alarm."""
    checkin = await app.db.repo(CheckinsRepo).add(
        mentor.id, expert_id, due, message=message, themes=themes, workshop_id=workshop_id
    )
    await app.scheduler.add("checkin", str(checkin.id), due)
    return checkin


async def responsible_expert(app: App, mentor: Person) -> Person | None:
    """The active expert of the mentor's cohort (an expert's cohort is the one they look after)."""
    for expert in await app.db.repo(PeopleRepo).with_role(Role.EXPERT):
        if mentor.cohort and expert.cohort == mentor.cohort:
            return expert
    return None
