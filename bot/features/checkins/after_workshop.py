"""The rule: a check-in some days after a logged workshop, from the cohort's expert; calmly.

At most one check-in per mentor in `min_gap_days` (workshops close together share one), and none
for a workshop logged more than `late_log_days` after it happened.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.clock import local_at
from bot.features.checkins.alarms import local_tz, schedule
from bot.roles import Role
from storage.audit import AuditRepo
from storage.checkins import CheckinsRepo
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App


async def after_workshop(
    app: App, *, person: Person, workshop_id: int, themes, held_on: date, **_
) -> None:
    """The "workshop.logged" event: a check-in N days later (config; 0 turns it off)."""
    settings = app.config.features.checkins
    if settings.after_workshop_days <= 0:
        return
    tz = local_tz(app, person)
    logged_on = app.clock.now().astimezone(tz).date()
    late = settings.late_log_days and (logged_on - held_on).days > settings.late_log_days
    day = held_on + timedelta(days=settings.after_workshop_days)
    due = max(local_at(day, settings.at, tz), app.clock.now())
    if late or await _one_is_near(app, person, due):
        why = "late" if late else "merged"
        await app.db.repo(AuditRepo).record(
            "checkin.skipped", actor_id=None, subject=str(workshop_id), reason=why
        )
        return
    expert = await responsible_expert(app, person)
    await schedule(
        app,
        person,
        expert.id if expert else None,
        due,
        themes=tuple(themes),
        workshop_id=workshop_id,
    )


async def _one_is_near(app: App, person: Person, due) -> bool:
    """True when another check-in of the mentor is due within the gap of `due`."""
    gap = app.config.features.checkins.min_gap_days
    if gap <= 0:
        return False
    window = timedelta(days=gap)
    return bool(await app.db.repo(CheckinsRepo).around(person.id, due - window, due + window))


async def responsible_expert(app: App, mentor: Person) -> Person | None:
    """The active expert of the mentor's cohort (an expert's cohort is the one they look after)."""
    for expert in await app.db.repo(PeopleRepo).with_role(Role.EXPERT):
        if mentor.cohort and expert.cohort == mentor.cohort:
            return expert
    return None
