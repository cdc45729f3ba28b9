"""Ask an expert, shared by the experts' handlers: the ticket (or "none"), and who has it."""

from __future__ import annotations

from bot.context import Ctx
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo


async def _ticket(ctx: Ctx, number: int) -> Ticket | None:
    """The ticket, or (said) that there is none with that number."""
    ticket = await ctx.repo(TicketsRepo).get(number)
    if ticket is None:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
    return ticket


async def _unclosed_ticket(ctx: Ctx, number: int) -> Ticket | None:
    """The ticket, or (said) that there is none with that number or that it is closed."""
    ticket = await _ticket(ctx, number)
    if ticket is not None and ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=ticket.id))
        return None
    return ticket


async def _holder(ctx: Ctx, ticket: Ticket) -> str:
    """The name of the expert who has the ticket ("-" when nobody)."""
    holder = await ctx.repo(PeopleRepo).get(ticket.expert_id) if ticket.expert_id else None
    return holder.display_name if holder else "-"


async def _held_by_another(ctx: Ctx, ticket: Ticket) -> bool:
    """True (and said) when another expert has claimed the ticket."""
    if ticket.status == "open" or not ticket.expert_id or ticket.expert_id == ctx.person.id:
        return False
    await ctx.reply(ctx.t("esc.claimed_by", number=ticket.id, name=await _holder(ctx, ticket)))
    return True
