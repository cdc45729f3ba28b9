"""Outbound messages: picks the transport for an address or a person, and sends."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.messages import Address, DeliveryStatus, Outgoing, SendResult
from bot.transports.base import Transport
from storage.db import Database
from storage.people import Identity, PeopleRepo

log = logging.getLogger(__name__)

REPLY_BACKOFF = 0.5  # seconds before the first new try of a reply; doubles each time
REPLY_WAIT_MAX = 5.0  # a person is waiting: a longer rate-limit wait is not worth it


class Messenger:
    """All running transports behind one send()."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.transports: dict[str, Transport] = {}

    def add(self, transport: Transport) -> None:
        """Make a transport available for sending."""
        self.transports[transport.name] = transport

    def title(self, transport: str) -> str:
        """The messenger's name as people know it ("Telegram")."""
        adapter = self.transports.get(transport)
        return getattr(adapter, "title", transport)

    async def send(self, to: Address, out: Outgoing, *, retries: int = 0) -> SendResult:
        """Send to a chat on its transport; with `retries`, network errors and rate limits are
        tried again after a short wait (a lost answer may then mean one message arrives twice)."""
        transport = self.transports.get(to.transport)
        if transport is None:
            return SendResult(DeliveryStatus.FAILED, error=f"transport {to.transport} not running")
        result = await transport.send(to, out)
        for attempt in range(retries):
            if result.ok or result.status is DeliveryStatus.BLOCKED:
                break
            if result.status is DeliveryStatus.RETRY:
                wait = min(result.retry_after or 1.0, REPLY_WAIT_MAX)
            else:
                wait = REPLY_BACKOFF * 2**attempt
            await asyncio.sleep(wait)
            result = await transport.send(to, out)
        if not result.ok and retries:
            log.warning("a reply on %s was not delivered: %s", to.transport, result.status.value)
        return result

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Edit a message sent earlier."""
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

    async def send_to_person(self, person_id: int, out: Outgoing) -> SendResult:
        """Send to a person on their preferred running messenger, in their language."""
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
        return await self.send(Address(chosen["transport"], chosen["chat_id"]), out)

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
