"""The experts' side of check-ins: schedule one by hand, list, move and cancel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import local_at, parse_when
from bot.context import Ctx
from bot.features.checkins_schedule import checkin_time, schedule
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.text import clean_text
from storage.checkins import CheckinsRepo
from storage.people import PeopleRepo

if TYPE_CHECKING:
    pass


WHEN_CHOICES = {"3d": 3, "1w": 7, "2w": 14}
MESSAGE_MAX = 500


async def on_expert_text(ctx: Ctx) -> None:
    """Typed text in the expert's scheduling steps: a name to search, a time, or the message."""
    step = ctx.dialog.step
    if step == "ck.mentor":
        await _search_mentor(ctx)
    elif step == "ck.when":
        await _typed_when(ctx)
    elif step == "ck.message":
        text, problem = clean_text(ctx.incoming.text or "", MESSAGE_MAX)
        if problem:
            await ctx.reply(ctx.t("ck.bad_message", max=MESSAGE_MAX))
            return
        await ctx.set_step("ck.confirm", {**ctx.dialog.data, "message": text})
        await _confirm(ctx)
    else:
        await ctx.reply(ctx.t("ck.use_buttons"))


async def start_schedule(ctx: Ctx) -> None:
    """/checkin: choose a mentor (their cohort's as buttons, or type a name)."""
    people = ctx.repo(PeopleRepo)
    mentors = await people.with_role(Role.MENTOR)
    own = [m for m in mentors if ctx.person.cohort and m.cohort == ctx.person.cohort]
    shown = (own or mentors)[:12]
    await ctx.set_step("ck.mentor", {})
    rows = [[Choice(f"ck:x:m:{m.id}", f"{m.display_name} ({m.cohort or '-'})")] for m in shown]
    rows.append([ctx.button("ck:x:cancel", "ck.cancel")])
    key = "ck.choose_mentor" if shown else "ck.no_mentors"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))


async def _search_mentor(ctx: Ctx) -> None:
    needle = ctx.text.casefold()
    mentors = [
        m
        for m in await ctx.repo(PeopleRepo).with_role(Role.MENTOR)
        if needle in m.display_name.casefold()
    ]
    if not mentors:
        await ctx.reply(ctx.t("ck.nobody_found", text=ctx.text[:40]))
        return
    rows = [
        [Choice(f"ck:x:m:{m.id}", f"{m.display_name} ({m.cohort or '-'})")] for m in mentors[:12]
    ]
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.found"), *rows))


async def _ask_when(ctx: Ctx) -> None:
    rows = [[ctx.button(f"ck:x:w:{key}", f"ck.when_{key}")] for key in WHEN_CHOICES]
    rows.append([ctx.button("ck:x:cancel", "ck.cancel")])
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.ask_when"), *rows))


async def _typed_when(ctx: Ctx) -> None:
    due = parse_when(ctx.text, ctx.local_now().date(), ctx.tz)
    if due is None:
        await ctx.reply(ctx.t("ck.bad_when"))
        return
    if due <= ctx.now() or due > ctx.now() + timedelta(days=365):
        await ctx.reply(ctx.t("ck.when_range"))
        return
    await _when_chosen(ctx, due)


async def _when_chosen(ctx: Ctx, due: datetime) -> None:
    data = dict(ctx.dialog.data)
    if data.get("move"):
        await _move(ctx, data["move"], due)
        return
    await ctx.set_step("ck.message", {**data, "due": due.isoformat()})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ck.ask_message", max=MESSAGE_MAX),
            [ctx.button("ck:x:default", "ck.use_default")],
            [ctx.button("ck:x:cancel", "ck.cancel")],
        )
    )


async def _confirm(ctx: Ctx) -> None:
    data = ctx.dialog.data
    mentor = await ctx.repo(PeopleRepo).get(data["mentor"])
    due = datetime.fromisoformat(data["due"])
    message = data.get("message") or ctx.t("ck.default_marker")
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "ck.confirm",
                name=mentor.display_name if mentor else "-",
                when=due.astimezone(ctx.tz).strftime("%d.%m.%Y %H:%M"),
                message=message,
            ),
            [ctx.button("ck:x:ok", "ck.schedule")],
            [ctx.button("ck:x:cancel", "ck.cancel")],
        )
    )


async def on_expert_choice(ctx: Ctx) -> None:
    """ck:x:m:<mentor>, ck:x:w:<when>, ck:x:date, ck:x:default, ck:x:ok, ck:x:cancel, mv/cx."""
    parts = ctx.choice_parts[2:]
    action = parts[0] if parts else ""
    arg = parts[1] if len(parts) > 1 else ""
    step = ctx.dialog.step if ctx.dialog else ""
    if action == "cancel":
        await ctx.clear_step()
        await ctx.reply(ctx.t("ck.cancelled"))
    elif action == "m" and arg.isdecimal() and step == "ck.mentor":
        mentor = await ctx.repo(PeopleRepo).get(int(arg))
        if mentor is None or not mentor.active:
            await ctx.reply(ctx.t("common.stale_button"))
            return
        await ctx.set_step("ck.when", {"mentor": mentor.id})
        await _ask_when(ctx)
    elif action == "w" and arg in WHEN_CHOICES and step == "ck.when":
        day = ctx.local_now().date() + timedelta(days=WHEN_CHOICES[arg])
        await _when_chosen(ctx, local_at(day, checkin_time(ctx.app), ctx.tz))
    elif action == "default" and step == "ck.message":
        await ctx.set_step("ck.confirm", {**ctx.dialog.data, "message": None})
        await _confirm(ctx)
    elif action == "ok" and step == "ck.confirm":
        await _create(ctx)
    elif action in ("mv", "cx") and arg.isdecimal():
        await _manage(ctx, action, int(arg))
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _create(ctx: Ctx) -> None:
    data = ctx.dialog.data
    mentor = await ctx.repo(PeopleRepo).get(data["mentor"])
    await ctx.clear_step()
    if mentor is None or not mentor.active:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    due = datetime.fromisoformat(data["due"])
    checkin = await schedule(ctx.app, mentor, ctx.person.id, due, message=data.get("message"))
    await ctx.audit("checkin.scheduled", subject=str(checkin.id))
    await ctx.reply(
        ctx.t(
            "ck.scheduled",
            name=mentor.display_name,
            when=due.astimezone(ctx.tz).strftime("%d.%m.%Y %H:%M"),
        )
    )


async def list_checkins(ctx: Ctx) -> None:
    """/checkins: the expert's coming and waiting check-ins, with Move and Cancel."""
    checkins = await ctx.repo(CheckinsRepo).of_expert(ctx.person.id)
    if not checkins:
        await ctx.reply(ctx.t("ck.none_scheduled"))
        return
    people = ctx.repo(PeopleRepo)
    lines = [ctx.t("ck.list_title")]
    rows = []
    for checkin in checkins[:15]:
        mentor = await people.get(checkin.mentor_id)
        state = ctx.t("ck.state_sent") if checkin.status == "sent" else ""
        lines.append(
            f"#{checkin.id} · {mentor.display_name if mentor else '-'} · "
            f"{checkin.due_at.astimezone(ctx.tz).strftime('%d.%m.%Y %H:%M')} {state}".rstrip()
        )
        if checkin.status == "scheduled":
            rows.append(
                [
                    Choice(f"ck:x:mv:{checkin.id}", ctx.t("ck.move", number=checkin.id)),
                    Choice(f"ck:x:cx:{checkin.id}", ctx.t("ck.cancel_n", number=checkin.id)),
                ]
            )
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


async def _manage(ctx: Ctx, action: str, checkin_id: int) -> None:
    repo = ctx.repo(CheckinsRepo)
    checkin = await repo.get(checkin_id)
    if checkin is None or checkin.expert_id != ctx.person.id or checkin.status != "scheduled":
        await ctx.reply(ctx.t("ck.no_longer_open"))
        return
    if action == "cx":
        await ctx.app.scheduler.cancel_for("checkin", str(checkin.id))
        await repo.set_status(checkin.id, "cancelled")
        await ctx.audit("checkin.cancelled", subject=str(checkin.id))
        await ctx.reply(ctx.t("ck.cancelled_one", number=checkin.id))
        return
    await ctx.set_step("ck.when", {"move": checkin.id})
    await _ask_when(ctx)


async def _move(ctx: Ctx, checkin_id: int, due: datetime) -> None:
    await ctx.clear_step()
    repo = ctx.repo(CheckinsRepo)
    checkin = await repo.get(checkin_id)
    if checkin is None or checkin.status != "scheduled":
        await ctx.reply(ctx.t("ck.no_longer_open"))
        return
    await ctx.app.scheduler.cancel_for("checkin", str(checkin_id))
    await repo.reschedule(checkin_id, due)
    await ctx.app.scheduler.add("checkin", str(checkin_id), due)
    await ctx.audit("checkin.moved", subject=str(checkin_id))
    await ctx.reply(
        ctx.t("ck.moved", number=checkin_id, when=due.astimezone(ctx.tz).strftime("%d.%m.%Y %H:%M"))
    )
