"""Outbox delivery: per chat in order, tries again with growing waits, the background sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.messages import Address, DeliveryStatus, Outgoing, SendResult
from bot.messenger.payload import _load
from storage.outbox import Queued

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0  # seconds before the second try of a message; doubles each time
LONGEST_WAIT = 60.0  # never wait longer than this between tries (a person may be waiting)
GIVE_UP_AFTER = timedelta(hours=24)  # a message older than this is no longer worth sending
SWEEP_IDLE = 30.0  # seconds the background sender sleeps when nothing is due
OUTBOX_PAGE = 50  # waiting messages of one chat read at once
# Chats the background sender delivers at the same time: one whose send hangs holds one slot, not
# the rest (below the transports' connection pools, 32, so replies and broadcasts keep room).
SWEEP_AT_ONCE = 8

# (purpose ref, final result, the chat it went to)
Outcome = Callable[[str, SendResult, Address], Awaitable[None]]


class Delivery:
    """Messenger's delivery of the outbox (mixed into Messenger, whose outbox, clock, chat locks,
    outcome handlers and `send` it uses)."""

    async def _pending_chats(self) -> set[tuple[str, str]]:
        """Chats that may have messages waiting (read once, then kept up to date in memory)."""
        if self._backlog is None:
            self._backlog = await self.outbox.pending_chats()
        return self._backlog

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

    async def know_backlog(self) -> int:
        """Read which chats have messages waiting, once (before queuing messages for
        `deliver_queued`: read after, their own chats would look as if older ones waited).
        Returns the mark to give `deliver_queued` (the chat locks' releases until now)."""
        mark = self._chat_locks.releases
        await self._pending_chats()
        return mark

    async def deliver_queued(
        self, items: list[tuple[Queued, Outgoing]], at_once: int, since: int
    ) -> None:
        """Deliver messages just queued for many chats (timed jobs' batch): each chat's in
        order, up to `at_once` sends at a time, and one statement deletes the delivered ones.
        A chat with older messages waiting is delivered from the outbox after them, and so is
        one whose lock was released since `since` (`know_backlog`, before they were queued)."""
        by_chat: dict[tuple[str, str], list[tuple[Queued, Outgoing]]] = {}
        for queued, out in items:
            by_chat.setdefault((queued.address.transport, queued.address.chat_id), []).append(
                (queued, out)
            )
        slots = asyncio.Semaphore(at_once)
        delivered: list[int] = []

        async def chat(waiting: list[tuple[Queued, Outgoing]]) -> None:
            for queued, out in waiting:
                async with slots:
                    result = await self._try(queued, out, delivered)
                if result.status in (DeliveryStatus.RETRY, DeliveryStatus.FAILED):
                    return  # the rest of the chat waits behind it (the sender keeps the order)

        # A chat someone is delivering now (a send that may hang until the read timeout) is
        # delivered from the outbox after the others: waiting for its lock here would hold back
        # every chat of the batch.
        busy = {key for key in by_chat if self._chat_locks.busy(key)}
        # Every other chat's lock until the delete: a delivered row still in the outbox must not
        # be read and sent again by someone delivering the same chat.
        async with self._holding(set(by_chat) - busy):
            behind = busy | (set(by_chat) & await self._pending_chats())
            # Someone delivered the chat from the outbox since they were queued (the background
            # sender sees rows as they are stored): they may be sent already, so read what waits.
            behind |= {key for key in by_chat if self._chat_locks.released_since(key, since)}
            try:
                await asyncio.gather(
                    *(chat(waiting) for key, waiting in by_chat.items() if key not in behind)
                )
            finally:
                if delivered:
                    await self.outbox.delivered_many(delivered)

        async def after_older(transport: str, chat_id: str) -> None:
            async with slots:
                await self.deliver_chat(Address(transport, chat_id))

        # Side by side too: one chat whose send hangs must not hold the others back.
        await asyncio.gather(*(after_older(t, c) for t, c in sorted(behind)))

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
        if out is not None and out.attachment is not None and out.attachment.missing():
            out = None  # its file is gone: nothing left to send
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
        if out.attachment is not None:
            out.attachment.discard()  # sent or given up: its file (if any) is not needed again
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
        """Try every chat with a message due now, SWEEP_AT_ONCE chats side by side, each chat's
        in order (the background sender; tests call it)."""
        chats = await self.outbox.due_chats(self.clock.now())
        slots = asyncio.Semaphore(SWEEP_AT_ONCE)

        async def chat(to: Address) -> None:
            async with slots:
                await self.deliver_chat(to)

        # Side by side: a chat whose send hangs until the read timeout (after a restart, or
        # tried again) must not hold back every other chat's messages for that long, each time.
        ended = await asyncio.gather(*(chat(to) for to in chats), return_exceptions=True)
        failed = next((e for e in ended if isinstance(e, BaseException)), None)
        if failed is not None:
            raise failed  # the sender logs it and comes back (the others were tried)
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
