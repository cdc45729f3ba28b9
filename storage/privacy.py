"""Everything stored about a person: export it, erase it, and delete old free text."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import to_iso
from storage.db import Database


def _rows(rows) -> list[dict]:
    return [dict(r) for r in rows]


class PrivacyRepo:
    """Export, erasure and retention across every table group."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, person_id: int) -> dict:
        """A JSON-ready dict of everything stored about the person."""
        db = self.db
        one = await db.fetchone(
            "SELECT id, display_name, role, cohort, language, timezone, status, consent_version, "
            "consented_at, paused, preferred_transport, created_at FROM people WHERE id = ?",
            (person_id,),
        )
        tickets = _rows(
            await db.fetchall(
                "SELECT id, topic, anonymous, urgent, source, status, created_at, closed_at "
                "FROM tickets WHERE mentor_id = ? ORDER BY id",
                (person_id,),
            )
        )
        for ticket in tickets:
            ticket["messages"] = _rows(
                await db.fetchall(
                    "SELECT author, text, created_at FROM ticket_messages WHERE ticket_id = ? "
                    "ORDER BY id",
                    (ticket["id"],),
                )
            )
        q = [
            (
                "identities",
                "SELECT transport, external_id, created_at FROM identities WHERE person_id = ?",
            ),
            (
                "bites_read",
                "SELECT bite_id, section_id, seen_at FROM bite_progress WHERE person_id = ?",
            ),
            (
                "sections_completed",
                "SELECT section_id, completed_at FROM section_completions WHERE person_id = ?",
            ),
            (
                "check_answers",
                "SELECT section_id, option_id, correct, answered_at FROM quiz_answers WHERE person_id = ?",
            ),
            (
                "section_feedback",
                "SELECT section_id, score, comment, answered_at FROM section_feedback WHERE person_id = ?",
            ),
            (
                "reminders",
                "SELECT rhythm, at_time, unanswered, last_sent_at FROM nudge_settings WHERE person_id = ?",
            ),
            (
                "reflections",
                "SELECT id, prompt_id, bite_id, text, shared, created_at FROM reflections WHERE person_id = ? ORDER BY id",
            ),
            (
                "workshops",
                "SELECT id, held_on, community, participants, themes, duration_min, co_facilitated, "
                "went_well, share_practice, was_hard, needs_support, created_at FROM workshops "
                "WHERE mentor_id = ? ORDER BY held_on",
            ),
            (
                "check_ins",
                "SELECT id, due_at, status, message, score, words, answered_at FROM checkins WHERE mentor_id = ? ORDER BY id",
            ),
            ("muted_announcements", "SELECT kind FROM mutes WHERE person_id = ?"),
            (
                "announcements_received",
                "SELECT broadcast_id, status, updated_at FROM deliveries WHERE person_id = ?",
            ),
            (
                "safety_notices",
                "SELECT category, about, created_at FROM safety_flags WHERE person_id = ?",
            ),
            ("own_actions", "SELECT at, action FROM audit_log WHERE actor_id = ? ORDER BY id"),
        ]
        data: dict = {"profile": dict(one) if one else None, "questions_to_experts": tickets}
        for key, sql in q:
            data[key] = _rows(await db.fetchall(sql, (person_id,)))
        return data

    async def erase(self, person_id: int) -> None:
        """Delete the person; keep workshop and feedback statistics as anonymous counts only."""
        db = self.db
        async with db.transaction():
            identities = await db.fetchall(
                "SELECT transport, chat_id FROM identities WHERE person_id = ?", (person_id,)
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

    async def purge_older_than(self, kind: str, days: int, now: datetime) -> int:
        """Delete one kind of free text older than `days`; returns how many rows changed."""
        cutoff = to_iso(now - timedelta(days=days))
        statements = {
            "reflections": ("DELETE FROM reflections WHERE created_at < ?", (cutoff,)),
            "ticket_texts": ("DELETE FROM ticket_messages WHERE created_at < ?", (cutoff,)),
            "checkin_words": (
                "UPDATE checkins SET words = NULL, message = NULL WHERE created_at < ? "
                "AND (words IS NOT NULL OR message IS NOT NULL)",
                (cutoff,),
            ),
            "workshop_notes": (
                "UPDATE workshops SET went_well = NULL, was_hard = NULL WHERE created_at < ? "
                "AND (went_well IS NOT NULL OR was_hard IS NOT NULL)",
                (cutoff,),
            ),
        }
        sql, params = statements[kind]
        cursor = await self.db.execute(sql, params)
        return cursor.rowcount
