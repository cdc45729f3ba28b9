"""The workshop form's answers typed: one handler per question, read leniently, a guess asked back."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.workshops.form import answered, bad, take
from bot.features.workshops.ids import Step
from bot.features.workshops.input import COMMUNITY_MAX, MAX_PARTICIPANTS
from bot.features.workshops.questions import ask_back, ask_current, form_data
from bot.features.workshops.render import day_label, duration_words
from bot.features.workshops.routes import _settle_guess
from bot.messages import NOTE_MAX, clean_text
from bot.router import Routes
from bot.text import parse_choices, parse_count, parse_date, parse_duration, parse_yes_no

routes = Routes("ws")


# --- answers typed ----------------------------------------------------------------------------------


async def _guess_answered(ctx: Ctx, step: Step) -> bool:
    """Yes or no typed to a guess; any other text is a new answer (False)."""
    guess = form_data(ctx).get("guess")
    if not guess or guess.get("step") != step.field:
        return False
    answer = parse_yes_no(ctx.text)
    if answer is None:
        return False
    await _settle_guess(ctx, step, answer)
    return True


@routes.step(Step.DATE)
async def date_text(ctx: Ctx) -> None:
    """A date: 24.11., 29/11, 2026-11-24, today, last Saturday, la 29.11., i lördags."""
    if await _guess_answered(ctx, Step.DATE):
        return
    reading = parse_date(ctx.text, ctx.local_now().date())
    held = reading.value.isoformat() if reading.ok else None
    guess = ctx.t("ws.guess_date", date=day_label(ctx, reading.value)) if reading.ok else ""
    await take(ctx, Step.DATE, reading, {"held_on": held}, "ws.bad_date_", guess)


@routes.step(Step.COMMUNITY)
async def community_text(ctx: Ctx) -> None:
    """The community's name, on one line (a bare number is asked back: it is rarely a name)."""
    if await _guess_answered(ctx, Step.COMMUNITY):
        return
    name, problem = clean_text(ctx.incoming.text or "", COMMUNITY_MAX)
    if problem or "\n" in name:
        await bad(ctx, Step.COMMUNITY, "ws.bad_community", max=COMMUNITY_MAX)
    elif parse_count(name, MAX_PARTICIPANTS).ok:
        await ask_back(
            ctx, Step.COMMUNITY, {"community": name}, ctx.t("ws.guess_community", name=name)
        )
    else:
        await answered(ctx, Step.COMMUNITY, community=name)


@routes.step(Step.PARTICIPANTS)
async def participants_text(ctx: Ctx) -> None:
    """The number of participants: 12, about 15, noin 12, 15-20 (the midpoint, range kept)."""
    reading = parse_count(ctx.text, MAX_PARTICIPANTS)
    if not reading.ok:
        key = f"ws.bad_participants_{reading.problem}"
        await bad(ctx, Step.PARTICIPANTS, key, max=MAX_PARTICIPANTS)
        return
    values = {
        "participants": reading.value,
        "participants_low": reading.low,
        "participants_high": reading.high,
    }
    await answered(ctx, Step.PARTICIPANTS, **values)


@routes.step(Step.THEMES)
async def themes_text(ctx: Ctx) -> None:
    """Several themes at once by their numbers in the list ("1 3"); one number ticks one."""
    sections = ctx.app.content.sections
    reading = parse_choices(ctx.text, len(sections))
    if not reading.ok:
        await bad(ctx, Step.THEMES, "ws.bad_themes_numbers", last=len(sections))
        return
    themes = [sections[n - 1].id for n in reading.value]
    await answered(ctx, Step.THEMES, themes=themes)


@routes.step(Step.DURATION)
async def duration_text(ctx: Ctx) -> None:
    """A duration: 2 h, 1,5 h, 90 min, puolitoista tuntia; a bare 2 is asked back (2 hours?)."""
    if await _guess_answered(ctx, Step.DURATION):
        return
    reading = parse_duration(ctx.text)
    guess = ctx.t("ws.guess_duration", duration=duration_words(ctx, reading.value or 0))
    if reading.problem:
        await bad(ctx, Step.DURATION, "ws.bad_duration")
    else:
        await take(ctx, Step.DURATION, reading, {"duration_min": reading.value}, "", guess)


@routes.step(Step.COFAC)
async def co_facilitated_text(ctx: Ctx) -> None:
    """Yes or no: co-facilitated."""
    await _yes_no(ctx, Step.COFAC, "co_facilitated")


@routes.step(Step.WELL)
async def went_well_text(ctx: Ctx) -> None:
    """What went well."""
    await _note(ctx, Step.WELL, "went_well")


@routes.step(Step.SHARE)
async def share_text(ctx: Ctx) -> None:
    """Yes or no: share what went well."""
    await _yes_no(ctx, Step.SHARE, "share_practice")


@routes.step(Step.HARD)
async def was_hard_text(ctx: Ctx) -> None:
    """What was hard."""
    await _note(ctx, Step.HARD, "was_hard")


@routes.step(Step.SUPPORT)
async def support_text(ctx: Ctx) -> None:
    """Yes or no: support wanted."""
    await _yes_no(ctx, Step.SUPPORT, "needs_support")


@routes.step(Step.SUMMARY, Step.EDIT_MENU)
async def buttons_only_text(ctx: Ctx) -> None:
    """The summary and the edit menu take a choice: they come again right away."""
    await ctx.reply(ctx.t("ws.use_options"))
    await ask_current(ctx)


async def _note(ctx: Ctx, step: Step, key: str) -> None:
    note, problem = clean_text(ctx.incoming.text or "", NOTE_MAX)
    if problem == "too_long":
        await ctx.reply(ctx.t("ws.bad_note_long", max=NOTE_MAX, length=len(note)))
    elif problem:
        await bad(ctx, step, "ws.bad_note_empty")
    else:
        await answered(ctx, step, **{key: note})


async def _yes_no(ctx: Ctx, step: Step, key: str) -> None:
    answer = parse_yes_no(ctx.incoming.text or "")
    if answer is None:
        await bad(ctx, step, "ws.use_options")
    else:
        await answered(ctx, step, **{key: answer})
