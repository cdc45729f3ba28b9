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

from datetime import datetime, timedelta

from bot.clock import to_iso
from storage.db import Database
from storage.privacy_erase import TICKET_JOBS, Erasure, PrivacyErase, Tombstones
from storage.privacy_export import PARTS, PERSON_COLUMN, Part, PrivacyExport
from storage.safety import SafetyRepo

__all__ = [
    "PARTS",
    "PERSON_COLUMN",
    "TICKET_JOBS",
    "Erasure",
    "Part",
    "PrivacyRepo",
    "Tombstones",
]


class PrivacyRepo(PrivacyExport, PrivacyErase):
    """Export, erasure and retention across every table group."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
