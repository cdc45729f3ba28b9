"""An update's replies wait until it is handled; then stored with its record, and sent."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.messages import Address, DeliveryStatus, Outgoing
from bot.messenger.payload import _dump
from storage.outbox import Queued
from storage.seen import SeenUpdatesRepo

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


class Deferring:
    """Messenger's deferring of an update's replies and edits (mixed into Messenger, whose
    db, outbox, clock, chat locks, sending and delivery it uses)."""

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
