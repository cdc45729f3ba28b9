"""A terminal chat: several simulated people, choices as numbered replies, works with pipes."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from typing import TextIO

from bot.messages import Address, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.numbered import ChoiceMemory, interpret, remember_offer, render


class ConsoleTransport:
    """Prints every message the bot sends to any console identity, labelled with the recipient."""

    name = "console"
    title = "console"

    def __init__(
        self, memory: ChoiceMemory, out: TextIO | None = None, files_dir: Path | None = None
    ) -> None:
        self.memory = memory
        self.out = out or sys.stdout
        self.files_dir = files_dir  # where charts and exports are saved so they can be opened
        self._ids = itertools.count(1)
        self._on_incoming: IncomingHandler | None = None

    async def start(self, on_incoming: IncomingHandler) -> None:
        """Remember where typed lines go."""
        self._on_incoming = on_incoming

    async def stop(self) -> None:
        """Nothing to release."""

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Print a message for one identity."""
        await remember_offer(self.memory, to, out)
        body = render(out)
        if out.attachment is not None:
            att = out.attachment
            data = att.read()
            body += f"\n[{att.kind}: {att.filename}, {len(data)} bytes"
            body += f", saved as {self._save(att.filename, data)}]" if self.files_dir else "]"
        self._print(to.chat_id, body)
        return SendResult(DeliveryStatus.SENT, message_id=str(next(self._ids)))

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Print the new version of an earlier message."""
        return await self.send(to, out)

    async def set_commands(self, to, commands, language) -> None:
        """The console has no command list."""

    async def type_line(self, who: str, line: str) -> None:
        """Feed one typed line from identity `who` and wait until it is handled."""
        address = Address("console", who)
        incoming = await self.to_incoming(address, line)
        if self._on_incoming is not None:
            await self._on_incoming(incoming)

    async def to_incoming(self, address: Address, line: str) -> Incoming:
        """A typed line as an Incoming: a number or label taps a pending choice."""
        pending = await self.memory.recall(address)
        result = interpret(line, pending.choices, pending.numbered)
        if result is not None and not isinstance(result, int):
            return Incoming(
                address=address,
                sender_id=address.chat_id,
                text=line,
                choice_id=result.id,
                kind="choice",
                sender_name=address.chat_id,
            )
        extra = {"out_of_range": result} if isinstance(result, int) else {}
        return Incoming(
            address=address,
            sender_id=address.chat_id,
            text=line,
            sender_name=address.chat_id,
            extra=extra,
        )

    def _save(self, filename: str, data: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(filename).name
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        return path

    def _print(self, who: str, body: str) -> None:
        indented = "\n".join("  " + line if line else "" for line in body.splitlines())
        self.out.write(f"[to {who}]\n{indented}\n\n")
        self.out.flush()
