"""Safety flags: that a crisis signal was seen, and what the person chose (never the text)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import to_iso
from storage.db import Database


class SafetyRepo:
    """Rows of safety_flags."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def flag(
        self,
        person_id: int,
        category: str,
        *,
        tier: str = "clear",
        rule: str | None = None,
        full_help: bool = False,
        held: list[dict] | None = None,
    ) -> int:
        """Record a signal (its kind, tier and rule; never the text); returns the flag id."""
        return await self.db.insert(
            "INSERT INTO safety_flags (person_id, category, tier, rule, full_help, held, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                person_id,
                category,
                tier,
                rule,
                int(full_help),
                json.dumps(held, ensure_ascii=False) if held else None,
                self.db.now_iso(),
            ),
        )

    async def latest(self, person_id: int) -> dict | None:
        """The person's most recent flag."""
        row = await self.db.fetchone(
            "SELECT id, category, tier, about, ticket_no, full_help, created_at FROM safety_flags "
            "WHERE person_id = ? ORDER BY id DESC LIMIT 1",
            (person_id,),
        )
        return dict(row) if row else None

    async def full_help_since(self, person_id: int, since: datetime) -> bool:
        """True when the full help block was sent to the person at or after `since`."""
        row = await self.db.fetchone(
            "SELECT 1 FROM safety_flags WHERE person_id = ? AND full_help = 1 AND created_at >= ? "
            "LIMIT 1",
            (person_id, to_iso(since)),
        )
        return row is not None

    async def set_full_help(self, flag_id: int) -> None:
        """The full help block was sent for this flag."""
        await self.db.execute("UPDATE safety_flags SET full_help = 1 WHERE id = ?", (flag_id,))

    async def take_held(self, person_id: int) -> list[dict]:
        """Every held reply of the person's flags, oldest first; they are cleared."""
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT id, held FROM safety_flags WHERE person_id = ? AND held IS NOT NULL "
                "ORDER BY id",
                (person_id,),
            )
            if rows:
                await self.db.execute(
                    "UPDATE safety_flags SET held = NULL WHERE person_id = ? AND held IS NOT NULL",
                    (person_id,),
                )
        held: list[dict] = []
        for row in rows:
            held.extend(json.loads(row["held"]))
        return held

    async def set_about(self, flag_id: int, about: str) -> None:
        """Whether the signal was about the person themself or someone else."""
        await self.db.execute("UPDATE safety_flags SET about = ? WHERE id = ?", (about, flag_id))

    async def set_ticket(self, flag_id: int, ticket_no: int) -> None:
        """The urgent ticket opened for this flag."""
        await self.db.execute(
            "UPDATE safety_flags SET ticket_no = ? WHERE id = ?", (ticket_no, flag_id)
        )

    async def clear_held_before(self, before: datetime) -> int:
        """Retention: held replies older than `before` are dropped; returns how many flags."""
        cursor = await self.db.execute(
            "UPDATE safety_flags SET held = NULL WHERE held IS NOT NULL AND created_at < ?",
            (to_iso(before),),
        )
        return cursor.rowcount
