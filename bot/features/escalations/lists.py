"""The experts' queue and staff's lists of tickets: each ticket's question, age, theme and mentor."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.context import Ctx
from bot.features.escalations import ids, views
from bot.features.escalations.views import Viewer
from bot.features.menu import ids as menu_ids
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.tickets import LISTINGS, Ticket, TicketsRepo

PAGE = 6

routes = Routes("esc")


@routes.command("queue", min_role=Role.EXPERT, help_key="cmd.queue")
async def queue_command(ctx: Ctx) -> None:
    """/queue: open questions and the expert's own, urgent first, then the oldest."""
    await show_queue(ctx, 0)


@routes.choice("esc:x:q", ids.Queue, min_role=Role.EXPERT)
async def queue_button(ctx: Ctx, choice: ids.Queue) -> None:
    """The menu's Queue, or "Back to queue"."""
    await show_queue(ctx, 0)


@routes.choice("esc:x:qp", ids.QueuePage, min_role=Role.EXPERT)
async def queue_page(ctx: Ctx, choice: ids.QueuePage) -> None:
    """Another page of the queue (the list is replaced in place where the messenger can)."""
    await show_queue(ctx, choice.page, in_place=True)


async def show_queue(ctx: Ctx, page: int, *, in_place: bool = False) -> None:
    """The queue: what waits for an answer first, then what waits for the mentor."""
    tickets = await ctx.repo(TicketsRepo).queue(ctx.person.id)
    back = _back(ctx)
    if not tickets:
        await _show(ctx, Outgoing.with_buttons(ctx.t("esc.queue_empty"), back), in_place)
        return
    tickets.sort(key=lambda t: (t.status == "answered", not t.urgent, t.id))
    waiting = sum(1 for t in tickets if t.status != "answered")
    page = max(0, min(page, (len(tickets) - 1) // PAGE))
    shown = tickets[page * PAGE : (page + 1) * PAGE]
    viewer = Viewer.of(ctx.person)
    lines = [ctx.t("esc.queue_title", count=waiting)]
    header_done = False
    for ticket in shown:
        if ticket.status == "answered" and not header_done:
            lines.append("\n" + ctx.t("esc.queue_answered"))
            header_done = True
        lines.append(await views.list_line(ctx.app, ticket, ctx.lang, viewer))
    nav = _pages(ctx, page, len(tickets), ids.QueuePage)
    rows = _open_buttons(ctx, shown) + [nav, back]
    await _show(ctx, Outgoing.with_buttons("\n\n".join(lines), *rows), in_place)


@routes.command("tickets", min_role=Role.STAFF, help_key="cmd.tickets")
async def tickets_command(ctx: Ctx) -> None:
    """/tickets (staff): every ticket not closed, with filters."""
    await show_tickets(ctx, "open", 0)


@routes.choice("esc:x:tl", ids.TicketList, min_role=Role.STAFF)
async def tickets_button(ctx: Ctx, choice: ids.TicketList) -> None:
    """The menu's Tickets, or "Back to tickets"."""
    await show_tickets(ctx, "open", 0)


@routes.choice("esc:x:tk", ids.Tickets, min_role=Role.STAFF)
async def tickets_page(ctx: Ctx, choice: ids.Tickets) -> None:
    """Another filter or page of staff's list of tickets (replaced in place)."""
    await show_tickets(ctx, choice.kind, choice.page, in_place=True)


async def show_tickets(ctx: Ctx, kind: str, page: int, *, in_place: bool = False) -> None:
    """Staff's list: not closed, unclaimed, urgent, or unclaimed longer than the reminder time."""
    hours = ctx.app.config.features.escalations.remind_after_hours
    cutoff = ctx.now() - timedelta(hours=hours)
    repo = ctx.repo(TicketsRepo)
    tickets, total = await repo.listing(kind, cutoff, page * PAGE, PAGE)
    if not tickets and page:
        page = max(0, (total - 1) // PAGE)
        tickets, total = await repo.listing(kind, cutoff, page * PAGE, PAGE)
    name = ctx.t(f"esc.list_{kind}", hours=_hours(hours))
    lines = [ctx.t("esc.tickets_title", name=name, count=total)]
    if not tickets:
        lines.append(ctx.t("esc.list_empty"))
    viewer = Viewer.of(ctx.person)
    for ticket in tickets:
        lines.append(await views.list_line(ctx.app, ticket, ctx.lang, viewer))
    filters = [
        ids.Tickets(other).button(
            ("• " if other == kind else "") + ctx.t(f"esc.list_{other}", hours=_hours(hours))
        )
        for other in LISTINGS
    ]
    nav = _pages(ctx, page, total, lambda p: ids.Tickets(kind, p))
    rows = [filters[:2], filters[2:], *_open_buttons(ctx, tickets), nav, _back(ctx)]
    await _show(ctx, Outgoing.with_buttons("\n\n".join(lines), *rows), in_place)


def _back(ctx: Ctx) -> list[Choice]:
    """Back to the menu, in a private chat (the experts' group has no menu)."""
    if not ctx.incoming.is_private:
        return []
    return [menu_ids.Home().button(ctx.t("common.back_to_menu"))]


def _open_buttons(ctx: Ctx, tickets: list[Ticket]) -> list[list[Choice]]:
    """ "Open #N" for each ticket, two to a row (named by ticket, never by place in the list)."""
    buttons = [ids.Open(t.id).button(ctx.t("esc.open_n", number=t.id)) for t in tickets]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _pages(ctx: Ctx, page: int, total: int, make) -> list[Choice]:
    nav = []
    if page > 0:
        nav.append(make(page - 1).button(ctx.t("esc.newer_page")))
    if (page + 1) * PAGE < total:
        nav.append(make(page + 1).button(ctx.t("esc.older_page")))
    return nav


def _hours(hours: float) -> str:
    return f"{hours:g}"


async def _show(ctx: Ctx, out: Outgoing, in_place: bool) -> None:
    """A list that changed replaces the message whose button was tapped (Telegram edits it in
    place; messengers without edits show it as a new message); anything else is a new message."""
    message_id = ctx.incoming.message_id if in_place and ctx.incoming.choice_id else None
    if message_id:
        edited = replace(out, lang=ctx.lang)
        result = await ctx.app.messenger.edit(ctx.incoming.address, message_id, edited)
        if result.ok:
            return
    await ctx.reply(out)
