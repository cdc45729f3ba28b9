"""Erasing a person, in the database and in experts' chats: their questions' posts become "[erased]"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.clock import from_iso, to_iso
from bot.messages import Address, DeliveryStatus, Outgoing
from storage.jobs import Job
from storage.people import PeopleRepo
from storage.privacy import Erasure, PrivacyRepo
from storage.tickets import TicketsRepo

if TYPE_CHECKING:
    from bot.app import App

ERASE_POST_JOB = "privacy.erase_post"
RETRY_EVERY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=2)


async def erase_person(app: App, person_id: int) -> Erasure:
    """Erase everything about the person, then edit what experts were shown of their questions."""
    erasure = await app.db.repo(PrivacyRepo).erase(person_id)
    await app.db.checkpoint()  # the erased rows leave the write-ahead log too
    for address, message_id in erasure.posts:
        await _edit_post(app, address, message_id, retry_until=app.clock.now() + GIVE_UP_AFTER)
    escalations = app.services.escalations
    if escalations is not None:
        tickets = app.db.repo(TicketsRepo)
        for ticket_id in erasure.answered:  # the erased expert's name and answers leave the posts
            ticket = await tickets.get(ticket_id)
            if ticket is not None:
                await escalations.refresh_posts(ticket)
    return erasure


async def _edit_post(app: App, address: Address, message_id: str, retry_until: datetime) -> None:
    """Replace one post with "[erased]"; a post that cannot be edited now is tried again later."""
    if await _edited(app, address, message_id):
        return
    payload = {
        "transport": address.transport,
        "chat_id": address.chat_id,
        "thread_id": address.thread_id,
        "message_id": message_id,
        "until": to_iso(retry_until),
    }
    ref = f"{address.transport}:{address.chat_id}:{message_id}"
    await app.scheduler.add(ERASE_POST_JOB, ref[:200], app.clock.now() + RETRY_EVERY, payload)


async def _edited(app: App, address: Address, message_id: str) -> bool:
    """True when the post now says "[erased]" or can never be edited (the chat blocked the bot)."""
    owner = await app.db.repo(PeopleRepo).by_identity(address.transport, address.chat_id)
    lang = owner.language if owner else app.config.bot.default_language
    out = Outgoing(i18n.t(lang, "priv.erased_post"), lang=lang)
    result = await app.messenger.edit(address, message_id, out)
    return result.ok or result.status is DeliveryStatus.BLOCKED


async def retry_erase_post(app: App, job: Job) -> datetime | None:
    """The job of a post that could not be edited at once: again every half hour for two days."""
    p = job.payload
    address = Address(p["transport"], p["chat_id"], p.get("thread_id"))
    if await _edited(app, address, p["message_id"]):
        return None
    again = app.clock.now() + RETRY_EVERY
    return again if again <= from_iso(p["until"]) else None
