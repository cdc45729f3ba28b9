"""Escalated questions: tickets, their messages, and where they were posted for experts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.messages import Address
from storage.db import Database

TOPICS = ("s1", "s2", "s3", "s4", "wellbeing", "community", "practical")
# Who wrote a message on a ticket: the mentor, an expert (an answer), the bot (a note such as the
# urgent-contact request after a crisis message), or an expert's internal note for the other experts.
AUTHORS = ("mentor", "expert", "bot", "note")
HELPFUL = ("yes", "partly", "no")  # the mentor's answer to "Was this helpful?"
# Staff's lists of tickets: every ticket not closed, the unclaimed ones, the urgent ones, and those
# unclaimed for longer than the reminder time (`cutoff`).
LISTINGS = {
    "open": "status != 'closed'",
    "unclaimed": "status = 'open'",
    "urgent": "status != 'closed' AND urgent = 1",
    "late": "status = 'open' AND created_at < ?",
}


@dataclass(frozen=True)
class Ticket:
    """One escalated question."""

    id: int
    mentor_id: int | None
    topic: str
    anonymous: bool
    urgent: bool
    source: str
    status: str
    expert_id: int | None
    claimed_at: datetime | None
    reminded: bool
    created_at: datetime
    updated_at: datetime
    helpful: str | None = None  # yes | partly | no, once the mentor said


@dataclass(frozen=True)
class TicketMessage:
    """A message on a ticket: the mentor's, an expert's answer, a bot note or an internal note."""

    author: str
    author_id: int | None
    text: str
    created_at: datetime


_COLUMNS = (
    "id, mentor_id, topic, anonymous, urgent, source, status, expert_id, claimed_at, reminded, "
    "created_at, updated_at, helpful"
)


def _ticket(row) -> Ticket:
    return Ticket(
        id=row["id"],
        mentor_id=row["mentor_id"],
        topic=row["topic"],
        anonymous=bool(row["anonymous"]),
        urgent=bool(row["urgent"]),
        source=row["source"],
        status=row["status"],
        expert_id=row["expert_id"],
        claimed_at=from_iso(row["claimed_at"]) if row["claimed_at"] else None,
        reminded=bool(row["reminded"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        helpful=row["helpful"],
    )


class TicketsRepo:
    """Tickets and their messages."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(
        self,
        mentor_id: int,
        topic: str,
        text: str,
        *,
        anonymous: bool = False,
        urgent: bool = False,
        source: str = "ask",
        first_author: str = "mentor",
    ) -> Ticket:
        """Create a ticket with its first message (the mentor's, or a note from the bot)."""
        now = self.db.now_iso()
        async with self.db.transaction():
            ticket_id = await self.db.insert(
                "INSERT INTO tickets (mentor_id, topic, anonymous, urgent, source, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (mentor_id, topic, int(anonymous), int(urgent), source, now, now),
            )
            author_id = mentor_id if first_author == "mentor" else None
            await self.add_message(ticket_id, first_author, author_id, text)
        return await self.get(ticket_id)

    async def get(self, ticket_id: int) -> Ticket | None:
        """A ticket by number."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(row) if row else None

    async def add_message(
        self, ticket_id: int, author: str, author_id: int | None, text: str
    ) -> None:
        """Append a message to a ticket."""
        if author not in AUTHORS:
            raise ValueError(f"unknown author {author!r}")
        await self.db.execute(
            "INSERT INTO ticket_messages (ticket_id, author, author_id, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (ticket_id, author, author_id, text, self.db.now_iso()),
        )

    async def messages(self, ticket_id: int) -> list[TicketMessage]:
        """A ticket's messages, oldest first."""
        rows = await self.db.fetchall(
            "SELECT author, author_id, text, created_at FROM ticket_messages WHERE ticket_id = ? "
            "ORDER BY id",
            (ticket_id,),
        )
        return [
            TicketMessage(r["author"], r["author_id"], r["text"], from_iso(r["created_at"]))
            for r in rows
        ]

    async def claim(self, ticket_id: int, expert_id: int) -> bool:
        """Claim an open ticket; exactly one expert wins a race."""
        now = self.db.now_iso()
        cursor = await self.db.execute(
            "UPDATE tickets SET status = 'claimed', expert_id = ?, claimed_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'open'",
            (expert_id, now, now, ticket_id),
        )
        return cursor.rowcount == 1

    async def set_status(self, ticket_id: int, status: str) -> None:
        """Move a ticket to answered, claimed (awaiting the expert again) or closed."""
        now = self.db.now_iso()
        closed = now if status == "closed" else None
        await self.db.execute(
            "UPDATE tickets SET status = ?, updated_at = ?, closed_at = COALESCE(?, closed_at) "
            "WHERE id = ?",
            (status, now, closed, ticket_id),
        )

    async def touch_claim(self, ticket_id: int) -> None:
        """Restart the claimed expert's answer clock (the mentor wrote again)."""
        await self.db.execute(
            "UPDATE tickets SET claimed_at = ?, updated_at = ? WHERE id = ?",
            (self.db.now_iso(), self.db.now_iso(), ticket_id),
        )

    async def release(self, ticket_id: int) -> bool:
        """Give a claimed, unanswered ticket back to everyone."""
        cursor = await self.db.execute(
            "UPDATE tickets SET status = 'open', expert_id = NULL, claimed_at = NULL, "
            "updated_at = ? WHERE id = ? AND status = 'claimed'",
            (self.db.now_iso(), ticket_id),
        )
        return cursor.rowcount == 1

    async def mark_reminded(self, ticket_id: int) -> bool:
        """Note that the unclaimed reminder went out; False when it already had."""
        cursor = await self.db.execute(
            "UPDATE tickets SET reminded = 1 WHERE id = ? AND reminded = 0", (ticket_id,)
        )
        return cursor.rowcount == 1

    async def not_closed(self) -> list[Ticket]:
        """Every ticket still open, claimed or answered, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE status != 'closed' ORDER BY urgent DESC, id"
        )
        return [_ticket(r) for r in rows]

    async def queue(self, expert_id: int) -> list[Ticket]:
        """An expert's queue: their claimed and answered tickets, then every open one."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE (expert_id = ? AND status IN "
            "('claimed','answered')) OR status = 'open' ORDER BY status = 'open', urgent DESC, id",
            (expert_id,),
        )
        return [_ticket(r) for r in rows]

    async def waiting_for(self, expert_id: int) -> int:
        """How many tickets wait for this expert: every unclaimed one and their own claimed ones."""
        return await self.db.scalar(
            "SELECT (SELECT COUNT(*) FROM tickets WHERE status = 'open') + "
            "(SELECT COUNT(*) FROM tickets WHERE expert_id = ? AND status = 'claimed')",
            (expert_id,),
        )

    async def listing(
        self, kind: str, cutoff: datetime, offset: int, limit: int
    ) -> tuple[list[Ticket], int]:
        """A page of one of staff's lists (LISTINGS), urgent first, then oldest; and its total."""
        where = LISTINGS[kind]
        values = (to_iso(cutoff),) if "?" in where else ()
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE {where} ORDER BY urgent DESC, id "
            "LIMIT ? OFFSET ?",
            (*values, limit, offset),
        )
        total = await self.db.scalar(f"SELECT COUNT(*) FROM tickets WHERE {where}", values)
        return [_ticket(r) for r in rows], total

    async def set_helpful(self, ticket_id: int, helpful: str) -> bool:
        """Keep the mentor's answer to "Was this helpful?" (only on a closed ticket)."""
        if helpful not in HELPFUL:
            raise ValueError(f"unknown answer {helpful!r}")
        cursor = await self.db.execute(
            "UPDATE tickets SET helpful = ? WHERE id = ? AND status = 'closed'",
            (helpful, ticket_id),
        )
        return cursor.rowcount == 1

    async def of_mentor(self, mentor_id: int) -> list[Ticket]:
        """A mentor's tickets, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE mentor_id = ? ORDER BY id DESC", (mentor_id,)
        )
        return [_ticket(r) for r in rows]

    async def add_post(self, ticket_id: int, address: Address, message_id: str) -> None:
        """Remember a message that shows a ticket to experts."""
        await self.db.execute(
            "INSERT OR REPLACE INTO ticket_posts (transport, chat_id, message_id, ticket_id, "
            "thread_id) VALUES (?, ?, ?, ?, ?)",
            (address.transport, address.chat_id, message_id, ticket_id, address.thread_id),
        )

    async def posts(self, ticket_id: int) -> list[tuple[Address, str]]:
        """Every message that shows a ticket to experts."""
        rows = await self.db.fetchall(
            "SELECT transport, chat_id, message_id, thread_id FROM ticket_posts WHERE ticket_id = ?",
            (ticket_id,),
        )
        return [
            (Address(r["transport"], r["chat_id"], r["thread_id"]), r["message_id"]) for r in rows
        ]

    async def ticket_of_post(self, transport: str, chat_id: str, message_id: str) -> int | None:
        """The ticket a message shows, if it is one of ours."""
        return await self.db.scalar(
            "SELECT ticket_id FROM ticket_posts WHERE transport = ? AND chat_id = ? AND message_id = ?",
            (transport, chat_id, message_id),
        )
