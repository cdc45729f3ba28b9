"""Ticket timers: the reminder of an unclaimed question, the release after silence, relaying again."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot import i18n
from bot.messages import DeliveryStatus, Outgoing
from storage.jobs import Job
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo

if TYPE_CHECKING:
    from bot.app import App


async def remind_unclaimed(app: App, job: Job) -> datetime | None:
    """N hours after opening, a still-unclaimed ticket is reminded to all experts, once."""
    tickets = app.db.repo(TicketsRepo)
    ticket = await tickets.get(int(job.ref))
    if ticket is None or ticket.status != "open" or not await tickets.mark_reminded(ticket.id):
        return None
    service = app.services.escalations
    await service.post(ticket, "esc.reminder_note")
    if not await service.experts():  # nobody to remind but staff and admins
        await service.alert_staff(ticket, "esc.reminder_note")
    return None


async def relay_again(app: App, job: Job) -> datetime | None:
    """An answer that did not reach the mentor is sent again (the scheduler backs off on failure)."""
    service = app.services.escalations
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
    service = app.services.escalations
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
