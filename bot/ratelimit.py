"""Per-person flood protection: a sliding window of incoming messages, one notice per flood."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class _Window:
    times: deque = field(default_factory=deque)
    warned: bool = False


class FloodGuard:
    """Allows `limit` updates per `window` seconds per sender; tells the caller when to warn once."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._senders: dict[tuple[str, str], _Window] = {}

    def check(self, sender: tuple[str, str], now: float) -> str:
        """'ok' to handle, 'warn' to send the one notice, 'drop' to ignore quietly."""
        if len(self._senders) > 10_000:
            self.forget_idle(now)
        state = self._senders.setdefault(sender, _Window())
        while state.times and now - state.times[0] >= self.window:
            state.times.popleft()
        if len(state.times) < self.limit:
            state.times.append(now)
            state.warned = False
            return "ok"
        if state.warned:
            return "drop"
        state.warned = True
        return "warn"

    def forget_idle(self, now: float) -> None:
        """Drop senders with no recent updates (keeps memory flat)."""
        idle = [
            k for k, w in self._senders.items() if not w.times or now - w.times[-1] >= self.window
        ]
        for key in idle:
            del self._senders[key]
