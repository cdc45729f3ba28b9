"""The reflective journal: a mentor's answers to prompts, private unless shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso
from storage.db import Database


@dataclass(frozen=True)
class Reflection:
    """One journal entry."""

    id: int
    person_id: int
    prompt_id: str | None
    bite_id: str | None
    section_id: str | None
    text: str
    shared: bool
    created_at: datetime


@dataclass(frozen=True)
class Comment:
    """An expert's comment on a shared reflection, or the mentor's reply to one."""

    id: int
    reflection_id: int
    author: str  # expert | mentor
    author_id: int | None
    text: str
    created_at: datetime


_COLUMNS = "id, person_id, prompt_id, bite_id, section_id, text, shared, created_at"


def _reflection(row) -> Reflection:
    return Reflection(
        id=row["id"],
        person_id=row["person_id"],
        prompt_id=row["prompt_id"],
        bite_id=row["bite_id"],
        section_id=row["section_id"],
        text=row["text"],
        shared=bool(row["shared"]),
        created_at=from_iso(row["created_at"]),
    )


class JournalRepo:
    """Reflections."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        person_id: int,
        text: str,
        *,
        prompt_id: str | None = None,
        bite_id: str | None = None,
        section_id: str | None = None,
        shared: bool = False,
    ) -> int:
        """Store a reflection (private by default); returns its id."""
        return await self.db.insert(
            "INSERT INTO reflections (person_id, prompt_id, bite_id, section_id, text, shared, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person_id, prompt_id, bite_id, section_id, text, int(shared), self.db.now_iso()),
        )

    async def get(self, person_id: int, reflection_id: int) -> Reflection | None:
        """One of the person's own reflections."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM reflections WHERE id = ? AND person_id = ?",
            (reflection_id, person_id),
        )
        return _reflection(row) if row else None

    async def page(self, person_id: int, offset: int, limit: int) -> list[Reflection]:
        """The person's reflections, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM reflections WHERE person_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (person_id, limit, offset),
        )
        return [_reflection(r) for r in rows]

    async def count(self, person_id: int) -> int:
        """How many reflections the person has."""
        return await self.db.scalar(
            "SELECT COUNT(*) FROM reflections WHERE person_id = ?", (person_id,)
        )

    async def set_shared(self, person_id: int, reflection_id: int, shared: bool) -> bool:
        """Share a reflection with the experts, or make it private again."""
        cursor = await self.db.execute(
            "UPDATE reflections SET shared = ? WHERE id = ? AND person_id = ?",
            (int(shared), reflection_id, person_id),
        )
        return cursor.rowcount == 1

    async def delete(self, person_id: int, reflection_id: int) -> bool:
        """Delete one of the person's reflections."""
        cursor = await self.db.execute(
            "DELETE FROM reflections WHERE id = ? AND person_id = ?", (reflection_id, person_id)
        )
        return cursor.rowcount == 1

    async def shared_page(self, offset: int, limit: int) -> list[tuple[Reflection, str]]:
        """Shared reflections of active people, newest first, with the writer's display name."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}, p.display_name "
            "FROM reflections r JOIN people p ON p.id = r.person_id "
            "WHERE r.shared = 1 AND p.status = 'active' "
            "ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [(_reflection(r), r["display_name"]) for r in rows]

    async def shared_one(self, reflection_id: int) -> tuple[Reflection, str] | None:
        """One shared reflection of an active person, with the writer's display name."""
        row = await self.db.fetchone(
            f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}, p.display_name "
            "FROM reflections r JOIN people p ON p.id = r.person_id "
            "WHERE r.id = ? AND r.shared = 1 AND p.status = 'active'",
            (reflection_id,),
        )
        return (_reflection(row), row["display_name"]) if row else None

    async def add_comment(
        self, reflection_id: int, author: str, author_id: int | None, text: str
    ) -> int:
        """Store an expert's comment on a reflection (or the mentor's reply); returns its id."""
        if author not in ("expert", "mentor"):
            raise ValueError(f"unknown author {author!r}")
        return await self.db.insert(
            "INSERT INTO reflection_comments (reflection_id, author, author_id, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (reflection_id, author, author_id, text, self.db.now_iso()),
        )

    async def comments(self, reflection_id: int) -> list[Comment]:
        """The comments on a reflection and the replies to them, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, reflection_id, author, author_id, text, created_at "
            "FROM reflection_comments WHERE reflection_id = ? ORDER BY id",
            (reflection_id,),
        )
        return [
            Comment(
                r["id"],
                r["reflection_id"],
                r["author"],
                r["author_id"],
                r["text"],
                from_iso(r["created_at"]),
            )
            for r in rows
        ]
