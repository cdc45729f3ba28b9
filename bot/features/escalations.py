"""Ask an expert: mentors escalate questions as tickets; experts claim, answer and close them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.context import Ctx
from bot.features.escalations_experts import (
    answer_command,
    on_expert_choice,
    on_group_message,
    on_private_reply,
    relay_again,
    release_unanswered,
    remind_unclaimed,
    show_queue,
    show_tickets,
)
from bot.features.escalations_service import Escalations, ask_topic, joined_text
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.people import PeopleRepo
from storage.tickets import TOPICS, TicketsRepo

if TYPE_CHECKING:
    from bot.app import App

QUESTION_MAX = 8000


def setup(app: App) -> None:
    """Register /ask, /answer, /queue, /tickets, the esc: buttons, group and reply handling."""
    router = app.router
    router.command("ask", start_ask, help_key="cmd.ask")
    router.command("questions", show_mine, help_key="cmd.questions")
    router.command("answer", answer_command, min_role=Role.EXPERT, help_key="cmd.answer")
    router.command("queue", show_queue, min_role=Role.EXPERT, help_key="cmd.queue")
    router.command("tickets", show_tickets, min_role=Role.STAFF, help_key="cmd.tickets")
    router.choice("esc:", on_choice)
    router.choice("esc:x:", on_expert_choice, min_role=Role.EXPERT)
    router.step("esc.", on_text)
    router.on_reply(on_private_reply)
    router.on_loose_text(maybe_a_follow_up)
    router.group(on_group_message)
    router.menu(MenuItem("esc:new", "menu.ask", order=30))
    app.events.on("person.role_changed", lambda **kw: release_when_no_longer_expert(app, **kw))
    app.scheduler.on("ticket.remind", remind_unclaimed)
    app.scheduler.on("ticket.release", release_unanswered)
    app.scheduler.on("ticket.relay", relay_again)
    app.services.escalations = Escalations(app)


# --- mentor: asking -----------------------------------------------------------------------------


async def start_ask(ctx: Ctx) -> None:
    """/ask or menu → Ask an expert: what is it about?"""
    await ask_topic(ctx, {})


async def on_choice(ctx: Ctx) -> None:
    """The mentor's esc: buttons."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else ""
    arg = parts[2] if len(parts) > 2 else ""
    step = ctx.dialog.step if ctx.dialog else ""
    if action == "new":
        await start_ask(ctx)
    elif action == "topic" and step == "esc.topic" and arg in TOPICS:
        await ctx.set_step("esc.write", {**ctx.dialog.data, "topic": arg, "parts": []})
        await ctx.reply(
            Outgoing.with_buttons(ctx.t("esc.ask_write"), [ctx.button("esc:cancel", "esc.cancel")])
        )
    elif action == "send" and step in ("esc.write", "esc.reply"):
        await _send(ctx)
    elif action == "anon" and step == "esc.anon" and arg in ("yes", "no"):
        await _open(ctx, anonymous=arg == "yes")
    elif action == "cancel":
        await ctx.clear_step()
        await ctx.show_menu(lead=ctx.t("esc.cancelled"))
    elif action in ("reply", "solved") and arg.isdecimal():
        await _mentor_ticket_action(ctx, action, int(arg))
    elif action == "mine":
        await ctx.clear_step()
        await show_mine(ctx)
    elif action == "open" and arg.isdecimal():
        await _show_thread(ctx, int(arg))
    else:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))


async def release_when_no_longer_expert(
    app: App, *, person, old_role: Role, released: list[int]
) -> None:
    """An expert who is one no more cannot answer: their claimed questions go back to everyone."""
    if person.role >= Role.EXPERT or old_role < Role.EXPERT:
        return
    tickets = app.db.repo(TicketsRepo)
    service: Escalations = app.services.escalations
    for ticket in await tickets.not_closed():
        if ticket.expert_id == person.id and await tickets.release(ticket.id):
            await app.scheduler.cancel_for("ticket.release", str(ticket.id))
            await service.refresh_posts(await tickets.get(ticket.id))
            released.append(ticket.id)


FOLLOW_UP_DAYS = 14


async def maybe_a_follow_up(ctx: Ctx) -> bool:
    """Text out of any dialog soon after an answer: keep it as the start of a reply to send or not."""
    if ctx.role != Role.MENTOR:
        return False
    since = ctx.now() - timedelta(days=FOLLOW_UP_DAYS)
    answered = [
        t
        for t in await ctx.repo(TicketsRepo).of_mentor(ctx.person.id)
        if t.status == "answered" and t.updated_at >= since
    ]
    if not answered:
        return False
    number = answered[0].id
    await ctx.set_step("esc.reply", {"ticket": number, "parts": [ctx.incoming.text or ""]})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.follow_up", number=number),
            [Choice("esc:send", ctx.t("esc.send"))],
            [ctx.button("esc:cancel", "esc.cancel")],
        )
    )
    return True


async def on_text(ctx: Ctx) -> None:
    """Typed parts of a question or of a reply (several messages until Send); an expert's answer."""
    step = ctx.dialog.step
    if step in ("esc.write", "esc.reply", "esc.answer"):
        data = dict(ctx.dialog.data)
        parts = [*data.get("parts", []), ctx.incoming.text or ""]
        if sum(len(p) for p in parts) > QUESTION_MAX:
            await ctx.reply(ctx.t("esc.too_long", max=QUESTION_MAX))
            return
        data["parts"] = parts
        await ctx.set_step(step, data)
        send = "esc:x:send" if step == "esc.answer" else "esc:send"
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.got_part"),
                [Choice(send, ctx.t("esc.send"))],
                [ctx.button("esc:cancel", "esc.cancel")],
            )
        )
    else:
        await ctx.reply(ctx.t("esc.use_buttons"))


async def _send(ctx: Ctx) -> None:
    data = dict(ctx.dialog.data)
    text = joined_text(data)
    if not text:
        await ctx.reply(ctx.t("esc.nothing_yet"))
        return
    if ctx.dialog.step == "esc.reply":
        await _mentor_reply(ctx, data["ticket"], text)
        return
    await ctx.set_step("esc.anon", data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.ask_anon"),
            [ctx.button("esc:anon:no", "esc.by_name")],
            [ctx.button("esc:anon:yes", "esc.anonymously")],
        )
    )


async def _open(ctx: Ctx, anonymous: bool) -> None:
    data = ctx.dialog.data
    service: Escalations = ctx.app.services.escalations
    source = "workshop" if data.get("workshop_id") else "ask"
    number = await service.open_ticket(
        mentor_id=ctx.person.id,
        topic=data["topic"],
        text=joined_text(data),
        anonymous=anonymous,
        source=source,
    )
    await ctx.clear_step()
    await ctx.audit("ticket.opened", subject=str(number), anonymous=anonymous)
    await ctx.show_menu(lead=ctx.t("esc.receipt", number=number))


async def _mentor_ticket_action(ctx: Ctx, action: str, number: int) -> None:
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    if ticket is None or ticket.mentor_id != ctx.person.id:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
        return
    if ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=number))
        return
    if action == "reply":
        await ctx.set_step("esc.reply", {"ticket": number, "parts": []})
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.ask_reply", number=number), [ctx.button("esc:cancel", "esc.cancel")]
            )
        )
        return
    await tickets.set_status(number, "closed")
    await ctx.app.scheduler.cancel_for("ticket.release", str(number))
    await ctx.audit("ticket.solved", subject=str(number))
    ticket = await tickets.get(number)
    service: Escalations = ctx.app.services.escalations
    await service.refresh_posts(ticket)
    if ticket.expert_id:
        expert = await ctx.repo(PeopleRepo).get(ticket.expert_id)
        if expert:
            await ctx.send_to(
                expert.id, Outgoing(i18n.t(expert.language, "esc.solved_to_expert", number=number))
            )
    await ctx.reply(ctx.t("esc.closed_for_mentor", number=number))


async def _mentor_reply(ctx: Ctx, number: int, text: str) -> None:
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    await ctx.clear_step()
    if ticket is None or ticket.mentor_id != ctx.person.id or ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=number))
        return
    await tickets.add_message(number, "mentor", ctx.person.id, text)
    service: Escalations = ctx.app.services.escalations
    if ticket.expert_id:
        await tickets.set_status(number, "claimed")
        await tickets.touch_claim(number)
        ticket = await tickets.get(number)
        await service.arm_release(ticket)
        await service.refresh_posts(ticket)
        expert = await ctx.repo(PeopleRepo).get(ticket.expert_id)
        if expert is not None:
            view = await service.expert_view(
                ticket, expert.language, "esc.mentor_wrote_again", direct=True
            )
            address = await ctx.app.messenger.address_of(expert.id)
            if address is not None:
                result = await ctx.app.messenger.send(address, view)
                if result.ok and result.message_id:
                    await tickets.add_post(number, address, result.message_id)
    else:
        await service.post(ticket, "esc.mentor_wrote_again")
    await ctx.reply(ctx.t("esc.reply_sent", number=number))


async def show_mine(ctx: Ctx) -> None:
    """/questions: the mentor's own questions, newest first, with their state."""
    tickets = await ctx.repo(TicketsRepo).of_mentor(ctx.person.id)
    if not tickets:
        await ctx.reply(
            Outgoing.with_buttons(ctx.t("esc.no_questions"), [ctx.button("esc:new", "menu.ask")])
        )
        return
    lines = [ctx.t("esc.my_questions_title")]
    rows = []
    for ticket in tickets[:10]:
        state = ctx.t(f"esc.mine_{ticket.status}")
        lines.append(f"#{ticket.id} · {ctx.t(f'esc.topic_{ticket.topic}')} · {state}")
        rows.append([Choice(f"esc:open:{ticket.id}", ctx.t("esc.open_n", number=ticket.id))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


async def _show_thread(ctx: Ctx, number: int) -> None:
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    if ticket is None or ticket.mentor_id != ctx.person.id:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
        return
    people = ctx.repo(PeopleRepo)
    lines = [
        f"#{ticket.id} · {ctx.t(f'esc.topic_{ticket.topic}')} · {ctx.t(f'esc.mine_{ticket.status}')}"
    ]
    for message in await tickets.messages(ticket.id):
        if message.author == "expert":
            expert = await people.get(message.author_id) if message.author_id else None
            who = expert.display_name if expert else ctx.t("esc.an_expert")
        else:
            who = ctx.t("esc.you")
        lines.append(f"{who}: {message.text}")
    rows = []
    if ticket.status != "closed":
        rows = [
            [ctx.button(f"esc:reply:{ticket.id}", "esc.reply")],
            [ctx.button(f"esc:solved:{ticket.id}", "esc.solved")],
        ]
    await ctx.reply(Outgoing.with_buttons("\n\n".join(lines), *rows))


# --- experts: claim, answer, close ---------------------------------------------------------------


# --- lists ---------------------------------------------------------------------------------------


# --- timers --------------------------------------------------------------------------------------
