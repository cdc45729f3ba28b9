"""People and their messenger identities."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from bot.roles import Role
from storage.db import Database
from storage.dialogs import Dialog


@dataclass(frozen=True)
class Person:
    """A person known to the bot."""

    id: int
    display_name: str
    role: Role
    cohort: str | None
    language: str
    timezone: str | None
    status: str
    consent_version: int | None
    paused: bool
    preferred_transport: str | None

    @property
    def active(self) -> bool:
        """Onboarded and not deactivated."""
        return self.status == "active"


@dataclass(frozen=True)
class Identity:
    """One messenger account of a person."""

    transport: str
    external_id: str
    person_id: int
    chat_id: str


_COLUMNS = (
    "id, display_name, role, cohort, language, timezone, status, consent_version, paused, "
    "preferred_transport"
)

_PREFIXED = ", ".join("p." + c.strip() for c in _COLUMNS.split(","))


def _dialog(row) -> Dialog | None:
    return Dialog(row["step"], json.loads(row["data"])) if row["step"] is not None else None


def _person(row) -> Person:
    return Person(
        id=row["id"],
        display_name=row["display_name"],
        role=Role.parse(row["role"]),
        cohort=row["cohort"],
        language=row["language"],
        timezone=row["timezone"],
        status=row["status"],
        consent_version=row["consent_version"],
        paused=bool(row["paused"]),
        preferred_transport=row["preferred_transport"],
    )


@dataclass(frozen=True)
class Recipient:
    """A person as a timed job reads them with its claim: the person, their chats (transport,
    chat id; oldest identity first) and when their dialog was last touched."""

    person: Person
    chats: tuple[tuple[str, str], ...]
    dialog_touched: str | None


def recipient_sql(person_id: str) -> str:
    """An SQL expression giving a Recipient as JSON (NULL: no such person) for the person whose
    id is the SQL expression `person_id` (JobsRepo.claim_due's context)."""
    fields = ", ".join(f"'{c.strip()}', p.{c.strip()}" for c in _COLUMNS.split(","))
    return (
        f"json((SELECT json_object('person', json_object({fields}), "
        "'chats', (SELECT json_group_array(json_array(i.transport, i.chat_id)) FROM "
        "(SELECT transport, chat_id FROM identities WHERE person_id = p.id "
        "ORDER BY created_at, transport) AS i), "
        "'dialog_touched', (SELECT updated_at FROM dialogs WHERE person_id = p.id)) "
        f"FROM people p WHERE p.id = {person_id}))"
    )


def recipient_from(data: dict | None) -> Recipient | None:
    """A Recipient from the JSON of `recipient_sql` (None: no such person)."""
    if not data:
        return None
    chats = tuple((transport, chat_id) for transport, chat_id in data["chats"])
    return Recipient(_person(data["person"]), chats, data["dialog_touched"])


class PeopleRepo:
    """People and identities."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        role: Role,
        cohort: str | None = None,
        language: str = "en",
        display_name: str = "",
        status: str = "onboarding",
    ) -> Person:
        """Insert a person and return it."""
        person_id = await self.db.insert(
            "INSERT INTO people (display_name, role, cohort, language, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (display_name, role.label, cohort, language, status, self.db.now_iso()),
        )
        return await self.get(person_id)

    async def get(self, person_id: int) -> Person | None:
        """A person by id."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM people WHERE id = ?", (person_id,))
        return _person(row) if row else None

    async def by_identity(self, transport: str, external_id: str) -> Person | None:
        """The person behind a messenger account."""
        row = await self.db.fetchone(
            f"SELECT {_PREFIXED} FROM identities i JOIN people p ON p.id = i.person_id "
            "WHERE i.transport = ? AND i.external_id = ?",
            (transport, external_id),
        )
        return _person(row) if row else None

    async def arrival(
        self, transport: str, external_id: str, update_id: str | None
    ) -> tuple[bool, Person | None, Dialog | None]:
        """For an update arriving: (handled before?, the person behind the account, their
        dialog), in one query."""
        row = await self.db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM seen_updates WHERE transport = ? AND update_id = ?) "
            f"AS seen, {_PREFIXED}, d.step, d.data FROM (SELECT 1) AS one "
            "LEFT JOIN identities i ON i.transport = ? AND i.external_id = ? "
            "LEFT JOIN people p ON p.id = i.person_id "
            "LEFT JOIN dialogs d ON d.person_id = p.id",
            (transport, update_id, transport, external_id),
        )
        person = _person(row) if row["id"] is not None else None
        return bool(row["seen"]), person, _dialog(row) if person is not None else None

    async def with_dialog(self, person_id: int) -> tuple[Person | None, Dialog | None]:
        """A person by id and their dialog, in one query."""
        row = await self.db.fetchone(
            f"SELECT {_PREFIXED}, d.step, d.data FROM people p "
            "LEFT JOIN dialogs d ON d.person_id = p.id WHERE p.id = ?",
            (person_id,),
        )
        if row is None:
            return None, None
        return _person(row), _dialog(row)

    async def add_identity(
        self, person_id: int, transport: str, external_id: str, chat_id: str
    ) -> None:
        """Attach a messenger account to a person (replacing an earlier owner)."""
        await self.db.execute(
            "INSERT INTO identities (transport, external_id, person_id, chat_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(transport, external_id) DO UPDATE SET "
            "person_id = excluded.person_id, chat_id = excluded.chat_id",
            (transport, external_id, person_id, chat_id, self.db.now_iso()),
        )

    async def identities(self, person_id: int) -> list[Identity]:
        """All messenger accounts of a person, oldest first."""
        rows = await self.db.fetchall(
            "SELECT transport, external_id, person_id, chat_id FROM identities "
            "WHERE person_id = ? ORDER BY created_at, transport",
            (person_id,),
        )
        return [Identity(**dict(r)) for r in rows]

    async def update(self, person_id: int, **fields: object) -> Person:
        """Set some columns of a person; returns the updated person."""
        allowed = {
            "display_name",
            "role",
            "cohort",
            "language",
            "timezone",
            "status",
            "consent_version",
            "consented_at",
            "paused",
            "preferred_transport",
            "last_seen_at",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown person fields: {sorted(unknown)}")
        values = [v.label if isinstance(v, Role) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(f"UPDATE people SET {assignments} WHERE id = ?", (*values, person_id))
        return await self.get(person_id)

    async def delete(self, person_id: int) -> None:
        """Delete a person and (by cascade) their identities and dialog."""
        await self.db.execute("DELETE FROM people WHERE id = ?", (person_id,))

    async def with_role(self, role: Role, *, active_only: bool = True) -> list[Person]:
        """People whose role is exactly `role`."""
        status = "AND status = 'active'" if active_only else ""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM people WHERE role = ? {status} ORDER BY display_name, id",
            (role.label,),
        )
        return [_person(r) for r in rows]

    async def active(self) -> list[Person]:
        """Everyone onboarded and not deactivated."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM people WHERE status = 'active' ORDER BY id"
        )
        return [_person(r) for r in rows]

    async def listed(self, offset: int, limit: int) -> list[Person]:
        """People who finished onboarding (active or deactivated), by name: one page."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM people WHERE status != 'onboarding' "
            "ORDER BY display_name, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_person(r) for r in rows]

    async def count_listed(self) -> int:
        """How many people finished onboarding (active or deactivated)."""
        return await self.db.scalar("SELECT COUNT(*) FROM people WHERE status != 'onboarding'")

    async def search(self, text: str, limit: int) -> list[Person]:
        """People (not onboarding) whose name contains `text`, ignoring case and accents."""
        wanted = fold(text)
        if not wanted:
            return []
        rows = await self.db.fetchall(
            "SELECT id, display_name FROM people WHERE status != 'onboarding' "
            "ORDER BY display_name, id"
        )
        found = [r["id"] for r in rows if wanted in fold(r["display_name"])][:limit]
        return [p for p in [await self.get(i) for i in found] if p is not None]

    async def cohorts(self) -> list[str]:
        """Every cohort someone is in, sorted."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT cohort FROM people WHERE cohort IS NOT NULL AND cohort != '' "
            "ORDER BY cohort"
        )
        return [r["cohort"] for r in rows]


def fold(text: str) -> str:
    """Text for matching names: case, accents and extra spaces ignored ("Åsa" ~ "asa")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())
