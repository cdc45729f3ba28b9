"""Operator commands: backup (consistent, 0600), restore (erasures re-applied), doctor."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.roles import Role
from storage.journal import JournalRepo
from tests.fakes import cli_zygote
from tests.harness import Harness

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> subprocess.CompletedProcess:
    return cli_zygote.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=REPO, timeout=60
    )


def _file_and_log(db: Path) -> bytes:
    """The database file and its write-ahead log, as bytes."""
    wal = Path(str(db) + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_backup_and_restore_round_trip(tmp_path):
    db = tmp_path / "bot.db"
    made = _cli("invite", "--db", str(db), "--cohort", "2025-02")
    assert made.returncode == 0, made.stderr
    backup = tmp_path / "backups" / "b1.db"
    result = _cli("--db", str(db), "backup", "--out", str(backup))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT COUNT(*) FROM invites").fetchone()[0] == 1

    _cli("invite", "--db", str(db), "--cohort", "later")  # a change after the backup
    restored = _cli("restore", "--db", str(db), str(backup))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM invites").fetchone()[0] == 1
    assert (tmp_path / "bot.db.before-restore").exists()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = _cli("restore", "--db", str(tmp_path / "bot.db"), str(junk))
    assert result.returncode == 1 and "not a usable backup" in result.stderr


def test_doctor_prints_one_line_per_check(tmp_path):
    db = tmp_path / "bot.db"
    _cli("invite", "--db", str(db))
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  token_env: REMAP_TEST_NO_TOKEN\n")
    result = _cli("doctor", "--config", str(config), "--db", str(db))
    lines = result.stdout.splitlines()
    names = [line.split(":")[0][5:] for line in lines]
    assert names[:6] == [
        "config",
        "database integrity",
        "database permissions",
        "migrations",
        "content",
        "telegram token",
    ]
    assert lines[1].startswith("ok")
    assert lines[-3].startswith("FAIL telegram token")  # the token variable is not set
    assert lines[-2] == "skip signal: disabled"
    assert lines[-1] == "skip web console: off (no web: section in the config)"
    assert result.returncode == 1


async def test_restore_erases_again_whoever_asked_to_be_forgotten_after_the_backup(tmp_path):
    db = tmp_path / "bot.db"
    h = Harness(db)
    await h.start()
    anna = await h.onboard(Role.MENTOR, "Anna Erasable")
    omar = await h.onboard(Role.MENTOR, "Omar")
    anna_id = (await h.person(anna)).id
    await h.app.db.repo(JournalRepo).add(anna_id, "Anna's private thought")
    await h.stop()
    backup = tmp_path / "b1.db"
    assert _cli("backup", "--db", str(db), "--out", str(backup)).returncode == 0

    await h.start()
    await h.say("/forget", anna)
    await h.tap("priv:forget:yes", anna)
    bea = await h.onboard(Role.MENTOR, "Bea")  # joined after the backup: lost by a restore
    await h.stop()

    restored = _cli("restore", "--db", str(db), str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "erased again 1 person who asked to be forgotten after this backup" in restored.stdout
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT display_name FROM people")}
        assert names == {"Omar"}
        assert conn.execute("SELECT COUNT(*) FROM reflections").fetchone()[0] == 0
        [(detail,)] = conn.execute(
            "SELECT detail FROM audit_log WHERE action = 'privacy.restore'"
        ).fetchall()
        assert detail == '{"erased_again": 1}'
    raw = _file_and_log(db)
    assert b"Anna Erasable" not in raw and b"private thought" not in raw

    # Again from the same backup: the same one person, and the list of erasures does not grow.
    again = _cli("restore", "--db", str(db), str(backup))
    assert "erased again 1 person" in again.stdout
    assert len((tmp_path / "bot.db.erased").read_text().splitlines()) == 1

    # The bot starts on the restored copy; Omar is there, Bea has to be invited again.
    await h.start()
    try:
        assert await h.person(omar) is not None
        assert await h.person(anna) is None and await h.person(bea) is None
    finally:
        await h.stop()


async def test_a_tombstone_never_erases_a_newer_person_with_the_same_id(tmp_path):
    """SQLite may give a new person the id of an erased one: the row's creation time tells them apart."""
    db = tmp_path / "bot.db"
    h = Harness(db)
    await h.start()
    anna = await h.onboard(Role.MENTOR, "Anna")
    anna_id = (await h.person(anna)).id
    await h.say("/forget", anna)
    await h.tap("priv:forget:yes", anna)
    h.clock.advance(timedelta(minutes=5))
    bea = await h.onboard(Role.MENTOR, "Bea")
    assert (await h.person(bea)).id == anna_id  # the highest id was free again
    await h.stop()
    backup = tmp_path / "b1.db"
    assert _cli("backup", "--db", str(db), "--out", str(backup)).returncode == 0
    restored = _cli("restore", "--db", str(db), str(backup))
    assert "erased again 0 people" in restored.stdout
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT display_name FROM people")] == ["Bea"]
