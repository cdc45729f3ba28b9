"""Operator commands: backup (consistent, 0600), restore, doctor."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=REPO, timeout=60
    )


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
