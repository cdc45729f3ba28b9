"""Operator commands: backup, restore, doctor."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import sys
from pathlib import Path

from bot.cli.common import config_from
from bot.config import Config, ConfigError


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The subcommands of this module."""
    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="consistent copy of the database",
        description="Copy the database with SQLite's online backup API (safe while the bot runs). "
        "The copy is created with mode 0600.",
    )
    backup.add_argument("--out", required=True, metavar="FILE", help="where to write the copy")
    backup.set_defaults(func=backup_command)
    restore = sub.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a backup",
        description="Replace the database with a backup file (stop the bot first). The current "
        "database is kept next to it as .before-restore. Everything since the backup is lost, "
        "except erasures: people who used /forget after the backup (listed in the file "
        "<database>.erased, which a restore keeps) are erased again from the restored copy.",
    )
    restore.add_argument("file", metavar="FILE", help="a file written by mentorbot backup")
    restore.set_defaults(func=restore_command)
    doctor = sub.add_parser(
        "doctor",
        parents=[common],
        help="check config, database, content and messengers",
        description="Check the config, database integrity and migrations, content, and that the "
        "Telegram token and the signal-cli daemon answer. One line per check.",
    )
    doctor.set_defaults(func=doctor_command)


def backup_command(args: argparse.Namespace) -> int:
    """A consistent copy of the database."""
    config = config_from(args)
    return asyncio.run(_backup_async(config, Path(args.out)))


async def _backup_async(config: Config, out: Path) -> int:
    from storage.db import Database

    if not config.database.path.exists():
        print(f"mentorbot backup: no database at {config.database.path}", file=sys.stderr)
        return 1
    db = Database(config.database.path)
    await db.open()
    try:
        await db.backup_to(out)
    finally:
        await db.close()
    print(f"backup written to {out}")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    """Replace the database with a backup."""
    config = config_from(args)
    source = Path(args.file)
    problem = _integrity_problem(source)
    if problem:
        print(f"mentorbot restore: {source} is not a usable backup: {problem}", file=sys.stderr)
        return 1
    target = config.database.path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        keep = target.with_name(target.name + ".before-restore")
        shutil.copy2(target, keep)
        os.chmod(keep, 0o600)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    print(f"restored {source} to {target}")
    from storage.privacy import Tombstones

    again = asyncio.run(_reapply_erasures(target))
    print(
        f"erased again {again} {'person' if again == 1 else 'people'} who asked to be forgotten "
        f"after this backup was made (listed in {Tombstones(target).path.name})"
    )
    return 0


async def _reapply_erasures(path: Path) -> int:
    """Erase again everyone erased after the backup (the tombstone file survives a restore)."""
    from storage.audit import AuditRepo
    from storage.db import Database
    from storage.privacy import PrivacyRepo

    db = Database(path)
    await db.open()  # a backup from an older version is migrated here, as at start
    try:
        again = await db.repo(PrivacyRepo).reapply_erasures()
        await db.repo(AuditRepo).record("privacy.restore", erased_again=again)
        await db.checkpoint()
    finally:
        await db.close()
    return again


def _integrity_problem(path: Path) -> str | None:
    if not path.is_file():
        return "no such file"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("SELECT COUNT(*) FROM people").fetchone()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if result == "ok" else result


def doctor_command(args: argparse.Namespace) -> int:
    """Check config, database, content and messengers; one line per check."""
    return asyncio.run(_doctor_async(args))


async def _doctor_async(args: argparse.Namespace) -> int:
    failures = 0

    def line(ok: bool | None, what: str, detail: str) -> None:
        nonlocal failures
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[ok]
        failures += ok is False
        print(f"{mark} {what}: {detail}")

    try:
        config = config_from(args)
        line(True, "config", getattr(args, "config", None) or "(defaults)")
    except ConfigError as exc:
        line(False, "config", str(exc))
        return 1
    await _check_database(config, line)
    _check_content(config, line)
    await _check_telegram(config, line)
    await _check_signal(config, line)
    _check_web(config, line)
    return 1 if failures else 0


def _check_web(config: Config, line) -> None:
    web = config.web
    if web is None:
        line(None, "web console", "off (no web: section in the config)")
        return
    plain = "" if web.secure else " (plain http: fine on this machine, use HTTPS behind a proxy)"
    line(True, "web console", f"listens on {web.listen}, sign-in links to {web.public_url}{plain}")


async def _check_database(config: Config, line) -> None:
    from storage.db import available_migrations

    path = config.database.path
    if not path.exists():
        line(None, "database", f"{path} does not exist yet (created at first start)")
        return
    problem = _integrity_problem(path)
    line(problem is None, "database integrity", problem or "ok")
    mode = os.stat(path).st_mode & 0o777
    line(mode == 0o600, "database permissions", f"{oct(mode)} (want 0o600)")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = available_migrations()[-1][0]
    line(
        version <= latest,
        "migrations",
        f"at {version}, latest {latest}" + (" (applied at next start)" if version < latest else ""),
    )


def _check_content(config: Config, line) -> None:
    from bot.content import check_content

    ok, lines = check_content(config.content_dir)
    line(ok, "content", lines[0] if ok else f"{len(lines)} problems, first: {lines[0]}")


async def _check_telegram(config: Config, line) -> None:
    if not config.telegram.enabled:
        line(None, "telegram", "disabled")
        return
    try:
        token = config.telegram_token()
    except ConfigError as exc:
        line(False, "telegram token", str(exc))
        return
    from telegram import Bot
    from telegram.error import TelegramError

    kwargs = {"base_url": config.telegram.base_url} if config.telegram.base_url else {}
    try:
        async with Bot(token, **kwargs) as bot:
            me = await bot.get_me()
        line(True, "telegram", f"token works, bot @{me.username}")
    except (TelegramError, OSError) as exc:
        line(False, "telegram", f"{type(exc).__name__}: {exc}")


async def _check_signal(config: Config, line) -> None:
    if not config.signal.enabled:
        line(None, "signal", "disabled")
        return
    import httpx

    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(config.signal.url.rstrip("/") + "/api/v1/check")
        line(response.status_code == 200, "signal-cli daemon", f"HTTP {response.status_code}")
    except httpx.HTTPError as exc:
        line(False, "signal-cli daemon", f"{type(exc).__name__} at {config.signal.url}")
    from bot.transports.signal import check_account

    found = await check_account(config.signal.url, config.signal.account)
    line(found.ok, "signal account", found.detail)
