"""Follow-up check-ins: experts schedule them (or a rule does after a workshop); mentors answer 1-5."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.clock import in_quiet_hours, local_at, next_allowed
from bot.context import Ctx
from bot.features.checkins_experts import (
    list_checkins,
    on_expert_choice,
    on_expert_text,
    start_schedule,
)
from bot.features.checkins_schedule import (
    answer_hours,
    checkin_time,
    responsible_expert,
    schedule,
    tz_of,
)
from bot.messages import Choice, DeliveryStatus, Outgoing
from bot.roles import Role
from bot.text import NOTE_MAX, clean_text
from storage.checkins import Checkin, CheckinsRepo
from storage.jobs import Job, JobsRepo
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App

MAX_SNOOZES = 2
LOW_SCORE = 2
SNOOZES = {"3h": timedelta(hours=3), "1d": timedelta(days=1), "3d": timedelta(days=3)}
NEED_HELP = ("need help", "tarvitsen apua", "behöver hjälp", "apua", "help me")


def setup(app: App) -> None:
    """Register /checkin, /checkins, the ck: buttons, the job handlers and the workshop rule."""
    app.router.command("checkin", start_schedule, min_role=Role.EXPERT, help_key="cmd.checkin")
    app.router.command("checkins", list_checkins, min_role=Role.EXPERT, help_key="cmd.checkins")
    app.router.choice("ck:", on_mentor_choice)
    app.router.choice("ck:x:", on_expert_choice, min_role=Role.EXPERT)
    app.router.step("ck.words", on_words)
    app.router.step("ck.", on_expert_text)
    app.scheduler.on("checkin", fire_checkin)
    app.scheduler.on("checkin.followup", follow_up)
    app.events.on("workshop.logged", lambda **kw: after_workshop(app, **kw))


async def after_workshop(
    app: App, *, person: Person, workshop_id: int, themes, held_on: date, **_
) -> None:
    """The rule: a check-in N days after every logged workshop (config; 0 turns it off)."""
    days = app.config.features.checkins.after_workshop_days
    if days <= 0:
        return
    tz = tz_of(app, person)
    due = max(local_at(held_on + timedelta(days=days), checkin_time(app), tz), app.clock.now())
    expert = await responsible_expert(app, person)
    await schedule(
        app,
        person,
        expert.id if expert else None,
        due,
        themes=tuple(themes),
        workshop_id=workshop_id,
    )


# --- sending ----------------------------------------------------------------------------------------


def question_text(app: App, checkin: Checkin, lang: str) -> str:
    """The question: tailored to the workshop's first theme, else the default."""
    questions = app.content.checkin_questions
    for theme in checkin.themes:
        if theme in questions:
            return questions[theme].get(lang)
    if "default" in questions:
        return questions["default"].get(lang)
    return i18n.t(lang, "ck.default_question")


async def _message_for(
    app: App, checkin: Checkin, mentor: Person, reminder: bool = False
) -> Outgoing:
    lang = mentor.language
    expert = await app.db.repo(PeopleRepo).get(checkin.expert_id) if checkin.expert_id else None
    lines = []
    if reminder:
        lines.append(i18n.t(lang, "ck.reminder"))
    lines.append(
        i18n.t(lang, "ck.from_expert", name=expert.display_name)
        if expert
        else i18n.t(lang, "ck.from_project")
    )
    if checkin.message:
        lines.append(checkin.message)
    lines.append(question_text(app, checkin, lang))
    lines.append(i18n.t(lang, "ck.scale_hint"))
    scale = [Choice(f"ck:s:{checkin.id}:{n}", str(n)) for n in range(1, 6)]
    later = [Choice(f"ck:later:{checkin.id}", i18n.t(lang, "ck.not_now"))]
    return Outgoing.with_buttons("\n\n".join(lines), scale, later)


async def fire_checkin(app: App, job: Job) -> datetime | None:
    """At the due time: send the check-in (never in quiet hours), then wait for an answer."""
    repo = app.db.repo(CheckinsRepo)
    checkin = await repo.get(int(job.ref))
    if checkin is None or checkin.status not in ("scheduled", "sent"):
        return None
    # 'sent' while this job is still pending: the process stopped mid-send. Unless its follow-up
    # already exists (then it did go out), it is sent again: the one message in flight at a crash.
    interrupted = checkin.status == "sent"
    if interrupted and await app.db.repo(JobsRepo).pending_for("checkin.followup", str(checkin.id)):
        return None
    mentor = await app.db.repo(PeopleRepo).get(checkin.mentor_id)
    if mentor is None or not mentor.active:
        await repo.set_status(checkin.id, "cancelled")
        return None
    now = app.clock.now()
    tz = tz_of(app, mentor)
    quiet = app.config.bot.quiet_hours
    if in_quiet_hours(now, tz, quiet.start, quiet.end):
        return next_allowed(now, tz, quiet.start, quiet.end)
    if mentor.paused:
        return now + timedelta(days=1)
    # Marked sent first, so an answer can be taken while the message is on its way.
    if not interrupted and not await repo.mark_sent(checkin.id):
        return None
    result = await app.messenger.send_to_person(mentor.id, await _message_for(app, checkin, mentor))
    if result.status is DeliveryStatus.BLOCKED:
        await repo.set_status(checkin.id, "missed")
        await _tell_expert(app, checkin, "ck.unreachable_to_expert", mentor)
        return None
    if not result.ok:
        retry = now + timedelta(seconds=result.retry_after or 300)
        await repo.reschedule(checkin.id, retry)
        return retry
    await app.scheduler.add(
        "checkin.followup", str(checkin.id), now + timedelta(hours=answer_hours(app))
    )
    return None


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
        tz = tz_of(app, mentor)
        quiet = app.config.bot.quiet_hours
        if in_quiet_hours(now, tz, quiet.start, quiet.end):
            return next_allowed(now, tz, quiet.start, quiet.end)
        await repo.mark_reminded(checkin.id)
        await app.messenger.send_to_person(
            mentor.id, await _message_for(app, checkin, mentor, reminder=True)
        )
        return now + timedelta(hours=answer_hours(app))
    await repo.set_status(checkin.id, "missed")
    await _tell_expert(app, checkin, "ck.missed_to_expert", mentor)
    return None


async def _tell_expert(app: App, checkin: Checkin, key: str, mentor: Person, **values) -> None:
    """Tell the check-in's expert (or every expert when it has none)."""
    people = app.db.repo(PeopleRepo)
    if checkin.expert_id:
        expert = await people.get(checkin.expert_id)
        experts = [expert] if expert and expert.active else []
    else:
        experts = await people.with_role(Role.EXPERT)
    for expert in experts:
        text = i18n.t(expert.language, key, name=mentor.display_name, number=checkin.id, **values)
        await app.messenger.send_to_person(expert.id, Outgoing(text))


# --- the mentor answers -----------------------------------------------------------------------------


async def on_mentor_choice(ctx: Ctx) -> None:
    """ck:s:<id>:<score>, ck:later:<id>, ck:snz:<id>:<when>, ck:skip:<id>."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else ""
    if len(parts) < 3 or not parts[2].isdecimal():
        await ctx.reply(ctx.t("common.stale_button"))
        return
    repo = ctx.repo(CheckinsRepo)
    checkin = await repo.get(int(parts[2]))
    if checkin is None or checkin.mentor_id != ctx.person.id:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    if action == "skip":
        await ctx.clear_step()
        await _finish(ctx, checkin, "")
        return
    if checkin.status != "sent":
        key = "ck.already_answered" if checkin.status == "answered" else "ck.no_longer_open"
        await ctx.reply(ctx.t(key))
        return
    if action == "s" and len(parts) == 4 and parts[3] in "12345" and len(parts[3]) == 1:
        await _scored(ctx, checkin, int(parts[3]))
    elif action == "later":
        await _offer_snooze(ctx, checkin)
    elif action == "snz" and len(parts) == 4 and parts[3] in SNOOZES:
        await _snooze(ctx, checkin, parts[3])
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _scored(ctx: Ctx, checkin: Checkin, score: int) -> None:
    repo = ctx.repo(CheckinsRepo)
    if not await repo.answer(checkin.id, score):
        await ctx.reply(ctx.t("ck.already_answered"))
        return
    await ctx.app.scheduler.cancel_for("checkin.followup", str(checkin.id))
    await ctx.audit("checkin.answered", subject=str(checkin.id), score=score)
    checkin = await repo.get(checkin.id)
    await ctx.reply(ctx.t("ck.thanks_low" if score <= LOW_SCORE else "ck.thanks"))
    if score <= LOW_SCORE:
        await _escalate(ctx, checkin, "")
    await ctx.set_step("ck.words", {"checkin": checkin.id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ck.ask_words"), [ctx.button(f"ck:skip:{checkin.id}", "ck.skip")]
        )
    )


async def on_words(ctx: Ctx) -> None:
    """The mentor's optional words after the score."""
    words, problem = clean_text(ctx.incoming.text or "", NOTE_MAX)
    if problem == "too_long":
        await ctx.reply(ctx.t("ck.words_too_long", max=NOTE_MAX, length=len(words)))
        return
    checkin = await ctx.repo(CheckinsRepo).get(ctx.dialog.data["checkin"])
    await ctx.clear_step()
    if checkin is not None:
        await _finish(ctx, checkin, words)


async def _finish(ctx: Ctx, checkin: Checkin, words: str) -> None:
    """Store the words, open a ticket when help is asked for, and tell the expert."""
    repo = ctx.repo(CheckinsRepo)
    if words:
        await repo.add_words(checkin.id, words)
    checkin = await repo.get(checkin.id)
    asks_help = any(phrase in words.casefold() for phrase in NEED_HELP)
    if checkin.ticket_id is None and asks_help:
        await _escalate(ctx, checkin, words)
    elif checkin.ticket_id is not None and words:
        escalations = ctx.app.services.escalations
        if escalations is not None:
            await escalations.tickets.add_message(checkin.ticket_id, "mentor", ctx.person.id, words)
    await _tell_expert(
        ctx.app,
        checkin,
        "ck.answer_to_expert",
        ctx.person,
        score=checkin.score or "-",
        words=words or "-",
    )
    await ctx.show_menu(lead=ctx.t("ck.saved"))


async def _escalate(ctx: Ctx, checkin: Checkin, words: str) -> None:
    escalations = ctx.app.services.escalations
    if escalations is None:
        return
    text = ctx.t("ck.ticket_text", score=checkin.score or "-", words=words or "-")
    number = await escalations.open_ticket(
        mentor_id=ctx.person.id, topic="wellbeing", text=text, source="checkin"
    )
    await ctx.repo(CheckinsRepo).set_ticket(checkin.id, number)
    await ctx.reply(ctx.t("ck.ticket_opened", number=number))


async def _offer_snooze(ctx: Ctx, checkin: Checkin) -> None:
    if checkin.snoozes >= MAX_SNOOZES:
        mentor = ctx.person
        out = await _message_for(ctx.app, checkin, mentor)
        await ctx.reply(ctx.t("ck.no_more_snoozes"))
        await ctx.reply(Outgoing.with_buttons(out.text, out.choices[0]))
        return
    rows = [[ctx.button(f"ck:snz:{checkin.id}:{key}", f"ck.snooze_{key}")] for key in SNOOZES]
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.when_later"), *rows))


async def _snooze(ctx: Ctx, checkin: Checkin, key: str) -> None:
    if checkin.snoozes >= MAX_SNOOZES:
        await _offer_snooze(ctx, checkin)
        return
    due = ctx.now() + SNOOZES[key]
    await ctx.app.scheduler.cancel_for("checkin.followup", str(checkin.id))
    await ctx.app.scheduler.cancel_for("checkin", str(checkin.id))
    await ctx.repo(CheckinsRepo).reschedule(checkin.id, due, snooze=True)
    await ctx.app.scheduler.add("checkin", str(checkin.id), due)
    await ctx.audit("checkin.snoozed", subject=str(checkin.id))
    await ctx.reply(ctx.t("ck.snoozed", when=due.astimezone(ctx.tz).strftime("%d.%m. %H:%M")))


# --- the expert schedules, lists, moves and cancels ------------------------------------------------
