"""Workshops mentors ran: the log, its queries for mentors, and the filters reports use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import date, datetime

from bot.clock import from_iso
from storage.db import Database


@dataclass(frozen=True)
class Workshop:
    """One logged workshop."""

    id: int
    mentor_id: int | None
    cohort: str | None
    held_on: date
    community: str
    participants: int
    themes: tuple[str, ...]  # section ids, e.g. ("s1", "s3")
    duration_min: int | None
    co_facilitated: bool
    went_well: str | None
    was_hard: str | None
    share_practice: bool
    needs_support: bool
    support_flagged: bool
    created_at: datetime
    updated_at: datetime
    participants_low: int | None = None  # a range typed ("15-20"); participants is its midpoint
    participants_high: int | None = None


_COLUMNS = ", ".join(f.name for f in fields(Workshop))
# Fields a mentor fills in; the rest are set by the bot.
FORM_FIELDS = (
    "held_on",
    "community",
    "participants",
    "themes",
    "duration_min",
    "co_facilitated",
    "went_well",
    "share_practice",
    "was_hard",
    "needs_support",
    "participants_low",
    "participants_high",
)


def _workshop(row) -> Workshop:
    return Workshop(
        id=row["id"],
        mentor_id=row["mentor_id"],
        cohort=row["cohort"],
        held_on=date.fromisoformat(row["held_on"]),
        community=row["community"],
        participants=row["participants"],
        themes=tuple(t for t in row["themes"].split(",") if t),
        duration_min=row["duration_min"],
        co_facilitated=bool(row["co_facilitated"]),
        went_well=row["went_well"],
        was_hard=row["was_hard"],
        share_practice=bool(row["share_practice"]),
        needs_support=bool(row["needs_support"]),
        support_flagged=bool(row["support_flagged"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        participants_low=row["participants_low"],
        participants_high=row["participants_high"],
    )


def _values(form: dict) -> list:
    """Column values of a form dict, in FORM_FIELDS order."""
    out = []
    for name in FORM_FIELDS:
        value = form.get(name)
        if name == "held_on" and isinstance(value, date):
            value = value.isoformat()
        elif name == "themes":
            value = ",".join(value or ())
        elif name in ("co_facilitated", "share_practice", "needs_support"):
            value = int(bool(value))
        out.append(value)
    return out


@dataclass(frozen=True)
class Filter:
    """Which workshops a report or export covers: held_on in [since, until], optional cohort."""

    since: date | None = None
    until: date | None = None
    cohort: str | None = None

    def where(self) -> tuple[str, list]:
        """SQL condition and parameters."""
        parts, params = ["1 = 1"], []
        if self.since:
            parts.append("held_on >= ?")
            params.append(self.since.isoformat())
        if self.until:
            parts.append("held_on <= ?")
            params.append(self.until.isoformat())
        if self.cohort:
            parts.append("cohort = ?")
            params.append(self.cohort)
        return " AND ".join(parts), params


class WorkshopsRepo:
    """The workshop log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, mentor_id: int, cohort: str | None, form: dict) -> int:
        """Store a workshop from a completed form; returns its id."""
        now = self.db.now_iso()
        names = ", ".join(FORM_FIELDS)
        marks = ", ".join("?" for _ in FORM_FIELDS)
        return await self.db.insert(
            f"INSERT INTO workshops (mentor_id, cohort, {names}, support_flagged, created_at, "
            f"updated_at) VALUES (?, ?, {marks}, ?, ?, ?)",
            (mentor_id, cohort, *_values(form), int(bool(form.get("support_flagged"))), now, now),
        )

    async def update(self, mentor_id: int, workshop_id: int, form: dict) -> bool:
        """Replace the form fields of one of the mentor's workshops."""
        assignments = ", ".join(f"{name} = ?" for name in FORM_FIELDS)
        cursor = await self.db.execute(
            f"UPDATE workshops SET {assignments}, updated_at = ? WHERE id = ? AND mentor_id = ?",
            (*_values(form), self.db.now_iso(), workshop_id, mentor_id),
        )
        return cursor.rowcount == 1

    async def flag_support(self, workshop_id: int, flagged: bool = True) -> None:
        """Mark that support was asked but not turned into a ticket (staff follow up)."""
        await self.db.execute(
            "UPDATE workshops SET support_flagged = ? WHERE id = ?", (int(flagged), workshop_id)
        )

    async def get(self, workshop_id: int) -> Workshop | None:
        """A workshop by id (callers check ownership)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM workshops WHERE id = ?", (workshop_id,)
        )
        return _workshop(row) if row else None

    async def get_own(self, mentor_id: int, workshop_id: int) -> Workshop | None:
        """One of the mentor's own workshops."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM workshops WHERE id = ? AND mentor_id = ?",
            (workshop_id, mentor_id),
        )
        return _workshop(row) if row else None

    async def delete(self, mentor_id: int, workshop_id: int) -> bool:
        """Delete one of the mentor's own workshops."""
        cursor = await self.db.execute(
            "DELETE FROM workshops WHERE id = ? AND mentor_id = ?", (workshop_id, mentor_id)
        )
        return cursor.rowcount == 1

    async def page(self, mentor_id: int, offset: int, limit: int) -> list[Workshop]:
        """The mentor's workshops, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM workshops WHERE mentor_id = ? "
            "ORDER BY held_on DESC, id DESC LIMIT ? OFFSET ?",
            (mentor_id, limit, offset),
        )
        return [_workshop(r) for r in rows]

    async def count(self, mentor_id: int) -> int:
        """How many workshops the mentor logged."""
        return await self.db.scalar(
            "SELECT COUNT(*) FROM workshops WHERE mentor_id = ?", (mentor_id,)
        )

    async def recent_communities(self, mentor_id: int, limit: int = 5) -> list[str]:
        """The communities the mentor logged most recently, newest first, without repeats."""
        rows = await self.db.fetchall(
            "SELECT community, MAX(held_on || printf('%010d', id)) AS latest FROM workshops "
            "WHERE mentor_id = ? GROUP BY community ORDER BY latest DESC LIMIT ?",
            (mentor_id, limit),
        )
        return [r["community"] for r in rows]

    async def matching(self, flt: Filter) -> list[Workshop]:
        """Every workshop a report or export covers, oldest first."""
        where, params = flt.where()
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM workshops WHERE {where} ORDER BY held_on, id", params
        )
        return [_workshop(r) for r in rows]

    async def pages(self, flt: Filter, size: int = 500) -> AsyncIterator[list[Workshop]]:
        """The workshops of `matching`, oldest first, `size` at a time: one query per page (keyset:
        after the last held_on and id), so a report or export never holds them all."""
        where, params = flt.where()
        sql = f"SELECT {_COLUMNS} FROM workshops WHERE {where}"
        after: list = []
        while True:
            page = sql + " AND (held_on, id) > (?, ?)" if after else sql
            rows = await self.db.fetchall(
                f"{page} ORDER BY held_on, id LIMIT ?", [*params, *after, size]
            )
            if rows:
                yield [_workshop(r) for r in rows]
            if len(rows) < size:
                return
            after = [rows[-1]["held_on"], rows[-1]["id"]]

    async def cohorts(self) -> list[str]:
        """Cohorts that have logged workshops, sorted."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT cohort FROM workshops WHERE cohort IS NOT NULL ORDER BY cohort"
        )
        return [r["cohort"] for r in rows]

    async def practices(self, offset: int, limit: int) -> list[Workshop]:
        """Workshops whose 'what went well' the mentor allowed to share, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM workshops WHERE share_practice = 1 AND went_well IS NOT NULL "
            "AND went_well != '' ORDER BY held_on DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_workshop(r) for r in rows]


class DraftsRepo:
    """Workshop forms left half-way, one per person."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def keep(self, person_id: int, data: dict) -> None:
        """Store (or replace) a person's unsaved form."""
        await self.db.execute(
            "INSERT INTO workshop_drafts (person_id, data, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(person_id) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (person_id, json.dumps(data, ensure_ascii=False), self.db.now_iso()),
        )

    async def take(self, person_id: int) -> dict | None:
        """The person's unsaved form, if any (it stays until dropped)."""
        raw = await self.db.scalar(
            "SELECT data FROM workshop_drafts WHERE person_id = ?", (person_id,)
        )
        return json.loads(raw) if raw else None

    async def drop(self, person_id: int) -> None:
        """Forget the person's unsaved form."""
        await self.db.execute("DELETE FROM workshop_drafts WHERE person_id = ?", (person_id,))
