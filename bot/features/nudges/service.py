"""Nudges: the next bite at a rhythm and time of day the mentor chooses, never in quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import i18n
from bot.clock import in_quiet_hours, local_at, next_allowed
from storage.jobs import Job, JobsRepo
from storage.nudges import NudgesRepo, nudge_context
from storage.people import Person
from storage.progress import ProgressRepo

if TYPE_CHECKING:
    from bot.app import App
    from bot.scheduler_batch import Firing

JOB_KIND = "nudge"
MAX_UNANSWERED = 3
FORM_WAIT_MINUTES = 30  # a nudge due while the mentor fills in a form waits this long
# Weekdays (Monday = 0) on which each rhythm sends.
RHYTHM_DAYS = {
    "daily": frozenset(range(7)),
    "3week": frozenset({0, 2, 4}),
    "weekly": frozenset({0}),
}


def next_nudge_time(
    rhythm: str, at: time, tz: ZoneInfo, after: datetime, last_sent: datetime | None = None
) -> datetime | None:
    """The next send time (UTC) strictly after `after`, on a rhythm day, at most one a day."""
    days = RHYTHM_DAYS.get(rhythm)
    if not days:
        return None
    start = after.astimezone(tz).date()
    last_day = last_sent.astimezone(tz).date() if last_sent else None
    for offset in range(15):
        day = start + timedelta(days=offset)
        if day.weekday() not in days or (last_day is not None and day <= last_day):
            continue
        candidate = local_at(day, at, tz)
        if candidate > after:
            return candidate
    return None


class NudgeService:
    """Scheduling of one mentor's nudges; the job row is the truth."""

    def __init__(self, app: App) -> None:
        self.app = app

    def timezone_of(self, person: Person) -> ZoneInfo:
        """The person's own timezone, or the bot's."""
        return ZoneInfo(person.timezone) if person.timezone else self.app.config.tz

    def defer(self, when: datetime, person: Person) -> datetime:
        """`when`, or the end of the person's quiet hours when it falls inside them."""
        quiet = self.app.config.bot.quiet_hours
        return next_allowed(when, self.timezone_of(person), quiet.start, quiet.end)

    async def reschedule(self, person: Person) -> datetime | None:
        """Replace any pending nudge of the person by one at their next rhythm time."""
        await self.app.scheduler.cancel_for(JOB_KIND, str(person.id))
        settings = await self.app.db.repo(NudgesRepo).get(person.id)
        if settings is None or settings.rhythm == "off":
            return None
        due = next_nudge_time(
            settings.rhythm,
            settings.at_time,
            self.timezone_of(person),
            self.app.clock.now(),
            settings.last_sent_at,
        )
        if due is None:
            return None
        due = self.defer(due, person)
        await self.app.scheduler.add(JOB_KIND, str(person.id), due)
        return due

    async def welcome_back(self, person: Person | None) -> None:
        """The mentor is learning again: unanswered nudges are forgiven and nudges resume."""
        if person is None:
            return
        if not await self.app.db.repo(NudgesRepo).answered(person.id):
            return
        pending = await self.app.db.repo(JobsRepo).pending_for(JOB_KIND, str(person.id))
        if not pending:
            await self.reschedule(person)


async def fire_nudge(app: App, job: Job, firing: Firing) -> datetime | None:
    """Send the next bite if the mentor still wants it now; returns the next due time. Reads
    what the claim read (NUDGE_JOB_CONTEXT); the batch stores the send, the count and the bite
    read together (none of them after a crash before that: the nudge fires again)."""
    context = nudge_context(job.context)
    recipient, settings = context.recipient, context.settings
    person = recipient.person if recipient is not None else None
    if person is None or not person.active or settings is None or settings.rhythm == "off":
        return None
    if settings.unanswered >= MAX_UNANSWERED:
        return None  # resumes when the mentor comes back (NudgeService.welcome_back)
    service: NudgeService = app.services.nudges
    tz = service.timezone_of(person)
    now = app.clock.now()
    quiet = app.config.bot.quiet_hours
    if in_quiet_hours(now, tz, quiet.start, quiet.end):
        return next_allowed(now, tz, quiet.start, quiet.end)
    if (
        person.paused
        or settings.last_sent_at is not None
        and settings.last_sent_at.astimezone(tz).date() == now.astimezone(tz).date()
    ):
        nxt = next_nudge_time(settings.rhythm, settings.at_time, tz, now, now)
        return service.defer(nxt, person) if nxt else None
    inbox = app.services.inbox
    if inbox is not None and inbox.busy_at(recipient.dialog_touched):
        return now + timedelta(minutes=FORM_WAIT_MINUTES)  # a bite never interrupts a form
    learning = app.services.learning
    bite = learning.first_unread(context.seen)
    if bite is None:
        return None  # everything read: nothing left to nudge about
    intro_key = "nudge.last_one" if settings.unanswered + 1 >= MAX_UNANSWERED else "nudge.intro"
    lang = person.language
    out = firing.shared(  # the same bite in the same words for every mentor of the batch
        ("nudge", bite.id, lang, intro_key),
        lambda: replace(learning.render(person, bite, intro=i18n.t(lang, intro_key)), lang=lang),
    )
    firing.write(app.db.repo(NudgesRepo).record_sent_many, (person.id, now))
    firing.write(app.db.repo(ProgressRepo).mark_seen_many, (person.id, bite.id, bite.section_id))
    firing.send(recipient, out)
    if settings.unanswered + 1 >= MAX_UNANSWERED:
        return None
    nxt = next_nudge_time(settings.rhythm, settings.at_time, tz, now, now)
    return service.defer(nxt, person) if nxt else None
