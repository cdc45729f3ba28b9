"""Good practices: /practices lists shareable notes; staff pick some and make an announcement."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.practices import ids
from bot.features.practices.ids import Step
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.workshops import WorkshopsRepo

PAGE = 5

routes = Routes("pr", steps=Step)


@routes.command("practices", min_role=Role.STAFF, help_key="cmd.practices")
async def show_practices(ctx: Ctx, page: int = 0) -> None:
    """/practices: shareable 'what went well' notes, newest first, without names or communities."""
    selected = _selected(ctx)
    items = await ctx.repo(WorkshopsRepo).practices(page * PAGE, PAGE + 1)
    if not items and page == 0:
        await ctx.reply(ctx.t("pr.none"))
        return
    await ctx.set_step(Step.SELECT, {"selected": sorted(selected), "page": page})
    lines = [ctx.t("pr.title")]
    rows = []
    for number, item in enumerate(items[:PAGE], page * PAGE + 1):
        themes = ", ".join(
            s.title.get(ctx.lang) for t in item.themes if (s := ctx.app.content.section(t))
        )
        lines.append(f"\n{number}. {item.held_on.strftime('%m/%Y')} · {themes}\n{item.went_well}")
        mark = "✓ " if item.id in selected else ""
        label = mark + ctx.t("pr.select", number=number)
        rows.append([ids.Select(item.id, page).button(label)])
    nav = []
    if page > 0:
        nav.append(ids.Page(page - 1).button(ctx.t("pr.newer")))
    if len(items) > PAGE:
        nav.append(ids.Page(page + 1).button(ctx.t("pr.older")))
    rows.append(nav)
    if selected:
        rows.append([ids.Make().button(ctx.t("pr.make", count=len(selected)))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("pr:list", ids.Page, min_role=Role.STAFF)
async def practices_page(ctx: Ctx, choice: ids.Page) -> None:
    """A page of the practices (the picks so far stay)."""
    await show_practices(ctx, choice.page)


@routes.choice("pr:sel", ids.Select, min_role=Role.STAFF)
async def select(ctx: Ctx, choice: ids.Select) -> None:
    """Pick or unpick a practice, then the same page again."""
    selected = _selected(ctx) ^ {choice.workshop}
    await ctx.set_step(Step.SELECT, {"selected": sorted(selected), "page": choice.page})
    await show_practices(ctx, choice.page)


@routes.choice("pr:make", ids.Make, min_role=Role.STAFF)
async def make_announcement(ctx: Ctx, choice: ids.Make) -> None:
    """The picked notes as an announcement draft (or a text to copy without broadcasts)."""
    selected = sorted(_selected(ctx))
    if not selected:
        await ctx.reply(ctx.t("common.stale_button"))
        await show_practices(ctx)
        return
    repo = ctx.repo(WorkshopsRepo)
    notes = []
    for workshop_id in selected:
        workshop = await repo.get(workshop_id)
        if workshop and workshop.share_practice and workshop.went_well:
            notes.append(f"• {workshop.went_well}")
    await ctx.clear_step()
    if not notes:
        await ctx.reply(ctx.t("pr.none"))
        return
    text = (
        ctx.t("pr.announcement_head")
        + "\n\n"
        + "\n\n".join(notes)
        + "\n\n"
        + ctx.t("pr.announcement_foot")
    )
    await ctx.audit("practices.announcement", count=len(notes))
    broadcasts = ctx.app.services.broadcasts
    if broadcasts is not None:
        await broadcasts.start_draft(ctx, text)
        return
    await ctx.reply(ctx.t("pr.copy_this"))
    await ctx.reply(text)


routes.no_text(Step.SELECT)  # typed text while picking: as outside any dialog (picks stay)


def _selected(ctx: Ctx) -> set[int]:
    """The practices picked so far (none outside the picking step)."""
    if ctx.dialog is None or ctx.dialog.step != Step.SELECT:
        return set()
    return set(ctx.dialog.data.get("selected", []))
