"""Each mentor's nudge rhythm: how often and when the bot sends the next bite on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.clock import from_iso, to_iso
from storage.db import Database
from storage.people import Recipient, recipient_from, recipient_sql

RHYTHMS = ("off", "daily", "3week", "weekly")


@dataclass(frozen=True)
class NudgeSettings:
    """A mentor's nudge rhythm and how many nudges went unanswered in a row."""

    person_id: int
    rhythm: str
    at_time: time
    unanswered: int
    last_sent_at: datetime | None


_PERSON = "CAST(jobs.ref AS INTEGER)"

# What a `nudge` job (ref: the person's id) needs, read with its claim (JobsRepo.claim_due).
NUDGE_JOB_CONTEXT = (
    f"json_object('recipient', {recipient_sql(_PERSON)}, "
    "'settings', json((SELECT json_object('person_id', person_id, 'rhythm', rhythm, "
    "'at_time', at_time, 'unanswered', unanswered, 'last_sent_at', last_sent_at) "
    f"FROM nudge_settings WHERE person_id = {_PERSON})), "
    "'seen', json((SELECT json_group_array(bite_id) FROM bite_progress "
    f"WHERE person_id = {_PERSON})))"
)


def _settings(row) -> NudgeSettings:
    return NudgeSettings(
        row["person_id"],
        row["rhythm"],
        time.fromisoformat(row["at_time"]),
        row["unanswered"],
        from_iso(row["last_sent_at"]) if row["last_sent_at"] else None,
    )


@dataclass(frozen=True)
class NudgeContext:
    """What a due nudge needs: the mentor, their settings and the bites they have read."""

    recipient: Recipient | None
    settings: NudgeSettings | None
    seen: frozenset[str]


def nudge_context(data: dict | None) -> NudgeContext:
    """A NudgeContext from a claimed job's context (NUDGE_JOB_CONTEXT)."""
    data = data or {}
    settings = data.get("settings")
    return NudgeContext(
        recipient_from(data.get("recipient")),
        _settings(settings) if settings else None,
        frozenset(data.get("seen") or ()),
    )


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
        return _settings(row) if row is not None else None

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

    async def record_sent_many(self, rows: list[tuple[int, datetime]]) -> None:
        """`record_sent` for several people (person_id, when) with one statement."""
        if not rows:
            return
        marks = ", ".join("(?, ?)" for _ in rows)
        await self.db.execute(
            "UPDATE nudge_settings SET unanswered = unanswered + 1, last_sent_at = v.sent "
            "FROM (SELECT column1 AS person_id, column2 AS sent FROM (VALUES "
            f"{marks})) AS v WHERE nudge_settings.person_id = v.person_id",
            [value for person_id, when in rows for value in (person_id, to_iso(when))],
        )

    async def answered(self, person_id: int) -> bool:
        """The mentor came back; True when nudges had been stopped or counted as unanswered."""
        cursor = await self.db.execute(
            "UPDATE nudge_settings SET unanswered = 0 WHERE person_id = ? AND unanswered > 0",
            (person_id,),
        )
        return cursor.rowcount == 1
