"""Ask an expert: mentors escalate questions as tickets; experts claim, answer and close them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.context import Ctx
from bot.messages import Address, Choice, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from bot.router import MenuItem
from storage.jobs import Job
from storage.people import PeopleRepo, Person
from storage.tickets import TOPICS, Ticket, TicketsRepo

if TYPE_CHECKING:
    from bot.app import App

QUESTION_MAX = 8000
_ANSWER = re.compile(r"^#?(\d+)\s+(.+)$", re.S)


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
    router.group(on_group_message)
    router.menu(MenuItem("esc:new", "menu.ask", order=30))
    app.scheduler.on("ticket.remind", remind_unclaimed)
    app.scheduler.on("ticket.release", release_unanswered)
    app.scheduler.on("ticket.relay", relay_again)
    app.services["escalations"] = Escalations(app)


def _settings(app: App) -> dict:
    return app.config.feature("escalations")


class Escalations:
    """Opening tickets and telling experts; used by safety, check-ins and the workshop log."""

    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def tickets(self) -> TicketsRepo:
        """The tickets repository."""
        return self.app.db.repo(TicketsRepo)

    async def open_ticket(
        self,
        *,
        mentor_id: int,
        topic: str,
        text: str,
        anonymous: bool = False,
        urgent: bool = False,
        source: str = "ask",
    ) -> int:
        """Create a ticket, post it to the experts, arm its reminder; returns its number."""
        ticket = await self.tickets.open(
            mentor_id, topic, text, anonymous=anonymous, urgent=urgent, source=source
        )
        await self.post(ticket)
        hours = float(_settings(self.app).get("remind_after_hours", 24))
        due = self.app.clock.now() + timedelta(hours=hours)
        await self.app.scheduler.add("ticket.remind", str(ticket.id), due)
        return ticket.id

    async def ask_after_workshop(self, ctx: Ctx, workshop_id: int) -> None:
        """The workshop log's "I need support": straight into asking an expert."""
        await ctx.reply(ctx.t("esc.after_workshop"))
        await _ask_topic(ctx, {"workshop_id": workshop_id})

    async def experts(self) -> list[Person]:
        """Every active expert (staff and admins answer too, but are not paged)."""
        return await self.app.db.repo(PeopleRepo).with_role(Role.EXPERT)

    def _group(self, topic: str) -> Address | None:
        group = self.app.config.telegram.experts_group_id
        if group is None or "telegram" not in self.app.messenger.transports:
            return None
        topics = _settings(self.app).get("group_topics", {}) or {}
        thread = topics.get(topic)
        return Address("telegram", str(group), int(thread) if thread else None)

    async def post(self, ticket: Ticket, note_key: str | None = None) -> None:
        """Show a ticket to the experts: in their group and/or as direct messages."""
        group = self._group(ticket.topic)
        direct = bool(_settings(self.app).get("direct_messages", group is None)) or ticket.urgent
        lang = self.app.config.bot.default_language
        if group is not None:
            out = await self.expert_view(ticket, lang, note_key)
            result = await self.app.messenger.send(group, out)
            if result.ok and result.message_id:
                await self.tickets.add_post(ticket.id, group, result.message_id)
        if direct:
            for expert in await self.experts():
                out = await self.expert_view(ticket, expert.language, note_key, direct=True)
                address = await self.app.messenger.address_of(expert.id)
                if address is None:
                    continue
                result = await self.app.messenger.send(address, out)
                if result.ok and result.message_id:
                    await self.tickets.add_post(ticket.id, address, result.message_id)

    async def refresh_posts(self, ticket: Ticket) -> None:
        """Edit every post of a ticket so all experts see who claimed it, or that it closed."""
        people = self.app.db.repo(PeopleRepo)
        for address, message_id in await self.tickets.posts(ticket.id):
            lang = self.app.config.bot.default_language
            if address.transport != "telegram" or address.thread_id is None:
                owner = await people.by_identity(address.transport, address.chat_id)
                lang = owner.language if owner else lang
            out = await self.expert_view(ticket, lang, direct=not address.chat_id.startswith("-"))
            await self.app.messenger.edit(address, message_id, out)

    async def expert_view(
        self, ticket: Ticket, lang: str, note_key: str | None = None, direct: bool = False
    ) -> Outgoing:
        """A ticket as experts see it: never the name or id of an anonymous mentor."""
        who = await self._mentor_label(ticket, lang)
        head = i18n.t(
            lang,
            "esc.expert_head_urgent" if ticket.urgent else "esc.expert_head",
            number=ticket.id,
            topic=i18n.t(lang, f"esc.topic_{ticket.topic}"),
            who=who,
        )
        lines = [head]
        if note_key:
            lines.insert(0, i18n.t(lang, note_key, number=ticket.id))
        for message in await self.tickets.messages(ticket.id):
            if message.author == "expert":
                lines.append(i18n.t(lang, "esc.expert_said", text=message.text))
            else:
                lines.append(message.text)
        state = await self._state_line(ticket, lang)
        lines.append(state)
        rows: list[list[Choice]] = []
        if ticket.status == "open":
            rows.append([Choice(f"esc:x:claim:{ticket.id}", i18n.t(lang, "esc.claim"))])
        if ticket.status != "closed":
            if direct:
                rows.append([Choice(f"esc:x:ans:{ticket.id}", i18n.t(lang, "esc.answer_button"))])
            rows.append([Choice(f"esc:x:close:{ticket.id}", i18n.t(lang, "esc.close"))])
        return Outgoing.with_buttons("\n\n".join(lines), *rows)

    async def _mentor_label(self, ticket: Ticket, lang: str) -> str:
        if ticket.anonymous:
            return i18n.t(lang, "esc.anonymous_mentor")
        person = (
            await self.app.db.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
        )
        if person is None:
            return i18n.t(lang, "esc.former_mentor")
        return i18n.t(
            lang, "esc.named_mentor", name=person.display_name, cohort=person.cohort or "-"
        )

    async def _state_line(self, ticket: Ticket, lang: str) -> str:
        if ticket.status == "open":
            return i18n.t(lang, "esc.state_open")
        if ticket.status == "closed":
            return i18n.t(lang, "esc.state_closed")
        expert = (
            await self.app.db.repo(PeopleRepo).get(ticket.expert_id) if ticket.expert_id else None
        )
        name = expert.display_name if expert else "-"
        key = "esc.state_answered" if ticket.status == "answered" else "esc.state_claimed"
        return i18n.t(lang, key, name=name)

    async def tell_mentor(self, ticket: Ticket, out: Outgoing) -> None:
        """Send to the ticket's mentor, if they still exist."""
        if ticket.mentor_id is not None:
            await self.app.messenger.send_to_person(ticket.mentor_id, out)

    async def arm_release(self, ticket: Ticket) -> None:
        """A claimed ticket goes back to everyone after M hours without an answer (never urgent)."""
        await self.app.scheduler.cancel_for("ticket.release", str(ticket.id))
        if ticket.urgent:
            return
        hours = float(_settings(self.app).get("release_after_hours", 48))
        await self.app.scheduler.add(
            "ticket.release", str(ticket.id), self.app.clock.now() + timedelta(hours=hours)
        )

    async def answer(self, expert: Person, ticket_id: int, text: str) -> str:
        """An expert answers: claims an open ticket, relays the answer; returns a result key."""
        ticket = await self.tickets.get(ticket_id)
        if ticket is None:
            return "esc.no_such_ticket"
        if ticket.status == "closed":
            return "esc.already_closed"
        if ticket.status == "open":
            await self.tickets.claim(ticket.id, expert.id)
            ticket = await self.tickets.get(ticket.id)
        if ticket.expert_id != expert.id:
            return "esc.claimed_by_other"
        await self.tickets.add_message(ticket.id, "expert", expert.id, text)
        await self.tickets.set_status(ticket.id, "answered")
        await self.app.scheduler.cancel_for("ticket.release", str(ticket.id))
        ticket = await self.tickets.get(ticket.id)
        result = await self.relay_answer(ticket, expert, text)
        await self.refresh_posts(ticket)
        if result is None or result.ok:
            return "esc.answer_sent"
        if result.status is DeliveryStatus.BLOCKED:
            return "esc.answer_unreachable"
        # Not delivered now: the answer is on the ticket, and a job keeps trying.
        await self.app.scheduler.add(
            "ticket.relay", str(ticket.id), self.app.clock.now() + timedelta(minutes=2)
        )
        return "esc.answer_queued"

    async def relay_answer(self, ticket: Ticket, expert: Person, text: str) -> SendResult | None:
        """Send an expert's answer to the mentor (None when the mentor no longer exists)."""
        people = self.app.db.repo(PeopleRepo)
        mentor = await people.get(ticket.mentor_id) if ticket.mentor_id else None
        if mentor is None:
            return None
        lang = mentor.language
        return await self.app.messenger.send_to_person(
            mentor.id,
            Outgoing.with_buttons(
                i18n.t(
                    lang,
                    "esc.answer_to_mentor",
                    name=expert.display_name,
                    number=ticket.id,
                    text=text,
                ),
                [Choice(f"esc:reply:{ticket.id}", i18n.t(lang, "esc.reply"))],
                [Choice(f"esc:solved:{ticket.id}", i18n.t(lang, "esc.solved"))],
            ),
        )


# --- mentor: asking -----------------------------------------------------------------------------


async def start_ask(ctx: Ctx) -> None:
    """/ask or menu → Ask an expert: what is it about?"""
    await _ask_topic(ctx, {})


async def _ask_topic(ctx: Ctx, data: dict) -> None:
    await ctx.set_step("esc.topic", {**data, "parts": []})
    rows = [[ctx.button(f"esc:topic:{t}", f"esc.topic_{t}")] for t in TOPICS]
    if await ctx.repo(TicketsRepo).of_mentor(ctx.person.id):
        rows.append([ctx.button("esc:mine", "esc.my_questions")])
    rows.append([ctx.button("esc:cancel", "esc.cancel")])
    await ctx.reply(Outgoing.with_buttons(ctx.t("esc.ask_topic"), *rows))


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
        await ctx.reply(ctx.t("esc.cancelled"))
        await ctx.show_menu()
    elif action in ("reply", "solved") and arg.isdecimal():
        await _mentor_ticket_action(ctx, action, int(arg))
    elif action == "mine":
        await ctx.clear_step()
        await show_mine(ctx)
    elif action == "open" and arg.isdecimal():
        await _show_thread(ctx, int(arg))
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        await ctx.show_menu()


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


def _joined(data: dict) -> str:
    return "\n\n".join(p.strip() for p in data.get("parts", []) if p.strip())


async def _send(ctx: Ctx) -> None:
    data = dict(ctx.dialog.data)
    text = _joined(data)
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
    service: Escalations = ctx.app.services["escalations"]
    source = "workshop" if data.get("workshop_id") else "ask"
    number = await service.open_ticket(
        mentor_id=ctx.person.id,
        topic=data["topic"],
        text=_joined(data),
        anonymous=anonymous,
        source=source,
    )
    await ctx.clear_step()
    await ctx.audit("ticket.opened", subject=str(number), anonymous=anonymous)
    await ctx.reply(ctx.t("esc.receipt", number=number))
    await ctx.show_menu()


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
    service: Escalations = ctx.app.services["escalations"]
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
    service: Escalations = ctx.app.services["escalations"]
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


async def on_expert_choice(ctx: Ctx) -> None:
    """esc:x:claim:N, esc:x:close:N, esc:x:ans:N, esc:x:send (private chat)."""
    await _expert_action(ctx, ctx.choice_parts[2:])


async def _expert_action(ctx: Ctx, parts: list[str]) -> None:
    action = parts[0] if parts else ""
    if action == "send":
        if ctx.dialog is None or ctx.dialog.step != "esc.answer":
            await ctx.reply(ctx.t("common.stale_button"))
            return
        text = _joined(ctx.dialog.data)
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
    service: Escalations = ctx.app.services["escalations"]
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
        await ctx.set_step("esc.answer", {"ticket": number, "parts": []})
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("esc.write_answer", number=number), [ctx.button("esc:cancel", "esc.cancel")]
            )
        )
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _answer(ctx: Ctx, number: int, text: str) -> None:
    service: Escalations = ctx.app.services["escalations"]
    result = await service.answer(ctx.person, number, text)
    if result == "esc.answer_sent":
        await ctx.audit("ticket.answered", subject=str(number))
    ticket = await ctx.repo(TicketsRepo).get(number)
    holder = None
    if ticket is not None and ticket.expert_id:
        holder = await ctx.repo(PeopleRepo).get(ticket.expert_id)
    await ctx.reply(ctx.t(result, number=number, name=holder.display_name if holder else "-"))


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


# --- lists ---------------------------------------------------------------------------------------


def _age(ctx: Ctx, ticket: Ticket) -> str:
    hours = int((ctx.now() - ticket.created_at).total_seconds() // 3600)
    return (
        ctx.t("esc.age_days", days=hours // 24)
        if hours >= 48
        else ctx.t("esc.age_hours", hours=hours)
    )


async def _line(ctx: Ctx, ticket: Ticket) -> str:
    service: Escalations = ctx.app.services["escalations"]
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


# --- timers --------------------------------------------------------------------------------------


async def remind_unclaimed(app: App, job: Job) -> datetime | None:
    """N hours after opening, a still-unclaimed ticket is reminded to all experts, once."""
    tickets = app.db.repo(TicketsRepo)
    ticket = await tickets.get(int(job.ref))
    if ticket is None or ticket.status != "open" or not await tickets.mark_reminded(ticket.id):
        return None
    service: Escalations = app.services["escalations"]
    await service.post(ticket, "esc.reminder_note")
    return None


async def relay_again(app: App, job: Job) -> datetime | None:
    """An answer that did not reach the mentor is sent again (the scheduler backs off on failure)."""
    service: Escalations = app.services["escalations"]
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
    service: Escalations = app.services["escalations"]
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
