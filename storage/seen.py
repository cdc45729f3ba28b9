"""Updates already handled (by the messenger's own id), so one delivered again is not applied twice."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_iso
from storage.db import Database

KEEP = timedelta(days=3)  # messengers give up re-delivering long before this
PRUNE_EVERY = 1000  # records between two clean-ups of old rows


class SeenUpdatesRepo:
    """Rows of seen_updates."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._since_prune = 0

    async def seen(self, transport: str, update_id: str) -> bool:
        """True when this update was handled before."""
        row = await self.db.fetchone(
            "SELECT 1 FROM seen_updates WHERE transport = ? AND update_id = ?",
            (transport, update_id),
        )
        return row is not None

    async def record(self, transport: str, update_id: str, *, stored: bool = False) -> None:
        """Remember that the update was handled (and now and then forget old ones); `stored`:
        already written by the statement that queued its replies (storage/outbox.py)."""
        if not stored:
            await self.db.execute(
                "INSERT OR IGNORE INTO seen_updates (transport, update_id, seen_at) "
                "VALUES (?, ?, ?)",
                (transport, update_id, self.db.now_iso()),
            )
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            await self.prune()

    async def prune(self) -> int:
        """Forget updates older than KEEP; returns how many."""
        cursor = await self.db.execute(
            "DELETE FROM seen_updates WHERE seen_at < ?", (to_iso(self.db.clock.now() - KEEP),)
        )
        return cursor.rowcount
