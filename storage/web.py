"""The web console's storage: one-time sign-in links, sessions, and the lists its pages show."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.roles import Role
from storage.db import Database


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random token for a link, a session or a form (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class WebLinksRepo:
    """Sign-in links: single use, short-lived, bound to the person who asked for one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, person_id: int, expires_at: datetime) -> str:
        """A new link token for the person; their older unused links stop working."""
        token = new_token()
        now = self.db.now_iso()
        async with self.db.transaction():
            await self.db.execute(
                "DELETE FROM web_links WHERE person_id = ? AND used_at IS NULL", (person_id,)
            )
            await self.db.execute(
                "INSERT INTO web_links (token_hash, person_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (_hash(token), person_id, now, to_iso(expires_at)),
            )
        return token

    async def state(self, token: str) -> tuple[int | None, str]:
        """(person id, "ok") for a live link, else (person id or None, unknown|used|expired)."""
        row = await self.db.fetchone(
            "SELECT person_id, expires_at, used_at FROM web_links WHERE token_hash = ?",
            (_hash(token),),
        )
        if row is None:
            return None, "unknown"
        if row["used_at"] is not None:
            return row["person_id"], "used"
        if row["expires_at"] <= self.db.now_iso():
            return row["person_id"], "expired"
        return row["person_id"], "ok"

    async def redeem(self, token: str) -> int | None:
        """Use a live link up (exactly once, also when two tabs race): its person, else None."""
        now = self.db.now_iso()
        rows = await self.db.fetchall_write(
            "UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING person_id",
            (now, _hash(token), now),
        )
        return rows[0]["person_id"] if rows else None

    async def purge(self, before: datetime) -> int:
        """Forget links that expired before `before`."""
        cursor = await self.db.execute(
            "DELETE FROM web_links WHERE expires_at < ?", (to_iso(before),)
        )
        return cursor.rowcount


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser."""

    id: int
    person_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime
    flash: list[dict]


class WebSessionsRepo:
    """Server-side sessions; the browser holds only a random token (its hash is stored)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, person_id: int, expires_at: datetime) -> str:
        """Start a session; returns the token for the cookie."""
        token = new_token()
        await self.db.insert(
            "INSERT INTO web_sessions (token_hash, person_id, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_hash(token), person_id, new_token(), self.db.now_iso(), to_iso(expires_at)),
        )
        return token

    async def get(self, token: str) -> WebSession | None:
        """The live session of a cookie token (None when unknown, ended or expired)."""
        row = await self.db.fetchone(
            "SELECT id, person_id, csrf, created_at, expires_at, flash FROM web_sessions "
            "WHERE token_hash = ? AND expires_at > ?",
            (_hash(token), self.db.now_iso()),
        )
        if row is None:
            return None
        return WebSession(
            id=row["id"],
            person_id=row["person_id"],
            csrf=row["csrf"],
            created_at=from_iso(row["created_at"]),
            expires_at=from_iso(row["expires_at"]),
            flash=json.loads(row["flash"]) if row["flash"] else [],
        )

    async def end(self, session_id: int) -> None:
        """Sign one session out."""
        await self.db.execute("DELETE FROM web_sessions WHERE id = ?", (session_id,))

    async def end_for(self, person_id: int) -> int:
        """Sign every session of a person out; how many there were."""
        cursor = await self.db.execute("DELETE FROM web_sessions WHERE person_id = ?", (person_id,))
        return cursor.rowcount

    async def add_flash(self, session_id: int, kind: str, text: str) -> None:
        """A notice for the next page this session opens (e.g. "Mina is now expert")."""
        async with self.db.transaction():
            raw = await self.db.scalar("SELECT flash FROM web_sessions WHERE id = ?", (session_id,))
            notes = json.loads(raw) if raw else []
            notes.append({"kind": kind, "text": text})
            await self.db.execute(
                "UPDATE web_sessions SET flash = ? WHERE id = ?",
                (json.dumps(notes, ensure_ascii=False), session_id),
            )

    async def clear_flash(self, session_id: int) -> None:
        """The notices were shown."""
        await self.db.execute("UPDATE web_sessions SET flash = NULL WHERE id = ?", (session_id,))

    async def purge(self, before: datetime) -> int:
        """Forget sessions that expired before `before`."""
        cursor = await self.db.execute(
            "DELETE FROM web_sessions WHERE expires_at < ?", (to_iso(before),)
        )
        return cursor.rowcount


@dataclass(frozen=True)
class PersonRow:
    """One line of the console's list of people."""

    id: int
    display_name: str
    role: Role
    cohort: str | None
    status: str
    language: str
    last_seen_at: datetime | None
    created_at: datetime
    messengers: tuple[str, ...]
    sections_done: int
    bites_seen: int
    workshops: int


@dataclass(frozen=True)
class PeopleFilter:
    """Which people the list shows (onboarding people never)."""

    role: Role | None = None
    cohort: str | None = None
    status: str | None = None  # active | deactivated
    name: str = ""
    person: int | None = None  # exactly this person


@dataclass(frozen=True)
class InviteRow:
    """One invite as the console lists it (its code is never stored, so never shown again)."""

    id: int
    role: str
    cohort: str | None
    max_uses: int
    uses: int
    expires_at: datetime | None
    revoked: bool
    created_by: str | None
    created_at: datetime


class ConsoleRepo:
    """Lists the console shows that no other repository has: people with progress, invites."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def people(self, flt: PeopleFilter, offset: int, limit: int) -> list[PersonRow]:
        """A page of people sorted by name, with messengers, progress and workshops logged."""
        where, params = ["p.status != 'onboarding'"], []
        if flt.person is not None:
            where.append("p.id = ?")
            params.append(flt.person)
        if flt.role is not None:
            where.append("p.role = ?")
            params.append(flt.role.label)
        if flt.status:
            where.append("p.status = ?")
            params.append(flt.status)
        if flt.cohort:
            where.append("p.cohort = ?")
            params.append(flt.cohort)
        if flt.name:
            where.append("p.display_name LIKE ? ESCAPE '\\'")
            escaped = flt.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        rows = await self.db.fetchall(
            "SELECT p.id, p.display_name, p.role, p.cohort, p.status, p.language, "
            "p.last_seen_at, p.created_at, "
            "(SELECT GROUP_CONCAT(i.transport) FROM identities i WHERE i.person_id = p.id) "
            "AS messengers, "
            "(SELECT COUNT(*) FROM section_completions c WHERE c.person_id = p.id) AS sections, "
            "(SELECT COUNT(*) FROM bite_progress b WHERE b.person_id = p.id) AS bites, "
            "(SELECT COUNT(*) FROM workshops w WHERE w.mentor_id = p.id) AS workshops "
            f"FROM people p WHERE {' AND '.join(where)} "
            "ORDER BY p.display_name COLLATE NOCASE, p.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [
            PersonRow(
                id=r["id"],
                display_name=r["display_name"],
                role=Role.parse(r["role"]),
                cohort=r["cohort"],
                status=r["status"],
                language=r["language"],
                last_seen_at=from_iso(r["last_seen_at"]) if r["last_seen_at"] else None,
                created_at=from_iso(r["created_at"]),
                messengers=tuple(sorted(set((r["messengers"] or "").split(",")) - {""})),
                sections_done=r["sections"],
                bites_seen=r["bites"],
                workshops=r["workshops"],
            )
            for r in rows
        ]

    async def people_cohorts(self) -> list[str]:
        """Cohorts of people onboarded (for filters and audiences), sorted."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT cohort FROM people WHERE cohort IS NOT NULL "
            "AND status != 'onboarding' ORDER BY cohort"
        )
        return [r["cohort"] for r in rows]

    async def invites(self, limit: int) -> list[InviteRow]:
        """The newest invites with the name of whoever made them."""
        rows = await self.db.fetchall(
            "SELECT i.id, i.role, i.cohort, i.max_uses, i.uses, i.expires_at, i.revoked_at, "
            "i.created_at, p.display_name AS creator FROM invites i "
            "LEFT JOIN people p ON p.id = i.created_by ORDER BY i.created_at DESC, i.id DESC "
            "LIMIT ?",
            (limit,),
        )
        return [
            InviteRow(
                id=r["id"],
                role=r["role"],
                cohort=r["cohort"],
                max_uses=r["max_uses"],
                uses=r["uses"],
                expires_at=from_iso(r["expires_at"]) if r["expires_at"] else None,
                revoked=r["revoked_at"] is not None,
                created_by=r["creator"],
                created_at=from_iso(r["created_at"]),
            )
            for r in rows
        ]

    async def revoke_invite(self, invite_id: int) -> bool:
        """Revoke an invite by its number (the console has no code); False when not active."""
        cursor = await self.db.execute(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (self.db.now_iso(), invite_id),
        )
        return cursor.rowcount == 1
