"""Each mentor's nudge rhythm: how often and when the bot sends the next bite on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.clock import from_iso, to_iso
from storage.db import Database

RHYTHMS = ("off", "daily", "3week", "weekly")


@dataclass(frozen=True)
class NudgeSettings:
    """A mentor's nudge rhythm and how many nudges went unanswered in a row."""

    person_id: int
    rhythm: str
    at_time: time
    unanswered: int
    last_sent_at: datetime | None


class NudgesRepo:
    """Nudge settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, person_id: int) -> NudgeSettings | None:
        """The person's settings, or None when never set."""
        row = await self.db.fetchone(
            "SELECT person_id, rhythm, at_time, unanswered, last_sent_at FROM nudge_settings "
            "WHERE person_id = ?",
            (person_id,),
        )
        if row is None:
            return None
        return NudgeSettings(
            row["person_id"],
            row["rhythm"],
            time.fromisoformat(row["at_time"]),
            row["unanswered"],
            from_iso(row["last_sent_at"]) if row["last_sent_at"] else None,
        )

    async def set(self, person_id: int, rhythm: str, at_time: time) -> None:
        """Choose a rhythm and time of day (resets the unanswered count)."""
        if rhythm not in RHYTHMS:
            raise ValueError(f"unknown rhythm {rhythm!r}")
        await self.db.execute(
            "INSERT INTO nudge_settings (person_id, rhythm, at_time, unanswered) "
            "VALUES (?, ?, ?, 0) ON CONFLICT(person_id) DO UPDATE SET rhythm = excluded.rhythm, "
            "at_time = excluded.at_time, unanswered = 0",
            (person_id, rhythm, at_time.strftime("%H:%M")),
        )

    async def record_sent(self, person_id: int, when: datetime) -> None:
        """A nudge went out: count it as unanswered until the mentor comes back."""
        await self.db.execute(
            "UPDATE nudge_settings SET unanswered = unanswered + 1, last_sent_at = ? "
            "WHERE person_id = ?",
            (to_iso(when), person_id),
        )

    async def answered(self, person_id: int) -> bool:
        """The mentor came back; True when nudges had been stopped or counted as unanswered."""
        cursor = await self.db.execute(
            "UPDATE nudge_settings SET unanswered = 0 WHERE person_id = ? AND unanswered > 0",
            (person_id,),
        )
        return cursor.rowcount == 1
