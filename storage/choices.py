"""Pending numbered choices per chat, so a reply of a number survives a restart."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.messages import Address, Choice
from bot.transports.numbered import Pending
from storage.db import Database


class PendingChoicesRepo:
    """A ChoiceMemory backed by SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(
        self, address: Address, choices: Sequence[Choice], numbered: bool = True
    ) -> None:
        """Store the choices now pending in this chat ([] clears them)."""
        if not choices:
            await self.db.execute(
                "DELETE FROM pending_choices WHERE transport = ? AND chat_id = ?",
                (address.transport, address.chat_id),
            )
            return
        encoded = json.dumps(
            {"numbered": numbered, "choices": [[c.id, c.label] for c in choices]},
            ensure_ascii=False,
        )
        await self.db.execute(
            "INSERT INTO pending_choices (transport, chat_id, choices, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(transport, chat_id) DO UPDATE SET "
            "choices = excluded.choices, updated_at = excluded.updated_at",
            (address.transport, address.chat_id, encoded, self.db.now_iso()),
        )

    async def recall(self, address: Address) -> Pending:
        """The choices pending in this chat."""
        raw = await self.db.scalar(
            "SELECT choices FROM pending_choices WHERE transport = ? AND chat_id = ?",
            (address.transport, address.chat_id),
        )
        if not raw:
            return Pending()
        data = json.loads(raw)
        if isinstance(data, list):  # the first stored form: a plain list, always numbered
            data = {"numbered": True, "choices": data}
        choices = tuple(Choice(id=i, label=label) for i, label in data["choices"])
        return Pending(choices, bool(data["numbered"]))
