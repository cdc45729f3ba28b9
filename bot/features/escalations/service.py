"""Escalated questions as a service: opening tickets, showing them to experts, relaying answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids, views
from bot.features.escalations.ids import Step
from bot.features.escalations.views import Viewer
from bot.messages import Address, Choice, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from storage.people import PeopleRepo, Person
from storage.tickets import HELPFUL, TOPICS, Ticket, TicketsRepo

if TYPE_CHECKING:
    from bot.app import App


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
        by_bot: bool | None = None,
    ) -> int:
        """Create a ticket, show it to the experts (or staff), arm its reminder; returns its number.

        `by_bot`: the first message is a note the bot wrote, not the mentor's words (default: for
        the urgent-contact request after a crisis message, source "safety").
        """
        bot_note = source == "safety" if by_bot is None else by_bot
        ticket = await self.tickets.open(
            mentor_id,
            topic,
            text,
            anonymous=anonymous,
            urgent=urgent,
            source=source,
            first_author="bot" if bot_note else "mentor",
        )
        await self.post(ticket)
        if not await self.experts():
            await self.alert_staff(ticket)
        hours = self.app.config.features.escalations.remind_after_hours
        due = self.app.clock.now() + timedelta(hours=hours)
        await self.app.scheduler.add("ticket.remind", str(ticket.id), due)
        return ticket.id

    async def reach(self) -> str:
        """Who sees a new question now: "experts", "staff" (no active expert) or "nobody"."""
        if await self.experts():
            return "experts"
        return "staff" if await self.staff() else "nobody"

    async def ask_after_workshop(self, ctx: Ctx, workshop_id: int) -> None:
        """The workshop log's "I need support": straight into asking an expert."""
        await ctx.reply(ctx.t("esc.after_workshop"))
        await ask_topic(ctx, {"workshop_id": workshop_id})

    async def experts(self) -> list[Person]:
        """Every active expert (staff and admins answer too, but are not paged)."""
        return await self.app.db.repo(PeopleRepo).with_role(Role.EXPERT)

    async def staff(self) -> list[Person]:
        """Every active staff member and admin (told when no expert is there to answer)."""
        people = self.app.db.repo(PeopleRepo)
        return await people.with_role(Role.STAFF) + await people.with_role(Role.ADMIN)

    async def waiting_for(self, person: Person) -> int:
        """How many questions wait for this expert: unclaimed ones and their own claimed ones."""
        return await self.tickets.waiting_for(person.id)

    async def not_closed_count(self) -> int:
        """How many tickets are not closed (staff's Tickets in the menu)."""
        return (await self.tickets.listing("open", self.app.clock.now(), 0, 0))[1]

    def _team_chat(self, topic: str) -> Address | None:
        """The experts' team chat (the topic's forum thread, if any); None when there is none."""
        chat = self.app.config.team.experts_chat
        if chat is None or chat.transport not in self.app.messenger.transports:
            return None
        thread = self.app.config.features.escalations.group_topics.get(topic)
        return chat.address(int(thread) if thread else None)

    def in_team_chat(self, address: Address) -> bool:
        """True for the experts' team chat (any topic of it); False for a direct message."""
        chat = self.app.config.team.experts_chat
        return chat is not None and chat.matches(address)

    def _direct(self, team_chat: Address | None) -> bool:
        """Whether experts also get each ticket as a direct message."""
        direct = self.app.config.features.escalations.direct_messages
        return team_chat is None if direct is None else direct

    async def post(self, ticket: Ticket, note_key: str | None = None) -> None:
        """Show a ticket to the experts: in their team chat and/or as direct messages."""
        team_chat = self._team_chat(ticket.topic)
        if team_chat is not None:
            lang = self.app.config.bot.default_language
            out = await self.expert_view(ticket, lang, note_key)
            await self.post_to(team_chat, out, ticket.id)
        if self._direct(team_chat) or ticket.urgent:
            await self._post_directly(ticket, await self.experts(), note_key)

    async def alert_staff(self, ticket: Ticket, note_key: str = "esc.no_expert_note") -> None:
        """No active expert: staff and admins get the question, to answer it or find someone."""
        await self._post_directly(ticket, await self.staff(), note_key)

    async def _post_directly(self, ticket: Ticket, people: list[Person], note_key: str | None):
        for person in people:
            address = await self.app.messenger.address_of(person.id)
            if address is None:
                continue
            out = await self.expert_view(ticket, person.language, note_key, Viewer.of(person))
            await self.post_to(address, out, ticket.id, person.id)

    async def post_to(
        self, address: Address, out: Outgoing, ticket_id: int, person_id: int | None = None
    ) -> None:
        """A ticket's post through the outbox; once it is delivered, its message is kept (for
        edits: claimed, closed, erased)."""
        await self.app.messenger.post(
            address, out, person_id=person_id, purpose=f"ticket_post:{ticket_id}"
        )

    async def post_delivered(self, ref: str, result: SendResult, address: Address) -> None:
        """The outbox delivered a ticket's post: remember where, to edit it later."""
        if result.ok and result.message_id:
            await self.tickets.add_post(int(ref), address, result.message_id)

    async def refresh_posts(self, ticket: Ticket) -> None:
        """Edit every post of a ticket so all experts see who claimed it, or that it closed."""
        people = self.app.db.repo(PeopleRepo)
        for address, message_id in await self.tickets.posts(ticket.id):
            lang = self.app.config.bot.default_language
            viewer = Viewer()
            if not self.in_team_chat(address):
                owner = await people.by_identity(address.transport, address.chat_id)
                lang = owner.language if owner else lang
                viewer = Viewer.of(owner) if owner else Viewer(person_id=-1)
            out = await self.expert_view(ticket, lang, viewer=viewer)
            await self.app.messenger.edit(address, message_id, out)

    async def expert_view(
        self,
        ticket: Ticket,
        lang: str,
        note_key: str | None = None,
        viewer: Viewer | None = None,
    ) -> Outgoing:
        """A ticket's post for experts: never the name or id of an anonymous mentor."""
        viewer = viewer or Viewer()
        lines = [i18n.t(lang, note_key, number=ticket.id)] if note_key else []
        lines.append(await self._head(ticket, lang, viewer))
        lines += await views.thread_lines(self.app, ticket, lang)
        if ticket.status != "closed":
            lines.append(i18n.t(lang, "esc.post_hint"))
        rows = views.buttons(ticket, lang, viewer, details=True)
        return replace(Outgoing.with_buttons("\n\n".join(lines), *rows), lang=lang)

    async def open_view(self, ticket: Ticket, lang: str, viewer: Viewer) -> Outgoing:
        """A ticket in full for one expert: head, thread, who the mentor is, rating, actions."""
        lines = [await self._head(ticket, lang, viewer)]
        lines += await views.thread_lines(self.app, ticket, lang)
        lines.append("\n".join(await views.context_lines(self.app, ticket, lang)))
        if ticket.helpful:
            lines.append(i18n.t(lang, f"esc.rated_{ticket.helpful}"))
        rows = views.buttons(ticket, lang, viewer, details=False)
        back = (
            ids.TicketList().button(i18n.t(lang, "esc.back_to_tickets"))
            if viewer.role >= Role.STAFF
            else ids.Queue().button(i18n.t(lang, "esc.back_to_queue"))
        )
        rows.append([back])
        return replace(Outgoing.with_buttons("\n\n".join(x for x in lines if x), *rows), lang=lang)

    async def _head(self, ticket: Ticket, lang: str, viewer: Viewer) -> str:
        head = i18n.t(
            lang,
            "esc.expert_head_urgent" if ticket.urgent else "esc.expert_head",
            number=ticket.id,
            topic=views.topic(lang, ticket),
            who=await views.mentor_label(self.app, ticket, lang),
        )
        asked = i18n.t(
            lang, "esc.asked_ago", age=views.age(lang, ticket.created_at, self.app.clock.now())
        )
        state = await views.state_line(self.app, ticket, lang, viewer)
        return f"{head}\n{asked} · {state}"

    async def release_claims_on_role_change(
        self, *, person: Person, old_role: Role, released: list[int]
    ) -> None:
        """An expert who is one no more cannot answer: their claimed questions go back to everyone."""
        if person.role >= Role.EXPERT or old_role < Role.EXPERT:
            return
        for ticket in await self.tickets.not_closed():
            if ticket.expert_id == person.id and await self.tickets.release(ticket.id):
                await self.app.scheduler.cancel_for("ticket.release", str(ticket.id))
                await self.refresh_posts(await self.tickets.get(ticket.id))
                released.append(ticket.id)

    async def tell_mentor(self, ticket: Ticket, out: Outgoing) -> None:
        """Send to the ticket's mentor, if they still exist."""
        if ticket.mentor_id is not None:
            await self.app.messenger.send_to_person(ticket.mentor_id, out)

    async def ask_helpful(self, ticket: Ticket, lang: str) -> list[list[Choice]]:
        """The "Was this helpful?" buttons, when an expert answered the (closed) ticket."""
        answered = any(m.author == "expert" for m in await self.tickets.messages(ticket.id))
        if not answered or ticket.helpful:
            return []
        return [
            [
                ids.Rate(ticket.id, value).button(i18n.t(lang, f"esc.helpful_{value}"))
                for value in HELPFUL
            ]
        ]

    async def arm_release(self, ticket: Ticket) -> None:
        """A claimed ticket goes back to everyone after M hours without an answer (never urgent)."""
        await self.app.scheduler.cancel_for("ticket.release", str(ticket.id))
        if ticket.urgent:
            return
        hours = self.app.config.features.escalations.release_after_hours
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
        # Not delivered now: the answer waits in the outbox, which keeps trying.
        return "esc.answer_queued"

    async def relay_answer(self, ticket: Ticket, expert: Person, text: str) -> SendResult | None:
        """Send an expert's answer to the mentor (None when the mentor no longer exists)."""
        people = self.app.db.repo(PeopleRepo)
        mentor = await people.get(ticket.mentor_id) if ticket.mentor_id else None
        if mentor is None:
            return None
        lang = mentor.language
        out = Outgoing.with_buttons(
            i18n.t(
                lang, "esc.answer_to_mentor", name=expert.display_name, number=ticket.id, text=text
            ),
            [ids.Reply(ticket.id).button(i18n.t(lang, "esc.reply"))],
            [ids.Solved(ticket.id).button(i18n.t(lang, "esc.solved"))],
        )
        inbox = self.app.services.inbox  # mid-form, the buttons wait in the menu
        if inbox is not None:
            return await inbox.deliver(mentor.id, out, kind="answer", ref=str(ticket.id), lang=lang)
        return await self.app.messenger.send_to_person(mentor.id, out)


async def ask_topic(ctx: Ctx, data: dict) -> None:
    """The first step of asking: what is the question about? (`data`: e.g. the workshop.)"""
    await ctx.set_step(Step.TOPIC, {**data, "parts": []})
    rows = [[ids.Topic(t).button(ctx.t(f"esc.topic_{t}"))] for t in TOPICS]
    if await ctx.repo(TicketsRepo).of_mentor(ctx.person.id):
        rows.append([ids.MyQuestions().button(ctx.t("esc.my_questions"))])
    rows.append([ids.Cancel().button(ctx.t("esc.cancel"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("esc.ask_topic"), *rows))
