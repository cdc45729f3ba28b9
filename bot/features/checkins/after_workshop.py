"""The rule: a check-in some days after every logged workshop, from the cohort's expert."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.clock import local_at
from bot.features.checkins.alarms import local_tz, schedule
from bot.roles import Role
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
    day = held_on + timedelta(days=settings.after_workshop_days)
    due = max(local_at(day, settings.at, local_tz(app, person)), app.clock.now())
    expert = await responsible_expert(app, person)
    await schedule(
        app,
        person,
        expert.id if expert else None,
        due,
        themes=tuple(themes),
        workshop_id=workshop_id,
    )


async def responsible_expert(app: App, mentor: Person) -> Person | None:
    """The active expert of the mentor's cohort (an expert's cohort is the one they look after)."""
    for expert in await app.db.repo(PeopleRepo).with_role(Role.EXPERT):
        if mentor.cohort and expert.cohort == mentor.cohort:
            return expert
    return None
