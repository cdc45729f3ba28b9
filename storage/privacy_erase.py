"""Erasure: delete a person, keep anonymous counts; tombstones re-erase them after a restore."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.messages import Address
from storage.db import Database
from storage.guesses import GuessesRepo, sender_key

TICKET_JOBS = ("ticket.remind", "ticket.release", "ticket.relay")


@dataclass
class Erasure:
    """What erasing left to do outside the database: posts to edit, experts' tickets to redraw."""

    found: bool = False
    posts: list[tuple[Address, str]] = field(default_factory=list)  # the person's questions
    answered: list[int] = field(default_factory=list)  # tickets the person took as an expert


class Tombstones:
    """Erased people in a file next to the database (a restore replaces the database, not this)."""

    def __init__(self, db_path: Path | str) -> None:
        path = Path(db_path)
        self.path = None if str(db_path) == ":memory:" else path.with_name(path.name + ".erased")

    def add(self, person_id: int, created_at: str, erased_at: str) -> None:
        """Note one erasure (appended and flushed to disk before the rows go)."""
        if self.path is None:
            return
        line = json.dumps({"person": person_id, "created": created_at, "erased": erased_at})
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[dict]:
        """Every erasure noted (a damaged line is skipped)."""
        if self.path is None or not self.path.exists():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("person"), int):
                entries.append(entry)
        return entries


class PrivacyErase:
    """Erase a person, and erase again after a restore (part of PrivacyRepo)."""

    db: Database

    async def erase(self, person_id: int, *, note: bool = True) -> Erasure:
        """Delete the person; keep workshop and feedback statistics as anonymous counts only.

        With `note`, the erasure is first written to the tombstone file (see the module's text).
        Returns the posts of the person's questions in experts' chats (already forgotten here; the
        caller edits them) and the tickets the person had taken as an expert.
        """
        db = self.db
        created = await db.scalar("SELECT created_at FROM people WHERE id = ?", (person_id,))
        if created is None:
            return Erasure()
        if note:
            Tombstones(db.path).add(person_id, created, db.now_iso())
        erasure = Erasure(found=True)
        async with db.transaction():
            await self._forget_chats(person_id)
            erasure.posts = await self._close_questions(person_id)
            erasure.answered = [
                r["id"]
                for r in await db.fetchall(
                    "SELECT id FROM tickets WHERE expert_id = ? ORDER BY id", (person_id,)
                )
            ]
            # Questions the person had claimed but not answered go back to every expert.
            await db.execute(
                "UPDATE tickets SET status = 'open', expert_id = NULL, claimed_at = NULL, "
                "updated_at = ? WHERE expert_id = ? AND status = 'claimed'",
                (db.now_iso(), person_id),
            )
            await db.execute(
                "DELETE FROM ticket_messages WHERE author_id = ? OR ticket_id IN "
                "(SELECT id FROM tickets WHERE mentor_id = ?)",
                (person_id, person_id),
            )
            await db.execute(
                "UPDATE workshops SET community = '', went_well = NULL, was_hard = NULL, "
                "share_practice = 0 WHERE mentor_id = ?",
                (person_id,),
            )
            await db.execute(
                "UPDATE section_feedback SET comment = NULL WHERE person_id = ?", (person_id,)
            )
            await db.execute(
                "UPDATE broadcasts SET progress_to = NULL WHERE author_id = ?", (person_id,)
            )
            await db.execute(
                "DELETE FROM jobs WHERE (kind = 'nudge' AND ref = ?) OR (kind LIKE 'checkin%' AND "
                "ref IN (SELECT CAST(id AS TEXT) FROM checkins WHERE mentor_id = ?))",
                (str(person_id), person_id),
            )
            await db.execute(
                "UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (person_id,)
            )
            await db.execute(
                "UPDATE audit_log SET subject = NULL WHERE subject = ? AND action LIKE 'person.%'",
                (str(person_id),),
            )
            # people: cascades to identities, dialogs, progress, journal, nudges, drafts, links,
            # mutes, deliveries, check-ins and safety flags; sets workshops, tickets, feedback to NULL.
            await db.execute("DELETE FROM people WHERE id = ?", (person_id,))
            await db.execute(
                "INSERT INTO audit_log (at, actor_id, action, subject, detail) "
                "VALUES (?, NULL, 'person.erased', NULL, '{}')",
                (db.now_iso(),),
            )
        return erasure

    async def _forget_chats(self, person_id: int) -> None:
        """Numbered choices pending in the person's chats, ticket posts there, wrong-code counts."""
        db = self.db
        identities = await db.fetchall(
            "SELECT transport, external_id, chat_id FROM identities WHERE person_id = ?",
            (person_id,),
        )
        for ident in identities:
            await db.execute(
                "DELETE FROM pending_choices WHERE transport = ? AND chat_id = ?",
                (ident["transport"], ident["chat_id"]),
            )
            await db.execute(
                "DELETE FROM ticket_posts WHERE transport = ? AND chat_id = ?",
                (ident["transport"], ident["chat_id"]),
            )
        await db.repo(GuessesRepo).forget_senders(
            [sender_key(i["transport"], i["external_id"]) for i in identities]
        )

    async def _close_questions(self, person_id: int) -> list[tuple[Address, str]]:
        """Close the person's questions, cancel their timers; return (and forget) their posts."""
        db = self.db
        posts = await db.fetchall(
            "SELECT p.transport, p.chat_id, p.thread_id, p.message_id FROM tickets t "
            "JOIN ticket_posts p ON p.ticket_id = t.id WHERE t.mentor_id = ? ORDER BY t.id",
            (person_id,),
        )
        await db.execute(
            "DELETE FROM ticket_posts WHERE ticket_id IN (SELECT id FROM tickets WHERE mentor_id = ?)",
            (person_id,),
        )
        marks = ", ".join("?" * len(TICKET_JOBS))
        await db.execute(
            f"DELETE FROM jobs WHERE kind IN ({marks}) AND status = 'pending' AND ref IN "
            "(SELECT CAST(id AS TEXT) FROM tickets WHERE mentor_id = ?)",
            (*TICKET_JOBS, person_id),
        )
        now = db.now_iso()
        await db.execute(
            "UPDATE tickets SET status = 'closed', closed_at = ?, updated_at = ? "
            "WHERE mentor_id = ? AND status != 'closed'",
            (now, now, person_id),
        )
        return [
            (Address(r["transport"], r["chat_id"], r["thread_id"]), r["message_id"]) for r in posts
        ]

    async def reapply_erasures(self) -> int:
        """Erase again everyone in the tombstone file who is back (a restored backup); how many."""
        again = 0
        for entry in Tombstones(self.db.path).read():
            same = await self.db.scalar(
                "SELECT 1 FROM people WHERE id = ? AND created_at = ?",
                (entry["person"], entry.get("created")),
            )
            if same:
                await self.erase(entry["person"], note=False)
                again += 1
        return again
