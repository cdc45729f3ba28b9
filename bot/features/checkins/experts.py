"""Check-ins, the experts' side: schedule one by hand, list, move and cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import local_at
from bot.context import Ctx
from bot.features.checkins import ids
from bot.features.checkins.alarms import schedule
from bot.features.checkins.ids import Step
from bot.messages import Choice, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from bot.text import parse_when
from storage.checkins import Checkin, CheckinsRepo
from storage.people import PeopleRepo, Person

WHEN_DAYS = {"3d": 3, "1w": 7, "2w": 14}
MESSAGE_MAX = 500

routes = Routes("ck")


# --- scheduling: mentor, when, message, confirm --------------------------------------------------


@routes.command("checkin", min_role=Role.EXPERT, help_key="cmd.checkin")
async def start_schedule(ctx: Ctx) -> None:
    """/checkin: choose a mentor (their cohort's as buttons, or type a name)."""
    people = ctx.repo(PeopleRepo)
    mentors = await people.with_role(Role.MENTOR)
    own = [m for m in mentors if ctx.person.cohort and m.cohort == ctx.person.cohort]
    shown = (own or mentors)[:12]
    await ctx.set_step(Step.MENTOR, {})
    rows = [[_mentor_button(m)] for m in shown]
    rows.append([ids.CancelScheduling().button(ctx.t("ck.cancel"))])
    key = "ck.choose_mentor" if shown else "ck.no_mentors"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))


@routes.step(Step.MENTOR)
async def search_mentor(ctx: Ctx) -> None:
    """A name (or part of one) typed: the mentors who match, as buttons."""
    needle = ctx.text.casefold()
    mentors = [
        m
        for m in await ctx.repo(PeopleRepo).with_role(Role.MENTOR)
        if needle in m.display_name.casefold()
    ]
    if not mentors:
        await ctx.reply(ctx.t("ck.nobody_found", text=ctx.text[:40]))
        return
    rows = [[_mentor_button(m)] for m in mentors[:12]]
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.found"), *rows))


@routes.choice("ck:x:m", ids.ChooseMentor, min_role=Role.EXPERT)
async def choose_mentor(ctx: Ctx, choice: ids.ChooseMentor) -> None:
    """The mentor chosen: now when."""
    if not await _in_step(ctx, Step.MENTOR):
        return
    mentor = await ctx.repo(PeopleRepo).get(choice.mentor)
    if mentor is None or not mentor.active or mentor.role is not Role.MENTOR:
        # Check-ins are for mentors only: a forged id cannot point one at staff or an admin.
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await ctx.set_step(Step.WHEN, {"mentor": mentor.id})
    await _ask_when(ctx)


@routes.choice("ck:x:w", ids.ChooseWhen, min_role=Role.EXPERT)
async def choose_when(ctx: Ctx, choice: ids.ChooseWhen) -> None:
    """In 3 days, a week or two weeks, at the configured time of day."""
    if not await _in_step(ctx, Step.WHEN):
        return
    day = ctx.local_now().date() + timedelta(days=WHEN_DAYS[choice.when])
    await _when_chosen(ctx, local_at(day, ctx.app.config.features.checkins.at, ctx.tz))


@routes.step(Step.WHEN)
async def typed_when(ctx: Ctx) -> None:
    """A date and time typed (within a year from now)."""
    due = parse_when(ctx.text, ctx.local_now().date(), ctx.tz).value
    if due is None:
        await ctx.reply(ctx.t("ck.bad_when"))
        return
    if due <= ctx.now() or due > ctx.now() + timedelta(days=365):
        await ctx.reply(ctx.t("ck.when_range"))
        return
    await _when_chosen(ctx, due)


@routes.step(Step.MESSAGE)
async def message_text(ctx: Ctx) -> None:
    """The expert's own message to go with the question."""
    text, problem = clean_text(ctx.incoming.text or "", MESSAGE_MAX)
    if problem:
        await ctx.reply(ctx.t("ck.bad_message", max=MESSAGE_MAX))
        return
    await ctx.set_step(Step.CONFIRM, {**ctx.dialog.data, "message": text})
    await _confirm(ctx)


@routes.choice("ck:x:default", ids.DefaultMessage, min_role=Role.EXPERT)
async def default_message(ctx: Ctx, choice: ids.DefaultMessage) -> None:
    """No message of the expert's own."""
    if not await _in_step(ctx, Step.MESSAGE):
        return
    await ctx.set_step(Step.CONFIRM, {**ctx.dialog.data, "message": None})
    await _confirm(ctx)


@routes.step(Step.CONFIRM)
async def use_buttons(ctx: Ctx) -> None:
    """Text where Schedule or Cancel is expected."""
    await ctx.reply(ctx.t("ck.use_buttons"))


@routes.choice("ck:x:ok", ids.ConfirmSchedule, min_role=Role.EXPERT)
async def confirm(ctx: Ctx, choice: ids.ConfirmSchedule) -> None:
    """Schedule it: stored, and its alarm armed."""
    if not await _in_step(ctx, Step.CONFIRM):
        return
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


@routes.choice("ck:x:cancel", ids.CancelScheduling, min_role=Role.EXPERT)
async def cancel(ctx: Ctx, choice: ids.CancelScheduling) -> None:
    """Stop scheduling or moving (nothing changes)."""
    await ctx.clear_step()
    await ctx.reply(ctx.t("ck.cancelled"))


async def _ask_when(ctx: Ctx) -> None:
    rows = [[ids.ChooseWhen(key).button(ctx.t(f"ck.when_{key}"))] for key in WHEN_DAYS]
    rows.append([ids.CancelScheduling().button(ctx.t("ck.cancel"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.ask_when"), *rows))


async def _when_chosen(ctx: Ctx, due: datetime) -> None:
    data = dict(ctx.dialog.data)
    if data.get("move"):
        await _move(ctx, data["move"], due)
        return
    await ctx.set_step(Step.MESSAGE, {**data, "due": due.isoformat()})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ck.ask_message", max=MESSAGE_MAX),
            [ids.DefaultMessage().button(ctx.t("ck.use_default"))],
            [ids.CancelScheduling().button(ctx.t("ck.cancel"))],
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
            [ids.ConfirmSchedule().button(ctx.t("ck.schedule"))],
            [ids.CancelScheduling().button(ctx.t("ck.cancel"))],
        )
    )


# --- the expert's list: move and cancel ----------------------------------------------------------


@routes.choice("ck:x:new", ids.NewCheckin, min_role=Role.EXPERT)
async def new_checkin(ctx: Ctx, choice: ids.NewCheckin) -> None:
    """Schedule a check-in (from the list of check-ins)."""
    await start_schedule(ctx)


@routes.choice("ck:x:list", ids.ListCheckins, min_role=Role.EXPERT)
async def checkins_button(ctx: Ctx, choice: ids.ListCheckins) -> None:
    """The menu's Check-ins."""
    await list_checkins(ctx)


@routes.command("checkins", min_role=Role.EXPERT, help_key="cmd.checkins")
async def list_checkins(ctx: Ctx) -> None:
    """/checkins: the expert's coming and waiting check-ins, with Move and Cancel."""
    checkins = await ctx.repo(CheckinsRepo).of_expert(ctx.person.id)
    schedule = [ids.NewCheckin().button(ctx.t("ck.schedule_new"))]
    if not checkins:
        await ctx.reply(Outgoing.with_buttons(ctx.t("ck.none_scheduled"), schedule))
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
                    ids.Move(checkin.id).button(ctx.t("ck.move", number=checkin.id)),
                    ids.CancelCheckin(checkin.id).button(ctx.t("ck.cancel_n", number=checkin.id)),
                ]
            )
    rows.append(schedule)
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("ck:x:mv", ids.Move, min_role=Role.EXPERT)
async def start_move(ctx: Ctx, choice: ids.Move) -> None:
    """Move a scheduled check-in: when, now?"""
    checkin = await _own_scheduled(ctx, choice.checkin)
    if checkin is None:
        return
    await ctx.set_step(Step.WHEN, {"move": checkin.id})
    await _ask_when(ctx)


@routes.choice("ck:x:cx", ids.CancelCheckin, min_role=Role.EXPERT)
async def cancel_checkin(ctx: Ctx, choice: ids.CancelCheckin) -> None:
    """Cancel a scheduled check-in and its alarm."""
    checkin = await _own_scheduled(ctx, choice.checkin)
    if checkin is None:
        return
    await ctx.app.scheduler.cancel_for("checkin", str(checkin.id))
    await ctx.repo(CheckinsRepo).set_status(checkin.id, "cancelled")
    await ctx.audit("checkin.cancelled", subject=str(checkin.id))
    await ctx.reply(ctx.t("ck.cancelled_one", number=checkin.id))


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


# --- shared by the handlers ----------------------------------------------------------------------


def _mentor_button(mentor: Person) -> Choice:
    return ids.ChooseMentor(mentor.id).button(f"{mentor.display_name} ({mentor.cohort or '-'})")


async def _in_step(ctx: Ctx, step: Step) -> bool:
    """True in `step` of scheduling; otherwise (said) the button is stale."""
    if ctx.dialog is not None and ctx.dialog.step == step:
        return True
    await ctx.reply(ctx.t("common.stale_button"))
    return False


async def _own_scheduled(ctx: Ctx, checkin_id: int) -> Checkin | None:
    """The expert's own check-in while it is still to be sent; otherwise says it is not open."""
    checkin = await ctx.repo(CheckinsRepo).get(checkin_id)
    if checkin is None or checkin.expert_id != ctx.person.id or checkin.status != "scheduled":
        await ctx.reply(ctx.t("ck.no_longer_open"))
        return None
    return checkin
