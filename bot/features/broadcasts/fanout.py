"""Broadcast fan-out: workers claim pending delivery rows and send them within the rate limits.

Storage is the truth: every recipient is a delivery row (pending -> sending -> sent | blocked |
failed). Rows are claimed in batches into one queue per broadcast that every worker takes from, so
a worker holds only the row it is sending (a send that hangs delays nobody else). A worker stores
its outcome before its next send (outcomes that come in together share one statement); so a crash
leaves rows in 'sending' that were not sent yet or (at most one per worker) were sent but not
recorded; at start they go back to pending and are sent again (the only possible duplicates).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.features.broadcasts.announcement import attachment_of, held, message_for
from bot.features.broadcasts.pacing import (
    MAX_BACKOFF,
    MAX_PAUSE,
    PAUSE_AFTER,
    Claimed,
    OutcomeWriter,
    RateLimiter,
    Retries,
)
from bot.features.broadcasts.progress import (  # noqa: F401 - summary_text stays importable here
    keep_reporting,
    report,
    summary_text,
)
from bot.i18n import LANGUAGES
from bot.messages import Attachment, DeliveryStatus, Outgoing
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import Broadcast, BroadcastsRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

STATUS_EVERY = 0.5  # seconds between reads of a broadcast's status (a cancel from elsewhere)


class Fanout:
    """Runs broadcasts: one task per running broadcast, each with a few workers."""

    def __init__(self, app: App) -> None:
        self.app = app
        settings = app.config.features.broadcasts
        self.workers = settings.workers
        self.max_attempts = settings.max_attempts
        self.retry_seconds = settings.retry_seconds
        self.backoff = settings.backoff_seconds
        self.progress_every = settings.progress_seconds
        self.limiter = RateLimiter(settings.rate_per_second)
        # Rows claimed at once per worker (a claim fills the queue all workers take from): claimed
        # rows that were not attempted before a crash simply go out after the restart.
        self.batch = settings.batch
        self.retry_afters = 0
        self._retries = Retries()
        self._ready: dict[int, deque[Claimed]] = {}  # claimed rows not taken yet, per broadcast
        self._claiming: dict[int, asyncio.Lock] = {}
        self._checked: dict[int, float] = {}  # when storage's status was last read
        self.outcomes = OutcomeWriter(lambda rows: self.deliveries.outcomes(rows))
        self._failures = 0  # network errors in a row, across workers
        self._ok_started = 0.0  # time.monotonic() at which the latest successful send started
        self.send_timeout = settings.send_timeout or None  # None: the transport's own choice
        self._tasks: dict[int, asyncio.Task] = {}
        self._cancelled: set[int] = set()
        self._paused: set[int] = set()

    @property
    def repo(self) -> BroadcastsRepo:
        """The broadcasts repository."""
        return self.app.db.repo(BroadcastsRepo)

    @property
    def deliveries(self) -> DeliveriesRepo:
        """The broadcasts' delivery rows."""
        return self.app.db.repo(DeliveriesRepo)

    async def resume(self) -> None:
        """At start: broadcasts that were sending go on; in-flight rows are sent again."""
        for broadcast in await self.repo.with_status("sending"):
            again = await self.deliveries.recover(broadcast.id)
            if broadcast.paused_at is not None:
                self._paused.add(broadcast.id)  # it waits for a resume
                continue
            log.info("resuming broadcast %s (%s in flight at the stop)", broadcast.id, again)
            self.launch(broadcast.id)

    def launch(self, broadcast_id: int) -> None:
        """Start sending a broadcast in the background."""
        if broadcast_id not in self._tasks or self._tasks[broadcast_id].done():
            self._tasks[broadcast_id] = asyncio.create_task(self._run(broadcast_id))

    async def idle(self) -> None:
        """Wait until every running broadcast has finished (tests, shutdown)."""
        while self._tasks:
            tasks = list(self._tasks.values())
            await asyncio.gather(*tasks, return_exceptions=True)
            for key in [k for k, t in self._tasks.items() if t.done()]:
                del self._tasks[key]

    async def stop(self) -> None:
        """Stop sending now; rows stay as they are and resume at the next start."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        await self.outcomes.drain()  # what was sent is recorded as sent

    def message_for(
        self, broadcast: Broadcast, lang: str, attachment: Attachment | None = None
    ) -> Outgoing:
        """The announcement as a recipient in `lang` gets it (announcement.py)."""
        return message_for(broadcast, lang, attachment)

    async def attachment_of(self, broadcast: Broadcast) -> Attachment | None:
        """The broadcast's photo or document, if it has one."""
        return await attachment_of(self.repo, broadcast)

    async def _run(self, broadcast_id: int) -> None:
        broadcast = await self.repo.get(broadcast_id)
        if broadcast is None:
            return
        attachment = await self.attachment_of(broadcast)
        messages = {
            lang: replace(self.message_for(broadcast, lang, attachment), lang=lang)
            for lang in LANGUAGES
        }
        progress = asyncio.create_task(keep_reporting(self.app, broadcast, self.progress_every))
        try:
            while True:
                await asyncio.gather(
                    *(self._worker(broadcast, messages) for _ in range(max(1, self.workers)))
                )
                if broadcast_id in self._paused:
                    return  # resume() starts it again
                if (
                    broadcast_id in self._cancelled
                    or not (await self.deliveries.counts(broadcast_id)).pending
                ):
                    break
                # Resumed while its workers were stopping for a pause: go on with the rest.
        finally:
            progress.cancel()
            self._ready.pop(broadcast_id, None)
            self._claiming.pop(broadcast_id, None)
        self._cancelled.discard(broadcast_id)
        if await self.repo.finish(broadcast_id):
            await report(self.app, broadcast, final=True)

    def cancelled(self, broadcast_id: int) -> None:
        """Stop sending a broadcast that was just cancelled (storage already says so)."""
        self._cancelled.add(broadcast_id)

    def paused(self, broadcast_id: int) -> None:
        """Stop sending a broadcast that was just paused (storage already says so)."""
        self._paused.add(broadcast_id)

    def resumed(self, broadcast_id: int) -> None:
        """Go on sending a broadcast that was just resumed (storage already says so)."""
        self._paused.discard(broadcast_id)
        self.launch(broadcast_id)

    async def _worker(self, broadcast: Broadcast, messages: dict[str, Outgoing]) -> None:
        """Take the next row (a retry that is due, else a claimed one) and send it. Only the row
        being sent is held by this worker; its outcome is stored before the worker's next send."""
        bid = broadcast.id
        stored: asyncio.Future | None = None  # this worker's last outcome, being written
        while True:
            if self._stopping(bid) or await self._ended(bid):
                await _written(stored)
                await self._put_back(bid)
                return  # cancelled: the rest is not sent; paused: it waits
            item = self._retries.due(bid) or await self._next(bid)
            if item is None:
                await _written(stored)
                stored = None
                wait = self._retries.wait(bid)
                if wait is None:
                    return
                await asyncio.sleep(min(wait, 1.0))  # only retries are left: wait for the next
                continue
            if self._stopping(bid):
                self._retries.extend(bid, [item])  # put back with the rest, below
                continue
            stored = await self._deliver(broadcast, item, messages, stored)

    async def _next(self, broadcast_id: int) -> Claimed | None:
        """The next claimed row; when none is left, one worker claims the next batch for all."""
        ready = self._ready.setdefault(broadcast_id, deque())
        if not ready:
            async with self._claiming.setdefault(broadcast_id, asyncio.Lock()):
                if not ready and not self._stopping(broadcast_id):
                    ready.extend(await self._claim(broadcast_id, self.batch * self.workers))
        return ready.popleft() if ready else None

    def _stopping(self, broadcast_id: int) -> bool:
        return broadcast_id in self._cancelled or broadcast_id in self._paused

    async def _ended(self, broadcast_id: int) -> bool:
        """Cancelled elsewhere (storage says so): stop like a cancel here. Storage is read at
        most every STATUS_EVERY seconds per broadcast."""
        now = time.monotonic()
        if now - self._checked.get(broadcast_id, 0.0) < STATUS_EVERY:
            return False
        self._checked[broadcast_id] = now
        if await self.repo.status(broadcast_id) == "sending":
            return False
        self._cancelled.add(broadcast_id)
        return True

    async def _claim(self, broadcast_id: int, limit: int) -> list[Claimed]:
        """Up to `limit` pending rows, each with its address, language and whether it is busy."""
        claimed = await self.deliveries.claim(broadcast_id, limit)
        if not claimed:
            return []
        targets = await self.deliveries.targets(
            [pid for pid, _ in claimed], self.app.messenger.transports
        )
        inbox = self.app.services.inbox
        items = []
        for person_id, attempts in claimed:
            target = targets.get(person_id)
            if target is None:
                items.append(Claimed(person_id, attempts, None, "en", False))
                continue
            busy = inbox is not None and inbox.busy_at(target.touched)
            items.append(Claimed(person_id, attempts, target.address, target.lang, busy))
        return items

    async def _put_back(self, broadcast_id: int) -> None:
        """Rows waiting for a retry in memory go back: pending (paused) or cancelled."""
        rest = self._retries.take_all(broadcast_id)
        ready = self._ready.get(broadcast_id)
        if ready:
            rest += ready
            ready.clear()
        if rest:
            status = "cancelled" if broadcast_id in self._cancelled else "pending"
            await self.deliveries.record(
                broadcast_id, [(c.person_id, status, None, None) for c in rest]
            )

    async def _deliver(
        self,
        broadcast: Broadcast,
        item: Claimed,
        messages: dict[str, Outgoing],
        stored: asyncio.Future | None,
    ) -> asyncio.Future | None:
        """One try of one delivery: its outcome (being written: returned), or a retry kept in
        memory. `stored`: the worker's previous outcome, written before this send goes out (so
        a crash sends again at most one message per worker that had been delivered); the
        worker's turn at the rate limiter comes after the other workers' meanwhile."""
        if item.address is None:
            await _written(stored)
            return self._store(broadcast, item, "failed", None, "no reachable messenger")
        out = messages.get(item.lang) or messages["en"]
        if broadcast.replies and item.busy:
            out = await held(self.app.services.inbox, broadcast, item.person_id, out, item.lang)
        # Stored before the slot is taken: a send must leave at its slot (a late one bunches
        # with the next ones at the messenger, whose own count then sees more than the rate).
        await _written(stored)
        while True:
            await self.limiter.wait()
            started = time.monotonic()
            result = await self.app.messenger.send(
                item.address, out, bulk=True, answer_within=self.send_timeout
            )
            if result.status is not DeliveryStatus.RETRY:
                break
            self.retry_afters += 1
            self.limiter.pause(result.retry_after or 1.0)  # the same message, after the wait
        if result.ok:
            self._failures = 0
            self._ok_started = max(self._ok_started, started)
            return self._store(broadcast, item, "sent", result.message_id, None)
        if result.status in (DeliveryStatus.BLOCKED, DeliveryStatus.REJECTED):
            status = "blocked" if result.status is DeliveryStatus.BLOCKED else "failed"
            return self._store(broadcast, item, status, None, result.error)
        if self._give_up(item):
            return self._store(broadcast, item, "failed", None, result.error)
        self._transient(broadcast.id, item, started)
        return None

    def _store(
        self,
        broadcast: Broadcast,
        item: Claimed,
        status: str,
        message_id: str | None,
        error: str | None,
    ) -> asyncio.Future:
        """One delivery's outcome, written with the others that come in meanwhile."""
        row = (broadcast.id, item.person_id, status, item.attempts, message_id, error)
        return self.outcomes.hand_in(row)

    def _give_up(self, item: Claimed) -> bool:
        """A recipient is failed after max_attempts tries AND retry_seconds since its first
        failure: an outage of the messenger (its daemon down for minutes) fails nobody."""
        if item.attempts < self.max_attempts:
            return False
        first = item.first_failed or time.monotonic()
        return time.monotonic() - first >= self.retry_seconds

    def _transient(self, broadcast_id: int, item: Claimed, started: float) -> None:
        """A network or server error: this row is tried again later (it stays 'sending', so a
        crash meanwhile sends it again at start); from PAUSE_AFTER failures in a row every worker
        holds back, longer with each (an outage costs a few tries, not one per recipient). A send
        that started before the latest successful one is no sign of an outage (one that hung
        until its timeout while others went through): it is not counted."""
        now = time.monotonic()
        wait = min(self.backoff * 2 ** max(item.attempts - 1, 0), MAX_BACKOFF)
        again = replace(item, attempts=item.attempts + 1, first_failed=item.first_failed or now)
        # The wait counts from the try's start: a send that hung until its timeout has waited.
        self._retries.add(broadcast_id, max(started + wait, now), again)
        if started <= self._ok_started:
            return
        self._failures += 1
        if self._failures >= PAUSE_AFTER:
            step = min(self._failures - PAUSE_AFTER, 10)
            self.limiter.pause(min(self.backoff * 2**step, MAX_PAUSE))


async def _written(outcome: asyncio.Future | None) -> None:
    """Wait until an outcome handed to the writer is stored (raises what the write raised)."""
    if outcome is not None:
        await outcome
