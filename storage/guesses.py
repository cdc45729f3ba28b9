"""Wrong codes (link codes, invite codes): limits per sender and overall, so codes cannot be guessed.

A sender is stored only as a hash of (messenger, sender id), and rows live one hour (the longest
window): enough to count, nothing to keep. Only wrong codes count toward the limits; a refusal is
noted once per window so that the audit gets one line per limit reached, not one per try.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from bot.clock import from_iso, to_iso
from storage.db import Database

PER_SENDER_WINDOW = timedelta(hours=1)
GLOBAL_WINDOW = timedelta(minutes=1)
_GLOBAL = "*"  # the sender of the overall limit's refusal notes


class GuessLimits(BaseModel):
    """How many wrong codes are allowed: per sender an hour, and from everyone together a minute."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    per_sender_per_hour: int = Field(5, ge=1, le=100)
    global_per_minute: int = Field(30, ge=1, le=10_000)


@dataclass(frozen=True)
class Verdict:
    """Whether a code may be tried now; if not, which limit and from when on it may."""

    allowed: bool
    limit: str | None = None  # "sender" | "global"
    retry_at: datetime | None = None
    first: bool = False  # the first refusal of this limit in its window: audit it


def sender_key(transport: str, sender_id: str) -> str:
    """How a sender is stored here: a hash, never the messenger id itself."""
    return hashlib.sha256(f"{transport}:{sender_id}".encode()).hexdigest()[:32]


class GuessesRepo:
    """Wrong code guesses of the last hour, by kind ("link", "invite")."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def check(self, kind: str, sender: str, now: datetime, limits: GuessLimits) -> Verdict:
        """May `sender` try a `kind` code now? A refusal is noted (once per window)."""
        since = to_iso(now - PER_SENDER_WINDOW)
        mine = await self.db.fetchall(
            "SELECT at FROM code_guesses WHERE sender = ? AND kind = ? AND outcome = 'wrong' "
            "AND at > ? ORDER BY at",
            (sender, kind, since),
        )
        if len(mine) >= limits.per_sender_per_hour:
            oldest = mine[-limits.per_sender_per_hour]["at"]
            retry_at = from_iso(oldest) + PER_SENDER_WINDOW
            return await self._refuse(kind, sender, "sender", now, retry_at, since)
        minute_ago = to_iso(now - GLOBAL_WINDOW)
        everyone = await self.db.fetchall(
            "SELECT at FROM code_guesses WHERE kind = ? AND outcome = 'wrong' AND at > ? "
            "ORDER BY at",
            (kind, minute_ago),
        )
        if len(everyone) >= limits.global_per_minute:
            oldest = everyone[-limits.global_per_minute]["at"]
            retry_at = from_iso(oldest) + GLOBAL_WINDOW
            return await self._refuse(kind, _GLOBAL, "global", now, retry_at, minute_ago)
        return Verdict(True)

    async def _refuse(
        self, kind: str, sender: str, limit: str, now: datetime, retry_at: datetime, since: str
    ) -> Verdict:
        async with self.db.transaction():
            noted = await self.db.scalar(
                "SELECT 1 FROM code_guesses WHERE sender = ? AND kind = ? AND outcome = 'refused' "
                "AND at > ? LIMIT 1",
                (sender, kind, since),
            )
            if not noted:
                await self.db.execute(
                    "INSERT INTO code_guesses (kind, sender, outcome, at) VALUES (?, ?, 'refused', ?)",
                    (kind, sender, to_iso(now)),
                )
        return Verdict(False, limit, max(retry_at, now + timedelta(seconds=1)), first=not noted)

    async def wrong(self, kind: str, sender: str, now: datetime) -> None:
        """Count one wrong code; rows older than the longest window go at the same time."""
        async with self.db.transaction():
            await self.db.execute(
                "DELETE FROM code_guesses WHERE kind = ? AND at <= ?",
                (kind, to_iso(now - PER_SENDER_WINDOW)),
            )
            await self.db.execute(
                "INSERT INTO code_guesses (kind, sender, outcome, at) VALUES (?, ?, 'wrong', ?)",
                (kind, sender, to_iso(now)),
            )

    async def purge(self, now: datetime) -> int:
        """Delete rows older than the longest window (the daily clean-up); returns how many."""
        cursor = await self.db.execute(
            "DELETE FROM code_guesses WHERE at <= ?", (to_iso(now - PER_SENDER_WINDOW),)
        )
        return cursor.rowcount

    async def forget_senders(self, senders: list[str]) -> None:
        """Delete every row of these senders (a person erased: their identities' hashes)."""
        for sender in senders:
            await self.db.execute("DELETE FROM code_guesses WHERE sender = ?", (sender,))
