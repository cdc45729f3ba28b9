"""A small in-process event bus, so features can react to each other without importing each other."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


class Events:
    """`on(name, fn)` to listen, `await emit(name, **payload)` to tell every listener in order."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def on(self, name: str, listener: Listener) -> None:
        """Call `listener(**payload)` whenever `name` is emitted."""
        self._listeners[name].append(listener)

    async def emit(self, name: str, **payload: object) -> None:
        """Tell every listener; one failing listener does not stop the others or the caller."""
        for listener in self._listeners.get(name, []):
            try:
                await listener(**payload)
            except Exception:
                log.exception("listener of %s failed", name)
