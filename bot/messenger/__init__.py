"""Outbound messages: every message the bot decides to send goes through the outbox.

`post()` stores the message (in the caller's transaction, when there is one) and delivers the chat's
waiting messages in order at once (after that transaction commits). A try that fails for now (network,
rate limit, the messenger's daemon down) stays in the outbox and a background sender tries again with
growing waits, across outages and restarts, for up to GIVE_UP_AFTER; a person who blocked the bot or left
the messenger is marked and the message given up. Features that care about the outcome (a ticket post's
message id, a check-in nobody can receive) register for it with `on_outcome`.

The replies to an update wait in memory until the update is handled; then ONE statement stores them all
and records the update as handled (a trigger writes the record: migration 0061), they are sent, and ONE
statement deletes the delivered ones. So whenever the update is recorded, its replies are stored with it
(a crash after that delivers them after the restart, and the update offered again is not applied twice);
a crash before it stores neither (the update is handled again when offered again, as before). A chat
with nothing else waiting (kept in memory, read once from the outbox) gets a new message without reading
the outbox first.

Exactly once, as far as the messenger lets us know: a delivered message is deleted from the outbox
right after the messenger confirms it. If the process dies between the messenger's confirmation and
that delete, or the confirmation itself is lost on the way back, the message is sent once more.

`send()` is the direct path, for broadcasts (they have their own delivery rows) and for the outbox.

Here: Messenger itself (posting, to a person, straight to the transport). Its parts: deferring.py
(an update's replies), delivery.py (the outbox per chat, tries again, the background sender;
FIRST_WAIT ... SWEEP_IDLE are read there), locks.py (KeyedLocks), payload.py (the stored form).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.messages import Address, DeliveryStatus, Outgoing, SendResult
from bot.messenger.deferring import Deferring, _deferred, _fresh, _Reply
from bot.messenger.delivery import (
    FIRST_WAIT,
    GIVE_UP_AFTER,
    LONGEST_WAIT,
    OUTBOX_PAGE,
    SWEEP_IDLE,
    Delivery,
    Outcome,
)
from bot.messenger.locks import REMEMBER_RELEASES, KeyedLocks
from bot.messenger.payload import _dump
from bot.transports.base import Transport
from bot.transports.pace import bulk_sending
from storage.db import Database
from storage.outbox import OutboxRepo, Queued
from storage.people import Identity, PeopleRepo

__all__ = [
    "FIRST_WAIT",
    "GIVE_UP_AFTER",
    "LONGEST_WAIT",
    "OUTBOX_PAGE",
    "REMEMBER_RELEASES",
    "SWEEP_IDLE",
    "KeyedLocks",
    "Messenger",
    "Outcome",
    "Queued",
]

log = logging.getLogger(__name__)


class Messenger(Deferring, Delivery):
    """All running transports behind one outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.transports: dict[str, Transport] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._chat_locks = KeyedLocks()  # one chat's messages in order
        self._wake = asyncio.Event()
        self._sweeper: asyncio.Task | None = None
        self._stopping = False
        self.clock = db.clock
        # Chats that may have messages waiting (None: not read yet). A chat not in it has none,
        # so a message just queued there goes out without reading the outbox first.
        self._backlog: set[tuple[str, str]] | None = None

    @property
    def outbox(self) -> OutboxRepo:
        """The outbox repository."""
        return self.db.repo(OutboxRepo)

    def add(self, transport: Transport) -> None:
        """Make a transport available for sending (and told to say when it is back online)."""
        self.transports[transport.name] = transport
        if hasattr(transport, "on_back"):
            name = transport.name

            async def back() -> None:
                await self.retry_now(name)

            transport.on_back = back  # type: ignore[attr-defined]

    async def retry_now(self, transport: str) -> int:
        """The messenger is reachable again: every waiting message of it is due now."""
        count = await self.outbox.due_now(transport)
        self._wake.set()
        return count

    def title(self, transport: str) -> str:
        """The messenger's name as people know it ("Telegram")."""
        adapter = self.transports.get(transport)
        return getattr(adapter, "title", transport)

    def on_outcome(self, kind: str, handler: Outcome) -> None:
        """Be told the final outcome of messages posted with purpose "kind:ref"."""
        self._outcomes[kind] = handler

    # --- the outbox ------------------------------------------------------------------------------

    async def post(
        self,
        to: Address,
        out: Outgoing,
        *,
        person_id: int | None = None,
        purpose: str | None = None,
        dedupe_key: str | None = None,
        deliver: bool = True,
    ) -> SendResult:
        """Queue a message for a chat and deliver the chat's queue now (after the caller's
        transaction commits). Returns this message's first outcome: SENT, BLOCKED, or RETRY / FAILED
        when it stays queued (it will be tried again), QUEUED inside a transaction or with
        `deliver=False` (the caller delivers the chat later: dispatch, after the update is
        recorded as handled)."""
        deferred = _deferred.get()
        if not deliver and deferred is not None and purpose is None and dedupe_key is None:
            # Stored with the update's other replies, in the statement that records the update.
            deferred.append(_Reply(to, out, person_id))
            return SendResult(DeliveryStatus.QUEUED)
        outbox_id = await self.outbox.add(
            to, _dump(out), person_id=person_id, purpose=purpose, dedupe_key=dedupe_key
        )
        if outbox_id is None:
            return SendResult(DeliveryStatus.SENT, error="queued before")
        if not deliver and deferred is not None:
            deferred.append(to)  # delivered by the one who deferred (dispatch, after the update)
            return SendResult(DeliveryStatus.QUEUED)
        outcome: list[SendResult] = []
        known = _fresh(outbox_id, to, person_id, purpose, self.clock.now())

        async def deliver() -> None:
            outcome.append(await self.deliver_chat(to, until=outbox_id, known=(known, out)))

        await self.db.after_commit(deliver)
        return outcome[0] if outcome else SendResult(DeliveryStatus.QUEUED)

    # --- to a person --------------------------------------------------------------------------------

    async def address_of(self, person_id: int) -> Address | None:
        """The chat where a person gets messages the bot starts (preferred messenger first)."""
        people = self.db.repo(PeopleRepo)
        person = await people.get(person_id)
        if person is None:
            return None
        identities = [
            i for i in await people.identities(person_id) if i.transport in self.transports
        ]
        if not identities:
            return None
        chosen = _pick(identities, person.preferred_transport)
        return Address(chosen.transport, chosen.chat_id)

    async def send_to_person(
        self,
        person_id: int,
        out: Outgoing,
        *,
        purpose: str | None = None,
        dedupe_key: str | None = None,
    ) -> SendResult:
        """Queue a message for a person on their preferred running messenger, in their language."""
        rows = await self.db.fetchall(
            "SELECT p.language, p.status, p.preferred_transport, i.transport, i.chat_id "
            "FROM people p JOIN identities i ON i.person_id = p.id WHERE p.id = ? "
            "ORDER BY i.created_at, i.transport",
            (person_id,),
        )
        if rows and rows[0]["status"] == "deactivated":
            # A deactivated person gets nothing the bot starts (answers, check-ins, news).
            return SendResult(DeliveryStatus.BLOCKED, error="deactivated")
        running = [r for r in rows if r["transport"] in self.transports]
        if not running:
            return SendResult(DeliveryStatus.FAILED, error="no reachable identity")
        chosen = next(
            (r for r in running if r["transport"] == r["preferred_transport"]), running[0]
        )
        if out.lang is None:
            out = replace(out, lang=chosen["language"])
        to = Address(chosen["transport"], chosen["chat_id"])
        return await self.post(to, out, person_id=person_id, purpose=purpose, dedupe_key=dedupe_key)

    # --- straight to the transport -------------------------------------------------------------------

    async def send(
        self, to: Address, out: Outgoing, *, bulk: bool = False, answer_within: float | None = None
    ) -> SendResult:
        """One try on the chat's transport (broadcasts keep their own rows; the outbox uses it).
        `bulk` (a broadcast): within the messenger's rate limit, replies go first; `answer_within`:
        seconds to wait for its answer, where the transport's bulk path takes one."""
        transport = self.transports.get(to.transport)
        if transport is None:
            return SendResult(DeliveryStatus.FAILED, error=f"transport {to.transport} not running")
        if not bulk:
            return await transport.send(to, out)
        send_bulk = getattr(transport, "send_bulk", None)  # a leaner path for many copies
        if send_bulk is not None:
            return await send_bulk(to, out, answer_within=answer_within)
        with bulk_sending():
            return await transport.send(to, out)

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Edit a message sent earlier (best effort: an edit that fails is not queued)."""
        transport = self.transports.get(to.transport)
        if transport is None:
            return SendResult(DeliveryStatus.FAILED, error=f"transport {to.transport} not running")
        return await transport.edit(to, message_id, out)

    async def download(self, transport: str, file: dict) -> bytes | None:
        """The bytes of a file a person sent (None where the messenger cannot fetch it)."""
        adapter = self.transports.get(transport)
        fetch = getattr(adapter, "download", None)
        if fetch is None:
            return None
        try:
            return await fetch(file)
        except Exception:  # noqa: BLE001 - a failed download is told to the person, not raised
            log.warning("could not download a file on %s", transport)
            return None

    async def set_commands(
        self, person_id: int, commands: list[tuple[str, str]], language: str
    ) -> None:
        """Publish a person's command list on every messenger they use."""
        for identity in await self.db.repo(PeopleRepo).identities(person_id):
            transport = self.transports.get(identity.transport)
            if transport is None:
                continue
            try:
                await transport.set_commands(
                    Address(identity.transport, identity.chat_id), commands, language
                )
            except Exception:  # noqa: BLE001 - a command list is cosmetic; never fail a flow on it
                log.warning("could not set commands on %s", identity.transport)


def _pick(identities: list[Identity], preferred: str | None) -> Identity:
    for identity in identities:
        if identity.transport == preferred:
            return identity
    return identities[0]
