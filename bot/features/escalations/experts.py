"""Ask an expert, the experts' side: one ticket opened in full, claimed, released, closed."""

from __future__ import annotations

import re

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.lookups import (
    _held_by_another,
    _holder,
    _ticket,
    _unclosed_ticket,
)
from bot.features.escalations.views import Viewer
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo

_NUMBER = re.compile(r"^#?(\d{1,18})$")

routes = Routes("esc")


# --- one ticket: open, claim, release, close ---------------------------------------------------


@routes.command("open", min_role=Role.EXPERT, help_key="cmd.open")
async def open_command(ctx: Ctx) -> None:
    """/open N: ticket N in full, with its actions."""
    match = _NUMBER.match(ctx.args.strip())
    if not match:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.open_usage"), [ids.Queue().button(ctx.t("esc.to_queue"))]
            )
        )
        return
    await show_ticket(ctx, int(match.group(1)))


@routes.choice("esc:x:o", ids.Open, min_role=Role.EXPERT)
async def open_ticket(ctx: Ctx, choice: ids.Open) -> None:
    """Open #N from a list or a post."""
    await show_ticket(ctx, choice.ticket)


async def show_ticket(ctx: Ctx, number: int) -> None:
    """The whole ticket: thread, who asked (unless anonymous), state and actions."""
    ticket = await _ticket(ctx, number)
    if ticket is not None:
        service = ctx.app.services.escalations
        await ctx.reply(await service.open_view(ticket, ctx.lang, Viewer.of(ctx.person)))


@routes.choice("esc:x:claim", ids.Claim, min_role=Role.EXPERT)
async def claim(ctx: Ctx, choice: ids.Claim) -> None:
    """Take a ticket on; every post of it then shows who has it."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    tickets = ctx.repo(TicketsRepo)
    if not await tickets.claim(number, ctx.person.id):
        if ticket.status == "closed":
            await ctx.reply(ctx.t("esc.already_closed", number=number))
        elif ticket.expert_id == ctx.person.id:
            await ctx.reply(ctx.t("esc.already_yours", number=number))
        else:
            await ctx.reply(ctx.t("esc.claimed_by", number=number, name=await _holder(ctx, ticket)))
        return
    service = ctx.app.services.escalations
    ticket = await tickets.get(number)
    await service.arm_release(ticket)
    await ctx.audit("ticket.claimed", subject=str(number))
    await service.refresh_posts(ticket)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.you_claimed", number=number),
            [ids.Answer(number).button(ctx.t("esc.answer_button"))],
            [ids.Open(number).button(ctx.t("esc.details"))],
        )
    )


@routes.choice("esc:x:rel", ids.Release, min_role=Role.EXPERT)
async def release(ctx: Ctx, choice: ids.Release) -> None:
    """Give a claimed ticket back to every expert (whoever has it, or staff)."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    if ticket.status != "claimed":
        await ctx.reply(ctx.t("esc.not_claimed", number=number))
        return
    if ticket.expert_id != ctx.person.id and ctx.role < Role.STAFF:
        await ctx.reply(ctx.t("esc.claimed_by", number=number, name=await _holder(ctx, ticket)))
        return
    tickets = ctx.repo(TicketsRepo)
    if not await tickets.release(number):
        await ctx.reply(ctx.t("esc.not_claimed", number=number))
        return
    await ctx.app.scheduler.cancel_for("ticket.release", str(number))
    await ctx.audit("ticket.released", subject=str(number))
    service = ctx.app.services.escalations
    ticket = await tickets.get(number)
    await service.refresh_posts(ticket)
    await service.post(ticket, "esc.released_note")
    await ctx.reply(ctx.t("esc.you_released", number=number))


@routes.choice("esc:x:close", ids.Close, min_role=Role.EXPERT)
async def close(ctx: Ctx, choice: ids.Close) -> None:
    """Close a ticket (the expert who claimed it, or staff); the mentor is told."""
    ticket = await _unclosed_ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    if await _held_by_another(ctx, ticket) and ctx.role < Role.STAFF:
        return  # the expert who claimed it closes it (or staff)
    tickets = ctx.repo(TicketsRepo)
    await tickets.set_status(number, "closed")
    await ctx.app.scheduler.cancel_for("ticket.release", str(number))
    await ctx.audit("ticket.closed", subject=str(number))
    ticket = await tickets.get(number)
    service = ctx.app.services.escalations
    await service.refresh_posts(ticket)
    mentor = await ctx.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
    if mentor is not None:
        lang = mentor.language
        rows = await service.ask_helpful(ticket, lang)
        key = "esc.closed_by_expert_rate" if rows else "esc.closed_by_expert"
        await service.tell_mentor(
            ticket, Outgoing.with_buttons(i18n.t(lang, key, number=number), *rows)
        )
    await ctx.reply(ctx.t("esc.you_closed", number=number))
