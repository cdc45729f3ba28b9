"""Prompts held back while a person was in a form, to show from the menu afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_iso
from bot.messages import Choice, Outgoing
from storage.db import Database


@dataclass(frozen=True)
class Held:
    """One held message."""

    id: int
    kind: str
    ref: str
    out: Outgoing


class HeldRepo:
    """held_prompts rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def keep(self, person_id: int, kind: str, ref: str, out: Outgoing) -> None:
        """Hold a message (a newer one of the same kind and ref replaces the older)."""
        rows = [[[c.id, c.label] for c in row if not c.url] for row in out.choices]
        await self.db.execute(
            "INSERT INTO held_prompts (person_id, kind, ref, text, choices, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(person_id, kind, ref) DO UPDATE SET "
            "text = excluded.text, choices = excluded.choices, created_at = excluded.created_at",
            (
                person_id,
                kind,
                ref,
                out.text,
                json.dumps(rows, ensure_ascii=False),
                self.db.now_iso(),
            ),
        )

    async def of_person(self, person_id: int, since: datetime) -> list[Held]:
        """The person's held messages newer than `since`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, kind, ref, text, choices FROM held_prompts "
            "WHERE person_id = ? AND created_at >= ? ORDER BY created_at, id",
            (person_id, to_iso(since)),
        )
        return [_held(r) for r in rows]

    async def take(self, person_id: int, held_id: int) -> Held | None:
        """Remove one held message and return it (None when it is gone)."""
        row = await self.db.fetchone(
            "SELECT id, kind, ref, text, choices FROM held_prompts WHERE id = ? AND person_id = ?",
            (held_id, person_id),
        )
        if row is None:
            return None
        await self.db.execute("DELETE FROM held_prompts WHERE id = ?", (held_id,))
        return _held(row)

    async def drop(self, person_id: int, kind: str, ref: str) -> None:
        """Forget a held message (it was answered another way)."""
        await self.db.execute(
            "DELETE FROM held_prompts WHERE person_id = ? AND kind = ? AND ref = ?",
            (person_id, kind, ref),
        )


def _held(row) -> Held:
    rows = tuple(
        tuple(Choice(choice_id, label) for choice_id, label in row_)
        for row_ in json.loads(row["choices"])
    )
    return Held(row["id"], row["kind"], row["ref"], Outgoing(row["text"], choices=rows))
