"""The audit log: who did what, without message texts."""

from __future__ import annotations

import json

from storage.db import Database


class AuditRepo:
    """Append-only audit entries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        action: str,
        *,
        actor_id: int | None = None,
        subject: str | None = None,
        **detail: object,
    ) -> None:
        """Append an entry (never put free text or personal data in `detail`)."""
        await self.db.insert(
            "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (self.db.now_iso(), actor_id, action, subject, json.dumps(detail, default=str)),
        )

    async def entries(self, action: str | None = None, limit: int = 100) -> list[dict]:
        """Newest entries first, optionally of one action."""
        where, params = ("WHERE action = ?", (action,)) if action else ("", ())
        rows = await self.db.fetchall(
            f"SELECT at, actor_id, action, subject, detail FROM audit_log {where} "
            "ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
