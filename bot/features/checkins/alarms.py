"""A check-in's alarms: storing one with its alarm, sending it when due, the reminder, missed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import in_quiet_hours, next_allowed, to_iso
from bot.features.checkins.messages import checkin_message, render_checkin, tell_expert
from bot.messages import SendResult
from storage.checkins import Checkin, CheckinsRepo, checkin_context
from storage.jobs import Job
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App
    from bot.scheduler_batch import Firing

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


async def fire_checkin(app: App, job: Job, firing: Firing) -> datetime | None:
    """At the due time: send the check-in (never in quiet hours), then wait for an answer. Reads
    what the claim read (CHECKIN_JOB_CONTEXT); the batch stores it as sent, its message and its
    follow-up together, only if it is still scheduled then."""
    context = checkin_context(job.context)
    if context is None:
        return None
    checkin = context.checkin
    if checkin.status != "scheduled":  # "sent": queued before (the job runs again after a restart)
        return None
    repo = app.db.repo(CheckinsRepo)
    recipient = context.recipient
    mentor = recipient.person if recipient is not None else None
    if recipient is None or mentor is None or not mentor.active:
        await repo.set_status(checkin.id, "cancelled")
        return None
    now = app.clock.now()
    tz = local_tz(app, mentor)
    quiet = app.config.bot.quiet_hours
    if in_quiet_hours(now, tz, quiet.start, quiet.end):
        return next_allowed(now, tz, quiet.start, quiet.end)
    if mentor.paused:
        return now + timedelta(days=1)
    if await _crowded(app, checkin, now, firing):
        await repo.set_status(checkin.id, "cancelled")  # calm: one was sent within the gap
        return None
    inbox = app.services.inbox
    if inbox is not None and inbox.busy_at(recipient.dialog_touched):
        return now + timedelta(minutes=FORM_WAIT_MINUTES)  # never in the middle of a form
    out = render_checkin(app, checkin, mentor, context.expert_name)
    # Sent, queued and followed up together: the outbox delivers it (after an outage too), and a
    # person who cannot receive it is handled by `undeliverable` below.
    firing.only_if(repo.mark_sent_many, checkin.id)
    firing.send(
        recipient,
        out,
        purpose=f"checkin:{checkin.id}",
        dedupe_key=f"checkin:{checkin.id}:{to_iso(job.due_at)}",
    )
    firing.add("checkin.followup", str(checkin.id), now + timedelta(hours=_answer_hours(app)))
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


async def _crowded(app: App, checkin: Checkin, now: datetime, firing: Firing) -> bool:
    """A check-in of the after-workshop rule when another went out within the gap (merged),
    or goes out to the same mentor in this batch."""
    gap = app.config.features.checkins.min_gap_days
    first = firing.first(("checkin.mentor", checkin.mentor_id))
    if checkin.workshop_id is None or gap <= 0:
        return False  # an expert's own check-in is deliberate
    if not first:
        return True
    repo = app.db.repo(CheckinsRepo)
    return await repo.sent_since(checkin.mentor_id, now - timedelta(days=gap), checkin.id) > 0


def _answer_hours(app: App) -> float:
    return app.config.features.checkins.answer_hours
