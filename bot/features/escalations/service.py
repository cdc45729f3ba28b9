"""Escalated questions as a service: opening tickets, showing them to experts, relaying answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.messages import Address, Choice, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from storage.people import PeopleRepo, Person
from storage.tickets import TOPICS, Ticket, TicketsRepo

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
    ) -> int:
        """Create a ticket, post it to the experts, arm its reminder; returns its number."""
        ticket = await self.tickets.open(
            mentor_id, topic, text, anonymous=anonymous, urgent=urgent, source=source
        )
        await self.post(ticket)
        hours = self.app.config.features.escalations.remind_after_hours
        due = self.app.clock.now() + timedelta(hours=hours)
        await self.app.scheduler.add("ticket.remind", str(ticket.id), due)
        return ticket.id

    async def ask_after_workshop(self, ctx: Ctx, workshop_id: int) -> None:
        """The workshop log's "I need support": straight into asking an expert."""
        await ctx.reply(ctx.t("esc.after_workshop"))
        await ask_topic(ctx, {"workshop_id": workshop_id})

    async def experts(self) -> list[Person]:
        """Every active expert (staff and admins answer too, but are not paged)."""
        return await self.app.db.repo(PeopleRepo).with_role(Role.EXPERT)

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
        direct = self._direct(team_chat) or ticket.urgent
        lang = self.app.config.bot.default_language
        if team_chat is not None:
            out = await self.expert_view(ticket, lang, note_key)
            result = await self.app.messenger.send(team_chat, out)
            if result.ok and result.message_id:
                await self.tickets.add_post(ticket.id, team_chat, result.message_id)
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
            direct = not self.in_team_chat(address)
            if direct:
                owner = await people.by_identity(address.transport, address.chat_id)
                lang = owner.language if owner else lang
            out = await self.expert_view(ticket, lang, direct=direct)
            await self.app.messenger.edit(address, message_id, out)

    async def expert_view(
        self, ticket: Ticket, lang: str, note_key: str | None = None, direct: bool = False
    ) -> Outgoing:
        """A ticket as experts see it: never the name or id of an anonymous mentor."""
        who = await self.mentor_label(ticket, lang)
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
        state = await self.state_line(ticket, lang)
        lines.append(state)
        rows: list[list[Choice]] = []
        if ticket.status == "open":
            rows.append([ids.Claim(ticket.id).button(i18n.t(lang, "esc.claim"))])
        if ticket.status != "closed":
            if direct:
                rows.append([ids.Answer(ticket.id).button(i18n.t(lang, "esc.answer_button"))])
            rows.append([ids.Close(ticket.id).button(i18n.t(lang, "esc.close"))])
        return replace(Outgoing.with_buttons("\n\n".join(lines), *rows), lang=lang)

    async def mentor_label(self, ticket: Ticket, lang: str) -> str:
        """Who asked, as experts may see it: "an anonymous mentor", or the name and cohort."""
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

    async def state_line(self, ticket: Ticket, lang: str) -> str:
        """The ticket's state in words: open, claimed or answered by whom, closed."""
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
