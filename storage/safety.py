"""Safety flags: that a crisis signal was seen, and what the person chose (never the text)."""

from __future__ import annotations

from storage.db import Database


class SafetyRepo:
    """Rows of safety_flags."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def flag(self, person_id: int, category: str) -> int:
        """Record a signal; returns the flag id."""
        return await self.db.insert(
            "INSERT INTO safety_flags (person_id, category, created_at) VALUES (?, ?, ?)",
            (person_id, category, self.db.now_iso()),
        )

    async def latest(self, person_id: int) -> dict | None:
        """The person's most recent flag."""
        row = await self.db.fetchone(
            "SELECT id, category, about, ticket_no FROM safety_flags WHERE person_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (person_id,),
        )
        return dict(row) if row else None

    async def set_about(self, flag_id: int, about: str) -> None:
        """Whether the signal was about the person themself or someone else."""
        await self.db.execute("UPDATE safety_flags SET about = ? WHERE id = ?", (about, flag_id))

    async def set_ticket(self, flag_id: int, ticket_no: int) -> None:
        """The urgent ticket opened for this flag."""
        await self.db.execute(
            "UPDATE safety_flags SET ticket_no = ? WHERE id = ?", (ticket_no, flag_id)
        )
