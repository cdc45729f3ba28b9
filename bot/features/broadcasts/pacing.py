"""Broadcast pacing: the delivery being sent, retries waiting in memory, and the rate limiter."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass

from bot.messages import Address

SLACK = 0.02  # seconds of missed slots a sender may catch up at once (a burst of ~rate*SLACK)
MAX_BACKOFF = 60.0  # seconds at most before one recipient's next try after a network error
MAX_PAUSE = 30.0  # seconds at most that failures in a row hold every sender
# Failures in a row before every sender holds back: a lone 5xx or timeout (1 % of sends on a bad
# day) delays only its own row; measured, pausing all 32 senders 2 s for each one cut a 10k
# broadcast with 1 % faults from 468 to 110 msg/s.
PAUSE_AFTER = 3


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
    """At most `rate` acquisitions a second, spaced evenly; a pause holds everyone (RetryAfter)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every sender for `seconds` (the messenger asked us to slow down)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait(self) -> None:
        """Wait for the next free slot; a sender that wakes late never makes a burst."""
        while True:
            async with self._lock:
                now = time.monotonic()
                start = max(self._next, self._paused_until)
                if now >= start:
                    # Keep the pace from the planned slot (a late wake-up must not slow the rate),
                    # but never catch up more than SLACK seconds of missed slots in a burst.
                    self._next = max(start, now - SLACK) + self.interval
                    return
            await asyncio.sleep(start - now)
