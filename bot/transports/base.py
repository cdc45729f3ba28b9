"""The Transport protocol every messenger adapter implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from bot.messages import Address, Incoming, Outgoing, SendResult

IncomingHandler = Callable[[Incoming], Awaitable[None]]


@runtime_checkable
class Transport(Protocol):
    """A messenger adapter: receives updates, sends and edits messages."""

    name: str  # "telegram", "signal", "console"
    title: str  # how people know it: "Telegram", "Signal", "console"

    async def start(self, on_incoming: IncomingHandler) -> None:
        """Begin receiving; call `on_incoming` for every update."""

    async def stop(self) -> None:
        """Stop receiving and release connections."""

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Send one message; never raises for delivery problems, returns the outcome."""

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Replace the text (and buttons) of a message sent earlier, where the messenger can."""

    async def set_commands(
        self, to: Address | None, commands: list[tuple[str, str]], language: str | None
    ) -> None:
        """Publish the command list for one chat (or the default when `to` is None)."""
