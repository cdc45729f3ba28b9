"""Broadcast pacing: the delivery being sent, retries waiting in memory, the rate limiter and the
outcome writer."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.messages import Address

SLACK = 0.01  # seconds of missed slots a sender may catch up at once (a burst of ~rate*SLACK)
MAX_BACKOFF = 60.0  # seconds at most before one recipient's next try after a network error
MAX_PAUSE = 30.0  # seconds at most that failures in a row hold every sender
# Failures in a row before every sender holds back: a lone 5xx or timeout (1 % of sends on a bad
# day) delays only its own row; measured, pausing all 32 senders 2 s for each one cut a 10k
# broadcast with 1 % faults from 468 to 110 msg/s.
PAUSE_AFTER = 3
LINGER = 0.01  # seconds at least between two writes of outcomes (more rows in each)


@dataclass(frozen=True)
class Claimed:
    """A delivery being sent: where it goes, whether the person is mid-form, its tries."""

    person_id: int
    attempts: int
    address: Address | None
    lang: str
    busy: bool
    first_failed: float | None = None  # time.monotonic() of its first network error


class Retries:
    """Deliveries waiting in memory for another try after a network error, per broadcast
    (their rows stay 'sending': a crash meanwhile sends them again at start)."""

    def __init__(self) -> None:
        self._heaps: dict[int, list[tuple[float, int, Claimed]]] = {}
        self._order = itertools.count()

    def add(self, broadcast_id: int, due: float, item: Claimed) -> None:
        """Try `item` again at `due` (time.monotonic())."""
        heapq.heappush(self._heaps.setdefault(broadcast_id, []), (due, next(self._order), item))

    def extend(self, broadcast_id: int, items: list[Claimed]) -> None:
        """Keep claimed rows that were not tried (a pause or cancel came first)."""
        for item in items:
            self.add(broadcast_id, 0.0, item)

    def due(self, broadcast_id: int) -> Claimed | None:
        """The next retry whose time has come, if any."""
        heap = self._heaps.get(broadcast_id)
        if not heap or heap[0][0] > time.monotonic():
            return None
        return heapq.heappop(heap)[2]

    def wait(self, broadcast_id: int) -> float | None:
        """Seconds until the next retry (None: nothing waits)."""
        heap = self._heaps.get(broadcast_id)
        return max(heap[0][0] - time.monotonic(), 0.0) if heap else None

    def take_all(self, broadcast_id: int) -> list[Claimed]:
        """Everything waiting (pause, cancel)."""
        return [item for _, _, item in self._heaps.pop(broadcast_id, [])]


class RateLimiter:
    """At most `rate` acquisitions a second, spaced evenly; a pause holds everyone (RetryAfter).

    Waiters queue in order and one timer lets the next one go at its slot: a sender sleeps once
    per send, however many senders wait (a lock and a sleep each woke every waiting sender at each
    slot, to find that one of them got it)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0  # time.monotonic() of the next free slot
        self._paused_until = 0.0
        self._waiters: deque[asyncio.Future] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def pause(self, seconds: float) -> None:
        """Hold every sender for `seconds` (the messenger asked us to slow down)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait(self) -> None:
        """Wait for the next free slot; a sender that wakes late never makes a burst."""
        if not self._waiters:
            now = time.monotonic()
            if now >= self._start():
                self._take(now)
                return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._arm()
        try:
            await future
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()  # gives its place up
            raise

    def _start(self) -> float:
        return max(self._next, self._paused_until)

    def _take(self, now: float) -> None:
        # Keep the pace from the planned slot (a late wake-up must not slow the rate), but never
        # catch up more than SLACK seconds of missed slots in a burst.
        self._next = max(self._start(), now - SLACK) + self.interval

    def _arm(self) -> None:
        if self._timer is None:
            delay = max(self._start() - time.monotonic(), 0.0)
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        now = time.monotonic()
        while self._waiters and now >= self._start():
            future = self._waiters.popleft()
            if future.done():  # cancelled while waiting
                continue
            future.set_result(None)
            self._take(now)
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()
        if self._waiters:
            self._arm()


class OutcomeWriter:
    """Delivery outcomes stored together (a group commit): a worker hands its outcome in, waits
    for its next slot meanwhile and, before it sends the next message, waits until the outcome is
    stored (so a crash sends again at most one delivered message per worker). Outcomes that come
    in while a write runs, or within `linger` seconds of the last write, go into the next write:
    one statement for all of them (at 300 messages a second, about three a statement)."""

    def __init__(
        self,
        write: Callable[[list[tuple]], Awaitable[None]],
        most: int = 500,
        linger: float = LINGER,
    ) -> None:
        self._write = write
        self._most = most  # rows in one statement at most (SQLite's limit on parameters)
        self._linger = linger
        self._last = 0.0  # time.monotonic() of the last write
        self._rows: list[tuple] = []
        self._waiters: list[asyncio.Future] = []
        self._task: asyncio.Task | None = None
        self.writes = 0  # statements run (tests, benches)

    def hand_in(self, row: tuple) -> asyncio.Future:
        """Store one outcome soon; the future is done once it is stored (or has the write's
        exception)."""
        waiter = asyncio.get_running_loop().create_future()
        self._rows.append(row)
        self._waiters.append(waiter)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return waiter

    async def put(self, row: tuple) -> None:
        """Store one outcome; returns once it is stored (raises what the write raised)."""
        await self.hand_in(row)

    async def drain(self) -> None:
        """Wait for the outcomes handed in so far to be written (at stop)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _flush(self) -> None:
        while self._rows:
            wait = self._last + self._linger - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last = time.monotonic()
            rows, waiters = self._rows[: self._most], self._waiters[: self._most]
            del self._rows[: self._most], self._waiters[: self._most]
            try:
                self.writes += 1
                await self._write(rows)
            except asyncio.CancelledError:
                for waiter in waiters + self._waiters:
                    waiter.cancel()
                self._rows, self._waiters = [], []
                raise
            except Exception as exc:  # noqa: BLE001 - handed to every worker that waits for it
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            else:
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
