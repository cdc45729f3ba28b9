"""Ask an expert, answering: write the answer (in parts, /answer, a reply), preview, send or not."""

from __future__ import annotations

import re

from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.features.escalations.lookups import (
    _held_by_another,
    _holder,
    _ticket,
    _unclosed_ticket,
)
from bot.features.escalations.views import short
from bot.messages import Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo

_ANSWER = re.compile(r"^#?(\d{1,18})\s+(.+)$", re.S)
ANSWER_MAX = 8000  # all parts of an answer together
NOT_SENT = ("esc.no_such_ticket", "esc.already_closed", "esc.claimed_by_other")

routes = Routes("esc")

# --- answering: write, preview, send / edit / cancel -------------------------------------------


@routes.choice("esc:x:ans", ids.Answer, min_role=Role.EXPERT)
async def start_answer(ctx: Ctx, choice: ids.Answer) -> None:
    """Write an answer in as many messages as needed; a preview comes before anything is sent."""
    # Said before the expert writes, not after: a written answer must never be turned away.
    ticket = await _unclosed_ticket(ctx, choice.ticket)
    if ticket is None:
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


# --- shared by the answering handlers-----------------------------------------------------------


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
