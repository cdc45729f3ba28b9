"""Ask an expert, internal notes: a note on a ticket for the other experts, never the mentor."""

from __future__ import annotations

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.features.escalations.lookups import _ticket
from bot.messages import NOTE_MAX, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

routes = Routes("esc")


@routes.choice("esc:x:note", ids.Note, min_role=Role.EXPERT)
async def start_note(ctx: Ctx, choice: ids.Note) -> None:
    """An internal note on a ticket, for the other experts only."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    await ctx.set_step(Step.NOTE, {"ticket": ticket.id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.write_note", number=ticket.id, max=NOTE_MAX),
            [ids.Open(ticket.id).button(ctx.t("esc.cancel"))],
        )
    )


@routes.step(Step.NOTE, min_role=Role.EXPERT)
async def note_text(ctx: Ctx) -> None:
    """The note typed: kept on the ticket, shown to experts, never to the mentor."""
    text, problem = clean_text(ctx.incoming.text or "", NOTE_MAX)
    if problem:
        await ctx.reply(ctx.t("esc.bad_note", max=NOTE_MAX, length=len(text)))
        return
    number = ctx.dialog.data["ticket"]
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    await ctx.clear_step()
    if ticket is None:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
        return
    await tickets.add_message(number, "note", ctx.person.id, text)
    await ctx.audit("ticket.note", subject=str(number))
    service = ctx.app.services.escalations
    await service.refresh_posts(ticket)
    if ticket.expert_id and ticket.expert_id != ctx.person.id:
        await _tell_holder(ctx, ticket, text)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.note_added", number=number),
            [ids.Open(number).button(ctx.t("esc.open_n", number=number))],
        )
    )


async def _tell_holder(ctx: Ctx, ticket: Ticket, text: str) -> None:
    holder = await ctx.repo(PeopleRepo).get(ticket.expert_id)
    if holder is None or not holder.active:
        return
    out = Outgoing.with_buttons(
        i18n.t(
            holder.language,
            "esc.note_to_holder",
            name=ctx.person.display_name,
            number=ticket.id,
            text=text,
        ),
        [ids.Open(ticket.id).button(i18n.t(holder.language, "esc.open_n", number=ticket.id))],
    )
    await ctx.send_to(holder.id, out)
