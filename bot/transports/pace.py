"""The messenger's own rate limit, shared by replies and broadcasts: replies go first.

A transport with a send rate limit (Telegram: about 30 messages a second for the whole bot) takes a
slot of a `PriorityGate` before each message. Bulk sends (a broadcast's fan-out, marked by
`bulk_sending()` around the send) only get the slots no reply is waiting for, so a person talking
to the bot while a broadcast goes out waits at most about one slot, not behind the broadcast.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

# True while the current task sends a bulk message (bot/messenger.py: Messenger.send(bulk=True)).
BULK: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk", default=False)
SLACK = 0.02  # seconds of missed slots that may be caught up at once


@contextmanager
def bulk_sending() -> Iterator[None]:
    """Mark the sends inside the block as bulk (they yield to replies)."""
    token = BULK.set(True)
    try:
        yield
    finally:
        BULK.reset(token)


class PriorityGate:
    """At most `rate` messages a second, evenly spaced; a waiting reply always goes before a
    waiting bulk message."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0  # time.monotonic() of the next free slot
        self._replies: deque[asyncio.Future] = deque()
        self._bulk: deque[asyncio.Future] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.waited_bulk = 0  # bulk sends that had to let a reply go first (for the benches)

    async def wait(self, bulk: bool | None = None) -> None:
        """Wait for a slot (`bulk` None: as marked by `bulk_sending()`)."""
        bulk = BULK.get() if bulk is None else bulk
        now = time.monotonic()
        if not self._replies and not self._bulk and now >= self._next:
            self._take(now)
            return
        future = asyncio.get_running_loop().create_future()
        (self._bulk if bulk else self._replies).append(future)
        self._arm()
        try:
            await future
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()
            raise

    def pause(self, seconds: float) -> None:
        """No slot for anyone for `seconds` (the messenger answered "retry after")."""
        self._next = max(self._next, time.monotonic() + seconds)

    def _take(self, now: float) -> None:
        self._next = max(self._next, now - SLACK) + self.interval

    def _arm(self) -> None:
        if self._timer is None:
            delay = max(self._next - time.monotonic(), 0.0)
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        now = time.monotonic()
        while now >= self._next:
            future = _first_live(self._replies)
            if future is None:
                future = _first_live(self._bulk)
                if future is None:
                    return
            elif self._bulk:
                self.waited_bulk += 1
            future.set_result(None)
            self._take(now)
        if self._replies or self._bulk:
            self._arm()


def _first_live(queue: deque[asyncio.Future]) -> asyncio.Future | None:
    while queue:
        future = queue.popleft()
        if not future.done():  # a cancelled waiter gave its place up
            return future
    return None
