"""Deliveries of broadcasts, one row per recipient (pending -> sending -> sent | blocked | failed,
or held / cancelled): the fan-out's queries. BroadcastsRepo.start adds the rows and .cancel
cancels the pending ones, each in one transaction with the broadcast's own change."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Address
from storage.db import Database


@dataclass(frozen=True)
class Target:
    """Where a recipient gets an announcement, in which language; `touched`: their dialog's
    last change (stored form), None without a dialog."""

    address: Address
    lang: str
    touched: str | None


@dataclass(frozen=True)
class Counts:
    """Delivery states of one broadcast."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        """Deliveries that reached an end state (sent, blocked or failed)."""
        return self.sent + self.blocked + self.failed

    @property
    def to_send(self) -> int:
        """Deliveries meant to go out (everything but held back)."""
        return self.pending + self.sending + self.done + self.cancelled


class DeliveriesRepo:
    """The per-recipient delivery rows of broadcasts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, broadcast_id: int, limit: int) -> list[tuple[int, int]]:
        """Take up to `limit` pending deliveries (pending -> sending); (person_id, attempts)."""
        rows = await self.db.fetchall_write(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ? "
            "WHERE broadcast_id = ? AND person_id IN (SELECT person_id FROM deliveries "
            "WHERE broadcast_id = ? AND status = 'pending' LIMIT ?) "
            "RETURNING person_id, attempts",
            (self.db.now_iso(), broadcast_id, broadcast_id, limit),
        )
        return [(r["person_id"], r["attempts"]) for r in rows]

    async def targets(self, person_ids: list[int], running: dict) -> dict[int, Target]:
        """Where each person gets bot-started messages (preferred running messenger), their
        language and when their dialog was last touched: one query for a whole batch."""
        if not person_ids:
            return {}
        marks = ",".join("?" for _ in person_ids)
        rows = await self.db.fetchall(
            "SELECT p.id, p.language, p.preferred_transport, i.transport, i.chat_id, "
            "d.updated_at AS touched FROM people p JOIN identities i ON i.person_id = p.id "
            f"LEFT JOIN dialogs d ON d.person_id = p.id WHERE p.id IN ({marks}) "
            "ORDER BY p.id, i.created_at, i.transport",
            person_ids,
        )
        found: dict[int, Target] = {}
        for row in rows:
            if row["transport"] not in running:
                continue
            pid = row["id"]
            preferred = row["transport"] == row["preferred_transport"]
            if pid not in found or preferred:
                address = Address(row["transport"], row["chat_id"])
                found[pid] = Target(address, row["language"], row["touched"])
        return found

    async def outcome(
        self,
        broadcast_id: int,
        person_id: int,
        status: str,
        attempts: int,
        message_id: str | None,
        error: str | None,
    ) -> None:
        """Store one delivery's outcome: one statement (its own transaction)."""
        await self.db.execute(
            "UPDATE deliveries SET status = ?, attempts = ?, message_id = ?, error = ?, "
            "updated_at = ? WHERE broadcast_id = ? AND person_id = ?",
            (status, attempts, message_id, error, self.db.now_iso(), broadcast_id, person_id),
        )

    async def outcomes(self, rows: list[tuple[int, int, str, int, str | None, str | None]]) -> None:
        """Store many deliveries' outcomes (broadcast_id, person_id, status, attempts,
        message_id, error) in ONE statement: atomic, one trip to the database thread."""
        if not rows:
            return
        values = ",".join("(?,?,?,?,?,?)" for _ in rows)
        await self.db.execute(
            f"WITH v(broadcast_id, person_id, status, attempts, message_id, error) AS "
            f"(VALUES {values}) "
            "UPDATE deliveries SET status = v.status, attempts = v.attempts, "
            "message_id = v.message_id, error = v.error, updated_at = ? FROM v "
            "WHERE deliveries.broadcast_id = v.broadcast_id "
            "AND deliveries.person_id = v.person_id",
            [value for row in rows for value in row] + [self.db.now_iso()],
        )

    async def record(
        self,
        broadcast_id: int,
        outcomes: list[tuple[int, str, str | None, str | None]],
    ) -> None:
        """Store outcomes (person_id, status, message_id, error) in one transaction."""
        now = self.db.now_iso()
        async with self.db.transaction():
            await self.db.conn.executemany(
                "UPDATE deliveries SET status = ?, message_id = ?, error = ?, updated_at = ? "
                "WHERE broadcast_id = ? AND person_id = ?",
                [(status, mid, err, now, broadcast_id, pid) for pid, status, mid, err in outcomes],
            )

    async def retry_later(self, broadcast_id: int, person_id: int) -> None:
        """Give a delivery back to the queue (rate limited or a network error)."""
        await self.db.execute(
            "UPDATE deliveries SET status = 'pending', updated_at = ? "
            "WHERE broadcast_id = ? AND person_id = ?",
            (self.db.now_iso(), broadcast_id, person_id),
        )

    async def recover(self, broadcast_id: int) -> int:
        """After a crash: deliveries that were in flight go back to pending."""
        cursor = await self.db.execute(
            "UPDATE deliveries SET status = 'pending' WHERE broadcast_id = ? AND status = 'sending'",
            (broadcast_id,),
        )
        return cursor.rowcount

    async def counts(self, broadcast_id: int) -> Counts:
        """How many deliveries are in each state."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,),
        )
        return Counts(**{r["status"]: r["n"] for r in rows})
