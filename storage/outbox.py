"""The outbox: messages waiting to be delivered, per chat in order (bot/messenger.py delivers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.messages import Address
from storage.db import Database


@dataclass(frozen=True)
class Queued:
    """One message waiting in the outbox."""

    id: int
    address: Address
    person_id: int | None
    payload: str
    purpose: str | None
    attempts: int
    next_at: datetime
    created_at: datetime


_COLUMNS = (
    "id, transport, chat_id, thread_id, person_id, payload, purpose, attempts, next_at, created_at"
)


def _queued(row) -> Queued:
    return Queued(
        row["id"],
        Address(row["transport"], row["chat_id"], row["thread_id"]),
        row["person_id"],
        row["payload"],
        row["purpose"],
        row["attempts"],
        from_iso(row["next_at"]),
        from_iso(row["created_at"]),
    )


class OutboxRepo:
    """Rows of outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        to: Address,
        payload: str,
        *,
        person_id: int | None = None,
        purpose: str | None = None,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Queue a message; None when one with the same dedupe key was queued before."""
        return (await self.add_many([(to, payload, person_id, purpose, dedupe_key)]))[0]

    async def add_many(
        self, rows: list[tuple[Address, str, int | None, str | None, str | None]]
    ) -> list[int | None]:
        """Queue several messages (address, payload, person_id, purpose, dedupe_key) with one
        statement; per row its new id, or None when one with its dedupe key was queued before."""
        if not rows:
            return []
        now = self.db.now_iso()
        marks = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in rows)
        params: list = []
        for to, payload, person_id, purpose, dedupe_key in rows:
            params += [
                person_id,
                to.transport,
                to.chat_id,
                to.thread_id,
                payload,
                purpose,
                dedupe_key,
                now,
                now,
            ]
        found = await self.db.fetchall_write(
            "INSERT OR IGNORE INTO outbox (person_id, transport, chat_id, thread_id, payload, "
            f"purpose, dedupe_key, next_at, created_at) VALUES {marks} RETURNING id, dedupe_key",
            params,
        )
        kept = {r["dedupe_key"] for r in found if r["dedupe_key"] is not None}
        ids = iter(sorted(r["id"] for r in found))  # ids grow in the order rows were inserted
        result: list[int | None] = []
        for *_, dedupe_key in rows:
            if dedupe_key is not None:
                if dedupe_key not in kept:
                    result.append(None)  # queued before (or earlier in these rows)
                    continue
                kept.discard(dedupe_key)
            result.append(next(ids))
        return result

    async def add_replies(
        self, rows: list[tuple[Address, str, int | None]], update: tuple[str, str] | None
    ) -> list[int]:
        """Queue an update's replies (address, payload, person_id) with one statement, which also
        records the update as handled (`update`: transport, update id; a trigger writes it).
        Returns the new ids in the order of `rows`."""
        now = self.db.now_iso()
        key = update[1] if update is not None else None
        marks = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in rows)
        params: list = []
        for to, payload, person_id in rows:
            params += [person_id, to.transport, to.chat_id, to.thread_id, payload, now, now, key]
        found = await self.db.fetchall_write(
            "INSERT INTO outbox (person_id, transport, chat_id, thread_id, payload, next_at, "
            f"created_at, update_key) VALUES {marks} RETURNING id",
            params,
        )
        return sorted(r["id"] for r in found)  # ids grow in the order the rows were inserted

    async def pending_chats(self) -> set[tuple[str, str]]:
        """Chats with a message waiting (at start: their next messages keep the order)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT transport, chat_id FROM outbox WHERE status = 'pending'"
        )
        return {(r["transport"], r["chat_id"]) for r in rows}

    async def pending_for(self, to: Address, limit: int = 50) -> list[Queued]:
        """The chat's waiting messages, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE transport = ? AND chat_id = ? "
            "AND status = 'pending' ORDER BY id LIMIT ?",
            (to.transport, to.chat_id, limit),
        )
        return [_queued(r) for r in rows]

    async def due_chats(self, now: datetime, limit: int = 500) -> list[Address]:
        """Chats with a message whose next try is due."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT transport, chat_id FROM outbox WHERE status = 'pending' "
            "AND next_at <= ? LIMIT ?",
            (to_iso(now), limit),
        )
        return [Address(r["transport"], r["chat_id"]) for r in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest waiting message is due."""
        value = await self.db.scalar("SELECT MIN(next_at) FROM outbox WHERE status = 'pending'")
        return from_iso(value) if value else None

    async def due_now(self, transport: str) -> int:
        """Every waiting message of a messenger may be tried now (it is back); returns how many."""
        cursor = await self.db.execute(
            "UPDATE outbox SET next_at = ? WHERE status = 'pending' AND transport = ?",
            (self.db.now_iso(), transport),
        )
        return cursor.rowcount

    async def delivered(self, outbox_id: int) -> None:
        """Delivered: the row (and its text) is gone."""
        await self.db.execute("DELETE FROM outbox WHERE id = ?", (outbox_id,))

    async def delivered_many(self, outbox_ids: list[int]) -> None:
        """Delivered, several at once: one statement."""
        marks = ",".join("?" for _ in outbox_ids)
        await self.db.execute(f"DELETE FROM outbox WHERE id IN ({marks})", outbox_ids)

    async def retry_at(self, outbox_id: int, when: datetime, error: str | None) -> None:
        """A try failed for now: try again at `when`."""
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_at = ?, error = ? WHERE id = ?",
            (to_iso(when), (error or "")[:200], outbox_id),
        )

    async def give_up(self, outbox_id: int, status: str, error: str | None) -> None:
        """Blocked or failed for good: keep who and when, not the text."""
        await self.db.execute(
            "UPDATE outbox SET status = ?, payload = NULL, error = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            (status, (error or "")[:200], outbox_id),
        )

    async def problems_since(self, since: datetime) -> list[dict]:
        """Messages given up since `since`, per person: (person_id, status, count, last)."""
        rows = await self.db.fetchall(
            "SELECT person_id, transport, status, COUNT(*) AS count, MAX(created_at) AS last "
            "FROM outbox WHERE status != 'pending' AND created_at >= ? "
            "GROUP BY person_id, transport, status ORDER BY last DESC",
            (to_iso(since),),
        )
        return [dict(r) for r in rows]

    async def waiting(self) -> int:
        """How many messages wait to be delivered."""
        return await self.db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") or 0

    async def file_paths(self) -> set[str]:
        """Paths of the files that messages still in the outbox will send (attachments on disk)."""
        rows = await self.db.fetchall(
            "SELECT json_extract(payload, '$.file[4]') AS path FROM outbox"
            " WHERE payload IS NOT NULL AND json_extract(payload, '$.file[4]') IS NOT NULL"
        )
        return {r["path"] for r in rows}

    async def forget_problems_before(self, before: datetime) -> int:
        """Retention: given-up rows older than `before` are deleted; returns how many."""
        cursor = await self.db.execute(
            "DELETE FROM outbox WHERE status != 'pending' AND created_at < ?", (to_iso(before),)
        )
        return cursor.rowcount
