"""Dialog state per person: the step they are in and its draft data (survives restarts)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.db import Database


@dataclass
class Dialog:
    """Where a person is in a multi-step conversation."""

    step: str
    data: dict = field(default_factory=dict)


class DialogsRepo:
    """Dialog state."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, person_id: int) -> Dialog | None:
        """The person's current dialog, if any."""
        row = await self.db.fetchone(
            "SELECT step, data FROM dialogs WHERE person_id = ?", (person_id,)
        )
        return Dialog(row["step"], json.loads(row["data"])) if row else None

    async def set(self, person_id: int, step: str, data: dict | None = None) -> None:
        """Enter (or update) a dialog step with its data."""
        await self.db.execute(
            "INSERT INTO dialogs (person_id, step, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(person_id) DO UPDATE SET step = excluded.step, data = excluded.data, "
            "updated_at = excluded.updated_at",
            (person_id, step, json.dumps(data or {}, ensure_ascii=False), self.db.now_iso()),
        )

    async def clear(self, person_id: int) -> None:
        """Leave any dialog."""
        await self.db.execute("DELETE FROM dialogs WHERE person_id = ?", (person_id,))
