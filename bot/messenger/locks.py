"""KeyedLocks: one asyncio.Lock per key (a chat, a person), forgotten when nobody holds or waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

REMEMBER_RELEASES = 4096  # KeyedLocks remembers which keys the last this many releases were of


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

    def busy(self, key: object) -> bool:
        """True when someone holds the lock of `key` (taking it would wait)."""
        lock = self._locks.get(key)
        return lock is not None and lock.locked()

    def released_since(self, key: object, mark: int) -> bool:
        """True when `key` may have been held and released since `releases` was `mark` (what was
        read about it before taking its lock may be out of date)."""
        if mark < self.releases - REMEMBER_RELEASES:
            return True  # too long ago to tell
        return self._released.get(key, 0) > mark
