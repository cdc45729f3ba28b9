"""Everything stored about a person: export it, erase it, delete old free text; erasures kept.

The export is a list of parts, each naming the (table, column) pairs it covers. `person_columns`
finds every column that points to a person in the live schema (a foreign key to people(id), or a
name like person_id, mentor_id, author_id ...), and `uncovered` lists those no part covers: a test
requires it to be empty, so a new table with people's data cannot be left out of /mydata.

Erasures are also written to a small file next to the database (`<database>.erased`: the person's
id and when their row was created, nothing else). A restore replaces the database but not that
file, and `mentorbot restore` erases again everyone listed who is back in the restored copy.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import to_iso
from bot.messages import Address
from storage.db import Database
from storage.guesses import GuessesRepo, sender_key
from storage.safety import SafetyRepo

# Columns that point to a person by their name (a foreign key to people(id) always does).
PERSON_COLUMN = re.compile(
    r"^(person|mentor|expert|author|actor|owner|admin|staff|creator|reviewer|recipient|sender"
    r"|member|user)_id$|^created_by$"
)
TICKET_JOBS = ("ticket.remind", "ticket.release", "ticket.relay")


@dataclass(frozen=True)
class Part:
    """One part of the export: a query with the person's id for each `?`, and what it covers."""

    key: str
    sql: str
    covers: tuple[tuple[str, str], ...]
    json_columns: tuple[str, ...] = ()  # stored JSON, exported as data rather than as a string


PARTS: tuple[Part, ...] = (
    Part(
        "identities",
        "SELECT transport, external_id, chat_id, created_at FROM identities WHERE person_id = ?",
        (("identities", "person_id"),),
    ),
    Part(
        "bites_read",
        "SELECT bite_id, section_id, seen_at FROM bite_progress WHERE person_id = ?",
        (("bite_progress", "person_id"),),
    ),
    Part(
        "sections_completed",
        "SELECT section_id, completed_at FROM section_completions WHERE person_id = ?",
        (("section_completions", "person_id"),),
    ),
    Part(
        "check_answers",
        "SELECT section_id, option_id, correct, answered_at FROM quiz_answers WHERE person_id = ?",
        (("quiz_answers", "person_id"),),
    ),
    Part(
        "section_feedback",
        "SELECT section_id, score, comment, answered_at FROM section_feedback WHERE person_id = ?",
        (("section_feedback", "person_id"),),
    ),
    Part(
        "reminders",
        "SELECT rhythm, at_time, unanswered, last_sent_at FROM nudge_settings WHERE person_id = ?",
        (("nudge_settings", "person_id"),),
    ),
    Part(
        "reflections",
        "SELECT id, prompt_id, bite_id, section_id, text, shared, created_at FROM reflections "
        "WHERE person_id = ? ORDER BY id",
        (("reflections", "person_id"),),
    ),
    Part(
        "workshops",
        "SELECT id, held_on, cohort, community, participants, themes, duration_min, "
        "co_facilitated, went_well, share_practice, was_hard, needs_support, created_at, "
        "updated_at FROM workshops WHERE mentor_id = ? ORDER BY held_on",
        (("workshops", "mentor_id"),),
    ),
    Part(
        "workshop_draft",
        "SELECT data, updated_at FROM workshop_drafts WHERE person_id = ?",
        (("workshop_drafts", "person_id"),),
        ("data",),
    ),
    Part(
        "current_dialog",
        "SELECT step, data, updated_at FROM dialogs WHERE person_id = ?",
        (("dialogs", "person_id"),),
        ("data",),
    ),
    Part(
        "questions_to_experts",
        "SELECT id, topic, anonymous, urgent, source, status, created_at, closed_at "
        "FROM tickets WHERE mentor_id = ? ORDER BY id",
        (("tickets", "mentor_id"), ("ticket_messages", "author_id")),
    ),
    Part(
        "answers_given",
        "SELECT ticket_id, text, created_at FROM ticket_messages WHERE author_id = ? "
        "AND author = 'expert' ORDER BY id",
        (("ticket_messages", "author_id"),),
    ),
    Part(
        "questions_taken",
        "SELECT id, topic, status, claimed_at, created_at, closed_at FROM tickets "
        "WHERE expert_id = ? ORDER BY id",
        (("tickets", "expert_id"),),
    ),
    Part(
        "check_ins",
        "SELECT id, due_at, status, message, score, words, answered_at FROM checkins "
        "WHERE mentor_id = ? ORDER BY id",
        (("checkins", "mentor_id"),),
    ),
    Part(
        "check_ins_scheduled",
        "SELECT id, due_at, status, message, created_at FROM checkins WHERE expert_id = ? "
        "ORDER BY id",
        (("checkins", "expert_id"),),
    ),
    Part(
        "announcements_written",
        "SELECT id, kind, texts, button_label, button_url, status, due_at, created_at "
        "FROM broadcasts WHERE author_id = ? ORDER BY id",
        (("broadcasts", "author_id"),),
        ("texts",),
    ),
    Part(
        "announcements_received",
        "SELECT broadcast_id, status, updated_at FROM deliveries WHERE person_id = ?",
        (("deliveries", "person_id"),),
    ),
    Part(
        "muted_announcements",
        "SELECT kind FROM mutes WHERE person_id = ?",
        (("mutes", "person_id"),),
    ),
    Part(
        "safety_notices",
        "SELECT category, tier, about, full_help, held, created_at FROM safety_flags "
        "WHERE person_id = ? ORDER BY id",
        (("safety_flags", "person_id"),),
        ("held",),
    ),
    Part(
        "link_codes",
        "SELECT shown_on, expires_at, claimed_at, claim_transport FROM link_codes "
        "WHERE person_id = ?",
        (("link_codes", "person_id"),),
    ),
    Part(
        "invites_created",
        "SELECT role, cohort, max_uses, uses, expires_at, revoked_at, created_at FROM invites "
        "WHERE created_by = ? ORDER BY id",
        (("invites", "created_by"),),
    ),
    Part(
        "own_actions",
        "SELECT at, action, detail FROM audit_log WHERE actor_id = ? ORDER BY id",
        (("audit_log", "actor_id"),),
        ("detail",),
    ),
    Part(
        "comments_on_reflections",
        "SELECT reflection_id, author, text, created_at FROM reflection_comments "
        "WHERE author_id = ? OR reflection_id IN (SELECT id FROM reflections WHERE person_id = ?) "
        "ORDER BY id",
        (("reflection_comments", "author_id"),),
    ),
    Part(
        "web_console_sign_in_links",
        "SELECT created_at, expires_at, used_at FROM web_links WHERE person_id = ? "
        "ORDER BY created_at",
        (("web_links", "person_id"),),
    ),
    Part(
        "web_console_sessions",
        "SELECT created_at, expires_at FROM web_sessions WHERE person_id = ? ORDER BY id",
        (("web_sessions", "person_id"),),
    ),
    Part(
        "messages_kept_for_after_a_form",
        "SELECT kind, ref, text, created_at FROM held_prompts WHERE person_id = ? ORDER BY id",
        (("held_prompts", "person_id"),),
    ),
    Part(
        "messages_waiting_for_you",
        "SELECT transport, status, attempts, error, created_at, payload FROM outbox "
        "WHERE person_id = ? ORDER BY id",
        (("outbox", "person_id"),),
        ("payload",),
    ),
    Part(
        "actions_about_you",
        "SELECT at, action, detail FROM audit_log WHERE subject = CAST(? AS TEXT) "
        "AND action LIKE 'person.%' ORDER BY id",
        (),
        ("detail",),
    ),
)


@dataclass
class Erasure:
    """What erasing left to do outside the database: posts to edit, experts' tickets to redraw."""

    found: bool = False
    posts: list[tuple[Address, str]] = field(default_factory=list)  # the person's questions
    answered: list[int] = field(default_factory=list)  # tickets the person took as an expert


def _rows(rows, json_columns: tuple[str, ...] = ()) -> list[dict]:
    out = []
    for row in rows:
        item = dict(row)
        for column in json_columns:
            if isinstance(item.get(column), str):
                try:
                    item[column] = json.loads(item[column])
                except ValueError:
                    pass
        out.append(item)
    return out


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


class PrivacyRepo:
    """Export, erasure and retention across every table group."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, person_id: int) -> dict:
        """A JSON-ready dict of everything stored about the person."""
        db = self.db
        one = await db.fetchone(
            "SELECT id, display_name, role, cohort, language, timezone, status, consent_version, "
            "consented_at, paused, preferred_transport, created_at, last_seen_at FROM people "
            "WHERE id = ?",
            (person_id,),
        )
        data: dict = {"profile": dict(one) if one else None}
        for part in PARTS:
            rows = await db.fetchall(part.sql, (person_id,) * part.sql.count("?"))
            data[part.key] = _rows(rows, part.json_columns)
        for ticket in data["questions_to_experts"]:
            ticket["messages"] = _rows(
                await db.fetchall(
                    "SELECT author, text, created_at FROM ticket_messages WHERE ticket_id = ? "
                    "ORDER BY id",
                    (ticket["id"],),
                )
            )
        return data

    async def person_columns(self) -> set[tuple[str, str]]:
        """Every (table, column) of the schema that points to a person."""
        found: set[tuple[str, str]] = set()
        tables = await self.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in tables:
            if table == "people":
                continue
            for key in await self.db.fetchall(f"PRAGMA foreign_key_list({table})"):
                if key["table"] == "people":
                    found.add((table, key["from"]))
            for column in await self.db.fetchall(f"PRAGMA table_info({table})"):
                if PERSON_COLUMN.match(column["name"]):
                    found.add((table, column["name"]))
        return found

    async def uncovered(self) -> list[str]:
        """Columns pointing to a person that no part of the export covers ("table.column")."""
        covered = {pair for part in PARTS for pair in part.covers}
        return sorted(f"{t}.{c}" for t, c in await self.person_columns() - covered)

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

    async def purge_older_than(self, kind: str, days: int, now: datetime) -> int:
        """Delete one kind of free text older than `days`; returns how many rows changed."""
        cutoff = to_iso(now - timedelta(days=days))
        if kind == "held_replies":
            return await self.db.repo(SafetyRepo).clear_held_before(now - timedelta(days=days))
        statements = {
            "reflections": [("DELETE FROM reflections WHERE created_at < ?", (cutoff,))],
            "ticket_texts": [("DELETE FROM ticket_messages WHERE created_at < ?", (cutoff,))],
            "checkin_words": [
                (
                    "UPDATE checkins SET words = NULL, message = NULL WHERE created_at < ? "
                    "AND (words IS NOT NULL OR message IS NOT NULL)",
                    (cutoff,),
                )
            ],
            "workshop_notes": [
                (
                    "UPDATE workshops SET went_well = NULL, was_hard = NULL WHERE created_at < ? "
                    "AND (went_well IS NOT NULL OR was_hard IS NOT NULL)",
                    (cutoff,),
                )
            ],
            # Forms left half-way, and whatever was typed into any dialog step; people still
            # onboarding keep their place (those steps hold no text).
            "unfinished": [
                ("DELETE FROM workshop_drafts WHERE updated_at < ?", (cutoff,)),
                (
                    "DELETE FROM dialogs WHERE updated_at < ? AND step NOT LIKE 'onb.%'",
                    (cutoff,),
                ),
            ],
            "feedback_comments": [
                (
                    "UPDATE section_feedback SET comment = NULL WHERE answered_at < ? "
                    "AND comment IS NOT NULL",
                    (cutoff,),
                )
            ],
        }
        changed = 0
        async with self.db.transaction():
            for sql, params in statements[kind]:
                changed += (await self.db.execute(sql, params)).rowcount
        return changed
