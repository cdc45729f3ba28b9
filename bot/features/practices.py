"""Good practices: staff read what mentors allowed to share, and turn a selection into an announcement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.workshops import WorkshopsRepo

if TYPE_CHECKING:
    from bot.app import App

PAGE = 5


def setup(app: App) -> None:
    """Register /practices (staff) and the pr: buttons."""
    app.router.command("practices", show_practices, min_role=Role.STAFF, help_key="cmd.practices")
    app.router.choice("pr:", on_choice, min_role=Role.STAFF)
    app.router.menu(MenuItem("pr:list:0", "menu.practices", order=65, min_role=Role.STAFF))


async def show_practices(ctx: Ctx, page: int = 0) -> None:
    """/practices: shareable 'what went well' notes, newest first, without names or communities."""
    selected = set(ctx.dialog.data.get("selected", [])) if _selecting(ctx) else set()
    items = await ctx.repo(WorkshopsRepo).practices(page * PAGE, PAGE + 1)
    if not items and page == 0:
        await ctx.reply(ctx.t("pr.none"))
        return
    await ctx.set_step("pr.select", {"selected": sorted(selected), "page": page})
    lines = [ctx.t("pr.title")]
    rows = []
    for number, item in enumerate(items[:PAGE], page * PAGE + 1):
        themes = ", ".join(
            s.title.get(ctx.lang) for t in item.themes if (s := ctx.app.content.section(t))
        )
        lines.append(f"\n{number}. {item.held_on.strftime('%m/%Y')} · {themes}\n{item.went_well}")
        mark = "✓ " if item.id in selected else ""
        rows.append([Choice(f"pr:sel:{item.id}:{page}", mark + ctx.t("pr.select", number=number))])
    nav = []
    if page > 0:
        nav.append(ctx.button(f"pr:list:{page - 1}", "pr.newer"))
    if len(items) > PAGE:
        nav.append(ctx.button(f"pr:list:{page + 1}", "pr.older"))
    rows.append(nav)
    if selected:
        rows.append([ctx.button("pr:make", "pr.make", count=len(selected))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


def _selecting(ctx: Ctx) -> bool:
    return ctx.dialog is not None and ctx.dialog.step == "pr.select"


async def on_choice(ctx: Ctx) -> None:
    """pr:list:<page>, pr:sel:<id>:<page>, pr:make."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else "list"
    if action == "list":
        page = int(parts[2]) if len(parts) > 2 and parts[2].isdecimal() else 0
        await show_practices(ctx, page)
    elif action == "sel" and len(parts) == 4 and parts[2].isdecimal() and parts[3].isdecimal():
        selected = set(ctx.dialog.data.get("selected", [])) if _selecting(ctx) else set()
        selected ^= {int(parts[2])}
        await ctx.set_step("pr.select", {"selected": sorted(selected), "page": int(parts[3])})
        await show_practices(ctx, int(parts[3]))
    elif action == "make" and _selecting(ctx) and ctx.dialog.data.get("selected"):
        await _make_announcement(ctx, ctx.dialog.data["selected"])
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        await show_practices(ctx)


async def _make_announcement(ctx: Ctx, ids: list[int]) -> None:
    repo = ctx.repo(WorkshopsRepo)
    notes = []
    for workshop_id in ids:
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
