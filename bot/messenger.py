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
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.messages import Address, Attachment, Choice, DeliveryStatus, Outgoing, SendResult
from bot.transports.base import Transport
from bot.transports.pace import bulk_sending
from storage.db import Database
from storage.outbox import OutboxRepo, Queued
from storage.people import Identity, PeopleRepo
from storage.seen import SeenUpdatesRepo

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0  # seconds before the second try of a message; doubles each time
LONGEST_WAIT = 60.0  # never wait longer than this between tries (a person may be waiting)
GIVE_UP_AFTER = timedelta(hours=24)  # a message older than this is no longer worth sending
SWEEP_IDLE = 30.0  # seconds the background sender sleeps when nothing is due
OUTBOX_PAGE = 50  # waiting messages of one chat read at once
REMEMBER_RELEASES = 4096  # KeyedLocks remembers which keys the last this many releases were of

# (purpose ref, final result, the chat it went to)
Outcome = Callable[[str, SendResult, Address], Awaitable[None]]
# What waits until the update being handled is recorded (see Messenger.deferring): chats whose
# replies are queued, and edits of messages sent earlier (Address, message id, Outgoing, person).
_deferred: contextvars.ContextVar[list | None] = contextvars.ContextVar("deferred", default=None)


@dataclass
class _Reply:
    """A reply waiting for the end of its update (stored then with the others)."""

    to: Address
    out: Outgoing
    person_id: int | None
    id: int = 0


def _fresh(
    outbox_id: int, to: Address, person_id: int | None, purpose: str | None, now: datetime
) -> Queued:
    """The outbox row of a message just queued, as read back (without reading it)."""
    return Queued(outbox_id, to, person_id, "", purpose, 0, now, now)


class KeyedLocks:
    """One asyncio.Lock per key, dropped when nobody holds or waits for it (memory stays flat)."""

    def __init__(self) -> None:
        self._locks: dict[object, asyncio.Lock] = {}
        self._users: dict[object, int] = {}
        self.releases = 0  # every release of any key counts one
        self._released: dict[object, int] = {}  # key -> `releases` at its last release (recent)

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[bool]:
        """Hold the lock of `key` for the duration of the block; True when it had to wait."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        waited = lock.locked()
        try:
            async with lock:
                yield waited
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
            self.releases += 1
            self._released[key] = self.releases
            if len(self._released) > 2 * REMEMBER_RELEASES:
                old = self.releases - REMEMBER_RELEASES
                self._released = {k: n for k, n in self._released.items() if n > old}

    def released_since(self, key: object, mark: int) -> bool:
        """True when `key` may have been held and released since `releases` was `mark` (what was
        read about it before taking its lock may be out of date)."""
        if mark < self.releases - REMEMBER_RELEASES:
            return True  # too long ago to tell
        return self._released.get(key, 0) > mark


class Messenger:
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

    @asynccontextmanager
    async def deferring(self, update: tuple[str, str] | None = None) -> AsyncIterator[None]:
        """Replies posted with deliver=False and edits asked for with `edit_or_post` inside the
        block wait until it ends (bot/dispatch.py: the handling of one update). Then one statement
        stores the replies and records `update` (transport, update id) as handled, so both are
        durable together; then they go out in the order they were made, and one statement
        deletes the delivered ones."""
        waiting: list = []
        token = _deferred.set(waiting)
        try:
            yield
        finally:
            _deferred.reset(token)
            await self._flush(waiting, update)

    async def _flush(self, waiting: list, update: tuple[str, str] | None) -> None:
        replies = [item for item in waiting if isinstance(item, _Reply)]
        if replies:
            rows = [(r.to, _dump(r.out), r.person_id) for r in replies]
            for reply, outbox_id in zip(
                replies, await self.outbox.add_replies(rows, update), strict=True
            ):
                reply.id = outbox_id
        if update is not None:
            await self.db.repo(SeenUpdatesRepo).record(*update, stored=bool(replies))
        chats = {(item.to.transport, item.to.chat_id) for item in replies}
        later: list[Address] = []
        async with self._holding(chats):
            backlog = await self._pending_chats()
            stopped = chats & backlog  # older messages wait there: the sender keeps the order
            delivered: list[int] = []
            for item in waiting:
                if isinstance(item, _Reply):
                    await self._send_reply(item, stopped, delivered)
                elif isinstance(item, Address):
                    later.append(item)
                else:
                    await self._edit_in_flush(item, chats, stopped, delivered)
            if delivered:
                await self.outbox.delivered_many(delivered)
        for key in sorted(stopped):
            later.append(Address(*key))
        done: set[tuple[str, str]] = set()
        for to in later:
            if (to.transport, to.chat_id) not in done:
                done.add((to.transport, to.chat_id))
                await self.deliver_chat(to)

    async def _send_reply(
        self, reply: _Reply, stopped: set[tuple[str, str]], delivered: list[int]
    ) -> None:
        key = (reply.to.transport, reply.to.chat_id)
        if key in stopped:
            return
        queued = _fresh(reply.id, reply.to, reply.person_id, None, self.clock.now())
        result = await self._try(queued, reply.out, delivered)
        if result.status in (DeliveryStatus.RETRY, DeliveryStatus.FAILED):
            stopped.add(key)  # the rest of this chat waits behind it, in order

    @asynccontextmanager
    async def _holding(self, chats: set[tuple[str, str]]) -> AsyncIterator[None]:
        """Hold the locks of several chats (in one order, so two holders never deadlock)."""
        async with AsyncExitStack() as stack:
            for key in sorted(chats):
                await stack.enter_async_context(self._chat_locks.hold(key))
            yield

    async def _pending_chats(self) -> set[tuple[str, str]]:
        """Chats that may have messages waiting (read once, then kept up to date in memory)."""
        if self._backlog is None:
            self._backlog = await self.outbox.pending_chats()
        return self._backlog

    async def edit_or_post(
        self, to: Address, message_id: str, out: Outgoing, person_id: int | None
    ) -> None:
        """Replace a message sent earlier (a toggle ticked); where it cannot be edited, post it."""
        waiting = _deferred.get()
        if waiting is not None:
            waiting.append((to, message_id, out, person_id))
            return
        await self._edit_or_post(to, message_id, out, person_id)

    async def _edit_or_post(
        self, to: Address, message_id: str, out: Outgoing, person_id: int | None
    ) -> None:
        result = await self.edit(to, message_id, out)
        if not result.ok:
            await self.post(to, out, person_id=person_id)

    async def _edit_in_flush(
        self,
        item: tuple,
        chats: set[tuple[str, str]],
        stopped: set[tuple[str, str]],
        delivered: list[int],
    ) -> None:
        """A deferred edit; where it cannot be edited, posted (in this flush when it holds the
        chat's lock already)."""
        to, message_id, out, person_id = item
        result = await self.edit(to, message_id, out)
        if result.ok:
            return
        if (to.transport, to.chat_id) not in chats:
            await self.post(to, out, person_id=person_id)  # takes the chat's lock itself
            return
        outbox_id = await self.outbox.add(to, _dump(out), person_id=person_id)
        await self._send_reply(_Reply(to, out, person_id, outbox_id), stopped, delivered)

    async def deliver_chat(
        self,
        to: Address,
        *,
        until: int | None = None,
        known: tuple[Queued, Outgoing] | None = None,
    ) -> SendResult:
        """Send the chat's waiting messages in order (up to `until`); stops at the first that has
        to wait. Returns the outcome of message `until` (or of the last one tried). `known`: the
        message just queued, sent without reading the outbox when nothing else waits there."""
        key = (to.transport, to.chat_id)
        async with self._chat_locks.hold(key):
            if known is not None and key not in await self._pending_chats():
                return await self._try(*known)
            return await self._deliver_waiting(to, until)

    async def _deliver_waiting(self, to: Address, until: int | None) -> SendResult:
        last = SendResult(DeliveryStatus.QUEUED)
        key = (to.transport, to.chat_id)
        waiting = await self.outbox.pending_for(to)
        for queued in waiting:
            if until is not None and queued.id > until:
                return last
            if queued.next_at > self.clock.now():  # an earlier try failed: keep the order
                return SendResult(DeliveryStatus.RETRY, error="waiting to try again")
            last = await self._try(queued)
            if last.status in (DeliveryStatus.RETRY, DeliveryStatus.FAILED):
                return last
        if len(waiting) < OUTBOX_PAGE and self._backlog is not None:
            self._backlog.discard(key)  # nothing waits there any more
        return last

    async def _try(
        self, queued: Queued, out: Outgoing | None = None, delivered: list[int] | None = None
    ) -> SendResult:
        """One try of one queued message (`out`: already at hand; `delivered`: collect the id
        for one delete later instead of deleting it now)."""
        if out is None:
            try:
                out = _load(queued.payload)
            except (ValueError, KeyError, TypeError):  # written by another version: unsendable
                out = None
        if out is None:
            result = SendResult(DeliveryStatus.FAILED, error="unreadable")
            await self.outbox.give_up(queued.id, "failed", result.error)
            await self._tell(queued, result)
            return SendResult(DeliveryStatus.REJECTED, error="unreadable")
        result = await self.send(queued.address, out)
        if result.ok:
            if delivered is None:
                await self.outbox.delivered(queued.id)
            else:
                delivered.append(queued.id)
        elif result.status is DeliveryStatus.BLOCKED:
            await self.outbox.give_up(queued.id, "blocked", result.error)
        elif result.status is DeliveryStatus.REJECTED:  # this message can never be sent as it is
            await self.outbox.give_up(queued.id, "failed", result.error)
            log.warning("the messenger refused a message on %s", queued.address.transport)
        elif self.clock.now() - queued.created_at > GIVE_UP_AFTER:
            await self.outbox.give_up(queued.id, "failed", result.error)
            log.warning(
                "gave up a message on %s after %d tries",
                queued.address.transport,
                queued.attempts + 1,
            )
            result = SendResult(DeliveryStatus.REJECTED, error="given up")
        else:
            await self.outbox.retry_at(queued.id, self._next_try(queued, result), result.error)
            if self._backlog is not None:
                self._backlog.add((queued.address.transport, queued.address.chat_id))
            self._wake.set()  # the background sender comes back to it
            return result
        await self._tell(queued, result)
        return result

    def _next_try(self, queued: Queued, result: SendResult) -> datetime:
        wait = min(FIRST_WAIT * 2**queued.attempts, LONGEST_WAIT)
        if result.status is DeliveryStatus.RETRY and result.retry_after:
            wait = max(wait, min(result.retry_after, LONGEST_WAIT * 12))
        return self.clock.now() + timedelta(seconds=wait)

    async def _tell(self, queued: Queued, result: SendResult) -> None:
        if not queued.purpose:
            return
        kind, _, ref = queued.purpose.partition(":")
        handler = self._outcomes.get(kind)
        if handler is None:
            return
        try:
            await handler(ref, result, queued.address)
        except Exception:  # noqa: BLE001 - a feature's bookkeeping must not stop delivery
            log.exception("the outcome handler of %s failed", kind)

    async def deliver_due(self) -> int:
        """Try every chat with a message due now (the background sender; tests call it)."""
        chats = await self.outbox.due_chats(self.clock.now())
        for chat in chats:
            await self.deliver_chat(chat)
        return len(chats)

    async def start_sender(self) -> None:
        """Deliver what was left waiting (a restart) and keep trying in the background."""
        self._sweeper = asyncio.create_task(self._sweep(), name="outbox-sender")

    async def stop_sender(self) -> None:
        """Stop the background sender (waiting messages stay in the outbox)."""
        if self._sweeper is not None:
            # A flag, not only cancel(): on Python 3.11 asyncio.wait_for can swallow a cancellation
            # that lands as its timeout fires, and the loop would then run on forever.
            self._stopping = True
            self._wake.set()
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
            self._stopping = False

    async def _sweep(self) -> None:
        while not self._stopping:
            try:
                await self.deliver_due()
                nxt = await self.outbox.next_due()
            except Exception:  # noqa: BLE001 - keep the sender alive (e.g. the disk was full)
                log.exception("the outbox sender failed; trying again shortly")
                nxt = None
            wait = SWEEP_IDLE
            if nxt is not None:
                wait = min(max((nxt - self.clock.now()).total_seconds(), 0.05), SWEEP_IDLE)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass

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

    async def send(self, to: Address, out: Outgoing, *, bulk: bool = False) -> SendResult:
        """One try on the chat's transport (broadcasts keep their own rows; the outbox uses it).
        `bulk` (a broadcast): within the messenger's rate limit, replies go first."""
        transport = self.transports.get(to.transport)
        if transport is None:
            return SendResult(DeliveryStatus.FAILED, error=f"transport {to.transport} not running")
        if not bulk:
            return await transport.send(to, out)
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


def _dump(out: Outgoing) -> str:
    """A message as JSON for the outbox."""
    data: dict = {
        "text": out.text,
        "rows": [[[c.id, c.label, c.url] for c in row] for row in out.choices],
        "lang": out.lang,
        "numbered": out.numbered,
        "reply_to": out.reply_to_message_id,
    }
    if out.attachment is not None:
        att = out.attachment
        data["file"] = [att.filename, base64.b64encode(att.data).decode(), att.mime, att.kind]
    return json.dumps(data, ensure_ascii=False)


def _load(payload: str) -> Outgoing:
    data = json.loads(payload)
    rows = tuple(tuple(Choice(i, label, url) for i, label, url in row) for row in data["rows"])
    attachment = None
    if data.get("file"):
        name, encoded, mime, kind = data["file"]
        attachment = Attachment(name, base64.b64decode(encoded), mime, kind)
    return Outgoing(
        data["text"],
        rows,
        attachment=attachment,
        reply_to_message_id=data.get("reply_to"),
        lang=data.get("lang"),
        numbered=data.get("numbered", True),
    )
