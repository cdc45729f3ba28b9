"""Invite codes: stored hashed, with a role, a cohort, a use count and an expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.roles import Role
from storage.db import Database

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


@dataclass(frozen=True)
class Invite:
    """A stored invite (the code itself is never stored)."""

    id: int
    role: Role
    cohort: str | None
    max_uses: int
    uses: int
    expires_at: datetime | None
    revoked: bool


def new_code(length: int = 10) -> str:
    """A random, readable invite code."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def normalise(code: str) -> str:
    """Codes are case-insensitive and ignore spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


_COLUMNS = "id, role, cohort, max_uses, uses, expires_at, revoked_at"


def _invite(row) -> Invite:
    return Invite(
        id=row["id"],
        role=Role.parse(row["role"]),
        cohort=row["cohort"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        expires_at=from_iso(row["expires_at"]) if row["expires_at"] else None,
        revoked=row["revoked_at"] is not None,
    )


class InvitesRepo:
    """Invite codes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        role: Role,
        cohort: str | None,
        max_uses: int = 1,
        expires_at: datetime | None = None,
        code: str | None = None,
        created_by: int | None = None,
    ) -> str:
        """Store a new invite and return its code (shown once, never stored)."""
        code = code or new_code()
        await self.db.insert(
            "INSERT INTO invites (code_hash, role, cohort, max_uses, expires_at, created_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                hash_code(code),
                role.label,
                cohort,
                max_uses,
                to_iso(expires_at) if expires_at else None,
                created_by,
                self.db.now_iso(),
            ),
        )
        return code

    async def find(self, code: str) -> Invite | None:
        """The invite for a code, whatever its state."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM invites WHERE code_hash = ?", (hash_code(code),)
        )
        return _invite(row) if row else None

    async def check(self, code: str) -> tuple[Invite | None, str]:
        """(invite, "ok") or (invite|None, reason) with reason unknown|expired|used|revoked."""
        invite = await self.find(code) if normalise(code) else None
        if invite is None:
            return None, "unknown"
        if invite.revoked:
            return invite, "revoked"
        if invite.expires_at and invite.expires_at <= self.db.clock.now():
            return invite, "expired"
        if invite.uses >= invite.max_uses:
            return invite, "used"
        return invite, "ok"

    async def consume(self, invite_id: int) -> bool:
        """Count one use, atomically; False when none was left."""
        cursor = await self.db.execute(
            "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses "
            "AND revoked_at IS NULL",
            (invite_id,),
        )
        return cursor.rowcount == 1

    async def give_back(self, invite_id: int) -> None:
        """Return a use (the person declined before finishing onboarding)."""
        await self.db.execute(
            "UPDATE invites SET uses = MAX(uses - 1, 0) WHERE id = ?", (invite_id,)
        )

    async def revoke(self, code: str) -> bool:
        """Revoke an invite by its code; False when unknown."""
        cursor = await self.db.execute(
            "UPDATE invites SET revoked_at = ? WHERE code_hash = ? AND revoked_at IS NULL",
            (self.db.now_iso(), hash_code(code)),
        )
        return cursor.rowcount == 1

    async def get(self, invite_id: int) -> Invite | None:
        """An invite by its number, whatever its state."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM invites WHERE id = ?", (invite_id,))
        return _invite(row) if row else None

    async def usable(self, limit: int) -> list[Invite]:
        """Invites that can still be used (not revoked, expired or used up), newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM invites WHERE revoked_at IS NULL AND uses < max_uses "
            "AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC LIMIT ?",
            (self.db.now_iso(), limit),
        )
        return [_invite(r) for r in rows]

    async def revoke_id(self, invite_id: int) -> bool:
        """Revoke an invite by its number (the code itself is not stored); False when it was not active."""
        cursor = await self.db.execute(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (self.db.now_iso(), invite_id),
        )
        return cursor.rowcount == 1
