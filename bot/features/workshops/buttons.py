"""The workshop form's answers given by button: a date, a community, counts, themes, yes or no."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.features.workshops import ids
from bot.features.workshops.form import answered
from bot.features.workshops.ids import Step
from bot.features.workshops.questions import ask, form_data
from bot.features.workshops.routes import _at
from bot.router import Routes

routes = Routes("ws")


# --- answers by button ------------------------------------------------------------------------------


@routes.choice("ws:date", ids.PickDate)
async def pick_date(ctx: Ctx, choice: ids.PickDate) -> None:
    """Today or yesterday."""
    if await _at(ctx, Step.DATE):
        today = ctx.local_now().date()
        held = today if choice.day == "today" else today - timedelta(days=1)
        await answered(ctx, Step.DATE, held_on=held.isoformat())


@routes.choice("ws:comm", ids.PickCommunity)
async def pick_community(ctx: Ctx, choice: ids.PickCommunity) -> None:
    """One of the recent communities the question offered (else the question again)."""
    if await _at(ctx, Step.COMMUNITY):
        recent = form_data(ctx).get("recent", [])
        if choice.index < len(recent):
            await answered(ctx, Step.COMMUNITY, community=recent[choice.index])
        else:
            await ask(ctx, Step.COMMUNITY)


@routes.choice("ws:n", ids.PickParticipants)
async def pick_participants(ctx: Ctx, choice: ids.PickParticipants) -> None:
    """A number of participants from the quick picks."""
    if await _at(ctx, Step.PARTICIPANTS):
        await answered(ctx, Step.PARTICIPANTS, participants=choice.count)


@routes.choice("ws:th", ids.ToggleTheme)
async def toggle_theme(ctx: Ctx, choice: ids.ToggleTheme) -> None:
    """Tick or untick a theme, then the question again with the ticks."""
    if not await _at(ctx, Step.THEMES):
        return
    if ctx.app.content.section(choice.section) is None:
        await ask(ctx, Step.THEMES)
        return
    data = form_data(ctx)
    form = dict(data.get("form", {}))
    chosen = list(form.get("themes", []))
    if choice.section in chosen:
        chosen = [t for t in chosen if t != choice.section]
    else:
        chosen = [*chosen, choice.section]
    form["themes"] = chosen
    await ctx.set_step(Step.THEMES, {**data, "form": form})
    await ask(ctx, Step.THEMES)


@routes.choice("ws:th:done", ids.ThemesDone)
async def themes_done(ctx: Ctx, choice: ids.ThemesDone) -> None:
    """The ticked themes, in the order of the sections (at least one)."""
    if not await _at(ctx, Step.THEMES):
        return
    chosen = form_data(ctx).get("form", {}).get("themes", [])
    if not chosen:
        await ctx.reply(ctx.t("ws.bad_themes"))
        return
    ordered = [s.id for s in ctx.app.content.sections if s.id in chosen]
    await answered(ctx, Step.THEMES, themes=ordered)


@routes.choice("ws:dur", ids.PickDuration)
async def pick_duration(ctx: Ctx, choice: ids.PickDuration) -> None:
    """A duration from the buttons."""
    if await _at(ctx, Step.DURATION):
        await answered(ctx, Step.DURATION, duration_min=choice.minutes)


@routes.choice("ws:cof", ids.CoFacilitated)
async def co_facilitated(ctx: Ctx, choice: ids.CoFacilitated) -> None:
    """Co-facilitated or not."""
    if await _at(ctx, Step.COFAC):
        await answered(ctx, Step.COFAC, co_facilitated=choice.answer == "yes")


@routes.choice("ws:skip:well", ids.SkipWentWell)
async def skip_went_well(ctx: Ctx, choice: ids.SkipWentWell) -> None:
    """No note on what went well, so nothing to share."""
    if await _at(ctx, Step.WELL):
        await answered(ctx, Step.WELL, went_well=None, share_practice=False)


@routes.choice("ws:share", ids.SharePractice)
async def share_practice(ctx: Ctx, choice: ids.SharePractice) -> None:
    """Whether what went well may be shared as a good practice."""
    if await _at(ctx, Step.SHARE):
        await answered(ctx, Step.SHARE, share_practice=choice.answer == "yes")


@routes.choice("ws:skip:hard", ids.SkipWasHard)
async def skip_was_hard(ctx: Ctx, choice: ids.SkipWasHard) -> None:
    """No note on what was hard."""
    if await _at(ctx, Step.HARD):
        await answered(ctx, Step.HARD, was_hard=None)


@routes.choice("ws:sup", ids.NeedsSupport)
async def needs_support(ctx: Ctx, choice: ids.NeedsSupport) -> None:
    """Support wanted or not."""
    if await _at(ctx, Step.SUPPORT):
        await answered(ctx, Step.SUPPORT, needs_support=choice.answer == "yes")
