"""Pending numbered choices per chat, so a reply of a number survives a restart."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.messages import Address, Choice
from storage.db import Database


class PendingChoicesRepo:
    """A ChoiceMemory backed by SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(self, address: Address, choices: Sequence[Choice]) -> None:
        """Store the choices now pending in this chat ([] clears them)."""
        if not choices:
            await self.db.execute(
                "DELETE FROM pending_choices WHERE transport = ? AND chat_id = ?",
                (address.transport, address.chat_id),
            )
            return
        encoded = json.dumps([[c.id, c.label] for c in choices], ensure_ascii=False)
        await self.db.execute(
            "INSERT INTO pending_choices (transport, chat_id, choices, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(transport, chat_id) DO UPDATE SET "
            "choices = excluded.choices, updated_at = excluded.updated_at",
            (address.transport, address.chat_id, encoded, self.db.now_iso()),
        )

    async def recall(self, address: Address) -> list[Choice]:
        """The choices pending in this chat."""
        raw = await self.db.scalar(
            "SELECT choices FROM pending_choices WHERE transport = ? AND chat_id = ?",
            (address.transport, address.chat_id),
        )
        return [Choice(id=i, label=label) for i, label in json.loads(raw)] if raw else []
