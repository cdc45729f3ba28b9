"""The workshop form's flow: an answer moves on, a bad one is asked again, Save stores the workshop."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot import i18n
from bot.context import Ctx
from bot.features.workshops import ids
from bot.features.workshops.ids import QUESTIONS, Step
from bot.features.workshops.questions import ask, ask_back, form_data, show_summary
from bot.messages import Outgoing
from bot.roles import Role
from bot.text import Reading
from storage.people import PeopleRepo
from storage.workshops import DraftsRepo, WorkshopsRepo

QUICK_PARTICIPANTS = (5, 10, 15, 20, 25, 30)
MAX_BAD = 3
# The answers a workshop cannot be saved without, by question, in the order they are asked.
REQUIRED = {
    Step.DATE: "held_on",
    Step.COMMUNITY: "community",
    Step.PARTICIPANTS: "participants",
    Step.THEMES: "themes",
    Step.DURATION: "duration_min",
}


async def start_fresh(ctx: Ctx) -> None:
    """A new, empty form (any kept draft is dropped)."""
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    await ctx.set_step(Step.DATE, {"form": {}, "bad": 0})
    await ask(ctx, Step.DATE, lead=ctx.t("ws.intro"))


async def answered(ctx: Ctx, step: Step, **values: object) -> None:
    """Store answers in the draft, then go to the next question (or back to the summary)."""
    data = form_data(ctx)
    form = {**data.get("form", {}), **values}
    data.update(form=form, bad=0)
    data.pop("guess", None)
    if data.get("editing"):
        if step is Step.WELL and form.get("went_well") and "share_practice" not in values:
            await ctx.set_step(Step.SHARE, data)
            await ask(ctx, Step.SHARE)
            return
        await ctx.set_step(Step.SUMMARY, data)
        await show_summary(ctx)
        return
    nxt = _next_question(step, form)
    if nxt is None:
        await ctx.set_step(Step.SUMMARY, data)
        await show_summary(ctx)
    else:
        await ctx.set_step(nxt, data)
        await ask(ctx, nxt)


def _next_question(step: Step, form: dict) -> Step | None:
    for candidate in QUESTIONS[QUESTIONS.index(step) + 1 :]:
        if candidate is Step.SHARE and not form.get("went_well"):
            continue
        return candidate
    return None


async def take(
    ctx: Ctx, step: Step, reading: Reading, values: dict, problem_key: str, guess: str = ""
) -> None:
    """A typed answer read: kept, asked back when it was a guess, or a friendly re-ask."""
    if not reading.ok:
        await bad(ctx, step, f"{problem_key}{reading.problem}")
    elif reading.guessed:
        await ask_back(ctx, step, values, guess)
    else:
        await answered(ctx, step, **values)


async def bad(ctx: Ctx, step: Step, problem_key: str, **values: object) -> None:
    """A friendly re-ask with the question and its options again (so a number typed next
    lands where it belongs); after three bad answers for a count, quick picks."""
    data = form_data(ctx)
    data.pop("guess", None)
    count = data.get("bad", 0) + 1
    problem = ctx.t(problem_key, **values)
    if count >= MAX_BAD and step is Step.PARTICIPANTS:
        await ctx.set_step(step, {**data, "bad": 0})
        rows = [[ids.PickParticipants(n).button(str(n)) for n in QUICK_PARTICIPANTS]]
        picks = Outgoing.with_buttons(
            problem + "\n\n" + ctx.t("ws.pick_participants"),
            *rows,
            [ids.Cancel().button(ctx.t("ws.cancel"))],
        )
        await ctx.reply(replace(picks, numbered=False))
        return
    await ctx.set_step(step, {**data, "bad": count})
    await ask(ctx, step, lead=problem)


async def save(ctx: Ctx) -> None:
    """Store the workshop (new, or the changes to a saved one); ask what is still missing."""
    data = form_data(ctx)
    form = dict(data.get("form", {}))
    missing = [step for step, key in REQUIRED.items() if not form.get(key)]
    if missing:
        await ctx.reply(ctx.t("ws.incomplete"))
        await ask(ctx, missing[0])
        return
    form["held_on"] = date.fromisoformat(form["held_on"])
    form["themes"] = tuple(form["themes"])
    repo = ctx.repo(WorkshopsRepo)
    workshop_id = data.get("workshop_id")
    if workshop_id:
        await repo.update(ctx.person.id, workshop_id, form)
        await ctx.audit("workshop.edited", subject=str(workshop_id))
    else:
        workshop_id = await repo.add(ctx.person.id, ctx.person.cohort, form)
        await ctx.audit("workshop.logged", subject=str(workshop_id))
    await ctx.clear_step()
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    await ctx.reply(ctx.t("ws.saved_edit" if data.get("workshop_id") else "ws.saved"))
    if not data.get("workshop_id"):
        await ctx.app.events.emit(
            "workshop.logged",
            person=ctx.person,
            workshop_id=workshop_id,
            themes=form["themes"],
            held_on=form["held_on"],
        )
        if form.get("needs_support"):
            await _support(ctx, workshop_id, form)
            return
    await ctx.show_menu()


async def _support(ctx: Ctx, workshop_id: int, form: dict) -> None:
    """Support asked: straight into asking an expert when escalations exist, else flag for staff."""
    escalations = ctx.app.services.escalations
    if escalations is not None:
        await escalations.ask_after_workshop(ctx, workshop_id)
        return
    await ctx.repo(WorkshopsRepo).flag_support(workshop_id)
    held = form["held_on"].strftime("%d.%m.%Y")
    staff = await ctx.repo(PeopleRepo).with_role(Role.STAFF)
    staff += await ctx.repo(PeopleRepo).with_role(Role.ADMIN)
    for member in staff:
        text = i18n.t(
            member.language,
            "ws.support_to_staff",
            name=ctx.person.display_name,
            date=held,
            number=workshop_id,
            hard=form.get("was_hard") or "-",
        )
        await ctx.send_to(member.id, Outgoing(text))
    await ctx.show_menu(lead=ctx.t("ws.support_flagged"))
