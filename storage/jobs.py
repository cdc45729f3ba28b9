"""Timed work as rows: the scheduler is only the alarm clock for these."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Job:
    """One piece of timed work."""

    id: int
    kind: str
    ref: str
    due_at: datetime
    attempts: int
    payload: dict
    status: str = "pending"
    # What its handler needs, read with the claim (JobsRepo.claim_due `context`), else None.
    context: dict | None = field(default=None, compare=False)


def _job(row) -> Job:
    context = row["context"] if "context" in row.keys() else None
    return Job(
        id=row["id"],
        kind=row["kind"],
        ref=row["ref"],
        due_at=from_iso(row["due_at"]),
        attempts=row["attempts"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        context=json.loads(context) if context else None,
    )


def _values(rows: list[tuple], width: int) -> str:
    """`VALUES (?, ?), (?, ?)` for len(rows) rows of `width` columns."""
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    return "VALUES " + ", ".join(one for _ in rows)


_SELECT = "SELECT id, kind, ref, due_at, attempts, payload, status FROM jobs"


class JobsRepo:
    """Pending, done and cancelled jobs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, kind: str, ref: str, due_at: datetime, payload: dict | None = None) -> Job:
        """Store a pending job."""
        rows = await self.db.fetchall_write(
            "INSERT INTO jobs (kind, ref, due_at, payload, created_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id, kind, ref, due_at, attempts, payload, status",
            (kind, ref, to_iso(due_at), json.dumps(payload or {}), self.db.now_iso()),
        )
        return _job(rows[0])

    async def get(self, job_id: int) -> Job | None:
        """A job by id, whatever its status."""
        row = await self.db.fetchone(f"{_SELECT} WHERE id = ?", (job_id,))
        return _job(row) if row else None

    async def pending(self) -> list[Job]:
        """Every pending job, soonest first."""
        rows = await self.db.fetchall(f"{_SELECT} WHERE status = 'pending' ORDER BY due_at, id")
        return [_job(r) for r in rows]

    async def add_many(self, rows: list[tuple[str, str, datetime, dict | None]]) -> None:
        """Store several pending jobs (kind, ref, due_at, payload) with one statement."""
        if not rows:
            return
        now = self.db.now_iso()
        params: list = []
        for kind, ref, due_at, payload in rows:
            params += [kind, ref, to_iso(due_at), json.dumps(payload or {}), now]
        await self.db.execute(
            f"INSERT INTO jobs (kind, ref, due_at, payload, created_at) {_values(rows, 5)}",
            params,
        )

    async def claim_due(
        self, now: datetime, limit: int, context: Mapping[str, str] | None = None
    ) -> list[Job]:
        """Take up to `limit` pending jobs due at or before `now` that nobody runs yet, soonest
        first: one statement for the whole batch (they stay pending until done). `context`: per
        kind, an SQL expression (a scalar subquery on `jobs.ref`, giving JSON) of what the
        kind's handler needs, read by the same statement into `Job.context`."""
        kinds = list((context or {}).items())
        reads = ""
        if kinds:
            whens = " ".join(f"WHEN ? THEN {expression}" for _, expression in kinds)
            reads = f", CASE kind {whens} END AS context"
        rows = await self.db.fetchall_write(
            "UPDATE jobs SET claimed_at = ? WHERE id IN (SELECT id FROM jobs "
            "WHERE status = 'pending' AND claimed_at IS NULL AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?) "
            f"RETURNING id, kind, ref, due_at, attempts, payload, status{reads}",
            (self.db.now_iso(), to_iso(now), limit, *(kind for kind, _ in kinds)),
        )
        jobs = [_job(r) for r in rows]
        jobs.sort(key=lambda job: (job.due_at, job.id))
        return jobs

    async def next_due(self) -> datetime | None:
        """When the soonest pending job nobody runs is due (None: no such job)."""
        value = await self.db.scalar(
            "SELECT due_at FROM jobs WHERE status = 'pending' AND claimed_at IS NULL "
            "ORDER BY due_at LIMIT 1"
        )
        return from_iso(value) if value else None

    async def release_claims(self) -> int:
        """At start: jobs that were running when the process stopped are due again."""
        cursor = await self.db.execute(
            "UPDATE jobs SET claimed_at = NULL WHERE status = 'pending' AND claimed_at IS NOT NULL"
        )
        return cursor.rowcount

    async def pending_for(self, kind: str, ref: str) -> list[Job]:
        """Pending jobs of a kind for one ref."""
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE kind = ? AND ref = ? AND status = 'pending' ORDER BY due_at",
            (kind, ref),
        )
        return [_job(r) for r in rows]

    async def done(self, job_id: int) -> bool:
        """Mark a pending job done; False when it was not pending (so it runs once)."""
        cursor = await self.db.execute(
            "UPDATE jobs SET status = 'done', done_at = ?, attempts = attempts + 1, "
            "claimed_at = NULL WHERE id = ? AND status = 'pending'",
            (self.db.now_iso(), job_id),
        )
        return cursor.rowcount == 1

    async def finish_many(self, outcomes: list[tuple[int, datetime | None, bool]]) -> None:
        """Finish several claimed jobs with one statement: (id, None, _) is done (as `done`),
        (id, due_at, attempt) runs again then (as `reschedule`)."""
        if not outcomes:
            return
        params: list = []
        for job_id, due_at, attempt in outcomes:
            params += [job_id, to_iso(due_at) if due_at else None, 1 if attempt else 0]
        now = self.db.now_iso()
        await self.db.execute(
            "UPDATE jobs SET status = CASE WHEN v.due IS NULL THEN 'done' ELSE 'pending' END, "
            "due_at = COALESCE(v.due, jobs.due_at), "
            "done_at = CASE WHEN v.due IS NULL THEN ? END, claimed_at = NULL, "
            "attempts = jobs.attempts + CASE WHEN v.due IS NULL THEN 1 ELSE v.attempt END "
            "FROM (SELECT column1 AS id, column2 AS due, column3 AS attempt "
            f"FROM ({_values(outcomes, 3)})) AS v "
            "WHERE jobs.id = v.id AND (v.due IS NOT NULL OR jobs.status = 'pending')",
            (now, *params),
        )

    async def reschedule(self, job_id: int, due_at: datetime, *, attempt: bool = False) -> None:
        """Move a job (back to pending) to a new time."""
        await self.db.execute(
            "UPDATE jobs SET status = 'pending', due_at = ?, done_at = NULL, claimed_at = NULL, "
            "attempts = attempts + ? WHERE id = ?",
            (to_iso(due_at), 1 if attempt else 0, job_id),
        )

    async def cancel(self, job_id: int) -> bool:
        """Cancel a pending job."""
        cursor = await self.db.execute(
            "UPDATE jobs SET status = 'cancelled', claimed_at = NULL "
            "WHERE id = ? AND status = 'pending'",
            (job_id,),
        )
        return cursor.rowcount == 1

    async def cancel_for(self, kind: str, ref: str) -> int:
        """Cancel every pending job of a kind for one ref; returns how many."""
        cursor = await self.db.execute(
            "UPDATE jobs SET status = 'cancelled', claimed_at = NULL "
            "WHERE kind = ? AND ref = ? AND status = 'pending'",
            (kind, ref),
        )
        return cursor.rowcount
