"""Nudges: the next bite at a rhythm and time of day the mentor chooses, never in quiet hours."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import in_quiet_hours, local_at, next_allowed
from bot.context import Ctx
from bot.messages import Choice, Outgoing
from storage.jobs import Job, JobsRepo
from storage.nudges import RHYTHMS, NudgesRepo
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App

JOB_KIND = "nudge"
MAX_UNANSWERED = 3
# Weekdays (Monday = 0) on which each rhythm sends.
RHYTHM_DAYS = {
    "daily": frozenset(range(7)),
    "3week": frozenset({0, 2, 4}),
    "weekly": frozenset({0}),
}
SUGGESTED_TIMES = ("08:30", "12:00", "17:00", "19:00")
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$")


def setup(app: App) -> None:
    """Register /reminders, the nudge: buttons, the time step and the job handler."""
    app.router.command("reminders", show_settings, help_key="cmd.reminders")
    app.router.choice("nudge:", on_choice)
    app.router.step("nudge.", on_text)
    app.scheduler.on(JOB_KIND, fire_nudge)
    app.services.nudges = NudgeService(app)


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

    def _tz(self, person: Person) -> ZoneInfo:
        return ZoneInfo(person.timezone) if person.timezone else self.app.config.tz

    def _defer(self, when: datetime, person: Person) -> datetime:
        quiet = self.app.config.bot.quiet_hours
        return next_allowed(when, self._tz(person), quiet.start, quiet.end)

    async def reschedule(self, person: Person) -> datetime | None:
        """Replace any pending nudge of the person by one at their next rhythm time."""
        await self.app.scheduler.cancel_for(JOB_KIND, str(person.id))
        settings = await self.app.db.repo(NudgesRepo).get(person.id)
        if settings is None or settings.rhythm == "off":
            return None
        due = next_nudge_time(
            settings.rhythm,
            settings.at_time,
            self._tz(person),
            self.app.clock.now(),
            settings.last_sent_at,
        )
        if due is None:
            return None
        due = self._defer(due, person)
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


async def fire_nudge(app: App, job: Job) -> datetime | None:
    """Send the next bite if the mentor still wants it now; returns the next due time."""
    person = await app.db.repo(PeopleRepo).get(int(job.ref))
    nudges = app.db.repo(NudgesRepo)
    settings = await nudges.get(int(job.ref))
    if person is None or not person.active or settings is None or settings.rhythm == "off":
        return None
    if settings.unanswered >= MAX_UNANSWERED:
        return None  # resumes when the mentor comes back (NudgeService.welcome_back)
    service: NudgeService = app.services.nudges
    tz = service._tz(person)
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
        return service._defer(nxt, person) if nxt else None
    learning = app.services.learning
    bite = await learning.next_bite(person)
    if bite is None:
        return None  # everything read: nothing left to nudge about
    # Counted before sending: after a crash in between, a nudge is lost rather than sent twice.
    await nudges.record_sent(person.id, now)
    intro_key = "nudge.last_one" if settings.unanswered + 1 >= MAX_UNANSWERED else "nudge.intro"
    from bot import i18n

    out = await learning.bite_message(person, bite, intro=i18n.t(person.language, intro_key))
    await app.messenger.send_to_person(person.id, out)
    if settings.unanswered + 1 >= MAX_UNANSWERED:
        return None
    nxt = next_nudge_time(settings.rhythm, settings.at_time, tz, now, now)
    return service._defer(nxt, person) if nxt else None


# --- settings in the chat ---------------------------------------------------------------------


async def show_settings(ctx: Ctx) -> None:
    """/reminders: the current rhythm and buttons to change it."""
    settings = await ctx.repo(NudgesRepo).get(ctx.person.id)
    if settings is None or settings.rhythm == "off":
        current = ctx.t("nudge.now_off")
    else:
        current = ctx.t(
            "nudge.now_on",
            rhythm=ctx.t(f"nudge.rhythm_{settings.rhythm}"),
            time=settings.at_time.strftime("%H:%M"),
        )
        if settings.unanswered >= MAX_UNANSWERED:
            current += "\n" + ctx.t("nudge.stopped")
    rows = [[ctx.button(f"nudge:r:{r}", f"nudge.rhythm_{r}")] for r in RHYTHMS if r != "off"]
    rows.append([ctx.button("nudge:r:off", "nudge.rhythm_off")])
    rows.append([ctx.button("learn:home", "learn.back_to_sections")])
    await ctx.reply(Outgoing.with_buttons(current + "\n\n" + ctx.t("nudge.choose_rhythm"), *rows))


async def on_choice(ctx: Ctx) -> None:
    """nudge:home, nudge:r:<rhythm>, nudge:t:<HH:MM>."""
    parts = ctx.incoming.choice_id.split(":", 2)
    action = parts[1] if len(parts) > 1 else "home"
    arg = parts[2] if len(parts) > 2 else ""
    if action == "r" and arg in RHYTHMS:
        if arg == "off":
            await _save(ctx, "off", time(18, 0))
            return
        await ctx.set_step("nudge.time", {"rhythm": arg})
        await _ask_time(ctx)
    elif action == "t" and ctx.dialog is not None and ctx.dialog.step == "nudge.time":
        await _take_time(ctx, arg)
    elif action == "home":
        await show_settings(ctx)
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        await show_settings(ctx)


async def _ask_time(ctx: Ctx) -> None:
    quiet = ctx.app.config.bot.quiet_hours
    rows = [[Choice(f"nudge:t:{t}", t) for t in SUGGESTED_TIMES if _allowed(ctx, _parse(t))]]
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "nudge.ask_time",
                start=quiet.end.strftime("%H:%M"),
                end=quiet.start.strftime("%H:%M"),
            ),
            *rows,
        )
    )


async def on_text(ctx: Ctx) -> None:
    """A typed time of day, e.g. 18:30 or 7."""
    await _take_time(ctx, ctx.text)


async def _take_time(ctx: Ctx, raw: str) -> None:
    at = _parse(raw)
    quiet = ctx.app.config.bot.quiet_hours
    if at is None:
        await ctx.reply(ctx.t("nudge.bad_time", text=raw[:20]))
        await _ask_time(ctx)
        return
    if not _allowed(ctx, at):
        await ctx.reply(
            ctx.t(
                "nudge.quiet_time",
                start=quiet.start.strftime("%H:%M"),
                end=quiet.end.strftime("%H:%M"),
            )
        )
        await _ask_time(ctx)
        return
    await _save(ctx, ctx.dialog.data.get("rhythm", "daily"), at)


def _parse(raw: str) -> time | None:
    match = _TIME.match(raw or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _allowed(ctx: Ctx, at: time | None) -> bool:
    if at is None:
        return False
    quiet = ctx.app.config.bot.quiet_hours
    probe = local_at(ctx.local_now().date(), at, ctx.tz)
    return not in_quiet_hours(probe, ctx.tz, quiet.start, quiet.end)


async def _save(ctx: Ctx, rhythm: str, at: time) -> None:
    await ctx.repo(NudgesRepo).set(ctx.person.id, rhythm, at)
    await ctx.clear_step()
    await ctx.audit("nudge.set", rhythm=rhythm, at=at.strftime("%H:%M"))
    due = await ctx.app.services.nudges.reschedule(ctx.person)
    if due is None:
        text = ctx.t("nudge.saved_off")
    else:
        text = ctx.t(
            "nudge.saved",
            rhythm=ctx.t(f"nudge.rhythm_{rhythm}"),
            time=at.strftime("%H:%M"),
            first=due.astimezone(ctx.tz).strftime("%d.%m. %H:%M"),
        )
    await ctx.reply(
        Outgoing.with_buttons(
            text,
            [ctx.button("learn:home", "learn.back_to_sections")],
            [ctx.button("menu:home", "common.back_to_menu")],
        )
    )
