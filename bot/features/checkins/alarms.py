"""A check-in's alarms: storing one with its alarm, sending it when due, the reminder, missed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import in_quiet_hours, next_allowed, to_iso
from bot.features.checkins.messages import checkin_message, tell_expert
from bot.messages import SendResult
from storage.checkins import Checkin, CheckinsRepo
from storage.jobs import Job
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App

FORM_WAIT_MINUTES = 30  # a check-in due while the mentor fills in a form waits this long


def local_tz(app: App, person: Person) -> ZoneInfo:
    """The person's timezone, else the config's."""
    return ZoneInfo(person.timezone) if person.timezone else app.config.tz


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


async def fire_checkin(app: App, job: Job) -> datetime | None:
    """At the due time: send the check-in (never in quiet hours), then wait for an answer."""
    repo = app.db.repo(CheckinsRepo)
    checkin = await repo.get(int(job.ref))
    if checkin is None or checkin.status not in ("scheduled", "sent"):
        return None
    if checkin.status == "sent":  # queued before (the job runs again after a restart)
        return None
    mentor = await app.db.repo(PeopleRepo).get(checkin.mentor_id)
    if mentor is None or not mentor.active:
        await repo.set_status(checkin.id, "cancelled")
        return None
    now = app.clock.now()
    tz = local_tz(app, mentor)
    quiet = app.config.bot.quiet_hours
    if in_quiet_hours(now, tz, quiet.start, quiet.end):
        return next_allowed(now, tz, quiet.start, quiet.end)
    if mentor.paused:
        return now + timedelta(days=1)
    if await _crowded(app, checkin, now):
        await repo.set_status(checkin.id, "cancelled")  # calm: one was sent within the gap
        return None
    inbox = app.services.inbox
    if inbox is not None and await inbox.busy(mentor.id):
        return now + timedelta(minutes=FORM_WAIT_MINUTES)  # never in the middle of a form
    out = await checkin_message(app, checkin, mentor)
    # Sent, queued and followed up together: the outbox delivers it (after an outage too), and a
    # person who cannot receive it is handled by `undeliverable` below.
    async with app.db.transaction():
        if not await repo.mark_sent(checkin.id):
            return None
        await app.messenger.send_to_person(
            mentor.id,
            out,
            purpose=f"checkin:{checkin.id}",
            dedupe_key=f"checkin:{checkin.id}:{to_iso(job.due_at)}",
        )
        await app.scheduler.add(
            "checkin.followup", str(checkin.id), now + timedelta(hours=_answer_hours(app))
        )
    return None


async def undeliverable(app: App, ref: str, result: SendResult) -> None:
    """The outbox could not deliver a check-in (blocked, left the messenger, gave up): missed,
    and the expert is told."""
    if result.ok:
        return
    repo = app.db.repo(CheckinsRepo)
    checkin = await repo.get(int(ref))
    if checkin is None or checkin.status != "sent":
        return
    await repo.set_status(checkin.id, "missed")
    await app.scheduler.cancel_for("checkin.followup", str(checkin.id))
    mentor = await app.db.repo(PeopleRepo).get(checkin.mentor_id)
    await tell_expert(app, checkin, "ck.unreachable_to_expert", mentor)


async def follow_up(app: App, job: Job) -> datetime | None:
    """No answer: one reminder; no answer to that either: missed, and the expert is told."""
    repo = app.db.repo(CheckinsRepo)
    checkin = await repo.get(int(job.ref))
    if checkin is None or checkin.status != "sent":
        return None
    mentor = await app.db.repo(PeopleRepo).get(checkin.mentor_id)
    if mentor is None or not mentor.active:
        await repo.set_status(checkin.id, "cancelled")
        return None
    now = app.clock.now()
    if not checkin.reminded:
        tz = local_tz(app, mentor)
        quiet = app.config.bot.quiet_hours
        if in_quiet_hours(now, tz, quiet.start, quiet.end):
            return next_allowed(now, tz, quiet.start, quiet.end)
        await repo.mark_reminded(checkin.id)
        await app.messenger.send_to_person(
            mentor.id, await checkin_message(app, checkin, mentor, reminder=True)
        )
        return now + timedelta(hours=_answer_hours(app))
    await repo.set_status(checkin.id, "missed")
    await tell_expert(app, checkin, "ck.missed_to_expert", mentor)
    return None


async def _crowded(app: App, checkin: Checkin, now: datetime) -> bool:
    """A check-in of the after-workshop rule when another went out within the gap (merged)."""
    gap = app.config.features.checkins.min_gap_days
    if checkin.workshop_id is None or gap <= 0:
        return False  # an expert's own check-in is deliberate
    repo = app.db.repo(CheckinsRepo)
    return await repo.sent_since(checkin.mentor_id, now - timedelta(days=gap), checkin.id) > 0


def _answer_hours(app: App) -> float:
    return app.config.features.checkins.answer_hours
