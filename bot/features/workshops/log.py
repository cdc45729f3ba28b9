"""/workshops: a mentor's own workshop log, paged, with open, edit and delete."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.menu import ids as menu_ids
from bot.features.workshops import ids
from bot.features.workshops.ids import Step
from bot.features.workshops.questions import edit_menu
from bot.features.workshops.render import describe, form_of
from bot.messages import Outgoing
from bot.router import Routes
from storage.workshops import Workshop, WorkshopsRepo

PAGE = 5

routes = Routes("ws")


@routes.command("workshops", help_key="cmd.workshops")
async def show_workshops(ctx: Ctx, page: int = 0) -> None:
    """/workshops: the mentor's own workshops, newest first, paged."""
    repo = ctx.repo(WorkshopsRepo)
    total = await repo.count(ctx.person.id)
    back = [menu_ids.Home().button(ctx.t("common.back_to_menu"))]
    if total == 0:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("ws.none_yet"), [ids.NewForm().button(ctx.t("menu.log_workshop"))], back
            )
        )
        return
    page = max(0, min(page, (total - 1) // PAGE))
    lines = [ctx.t("ws.list_title", total=total)]
    rows = []
    for number, w in enumerate(await repo.page(ctx.person.id, page * PAGE, PAGE), page * PAGE + 1):
        lines.append(
            f"{number}. {w.held_on.strftime('%d.%m.%Y')} · {w.community} · "
            + ctx.t("ws.people_count", count=w.participants)
        )
        rows.append([ids.Open(w.id).button(ctx.t("ws.open", number=number))])
    nav = []
    if page > 0:
        nav.append(ids.ListPage(page - 1).button(ctx.t("ws.newer")))
    if (page + 1) * PAGE < total:
        nav.append(ids.ListPage(page + 1).button(ctx.t("ws.older")))
    rows.append(nav)
    rows.append(back)
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("ws:list", ids.ListPage)
async def list_page(ctx: Ctx, choice: ids.ListPage) -> None:
    """A page of the log."""
    await show_workshops(ctx, choice.page)


@routes.choice("ws:open", ids.Open)
async def open_workshop(ctx: Ctx, choice: ids.Open) -> None:
    """One workshop in full, with Edit and Delete."""
    workshop = await _own(ctx, choice.workshop)
    if workshop is None:
        return
    await ctx.reply(
        Outgoing.with_buttons(
            describe(ctx, form_of(workshop)),
            [ids.Change(workshop.id).button(ctx.t("ws.edit_this"))],
            [ids.Delete(workshop.id).button(ctx.t("ws.delete"))],
            [ids.ListPage(0).button(ctx.t("ws.back_to_list"))],
        )
    )


@routes.choice("ws:change", ids.Change)
async def change_workshop(ctx: Ctx, choice: ids.Change) -> None:
    """Edit a saved workshop: the list of its answers to change; the summary's Save stores them."""
    workshop = await _own(ctx, choice.workshop)
    if workshop is None:
        return
    await ctx.set_step(
        Step.EDIT_MENU,
        {"form": form_of(workshop), "workshop_id": workshop.id, "bad": 0, "editing": True},
    )
    await edit_menu(ctx)


@routes.choice("ws:del", ids.Delete)
async def delete_workshop(ctx: Ctx, choice: ids.Delete) -> None:
    """Ask before deleting."""
    workshop = await _own(ctx, choice.workshop)
    if workshop is None:
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ws.confirm_delete", date=workshop.held_on.strftime("%d.%m.%Y")),
            [ids.DeleteConfirmed(workshop.id).button(ctx.t("ws.delete_yes"))],
            [ids.Open(workshop.id).button(ctx.t("ws.delete_no"))],
        )
    )


@routes.choice("ws:delok", ids.DeleteConfirmed)
async def delete_confirmed(ctx: Ctx, choice: ids.DeleteConfirmed) -> None:
    """Delete the workshop, then the log."""
    workshop = await _own(ctx, choice.workshop)
    if workshop is None:
        return
    await ctx.repo(WorkshopsRepo).delete(ctx.person.id, workshop.id)
    await ctx.audit("workshop.deleted", subject=str(workshop.id))
    await ctx.reply(ctx.t("ws.deleted"))
    await show_workshops(ctx)


async def _own(ctx: Ctx, workshop_id: int) -> Workshop | None:
    """The mentor's own workshop; gone or someone else's: a notice and the log (never theirs)."""
    workshop = await ctx.repo(WorkshopsRepo).get_own(ctx.person.id, workshop_id)
    if workshop is None:
        await ctx.reply(ctx.t("ws.gone"))
        await show_workshops(ctx)
    return workshop
