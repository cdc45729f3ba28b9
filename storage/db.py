"""One aiosqlite connection: WAL, foreign keys, numbered migrations, transactions."""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import Clock, SystemClock, to_iso

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("in_tx", default=False)
# Work to do once the transaction being run commits (e.g. deliver a queued message).
_after_commit: contextvars.ContextVar[list | None] = contextvars.ContextVar("after", default=None)

R = TypeVar("R")


class Database:
    """The bot's single SQLite connection; every write goes through one lock."""

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._repos: dict[type, Any] = {}

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open (creating with mode 0600 if new), set pragmas and migrate."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            os.chmod(self.path, 0o600)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are overwritten, so erased people do not linger in free pages.
        await self._conn.execute("PRAGMA secure_delete=ON")
        await self.migrate()

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def migrate(self) -> int:
        """Apply migrations newer than PRAGMA user_version; return the new version."""
        current = (await self.fetchone("PRAGMA user_version"))[0]
        for number, path in available_migrations():
            if number <= current:
                continue
            script = path.read_text(encoding="utf-8")
            await self.conn.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
            current = number
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE .. COMMIT (ROLLBACK on error); nested calls join the outer one."""
        if _in_transaction.get():
            yield self
            return
        after: list[Callable[[], Awaitable[None]]] = []
        async with self._lock:
            token = _in_transaction.set(True)
            after_token = _after_commit.set(after)
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
            finally:
                _in_transaction.reset(token)
                _after_commit.reset(after_token)
        for work in after:  # only after COMMIT, outside the lock
            await work()

    async def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` once the current transaction commits (at once when there is none)."""
        pending = _after_commit.get()
        if pending is None:
            await work()
        else:
            pending.append(work)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """Run one statement (a write outside a transaction is its own transaction)."""
        if _in_transaction.get():
            return await self.conn.execute(sql, tuple(params))
        async with self._lock:
            return await self.conn.execute(sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for many rows, atomically."""
        async with self.transaction():
            await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT and return the new rowid."""
        cursor = await self.execute(sql, params)
        return int(cursor.lastrowid)

    async def fetchall_write(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Rows of a writing statement (UPDATE ... RETURNING), under the write lock."""
        if _in_transaction.get():
            return list(await self.conn.execute_fetchall(sql, tuple(params)))
        async with self._lock:
            return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """First row of a query, or None (for keyed queries: every row is fetched)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """All rows of a query."""
        # One trip to aiosqlite's thread; execute + fetch + close on a cursor are three.
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def now_iso(self) -> str:
        """The clock's current time in stored form."""
        return to_iso(self.clock.now())

    def repo(self, cls: type[R]) -> R:
        """The repository of class `cls` bound to this database (one instance per class)."""
        instance = self._repos.get(cls)
        if instance is None:
            instance = self._repos[cls] = cls(self)
        return instance

    async def checkpoint(self) -> None:
        """Move the write-ahead log into the database file and empty the log (after an erasure)."""
        async with self._lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def backup_to(self, target: Path | str) -> None:
        """Consistent online copy of the database (SQLite backup API), mode 0600."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        os.chmod(target, 0o600)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)


def available_migrations() -> list[tuple[int, Path]]:
    """Numbered migration files, in order; duplicate numbers are a programming error."""
    found: dict[int, Path] = {}
    for path in sorted(MIGRATIONS.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"bad migration file name: {path.name}")
        number = int(match.group(1))
        if number in found:
            raise RuntimeError(
                f"two migrations numbered {number}: {found[number].name}, {path.name}"
            )
        found[number] = path
    return sorted(found.items())
