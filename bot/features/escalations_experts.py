"""The experts' side of tickets: claim, answer, close, queues, and the ticket timers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from bot import i18n
from bot.context import Ctx
from bot.features.escalations_service import Escalations, joined_text
from bot.messages import Choice, DeliveryStatus, Outgoing
from bot.roles import Role
from storage.jobs import Job
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

if TYPE_CHECKING:
    from bot.app import App


_ANSWER = re.compile(r"^#?(\d+)\s+(.+)$", re.S)


async def on_expert_choice(ctx: Ctx) -> None:
    """esc:x:claim:N, esc:x:close:N, esc:x:ans:N, esc:x:send (private chat)."""
    await _expert_action(ctx, ctx.choice_parts[2:])


async def _expert_action(ctx: Ctx, parts: list[str]) -> None:
    action = parts[0] if parts else ""
    if action == "send":
        if ctx.dialog is None or ctx.dialog.step != "esc.answer":
            await ctx.reply(ctx.t("common.stale_button"))
            return
        text = joined_text(ctx.dialog.data)
        number = ctx.dialog.data["ticket"]
        if not text:
            await ctx.reply(ctx.t("esc.nothing_yet"))
            return
        await ctx.clear_step()
        await _answer(ctx, number, text)
        return
    if len(parts) < 2 or not parts[1].isdecimal():
        await ctx.reply(ctx.t("common.stale_button"))
        return
    number = int(parts[1])
    service: Escalations = ctx.app.services.escalations
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    if ticket is None:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
        return
    if action == "claim":
        if await tickets.claim(number, ctx.person.id):
            ticket = await tickets.get(number)
            await service.arm_release(ticket)
            await ctx.audit("ticket.claimed", subject=str(number))
            await service.refresh_posts(ticket)
            await ctx.reply(ctx.t("esc.you_claimed", number=number))
        else:
            holder = await ctx.repo(PeopleRepo).get(ticket.expert_id) if ticket.expert_id else None
            await ctx.reply(
                ctx.t("esc.claimed_by", number=number, name=holder.display_name if holder else "-")
                if ticket.status != "closed"
                else ctx.t("esc.already_closed", number=number)
            )
    elif action == "close":
        if ticket.status == "closed":
            await ctx.reply(ctx.t("esc.already_closed", number=number))
            return
        if await _held_by_another(ctx, ticket) and ctx.role < Role.STAFF:
            return  # the expert who claimed it closes it (or staff)
        await tickets.set_status(number, "closed")
        await ctx.app.scheduler.cancel_for("ticket.release", str(number))
        await ctx.audit("ticket.closed", subject=str(number))
        ticket = await tickets.get(number)
        await service.refresh_posts(ticket)
        mentor = await ctx.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
        if mentor is not None:
            await service.tell_mentor(
                ticket, Outgoing(i18n.t(mentor.language, "esc.closed_by_expert", number=number))
            )
        await ctx.reply(ctx.t("esc.you_closed", number=number))
    elif action == "ans" and ctx.incoming.is_private:
        # Said before the expert writes, not after: a written answer must never be turned away.
        if ticket.status == "closed":
            await ctx.reply(ctx.t("esc.already_closed", number=number))
            return
        if await _held_by_another(ctx, ticket):
            return
        await ctx.set_step("esc.answer", {"ticket": number, "parts": []})
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.write_answer", number=number), [ctx.button("esc:cancel", "esc.cancel")]
            )
        )
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _held_by_another(ctx: Ctx, ticket: Ticket) -> bool:
    """True (and said) when another expert has claimed the ticket."""
    if ticket.status == "open" or not ticket.expert_id or ticket.expert_id == ctx.person.id:
        return False
    holder = await ctx.repo(PeopleRepo).get(ticket.expert_id)
    name = holder.display_name if holder else "-"
    await ctx.reply(ctx.t("esc.claimed_by", number=ticket.id, name=name))
    return True


NOT_SENT = ("esc.no_such_ticket", "esc.already_closed", "esc.claimed_by_other")


async def _answer(ctx: Ctx, number: int, text: str) -> None:
    service: Escalations = ctx.app.services.escalations
    result = await service.answer(ctx.person, number, text)
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


async def on_group_message(ctx: Ctx) -> None:
    """The experts' group: Claim/Close buttons, replies to ticket posts, /answer N text."""
    group = ctx.app.config.telegram.experts_group_id
    if group is None or ctx.incoming.address.chat_id != str(group):
        return
    if ctx.person is None or not ctx.person.active or ctx.role < Role.EXPERT:
        return  # strangers and mentors in the group are ignored
    incoming = ctx.incoming
    if incoming.choice_id and incoming.choice_id.startswith("esc:x:"):
        await _expert_action(ctx, incoming.choice_id.split(":")[2:])
        return
    text = ctx.text
    if text.startswith("/answer"):
        ctx.args = text.partition(" ")[2]
        await answer_command(ctx)
        return
    if incoming.reply_to_message_id and text:
        number = await ctx.repo(TicketsRepo).ticket_of_post(
            "telegram", incoming.address.chat_id, incoming.reply_to_message_id
        )
        if number is not None:
            await _answer(ctx, number, text)


def _age(ctx: Ctx, ticket: Ticket) -> str:
    hours = int((ctx.now() - ticket.created_at).total_seconds() // 3600)
    return (
        ctx.t("esc.age_days", days=hours // 24)
        if hours >= 48
        else ctx.t("esc.age_hours", hours=hours)
    )


async def _line(ctx: Ctx, ticket: Ticket) -> str:
    service: Escalations = ctx.app.services.escalations
    who = await service._mentor_label(ticket, ctx.lang)
    state = await service._state_line(ticket, ctx.lang)
    mark = "❗ " if ticket.urgent else ""
    return f"{mark}#{ticket.id} · {ctx.t(f'esc.topic_{ticket.topic}')} · {who} · {_age(ctx, ticket)} · {state}"


async def show_queue(ctx: Ctx) -> None:
    """/queue: the expert's claimed tickets and every open one."""
    tickets = await ctx.repo(TicketsRepo).queue(ctx.person.id)
    if not tickets:
        await ctx.reply(ctx.t("esc.queue_empty"))
        return
    lines = [ctx.t("esc.queue_title")] + [await _line(ctx, t) for t in tickets[:30]]
    rows = [
        [Choice(f"esc:x:claim:{t.id}", ctx.t("esc.claim_n", number=t.id))]
        for t in tickets[:10]
        if t.status == "open"
    ]
    rows += [
        [Choice(f"esc:x:ans:{t.id}", ctx.t("esc.answer_n", number=t.id))]
        for t in tickets[:10]
        if t.status == "claimed" and t.expert_id == ctx.person.id
    ]
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


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


async def remind_unclaimed(app: App, job: Job) -> datetime | None:
    """N hours after opening, a still-unclaimed ticket is reminded to all experts, once."""
    tickets = app.db.repo(TicketsRepo)
    ticket = await tickets.get(int(job.ref))
    if ticket is None or ticket.status != "open" or not await tickets.mark_reminded(ticket.id):
        return None
    service: Escalations = app.services.escalations
    await service.post(ticket, "esc.reminder_note")
    return None


async def relay_again(app: App, job: Job) -> datetime | None:
    """An answer that did not reach the mentor is sent again (the scheduler backs off on failure)."""
    service: Escalations = app.services.escalations
    ticket = await service.tickets.get(int(job.ref))
    if ticket is None or ticket.status == "closed":
        return None
    answers = [m for m in await service.tickets.messages(ticket.id) if m.author == "expert"]
    if not answers:
        return None
    last = answers[-1]
    expert = await app.db.repo(PeopleRepo).get(last.author_id) if last.author_id else None
    if expert is None:
        return None
    result = await service.relay_answer(ticket, expert, last.text)
    if result is not None and not result.ok and result.status is not DeliveryStatus.BLOCKED:
        raise RuntimeError(f"ticket {ticket.id}: the answer could not be delivered yet")
    return None


async def release_unanswered(app: App, job: Job) -> datetime | None:
    """M hours after a claim without an answer, the ticket is open to every expert again."""
    tickets = app.db.repo(TicketsRepo)
    ticket = await tickets.get(int(job.ref))
    if ticket is None or ticket.status != "claimed" or ticket.urgent:
        return None
    expert_id = ticket.expert_id
    if not await tickets.release(ticket.id):
        return None
    ticket = await tickets.get(ticket.id)
    service: Escalations = app.services.escalations
    await service.refresh_posts(ticket)
    if expert_id:
        expert = await app.db.repo(PeopleRepo).get(expert_id)
        if expert is not None:
            await app.messenger.send_to_person(
                expert.id,
                Outgoing(i18n.t(expert.language, "esc.released_to_expert", number=ticket.id)),
            )
    await service.post(ticket, "esc.released_note")
    return None
