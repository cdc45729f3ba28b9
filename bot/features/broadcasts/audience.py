"""Choosing who an announcement goes to, and its preview with the number of recipients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.features.broadcasts.draft import as_broadcast, describe_audience, draft_or_stale
from bot.features.broadcasts.ids import AUDIENCE_ROLES, Step
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.broadcasts import AUDIENCE_TYPES

IDLE_DAYS = (30, 60, 90)

routes = Routes("bc")


@routes.choice("bc:aud", ids.ChooseAudience, min_role=Role.STAFF)
async def choose_audience(ctx: Ctx, choice: ids.ChooseAudience) -> None:
    """The kinds of audience."""
    if await draft_or_stale(ctx) is None:
        return
    rows = [[ids.AudienceType(k).button(ctx.t(f"bc.aud_{k}"))] for k in AUDIENCE_TYPES]
    await ctx.reply(Outgoing.with_buttons(ctx.t("bc.ask_audience"), *rows))


@routes.choice("bc:a", ids.AudienceType, min_role=Role.STAFF)
async def audience_type(ctx: Ctx, choice: ids.AudienceType) -> None:
    """Everyone: the preview at once; other kinds: their values to choose from."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    if choice.kind == "all":
        await _preview(ctx, data, {"type": "all"})
        return
    buttons = await _VALUE_BUTTONS[choice.kind](ctx)
    if not buttons:
        await ctx.reply(ctx.t("bc.no_values"))
        return
    rows = [[button] for button in buttons]
    await ctx.reply(Outgoing.with_buttons(ctx.t(f"bc.pick_{choice.kind}"), *rows))


async def _role_buttons(ctx: Ctx) -> list[Choice]:
    return [ids.AudienceRole(r.label).button(ctx.t(f"bc.role_{r.label}")) for r in AUDIENCE_ROLES]


async def _cohort_buttons(ctx: Ctx) -> list[Choice]:
    return [ids.AudienceCohort(i).button(name) for i, name in enumerate(await _cohorts(ctx))]


async def _language_buttons(ctx: Ctx) -> list[Choice]:
    return [ids.AudienceLanguage(code).button(LANGUAGE_NAMES[code]) for code in LANGUAGES]


async def _done_buttons(ctx: Ctx) -> list[Choice]:
    sections = ctx.app.content.sections
    return [ids.AudienceDone(s.id).button(s.title.get(ctx.lang)) for s in sections]


async def _not_done_buttons(ctx: Ctx) -> list[Choice]:
    sections = ctx.app.content.sections
    return [ids.AudienceNotDone(s.id).button(s.title.get(ctx.lang)) for s in sections]


async def _idle_buttons(ctx: Ctx) -> list[Choice]:
    return [ids.AudienceIdle(d).button(ctx.t("bc.days", days=d)) for d in IDLE_DAYS]


# The values of each kind of audience (but "all"), as buttons.
_VALUE_BUTTONS: dict[str, Callable[[Ctx], Awaitable[list[Choice]]]] = {
    "role": _role_buttons,
    "cohort": _cohort_buttons,
    "lang": _language_buttons,
    "done": _done_buttons,
    "notdone": _not_done_buttons,
    "idle": _idle_buttons,
}


async def _cohorts(ctx: Ctx) -> list[str]:
    rows = await ctx.app.db.fetchall(
        "SELECT DISTINCT cohort FROM people WHERE status = 'active' AND cohort IS NOT NULL "
        "ORDER BY cohort"
    )
    return [r["cohort"] for r in rows]


# --- one handler per kind of audience ------------------------------------------------------------


@routes.choice("bc:av:role", ids.AudienceRole, min_role=Role.STAFF)
async def audience_role(ctx: Ctx, choice: ids.AudienceRole) -> None:
    """Everyone of a role."""
    await _choose(ctx, {"type": "role", "value": choice.role})


@routes.choice("bc:av:cohort", ids.AudienceCohort, min_role=Role.STAFF)
async def audience_cohort(ctx: Ctx, choice: ids.AudienceCohort) -> None:
    """The mentors of a cohort."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    cohorts = await _cohorts(ctx)
    if choice.index >= len(cohorts):
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await _preview(ctx, data, {"type": "cohort", "value": cohorts[choice.index]})


@routes.choice("bc:av:lang", ids.AudienceLanguage, min_role=Role.STAFF)
async def audience_language(ctx: Ctx, choice: ids.AudienceLanguage) -> None:
    """Everyone who uses a language."""
    await _choose(ctx, {"type": "lang", "value": choice.code})


@routes.choice("bc:av:done", ids.AudienceDone, min_role=Role.STAFF)
async def audience_done(ctx: Ctx, choice: ids.AudienceDone) -> None:
    """The mentors who completed a section."""
    await _choose(ctx, {"type": "done", "value": choice.section})


@routes.choice("bc:av:notdone", ids.AudienceNotDone, min_role=Role.STAFF)
async def audience_not_done(ctx: Ctx, choice: ids.AudienceNotDone) -> None:
    """The mentors who have not completed a section."""
    await _choose(ctx, {"type": "notdone", "value": choice.section})


@routes.choice("bc:av:idle", ids.AudienceIdle, min_role=Role.STAFF)
async def audience_idle(ctx: Ctx, choice: ids.AudienceIdle) -> None:
    """The mentors with no workshop logged in so many days."""
    await _choose(ctx, {"type": "idle", "value": str(choice.days)})


async def _choose(ctx: Ctx, audience: dict) -> None:
    """The audience chosen: the preview (when there is a draft)."""
    data = await draft_or_stale(ctx)
    if data is not None:
        await _preview(ctx, data, audience)


async def _preview(ctx: Ctx, data: dict, audience: dict) -> None:
    """The announcement as each language's recipients will see it, and how many get it."""
    data = {**data, "audience": audience}
    await ctx.set_step(Step.PREVIEW, data)
    service = ctx.app.services.broadcasts
    send, held = await service.recipients(audience, data.get("kind", "news"))
    draft = as_broadcast(ctx, data)
    attachment = await service.fanout.attachment_of(draft)
    for lang in LANGUAGES:
        if lang in data["texts"]:
            await ctx.reply(ctx.t("bc.preview_of", language=ctx.t(f"language.name_{lang}")))
            await ctx.reply(service.fanout.message_for(draft, lang, attachment))
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "bc.ready",
                audience=describe_audience(ctx, audience),
                count=len(send),
                held=len(held),
            ),
            [ids.SendNow().button(ctx.t("bc.send_now"))],
            [ids.Schedule().button(ctx.t("bc.schedule"))],
            [ids.EditDraft().button(ctx.t("bc.edit"))],
            [ids.CancelDraft().button(ctx.t("bc.cancel"))],
        )
    )
