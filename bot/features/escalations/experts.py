"""Ask an expert, the experts' side: claim, answer, close; the queues; the experts' team chat."""

from __future__ import annotations

import re

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.features.escalations.parts import add_part, joined_text
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

_ANSWER = re.compile(r"^#?(\d+)\s+(.+)$", re.S)
NOT_SENT = ("esc.no_such_ticket", "esc.already_closed", "esc.claimed_by_other")

routes = Routes("esc")


# --- the buttons under a ticket ------------------------------------------------------------------


@routes.choice("esc:x:claim", ids.Claim, min_role=Role.EXPERT)
async def claim(ctx: Ctx, choice: ids.Claim) -> None:
    """Take a ticket on; every post of it then shows who has it."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    tickets = ctx.repo(TicketsRepo)
    if not await tickets.claim(number, ctx.person.id):
        holder = await ctx.repo(PeopleRepo).get(ticket.expert_id) if ticket.expert_id else None
        await ctx.reply(
            ctx.t("esc.claimed_by", number=number, name=holder.display_name if holder else "-")
            if ticket.status != "closed"
            else ctx.t("esc.already_closed", number=number)
        )
        return
    service = ctx.app.services.escalations
    ticket = await tickets.get(number)
    await service.arm_release(ticket)
    await ctx.audit("ticket.claimed", subject=str(number))
    await service.refresh_posts(ticket)
    await ctx.reply(ctx.t("esc.you_claimed", number=number))


@routes.choice("esc:x:close", ids.Close, min_role=Role.EXPERT)
async def close(ctx: Ctx, choice: ids.Close) -> None:
    """Close a ticket (the expert who claimed it, or staff); the mentor is told."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    if ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=number))
        return
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
        await service.tell_mentor(
            ticket, Outgoing(i18n.t(mentor.language, "esc.closed_by_expert", number=number))
        )
    await ctx.reply(ctx.t("esc.you_closed", number=number))


@routes.choice("esc:x:ans", ids.Answer, min_role=Role.EXPERT)
async def start_answer(ctx: Ctx, choice: ids.Answer) -> None:
    """Write an answer in the private chat, in as many messages as needed."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    if not ctx.incoming.is_private:  # in the team chat an answer is a reply to the post
        await ctx.reply(ctx.t("common.stale_button"))
        return
    # Said before the expert writes, not after: a written answer must never be turned away.
    if ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=ticket.id))
        return
    if await _held_by_another(ctx, ticket):
        return
    await ctx.set_step(Step.ANSWER, {"ticket": ticket.id, "parts": []})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.write_answer", number=ticket.id),
            [ids.Cancel().button(ctx.t("esc.cancel"))],
        )
    )


@routes.step(Step.ANSWER)
async def more_answer(ctx: Ctx) -> None:
    """One more part of the answer (several messages until Send)."""
    await add_part(ctx, ids.SendAnswer().button(ctx.t("esc.send")))


@routes.choice("esc:x:send", ids.SendAnswer, min_role=Role.EXPERT)
async def send_answer(ctx: Ctx, choice: ids.SendAnswer) -> None:
    """Send the answer written in the private chat to the mentor."""
    if ctx.dialog is None or ctx.dialog.step != Step.ANSWER:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    text = joined_text(ctx.dialog.data)
    number = ctx.dialog.data["ticket"]
    if not text:
        await ctx.reply(ctx.t("esc.nothing_yet"))
        return
    await ctx.clear_step()
    await _answer(ctx, number, text)


# --- answering from anywhere ---------------------------------------------------------------------


@routes.command("answer", min_role=Role.EXPERT, help_key="cmd.answer")
async def answer_command(ctx: Ctx) -> None:
    """/answer N text: answer ticket N from anywhere."""
    match = _ANSWER.match(ctx.args.strip())
    if not match or not match.group(2).strip():
        await ctx.reply(ctx.t("esc.answer_usage"))
        return
    await _answer(ctx, int(match.group(1)), match.group(2).strip())


async def on_private_reply(ctx: Ctx) -> bool:
    """An expert replies (in their private chat) to a ticket message: that is an answer."""
    if ctx.role < Role.EXPERT or not ctx.text:
        return False
    number = await ctx.repo(TicketsRepo).ticket_of_post(
        ctx.incoming.address.transport,
        ctx.incoming.address.chat_id,
        ctx.incoming.reply_to_message_id,
    )
    if number is None:
        return False
    await _answer(ctx, number, ctx.text)
    return True


# Buttons of a ticket's post that work in the team chat (Answer only says why it does not).
TEAM_CHAT_CHOICES = ((ids.Claim, claim), (ids.Close, close), (ids.Answer, start_answer))


async def on_team_chat_message(ctx: Ctx) -> None:
    """The experts' team chat: Claim/Close buttons, replies to ticket posts, /answer N text."""
    incoming = ctx.incoming
    if not ctx.app.services.escalations.in_team_chat(incoming.address):
        return
    if ctx.person is None or not ctx.person.active or ctx.role < Role.EXPERT:
        return  # strangers and mentors in the team chat are ignored
    if incoming.choice_id:
        await _team_chat_choice(ctx, incoming.choice_id)
        return
    text = ctx.text
    if text.startswith("/answer"):
        ctx.args = text.partition(" ")[2]
        await answer_command(ctx)
        return
    if incoming.reply_to_message_id and text:
        number = await ctx.repo(TicketsRepo).ticket_of_post(
            incoming.address.transport, incoming.address.chat_id, incoming.reply_to_message_id
        )
        if number is not None:
            await _answer(ctx, number, text)


async def _team_chat_choice(ctx: Ctx, choice_id: str) -> None:
    for id_class, handler in TEAM_CHAT_CHOICES:
        choice = id_class.parse(choice_id)
        if choice is not None:
            await handler(ctx, choice)
            return
    await ctx.reply(ctx.t("common.stale_button"))


# --- lists ---------------------------------------------------------------------------------------


@routes.command("queue", min_role=Role.EXPERT, help_key="cmd.queue")
async def show_queue(ctx: Ctx) -> None:
    """/queue: the expert's claimed tickets and every open one."""
    tickets = await ctx.repo(TicketsRepo).queue(ctx.person.id)
    if not tickets:
        await ctx.reply(ctx.t("esc.queue_empty"))
        return
    lines = [ctx.t("esc.queue_title")] + [await _line(ctx, t) for t in tickets[:30]]
    rows = [
        [ids.Claim(t.id).button(ctx.t("esc.claim_n", number=t.id))]
        for t in tickets[:10]
        if t.status == "open"
    ]
    rows += [
        [ids.Answer(t.id).button(ctx.t("esc.answer_n", number=t.id))]
        for t in tickets[:10]
        if t.status == "claimed" and t.expert_id == ctx.person.id
    ]
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.command("tickets", min_role=Role.STAFF, help_key="cmd.tickets")
async def show_tickets(ctx: Ctx) -> None:
    """/tickets (staff): every ticket not yet closed."""
    tickets = await ctx.repo(TicketsRepo).not_closed()
    if not tickets:
        await ctx.reply(ctx.t("esc.no_open_tickets"))
        return
    lines = [ctx.t("esc.tickets_title", count=len(tickets))] + [
        await _line(ctx, t) for t in tickets[:50]
    ]
    await ctx.reply("\n".join(lines))


async def _line(ctx: Ctx, ticket: Ticket) -> str:
    service = ctx.app.services.escalations
    who = await service.mentor_label(ticket, ctx.lang)
    state = await service.state_line(ticket, ctx.lang)
    mark = "❗ " if ticket.urgent else ""
    return f"{mark}#{ticket.id} · {ctx.t(f'esc.topic_{ticket.topic}')} · {who} · {_age(ctx, ticket)} · {state}"


def _age(ctx: Ctx, ticket: Ticket) -> str:
    hours = int((ctx.now() - ticket.created_at).total_seconds() // 3600)
    return (
        ctx.t("esc.age_days", days=hours // 24)
        if hours >= 48
        else ctx.t("esc.age_hours", hours=hours)
    )


# --- shared by the handlers ----------------------------------------------------------------------


async def _ticket(ctx: Ctx, number: int) -> Ticket | None:
    """The ticket, or (said) that there is none with that number."""
    ticket = await ctx.repo(TicketsRepo).get(number)
    if ticket is None:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
    return ticket


async def _held_by_another(ctx: Ctx, ticket: Ticket) -> bool:
    """True (and said) when another expert has claimed the ticket."""
    if ticket.status == "open" or not ticket.expert_id or ticket.expert_id == ctx.person.id:
        return False
    holder = await ctx.repo(PeopleRepo).get(ticket.expert_id)
    name = holder.display_name if holder else "-"
    await ctx.reply(ctx.t("esc.claimed_by", number=ticket.id, name=name))
    return True


async def _answer(ctx: Ctx, number: int, text: str) -> None:
    result = await ctx.app.services.escalations.answer(ctx.person, number, text)
    if result == "esc.answer_sent":
        await ctx.audit("ticket.answered", subject=str(number))
    ticket = await ctx.repo(TicketsRepo).get(number)
    holder = None
    if ticket is not None and ticket.expert_id:
        holder = await ctx.repo(PeopleRepo).get(ticket.expert_id)
    said = ctx.t(result, number=number, name=holder.display_name if holder else "-")
    if result in NOT_SENT:  # nothing typed is lost: the answer comes back to copy
        said += "\n\n" + ctx.t("esc.answer_not_sent", text=text)
    await ctx.reply(said)
