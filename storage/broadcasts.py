"""Broadcasts and their per-recipient deliveries; mutes of announcement kinds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.messages import Address
from storage.db import Database

KINDS = ("news", "training", "material", "urgent")
MUTABLE_KINDS = ("news", "training", "material")


@dataclass(frozen=True)
class Broadcast:
    """One announcement."""

    id: int
    author_id: int | None
    kind: str
    texts: dict[str, str]
    button_label: str | None
    button_url: str | None
    audience: dict
    status: str
    due_at: datetime | None
    total: int
    held_back: int
    progress_to: dict | None
    created_at: datetime
    file_id: int | None = None
    replies: bool = False  # a Reply button: answers reach the team as tickets
    paused_at: datetime | None = None  # set while a broadcast being sent is paused


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


_COLUMNS = (
    "id, author_id, kind, texts, button_label, button_url, audience, status, due_at, total, "
    "held_back, progress_to, created_at, file_id, replies, paused_at"
)


def _broadcast(row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        kind=row["kind"],
        texts=json.loads(row["texts"]),
        button_label=row["button_label"],
        button_url=row["button_url"],
        audience=json.loads(row["audience"]),
        status=row["status"],
        due_at=from_iso(row["due_at"]) if row["due_at"] else None,
        total=row["total"],
        held_back=row["held_back"],
        progress_to=json.loads(row["progress_to"]) if row["progress_to"] else None,
        created_at=from_iso(row["created_at"]),
        file_id=row["file_id"],
        replies=bool(row["replies"]),
        paused_at=from_iso(row["paused_at"]) if row["paused_at"] else None,
    )


class BroadcastsRepo:
    """Broadcast rows and their deliveries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        author_id: int,
        kind: str,
        texts: dict[str, str],
        audience: dict,
        *,
        button: tuple[str, str] | None = None,
        due_at: datetime | None = None,
        file_id: int | None = None,
        replies: bool = False,
    ) -> Broadcast:
        """Store a broadcast, scheduled for `due_at` (now when None)."""
        broadcast_id = await self.db.insert(
            "INSERT INTO broadcasts (author_id, kind, texts, button_label, button_url, audience, "
            "status, due_at, created_at, file_id, replies) "
            "VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)",
            (
                author_id,
                kind,
                json.dumps(texts, ensure_ascii=False),
                button[0] if button else None,
                button[1] if button else None,
                json.dumps(audience),
                to_iso(due_at) if due_at else self.db.now_iso(),
                self.db.now_iso(),
                file_id,
                int(replies),
            ),
        )
        return await self.get(broadcast_id)

    async def add_file(self, kind: str, name: str, mime: str, data: bytes) -> int:
        """Store an announcement's photo or document; returns its id."""
        return await self.db.insert(
            "INSERT INTO broadcast_files (kind, name, mime, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (kind, name, mime, data, self.db.now_iso()),
        )

    async def file(self, file_id: int) -> tuple[str, str, str, bytes] | None:
        """(kind, name, mime, data) of a stored file."""
        row = await self.db.fetchone(
            "SELECT kind, name, mime, data FROM broadcast_files WHERE id = ?", (file_id,)
        )
        return (row["kind"], row["name"], row["mime"], bytes(row["data"])) if row else None

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """A broadcast by id."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _broadcast(row) if row else None

    async def recent(self, limit: int = 10) -> list[Broadcast]:
        """Newest broadcasts first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_broadcast(r) for r in rows]

    async def with_status(self, status: str) -> list[Broadcast]:
        """Broadcasts in one state (e.g. 'sending' to resume at start)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY id", (status,)
        )
        return [_broadcast(r) for r in rows]

    async def start(self, broadcast_id: int, to_send: list[int], held: list[int]) -> bool:
        """scheduled -> sending, with one delivery row per recipient (held ones counted only)."""
        now = self.db.now_iso()
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ?, total = ?, "
                "held_back = ? WHERE id = ? AND status = 'scheduled'",
                (now, len(to_send), len(held), broadcast_id),
            )
            if cursor.rowcount != 1:
                return False
            await self.db.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (broadcast_id, person_id, status, updated_at) "
                "VALUES (?, ?, ?, ?)",
                [(broadcast_id, p, "pending", now) for p in to_send]
                + [(broadcast_id, p, "held", now) for p in held],
            )
        return True

    async def set_progress_to(self, broadcast_id: int, where: dict) -> None:
        """Remember the staff member's status message, to edit it as a progress bar."""
        await self.db.execute(
            "UPDATE broadcasts SET progress_to = ? WHERE id = ?", (json.dumps(where), broadcast_id)
        )

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

    async def finish(self, broadcast_id: int) -> bool:
        """sending -> done (not while paused)."""
        cursor = await self.db.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = ? "
            "WHERE id = ? AND status = 'sending' AND paused_at IS NULL",
            (self.db.now_iso(), broadcast_id),
        )
        return cursor.rowcount == 1

    async def pause(self, broadcast_id: int) -> bool:
        """Hold a broadcast being sent: its pending deliveries wait; False when not sending."""
        cursor = await self.db.execute(
            "UPDATE broadcasts SET paused_at = ? "
            "WHERE id = ? AND status = 'sending' AND paused_at IS NULL",
            (self.db.now_iso(), broadcast_id),
        )
        return cursor.rowcount == 1

    async def resume(self, broadcast_id: int) -> bool:
        """Go on sending a paused broadcast; False when it is not paused."""
        cursor = await self.db.execute(
            "UPDATE broadcasts SET paused_at = NULL "
            "WHERE id = ? AND status = 'sending' AND paused_at IS NOT NULL",
            (broadcast_id,),
        )
        return cursor.rowcount == 1

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop a scheduled or running broadcast: what is sent stays sent, the rest is not sent."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND status IN ('scheduled','sending')",
                (self.db.now_iso(), broadcast_id),
            )
            if cursor.rowcount != 1:
                return False
            await self.db.execute(
                "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? "
                "AND status = 'pending'",
                (broadcast_id,),
            )
        return True

    async def status(self, broadcast_id: int) -> str | None:
        """The broadcast's status."""
        return await self.db.scalar("SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,))


class MutesRepo:
    """Announcement kinds a person does not want."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def kinds(self, person_id: int) -> set[str]:
        """The kinds the person muted."""
        rows = await self.db.fetchall("SELECT kind FROM mutes WHERE person_id = ?", (person_id,))
        return {r["kind"] for r in rows}

    async def toggle(self, person_id: int, kind: str) -> bool:
        """Mute or unmute a kind; True when it is now muted."""
        if kind not in MUTABLE_KINDS:
            raise ValueError(f"kind {kind!r} cannot be muted")
        async with self.db.transaction():
            cursor = await self.db.execute(
                "DELETE FROM mutes WHERE person_id = ? AND kind = ?", (person_id, kind)
            )
            if cursor.rowcount:
                return False
            await self.db.execute(
                "INSERT INTO mutes (person_id, kind) VALUES (?, ?)", (person_id, kind)
            )
        return True

    async def muted_people(self, kind: str) -> set[int]:
        """Everyone who muted a kind."""
        rows = await self.db.fetchall("SELECT person_id FROM mutes WHERE kind = ?", (kind,))
        return {r["person_id"] for r in rows}


AUDIENCE_TYPES = ("all", "role", "cohort", "lang", "done", "notdone", "idle")


async def audience_of(db: Database, audience: dict, today: str) -> list[tuple[int, bool]]:
    """(person_id, paused) of every active person an audience means; `today` is YYYY-MM-DD."""
    kind, value = audience.get("type", "all"), audience.get("value")
    base = "SELECT id, paused FROM people WHERE status = 'active'"
    if kind == "all":
        rows = await db.fetchall(f"{base} ORDER BY id")
    elif kind in ("role", "lang"):
        column = {"role": "role", "lang": "language"}[kind]
        rows = await db.fetchall(f"{base} AND {column} = ? ORDER BY id", (value,))
    elif kind == "cohort":  # a cohort is a group of mentors: its expert and staff are not in it
        rows = await db.fetchall(f"{base} AND role = 'mentor' AND cohort = ? ORDER BY id", (value,))
    elif kind in ("done", "notdone"):
        negate = "NOT " if kind == "notdone" else ""
        rows = await db.fetchall(
            f"{base} AND role = 'mentor' AND {negate}EXISTS (SELECT 1 FROM section_completions c "
            "WHERE c.person_id = people.id AND c.section_id = ?) ORDER BY id",
            (value,),
        )
    elif kind == "idle":
        rows = await db.fetchall(
            f"{base} AND role = 'mentor' AND NOT EXISTS (SELECT 1 FROM workshops w "
            "WHERE w.mentor_id = people.id AND w.held_on >= date(?, ?)) ORDER BY id",
            (today, f"-{int(value)} days"),
        )
    else:
        raise ValueError(f"unknown audience {kind!r}")
    return [(r["id"], bool(r["paused"])) for r in rows]
