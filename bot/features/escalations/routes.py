"""Ask an expert, the mentor's side: asking, replying on an answer, marking solved, own questions."""

from __future__ import annotations

from datetime import timedelta

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.features.escalations.parts import add_part, joined_text
from bot.features.escalations.service import ask_topic
from bot.features.escalations.views import Viewer
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

FOLLOW_UP_DAYS = 14

routes = Routes("esc", steps=Step)


# --- asking --------------------------------------------------------------------------------------


@routes.command("ask", help_key="cmd.ask")
async def start_ask(ctx: Ctx) -> None:
    """/ask or menu → Ask an expert: what is it about?"""
    await ask_topic(ctx, {})


@routes.choice("esc:new", ids.NewQuestion)
async def new_question(ctx: Ctx, choice: ids.NewQuestion) -> None:
    """Ask an expert (the menu's button, or after "no questions yet")."""
    await start_ask(ctx)


@routes.choice("esc:topic", ids.Topic)
async def choose_topic(ctx: Ctx, choice: ids.Topic) -> None:
    """The topic chosen: now write the question, in as many messages as needed."""
    if not _in_step(ctx, Step.TOPIC):
        await _stale(ctx)
        return
    await ctx.set_step(Step.WRITE, {**ctx.dialog.data, "topic": choice.topic, "parts": []})
    await ctx.reply(
        Outgoing.with_buttons(ctx.t("esc.ask_write"), [ids.Cancel().button(ctx.t("esc.cancel"))])
    )


@routes.step(Step.WRITE, Step.REPLY)
async def more_text(ctx: Ctx) -> None:
    """One more part of a question or of a reply (several messages until Send)."""
    await add_part(ctx, ids.Send().button(ctx.t("esc.send")))


@routes.step(Step.TOPIC, Step.ANON)
async def use_buttons(ctx: Ctx) -> None:
    """Text where a button is expected."""
    await ctx.reply(ctx.t("esc.use_buttons"))


@routes.choice("esc:send", ids.Send)
async def send(ctx: Ctx, choice: ids.Send) -> None:
    """Send what was written: a reply goes to the ticket; a question asks "by name or not?" first."""
    if not _in_step(ctx, Step.WRITE, Step.REPLY):
        await _stale(ctx)
        return
    data = dict(ctx.dialog.data)
    text = joined_text(data)
    if not text:
        await ctx.reply(ctx.t("esc.nothing_yet"))
        return
    if ctx.dialog.step == Step.REPLY:
        await _mentor_reply(ctx, data["ticket"], text)
        return
    await ctx.set_step(Step.ANON, data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.ask_anon"),
            [ids.Anonymous("no").button(ctx.t("esc.by_name"))],
            [ids.Anonymous("yes").button(ctx.t("esc.anonymously"))],
        )
    )


@routes.choice("esc:anon", ids.Anonymous)
async def open_ticket(ctx: Ctx, choice: ids.Anonymous) -> None:
    """By name or anonymously: the question becomes a ticket the experts see."""
    if not _in_step(ctx, Step.ANON):
        await _stale(ctx)
        return
    anonymous = choice.answer == "yes"
    data = ctx.dialog.data
    source = "workshop" if data.get("workshop_id") else "ask"
    number = await ctx.app.services.escalations.open_ticket(
        mentor_id=ctx.person.id,
        topic=data["topic"],
        text=joined_text(data),
        anonymous=anonymous,
        source=source,
    )
    await ctx.clear_step()
    await ctx.audit("ticket.opened", subject=str(number), anonymous=anonymous)
    await ctx.show_menu(lead=await receipt(ctx, number))


async def receipt(ctx: Ctx, number: int) -> str:
    """What happens next, honestly: when experts usually answer, or that none is there now."""
    reach = await ctx.app.services.escalations.reach()
    if reach != "experts":
        return ctx.t(f"esc.receipt_{reach}", number=number)
    days = ctx.app.config.features.escalations.answer_within_days
    when = ctx.t("esc.within_one_day") if days == 1 else ctx.t("esc.within_days", days=days)
    return ctx.t("esc.receipt", number=number, when=when)


@routes.choice("esc:cancel", ids.Cancel)
async def cancel(ctx: Ctx, choice: ids.Cancel) -> None:
    """Stop asking, replying or answering (nothing is sent)."""
    await ctx.clear_step()
    await ctx.show_menu(lead=ctx.t("esc.cancelled"))


# --- after an answer: reply, solved --------------------------------------------------------------


@routes.choice("esc:reply", ids.Reply)
async def start_reply(ctx: Ctx, choice: ids.Reply) -> None:
    """The mentor writes again on their ticket."""
    ticket = await _own_open_ticket(ctx, choice.ticket)
    if ticket is None:
        return
    await ctx.set_step(Step.REPLY, {"ticket": ticket.id, "parts": []})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.ask_reply", number=ticket.id), [ids.Cancel().button(ctx.t("esc.cancel"))]
        )
    )


@routes.choice("esc:solved", ids.Solved)
async def mark_solved(ctx: Ctx, choice: ids.Solved) -> None:
    """The mentor marks their ticket solved: it closes, and the expert who had it is told."""
    ticket = await _own_open_ticket(ctx, choice.ticket)
    if ticket is None:
        return
    number = ticket.id
    tickets = ctx.repo(TicketsRepo)
    await tickets.set_status(number, "closed")
    await ctx.app.scheduler.cancel_for("ticket.release", str(number))
    await ctx.audit("ticket.solved", subject=str(number))
    ticket = await tickets.get(number)
    service = ctx.app.services.escalations
    await service.refresh_posts(ticket)
    if ticket.expert_id:
        expert = await ctx.repo(PeopleRepo).get(ticket.expert_id)
        if expert:
            await ctx.send_to(
                expert.id, Outgoing(i18n.t(expert.language, "esc.solved_to_expert", number=number))
            )
    rows = await service.ask_helpful(ticket, ctx.lang)
    key = "esc.closed_for_mentor_rate" if rows else "esc.closed_for_mentor"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key, number=number), *rows))


@routes.choice("esc:rate", ids.Rate)
async def rate(ctx: Ctx, choice: ids.Rate) -> None:
    """The answer to "Was this helpful?": kept on the ticket; the expert hears when it helped."""
    ticket = await ctx.repo(TicketsRepo).get(choice.ticket)
    if ticket is None or ticket.mentor_id != ctx.person.id:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=choice.ticket))
        return
    if ticket.helpful:
        await ctx.show_menu(lead=ctx.t("esc.rated_already", number=ticket.id))
        return
    if not await ctx.repo(TicketsRepo).set_helpful(ticket.id, choice.helpful):
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await ctx.audit("ticket.rated", subject=str(ticket.id), helpful=choice.helpful)
    if choice.helpful == "yes" and ticket.expert_id:
        expert = await ctx.repo(PeopleRepo).get(ticket.expert_id)
        if expert is not None and expert.active:
            await ctx.send_to(
                expert.id,
                Outgoing(i18n.t(expert.language, "esc.helped_to_expert", number=ticket.id)),
            )
    await ctx.show_menu(lead=ctx.t(f"esc.thanks_{choice.helpful}"))


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
    await ctx.set_step(Step.REPLY, {"ticket": number, "parts": [ctx.incoming.text or ""]})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.follow_up", number=number),
            [ids.Send().button(ctx.t("esc.send"))],
            [ids.Cancel().button(ctx.t("esc.cancel"))],
        )
    )
    return True


async def _mentor_reply(ctx: Ctx, number: int, text: str) -> None:
    tickets = ctx.repo(TicketsRepo)
    ticket = await tickets.get(number)
    await ctx.clear_step()
    if ticket is None or ticket.mentor_id != ctx.person.id or ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=number))
        return
    await tickets.add_message(number, "mentor", ctx.person.id, text)
    service = ctx.app.services.escalations
    if ticket.expert_id:
        await tickets.set_status(number, "claimed")
        await tickets.touch_claim(number)
        ticket = await tickets.get(number)
        await service.arm_release(ticket)
        await service.refresh_posts(ticket)
        expert = await ctx.repo(PeopleRepo).get(ticket.expert_id)
        if expert is not None:
            view = await service.expert_view(
                ticket, expert.language, "esc.mentor_wrote_again", Viewer.of(expert)
            )
            address = await ctx.app.messenger.address_of(expert.id)
            if address is not None:
                await service.post_to(address, view, number, expert.id)
    else:
        await service.post(ticket, "esc.mentor_wrote_again")
    await ctx.reply(ctx.t("esc.reply_sent", number=number))


# --- the mentor's own questions ------------------------------------------------------------------


@routes.command("questions", help_key="cmd.questions")
async def show_mine(ctx: Ctx) -> None:
    """/questions: the mentor's own questions, newest first, with their state."""
    tickets = await ctx.repo(TicketsRepo).of_mentor(ctx.person.id)
    if not tickets:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.no_questions"), [ids.NewQuestion().button(ctx.t("menu.ask"))]
            )
        )
        return
    lines = [ctx.t("esc.my_questions_title")]
    rows = []
    for ticket in tickets[:10]:
        state = ctx.t(f"esc.mine_{ticket.status}")
        lines.append(f"#{ticket.id} · {ctx.t(f'esc.topic_{ticket.topic}')} · {state}")
        rows.append([ids.OpenQuestion(ticket.id).button(ctx.t("esc.open_n", number=ticket.id))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("esc:mine", ids.MyQuestions)
async def my_questions(ctx: Ctx, choice: ids.MyQuestions) -> None:
    """The mentor's own questions (leaves asking)."""
    await ctx.clear_step()
    await show_mine(ctx)


@routes.choice("esc:open", ids.OpenQuestion)
async def show_thread(ctx: Ctx, choice: ids.OpenQuestion) -> None:
    """One of the mentor's questions with the whole conversation, and Reply / Solved."""
    number = choice.ticket
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
        if message.author == "note":
            continue  # the experts' internal notes are not the mentor's to see
        if message.author == "bot":
            lines.append(ctx.t("esc.bot_note_for_mentor", text=message.text))
            continue
        if message.author == "expert":
            expert = await people.get(message.author_id) if message.author_id else None
            who = expert.display_name if expert else ctx.t("esc.an_expert")
        else:
            who = ctx.t("esc.you")
        lines.append(f"{who}: {message.text}")
    rows = []
    if ticket.status != "closed":
        rows = [
            [ids.Reply(ticket.id).button(ctx.t("esc.reply"))],
            [ids.Solved(ticket.id).button(ctx.t("esc.solved"))],
        ]
    else:
        rows = await ctx.app.services.escalations.ask_helpful(ticket, ctx.lang)
    await ctx.reply(Outgoing.with_buttons("\n\n".join(lines), *rows))


# --- shared by the handlers ----------------------------------------------------------------------


def _in_step(ctx: Ctx, *steps: Step) -> bool:
    return ctx.dialog is not None and ctx.dialog.step in steps


async def _stale(ctx: Ctx) -> None:
    await ctx.show_menu(lead=ctx.t("common.stale_button"))


async def _own_open_ticket(ctx: Ctx, number: int) -> Ticket | None:
    """The mentor's own ticket while not closed; otherwise says why and gives None."""
    ticket = await ctx.repo(TicketsRepo).get(number)
    if ticket is None or ticket.mentor_id != ctx.person.id:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
        return None
    if ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=number))
        return None
    return ticket
