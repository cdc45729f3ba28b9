"""Ask an expert, the experts' side: open a ticket, claim, answer with a preview, notes, close."""

from __future__ import annotations

import re

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.features.escalations.views import Viewer, short
from bot.messages import NOTE_MAX, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

_ANSWER = re.compile(r"^#?(\d{1,18})\s+(.+)$", re.S)
_NUMBER = re.compile(r"^#?(\d{1,18})$")
ANSWER_MAX = 8000  # all parts of an answer together
NOT_SENT = ("esc.no_such_ticket", "esc.already_closed", "esc.claimed_by_other")

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
        lang = mentor.language
        rows = await service.ask_helpful(ticket, lang)
        key = "esc.closed_by_expert_rate" if rows else "esc.closed_by_expert"
        await service.tell_mentor(
            ticket, Outgoing.with_buttons(i18n.t(lang, key, number=number), *rows)
        )
    await ctx.reply(ctx.t("esc.you_closed", number=number))


# --- answering: write, preview, send / edit / cancel -------------------------------------------


@routes.choice("esc:x:ans", ids.Answer, min_role=Role.EXPERT)
async def start_answer(ctx: Ctx, choice: ids.Answer) -> None:
    """Write an answer in as many messages as needed; a preview comes before anything is sent."""
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    # Said before the expert writes, not after: a written answer must never be turned away.
    if ticket.status == "closed":
        await ctx.reply(ctx.t("esc.already_closed", number=ticket.id))
        return
    if await _held_by_another(ctx, ticket):
        return
    draft = _draft(ctx, ticket.id)
    if draft:  # back from the canned replies, or the button tapped again: the draft is kept
        await _preview(ctx, ticket, draft)
        return
    await ctx.set_step(Step.ANSWER, {"ticket": ticket.id, "parts": []})
    question = await _question(ctx, ticket)
    rows = [[ids.DropAnswer(ticket.id).button(ctx.t("esc.cancel"))]]
    if ctx.app.content and ctx.app.content.canned_replies:
        rows.insert(0, [ids.Canned(ticket.id).button(ctx.t("esc.canned_button"))])
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "esc.write_answer",
                number=ticket.id,
                who=await _to_whom(ctx, ticket),
                question=short(question, 400),
            ),
            *rows,
        )
    )


@routes.step(Step.ANSWER, min_role=Role.EXPERT)
async def more_answer(ctx: Ctx) -> None:
    """One more part of the answer: it is added to the draft, then the preview again."""
    data = dict(ctx.dialog.data)
    text, problem = clean_text(ctx.incoming.text or "", ANSWER_MAX)
    if problem == "empty":
        await ctx.reply(ctx.t("esc.nothing_yet"))
        return
    parts = [*data.get("parts", []), text]
    if sum(len(p) for p in parts) > ANSWER_MAX:
        await ctx.reply(ctx.t("esc.answer_too_long", max=ANSWER_MAX, text=text))
        return
    await ctx.set_step(Step.ANSWER, {**data, "parts": parts})
    ticket = await _ticket(ctx, data["ticket"])
    if ticket is not None:
        await _preview(ctx, ticket, _joined(parts))


@routes.on_leave(Step.ANSWER)
async def left_answer(ctx: Ctx) -> None:
    """Leaving with an unsent draft: it is shown once more, so nothing typed is lost."""
    draft = _joined(ctx.dialog.data.get("parts", []))
    if draft:
        await ctx.reply(ctx.t("esc.answer_left", number=ctx.dialog.data["ticket"], text=draft))


@routes.choice("esc:x:send", ids.SendAnswer, min_role=Role.EXPERT)
async def send_answer(ctx: Ctx, choice: ids.SendAnswer) -> None:
    """Send the previewed answer to the mentor."""
    draft = _draft(ctx, choice.ticket)
    if not draft:
        await ctx.reply(ctx.t("esc.no_draft", number=choice.ticket))
        return
    await ctx.clear_step()
    await deliver(ctx, choice.ticket, draft)


@routes.choice("esc:x:edit", ids.EditAnswer, min_role=Role.EXPERT)
async def edit_answer(ctx: Ctx, choice: ids.EditAnswer) -> None:
    """Write the answer again: the next message replaces the draft (shown here to copy)."""
    draft = _draft(ctx, choice.ticket)
    if not draft:
        await ctx.reply(ctx.t("esc.no_draft", number=choice.ticket))
        return
    await ctx.set_step(Step.ANSWER, {"ticket": choice.ticket, "parts": [], "previous": draft})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.edit_answer", number=choice.ticket, text=draft),
            [ids.DropAnswer(choice.ticket).button(ctx.t("esc.cancel"))],
        )
    )


@routes.choice("esc:x:drop", ids.DropAnswer, min_role=Role.EXPERT)
async def drop_answer(ctx: Ctx, choice: ids.DropAnswer) -> None:
    """Do not send: the draft (or the one before Edit) is shown once more to copy."""
    in_draft = _in_answer(ctx, choice.ticket)
    data = ctx.dialog.data if in_draft else {}
    draft = _joined(data.get("parts", [])) or data.get("previous", "")
    if in_draft:
        await ctx.clear_step()
    said = ctx.t("esc.answer_dropped", number=choice.ticket, text=draft) if draft else ""
    await ctx.reply(
        Outgoing.with_buttons(
            said or ctx.t("esc.cancelled"),
            [ids.Open(choice.ticket).button(ctx.t("esc.open_n", number=choice.ticket))],
            [ids.Queue().button(ctx.t("esc.to_queue"))],
        )
    )


@routes.choice("esc:x:cr", ids.Canned, min_role=Role.EXPERT)
async def canned_list(ctx: Ctx, choice: ids.Canned) -> None:
    """The canned replies, by title; the chosen one is added in the mentor's language."""
    if not _in_answer(ctx, choice.ticket):
        await ctx.reply(ctx.t("esc.no_draft", number=choice.ticket))
        return
    replies = ctx.app.content.canned_replies if ctx.app.content else ()
    rows = [[ids.UseCanned(choice.ticket, r.id).button(r.title.get(ctx.lang))] for r in replies]
    rows.append([ids.Answer(choice.ticket).button(ctx.t("esc.canned_back"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("esc.canned_title"), *rows))


@routes.choice("esc:x:cu", ids.UseCanned, min_role=Role.EXPERT)
async def use_canned(ctx: Ctx, choice: ids.UseCanned) -> None:
    """Add a canned reply to the draft, in the mentor's language, and preview."""
    reply = ctx.app.content.canned_reply(choice.reply) if ctx.app.content else None
    if not _in_answer(ctx, choice.ticket) or reply is None:
        await ctx.reply(ctx.t("esc.no_draft", number=choice.ticket))
        return
    ticket = await _ticket(ctx, choice.ticket)
    if ticket is None:
        return
    mentor = await ctx.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
    text = reply.text.get(mentor.language if mentor else ctx.lang)
    parts = [*ctx.dialog.data.get("parts", []), text]
    await ctx.set_step(Step.ANSWER, {"ticket": ticket.id, "parts": parts})
    await _preview(ctx, ticket, _joined(parts))


@routes.command("answer", min_role=Role.EXPERT, help_key="cmd.answer")
async def answer_command(ctx: Ctx) -> None:
    """/answer N text: a draft answer to ticket N, shown as a preview before it is sent."""
    match = _ANSWER.match(ctx.args.strip())
    if not match or not match.group(2).strip():
        await ctx.reply(ctx.t("esc.answer_usage"))
        return
    await start_draft(ctx, int(match.group(1)), match.group(2).strip())


async def on_private_reply(ctx: Ctx) -> bool:
    """An expert replies (in their private chat) to a ticket's post: a draft answer, previewed."""
    if ctx.role < Role.EXPERT or not ctx.text:
        return False
    number = await ctx.repo(TicketsRepo).ticket_of_post(
        ctx.incoming.address.transport,
        ctx.incoming.address.chat_id,
        ctx.incoming.reply_to_message_id,
    )
    if number is None:
        return False
    await start_draft(ctx, number, ctx.text)
    return True


async def start_draft(ctx: Ctx, number: int, text: str) -> None:
    """A whole answer typed at once (/answer, a reply to a post): checked, kept, previewed."""
    text, problem = clean_text(text, ANSWER_MAX)
    ticket = await ctx.repo(TicketsRepo).get(number)
    result = None
    if ticket is None:
        result = "esc.no_such_ticket"
    elif ticket.status == "closed":
        result = "esc.already_closed"
    elif ticket.status != "open" and ticket.expert_id not in (None, ctx.person.id):
        result = "esc.claimed_by_other"
    elif problem == "too_long":
        await ctx.reply(ctx.t("esc.answer_too_long", max=ANSWER_MAX, text=text))
        return
    if result is not None:
        holder = await _holder(ctx, ticket) if ticket is not None else "-"
        await ctx.reply(
            ctx.t(result, number=number, name=holder)
            + "\n\n"
            + ctx.t("esc.answer_not_sent", text=text)
        )
        return
    await ctx.set_step(Step.ANSWER, {"ticket": number, "parts": [text]})
    await _preview(ctx, ticket, text)


async def deliver(ctx: Ctx, number: int, text: str) -> None:
    """Send an answer to the mentor; anything not sent comes back to copy."""
    result = await ctx.app.services.escalations.answer(ctx.person, number, text)
    if result == "esc.answer_sent":
        await ctx.audit("ticket.answered", subject=str(number))
    ticket = await ctx.repo(TicketsRepo).get(number)
    holder = await _holder(ctx, ticket) if ticket is not None else "-"
    said = ctx.t(result, number=number, name=holder)
    if result in NOT_SENT:  # nothing typed is lost: the answer comes back to copy
        said += "\n\n" + ctx.t("esc.answer_not_sent", text=text)
    await ctx.reply(
        Outgoing.with_buttons(
            said,
            [ids.Open(number).button(ctx.t("esc.open_n", number=number))],
            [ids.Queue().button(ctx.t("esc.to_queue"))],
        )
    )


# --- internal notes ----------------------------------------------------------------------------


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


# --- shared by the handlers --------------------------------------------------------------------


async def _ticket(ctx: Ctx, number: int) -> Ticket | None:
    """The ticket, or (said) that there is none with that number."""
    ticket = await ctx.repo(TicketsRepo).get(number)
    if ticket is None:
        await ctx.reply(ctx.t("esc.no_such_ticket", number=number))
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


def _in_answer(ctx: Ctx, number: int) -> bool:
    """True while the person writes an answer to ticket `number`."""
    dialog = ctx.dialog
    return dialog is not None and dialog.step == Step.ANSWER and dialog.data.get("ticket") == number


def _draft(ctx: Ctx, number: int) -> str:
    """The answer to ticket `number` written so far ('' for none)."""
    return _joined(ctx.dialog.data.get("parts", [])) if _in_answer(ctx, number) else ""


def _joined(parts: list[str]) -> str:
    return "\n\n".join(p.strip() for p in parts if p.strip())


async def _question(ctx: Ctx, ticket: Ticket) -> str:
    """What was asked: the first message from the mentor (or the bot's note)."""
    for message in await ctx.repo(TicketsRepo).messages(ticket.id):
        if message.author in ("mentor", "bot"):
            return message.text
    return ""


async def _to_whom(ctx: Ctx, ticket: Ticket) -> str:
    """The mentor as the answer's addressee: their name, or "the anonymous mentor"."""
    if ticket.anonymous:
        return ctx.t("esc.to_anonymous")
    mentor = await ctx.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
    return mentor.display_name if mentor else ctx.t("esc.former_mentor")


async def _preview(ctx: Ctx, ticket: Ticket, draft: str) -> None:
    """The answer as the mentor will get it, with Send, Edit and Cancel (all naming the ticket)."""
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "esc.preview",
                number=ticket.id,
                who=await _to_whom(ctx, ticket),
                topic=ctx.t(f"esc.topic_{ticket.topic}"),
                text=draft,
            ),
            [ids.SendAnswer(ticket.id).button(ctx.t("esc.send"))],
            [
                ids.EditAnswer(ticket.id).button(ctx.t("esc.edit")),
                ids.DropAnswer(ticket.id).button(ctx.t("esc.cancel")),
            ],
        )
    )
