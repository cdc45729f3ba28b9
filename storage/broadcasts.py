"""Broadcasts and their files (their per-recipient deliveries: broadcast_deliveries.py); mutes of
announcement kinds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from storage.broadcast_deliveries import Counts, Target  # noqa: F401 - importable from here
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
    """Broadcast rows and their files; the delivery rows' own queries: DeliveriesRepo."""

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
