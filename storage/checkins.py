"""Follow-up check-ins: scheduled, sent, answered, missed or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from storage.db import Database
from storage.people import Recipient, recipient_from, recipient_sql


@dataclass(frozen=True)
class Checkin:
    """One check-in of an expert with a mentor."""

    id: int
    mentor_id: int
    expert_id: int | None
    workshop_id: int | None
    message: str | None
    themes: tuple[str, ...]
    due_at: datetime
    status: str
    snoozes: int
    reminded: bool
    score: int | None
    words: str | None
    ticket_id: int | None


_COLUMNS = (
    "id, mentor_id, expert_id, workshop_id, message, themes, due_at, status, snoozes, reminded, "
    "score, words, ticket_id"
)


def _checkin(row) -> Checkin:
    return Checkin(
        id=row["id"],
        mentor_id=row["mentor_id"],
        expert_id=row["expert_id"],
        workshop_id=row["workshop_id"],
        message=row["message"],
        themes=tuple(t for t in row["themes"].split(",") if t),
        due_at=from_iso(row["due_at"]),
        status=row["status"],
        snoozes=row["snoozes"],
        reminded=bool(row["reminded"]),
        score=row["score"],
        words=row["words"],
        ticket_id=row["ticket_id"],
    )


# What a `checkin` job (ref: the check-in's id) needs, read with its claim (JobsRepo.claim_due):
# the check-in, its mentor, the expert's name.
CHECKIN_JOB_CONTEXT = (
    "(SELECT json_object('checkin', json_object("
    + ", ".join(f"'{c.strip()}', c.{c.strip()}" for c in _COLUMNS.split(","))
    + f"), 'recipient', {recipient_sql('c.mentor_id')}, "
    "'expert_name', (SELECT display_name FROM people WHERE id = c.expert_id)) "
    "FROM checkins c WHERE c.id = CAST(jobs.ref AS INTEGER))"
)


@dataclass(frozen=True)
class CheckinContext:
    """What a due check-in needs: the check-in, its mentor, the expert's name (None: none)."""

    checkin: Checkin
    recipient: Recipient | None
    expert_name: str | None


def checkin_context(data: dict | None) -> CheckinContext | None:
    """A CheckinContext from a claimed job's context (None: the check-in is gone)."""
    if not data:
        return None
    return CheckinContext(
        _checkin(data["checkin"]), recipient_from(data["recipient"]), data["expert_name"]
    )


class CheckinsRepo:
    """Check-in rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        mentor_id: int,
        expert_id: int | None,
        due_at: datetime,
        *,
        message: str | None = None,
        themes: tuple[str, ...] = (),
        workshop_id: int | None = None,
    ) -> Checkin:
        """Schedule a check-in."""
        checkin_id = await self.db.insert(
            "INSERT INTO checkins (mentor_id, expert_id, workshop_id, message, themes, due_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                mentor_id,
                expert_id,
                workshop_id,
                message,
                ",".join(themes),
                to_iso(due_at),
                self.db.now_iso(),
            ),
        )
        return await self.get(checkin_id)

    async def get(self, checkin_id: int) -> Checkin | None:
        """A check-in by id."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM checkins WHERE id = ?", (checkin_id,))
        return _checkin(row) if row else None

    async def mark_sent(self, checkin_id: int) -> bool:
        """Scheduled -> sent (before sending, so a crash never sends it twice)."""
        cursor = await self.db.execute(
            "UPDATE checkins SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'scheduled'",
            (self.db.now_iso(), checkin_id),
        )
        return cursor.rowcount == 1

    async def mark_sent_many(self, checkin_ids: list[int]) -> set[int]:
        """`mark_sent` for several check-ins with one statement; returns those it marked."""
        if not checkin_ids:
            return set()
        marks = ", ".join("?" for _ in checkin_ids)
        rows = await self.db.fetchall_write(
            f"UPDATE checkins SET status = 'sent', sent_at = ? WHERE id IN ({marks}) "
            "AND status = 'scheduled' RETURNING id",
            (self.db.now_iso(), *checkin_ids),
        )
        return {r["id"] for r in rows}

    async def reschedule(self, checkin_id: int, due_at: datetime, *, snooze: bool = False) -> None:
        """Back to scheduled at a new time (a failed send, a move, or the mentor's 'not now',
        also on a missed check-in found again from the menu)."""
        await self.db.execute(
            "UPDATE checkins SET status = 'scheduled', due_at = ?, sent_at = NULL, reminded = 0, "
            "snoozes = snoozes + ? WHERE id = ? AND status IN ('scheduled','sent','missed')",
            (to_iso(due_at), 1 if snooze else 0, checkin_id),
        )

    async def answer(self, checkin_id: int, score: int) -> bool:
        """The mentor's 1-5 answer (a missed one too, found again later); False when it was no
        longer waiting for one."""
        cursor = await self.db.execute(
            "UPDATE checkins SET status = 'answered', score = ?, answered_at = ? "
            "WHERE id = ? AND status IN ('sent','missed')",
            (score, self.db.now_iso(), checkin_id),
        )
        return cursor.rowcount == 1

    async def add_words(self, checkin_id: int, words: str) -> None:
        """The mentor's optional words."""
        await self.db.execute("UPDATE checkins SET words = ? WHERE id = ?", (words, checkin_id))

    async def set_ticket(self, checkin_id: int, ticket_id: int) -> None:
        """Remember the ticket a low answer opened."""
        await self.db.execute(
            "UPDATE checkins SET ticket_id = ? WHERE id = ?", (ticket_id, checkin_id)
        )

    async def mark_reminded(self, checkin_id: int) -> None:
        """The one reminder went out."""
        await self.db.execute("UPDATE checkins SET reminded = 1 WHERE id = ?", (checkin_id,))

    async def set_status(self, checkin_id: int, status: str) -> None:
        """Missed or cancelled."""
        await self.db.execute("UPDATE checkins SET status = ? WHERE id = ?", (status, checkin_id))

    async def of_expert(self, expert_id: int) -> list[Checkin]:
        """An expert's check-ins still to come or waiting for an answer, soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM checkins WHERE expert_id = ? AND status IN "
            "('scheduled','sent') ORDER BY due_at, id",
            (expert_id,),
        )
        return [_checkin(r) for r in rows]

    async def around(self, mentor_id: int, start: datetime, end: datetime) -> list[Checkin]:
        """A mentor's check-ins (not cancelled) due from `start` until before `end`."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM checkins WHERE mentor_id = ? AND due_at >= ? AND due_at < ? "
            "AND status != 'cancelled' ORDER BY due_at, id",
            (mentor_id, to_iso(start), to_iso(end)),
        )
        return [_checkin(r) for r in rows]

    async def sent_since(self, mentor_id: int, since: datetime, but: int) -> int:
        """How many check-ins (other than `but`) went out to a mentor since `since`."""
        return await self.db.scalar(
            "SELECT COUNT(*) FROM checkins WHERE mentor_id = ? AND sent_at >= ? AND id != ?",
            (mentor_id, to_iso(since), but),
        )

    async def waiting(self, mentor_id: int, since: datetime) -> list[Checkin]:
        """A mentor's check-ins sent or missed since `since` and not answered, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM checkins WHERE mentor_id = ? AND status IN ('sent','missed') "
            "AND due_at >= ? ORDER BY due_at DESC, id DESC",
            (mentor_id, to_iso(since)),
        )
        return [_checkin(r) for r in rows]

    async def of_mentor(self, mentor_id: int) -> list[Checkin]:
        """A mentor's check-ins, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM checkins WHERE mentor_id = ? ORDER BY id DESC", (mentor_id,)
        )
        return [_checkin(r) for r in rows]
