"""The /mydata export: its parts, and the check that every column about a person is covered."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from storage.db import Database

# Columns that point to a person by their name (a foreign key to people(id) always does).
PERSON_COLUMN = re.compile(
    r"^(person|mentor|expert|author|actor|owner|admin|staff|creator|reviewer|recipient|sender"
    r"|member|user)_id$|^created_by$"
)


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


class PrivacyExport:
    """Export everything stored about a person (part of PrivacyRepo)."""

    db: Database

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
