"""Link codes: a person is shown a code on one messenger, sends it from another, and says yes.

A code has 60 bits of randomness (12 characters of a 32-letter alphabet without 0/O and 1/I, shown
in three groups: ABCD-EFGH-JKLM) and is stored hashed. It is bound to its owner and to the
messenger it was shown on (it works only from another one), lives minutes, is used once, and only
the owner's latest code counts. Sending it does not join anything yet: it claims the code for the
sending account, and the owner confirms on the messenger where they saw the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import from_iso, to_iso
from storage.db import Database
from storage.invites import hash_code, new_code, normalise

CODE_LENGTH = 12  # 12 x 5 bits = 60 bits
GROUP = 4
ALPHABET = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


@dataclass(frozen=True)
class Claim:
    """A code sent from another messenger, waiting for the owner's yes."""

    id: int
    person_id: int
    shown_on: str
    transport: str
    sender_id: str
    chat_id: str
    expires_at: datetime


def well_formed(code: str) -> bool:
    """True when `code` (any case, spaces and dashes ignored) looks like a link code."""
    plain = normalise(code)
    return len(plain) == CODE_LENGTH and set(plain) <= ALPHABET


def grouped(code: str) -> str:
    """A code as shown: ABCD-EFGH-JKLM."""
    plain = normalise(code)
    return "-".join(plain[i : i + GROUP] for i in range(0, len(plain), GROUP))


class LinkCodesRepo:
    """One live link code per person, and its claim."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, person_id: int, shown_on: str, now: datetime, valid: timedelta) -> str:
        """A new code for the person, shown on `shown_on` (an older code or claim is dropped)."""
        code = new_code(CODE_LENGTH)
        async with self.db.transaction():
            await self.purge_expired(now)
            await self.db.execute("DELETE FROM link_codes WHERE person_id = ?", (person_id,))
            await self.db.execute(
                "INSERT INTO link_codes (code_hash, person_id, shown_on, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (hash_code(code), person_id, shown_on, to_iso(now + valid)),
            )
        return grouped(code)

    async def claim(
        self,
        code: str,
        *,
        transport: str,
        sender_id: str,
        chat_id: str,
        now: datetime,
        valid: timedelta,
    ) -> tuple[Claim | None, str]:
        """Claim a live code for the sending account: (claim, "ok") or (None, reason).

        Reasons: "unknown" (no such live code), "used" (claimed already), "same_messenger" (sent
        on the messenger it was shown on: the code no longer works). A claim waits `valid` for the
        owner's answer.
        """
        async with self.db.transaction():
            await self.purge_expired(now)
            row = await self.db.fetchone(
                "SELECT id, person_id, shown_on, claimed_at FROM link_codes WHERE code_hash = ?",
                (hash_code(code),),
            )
            if row is None:
                return None, "unknown"
            if row["claimed_at"] is not None:
                return None, "used"
            if row["shown_on"] == transport:
                # Another account on the owner's own messenger holds the code: it is burnt.
                await self.db.execute("DELETE FROM link_codes WHERE id = ?", (row["id"],))
                return None, "same_messenger"
            expires = now + valid
            await self.db.execute(
                "UPDATE link_codes SET claimed_at = ?, claim_transport = ?, claim_sender = ?, "
                "claim_chat = ?, expires_at = ? WHERE id = ?",
                (to_iso(now), transport, sender_id, chat_id, to_iso(expires), row["id"]),
            )
        claim = Claim(
            row["id"], row["person_id"], row["shown_on"], transport, sender_id, chat_id, expires
        )
        return claim, "ok"

    async def take_claim(self, claim_id: int, person_id: int, now: datetime) -> Claim | None:
        """The person's live claim `claim_id`, removed (answered once); None when gone or not theirs."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT id, person_id, shown_on, claim_transport, claim_sender, claim_chat, "
                "expires_at FROM link_codes WHERE id = ? AND person_id = ? "
                "AND claimed_at IS NOT NULL",
                (claim_id, person_id),
            )
            if row is None:
                return None
            await self.db.execute("DELETE FROM link_codes WHERE id = ?", (claim_id,))
        if row["expires_at"] <= to_iso(now):
            return None
        return Claim(
            row["id"],
            row["person_id"],
            row["shown_on"],
            row["claim_transport"],
            row["claim_sender"],
            row["claim_chat"],
            from_iso(row["expires_at"]),
        )

    async def purge_expired(self, now: datetime) -> int:
        """Delete codes and claims past their time (with the claiming account's id); how many."""
        cursor = await self.db.execute(
            "DELETE FROM link_codes WHERE expires_at <= ?", (to_iso(now),)
        )
        return cursor.rowcount

    async def drop(self, claim_id: int) -> None:
        """Forget a code and its claim (the owner could not be asked)."""
        await self.db.execute("DELETE FROM link_codes WHERE id = ?", (claim_id,))
