"""Link codes: a person shows a code on one messenger and sends it from the other."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import to_iso
from storage.db import Database
from storage.invites import hash_code, new_code

CODE_LENGTH = 6
VALID_FOR = timedelta(minutes=15)


class LinkCodesRepo:
    """One live link code per person."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, person_id: int, now: datetime) -> str:
        """A new code for the person (replacing an older one)."""
        code = new_code(CODE_LENGTH)
        async with self.db.transaction():
            await self.db.execute("DELETE FROM link_codes WHERE person_id = ?", (person_id,))
            await self.db.execute(
                "INSERT INTO link_codes (code_hash, person_id, expires_at) VALUES (?, ?, ?)",
                (hash_code(code), person_id, to_iso(now + VALID_FOR)),
            )
        return code

    async def redeem(self, code: str, now: datetime) -> int | None:
        """The person a live code belongs to (the code is used up), else None."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT person_id, expires_at FROM link_codes WHERE code_hash = ?",
                (hash_code(code),),
            )
            if row is None:
                return None
            await self.db.execute("DELETE FROM link_codes WHERE code_hash = ?", (hash_code(code),))
        return row["person_id"] if row["expires_at"] > to_iso(now) else None
