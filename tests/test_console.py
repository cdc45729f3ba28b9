"""The console as a newcomer uses it: piped input, numbered choices, several identities."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes import cli_zygote

REPO = Path(__file__).resolve().parent.parent


def _run(
    args: list[str], stdin: str, timeout: int = 60, fresh: bool = False, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` with STDIN; forked from the warm CLI zygote unless `fresh`."""
    return (subprocess.run if fresh else cli_zygote.run)(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        env=env,
    )


def test_piped_start_prints_the_welcome_and_exits_at_eof(tmp_path):
    result = _run(["console", "--db", str(tmp_path / "c.db")], "/start\n", fresh=True)
    assert result.returncode == 0, result.stderr
    assert "[to you]" in result.stdout
    assert "invite" in result.stdout


def test_demo_completes_onboarding_with_the_demo_invite(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = _run(["demo"], "/start WELCOME\n1\n1\nAnna\n", env=env)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == [], "the demo's throwaway database is thrown away"
    out = result.stdout
    assert "Do you agree?" in out
    assert "1. I agree" in out
    assert "Welcome, Anna!" in out
    assert "What would you like to do?" in out


def test_console_plays_several_people(tmp_path):
    db = str(tmp_path / "c.db")
    script = ":as expert\n/help\n:as mentor\n/menu\n:who\n:as admin\n/menu\n"
    result = _run(["console", "--db", db], script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[to expert]" in out and "[to mentor]" in out and "[to admin]" in out
    assert "expert: Demo Expert, expert, active" in out
    assert "mentor: Demo Mentor, mentor, active   <- you" in out


def test_console_in_finnish_and_out_of_range_numbers(tmp_path):
    result = _run(
        ["console", "--db", str(tmp_path / "c.db"), "--as", "mentor", "--lang", "fi"],
        "/menu\n99\n",
    )
    assert "Mitä haluaisit tehdä?" in result.stdout
    assert "Vastaa numerolla 1–" in result.stdout


def test_help_of_every_command():
    top = _run(["--help"], "")
    assert top.returncode == 0 and "console" in top.stdout and "invite" in top.stdout
    for command in ("run", "console", "demo", "invite"):
        sub = _run([command, "--help"], "")
        assert sub.returncode == 0, command
        assert "--config" in sub.stdout and "--db" in sub.stdout


def test_invite_prints_code_link_and_qr(tmp_path):
    db = str(tmp_path / "i.db")
    png = tmp_path / "qr.png"
    result = _run(
        [
            "invite",
            "--db",
            db,
            "--role",
            "mentor",
            "--cohort",
            "2025-02",
            "--uses",
            "3",
            "--expires",
            "7d",
            "--png",
            str(png),
        ],
        "",
    )
    assert result.returncode == 0, result.stderr
    code = result.stdout.split("Invite code: ")[1].split()[0]
    assert f"?start={code}" in result.stdout
    assert "█" in result.stdout or "▀" in result.stdout  # QR drawn in the terminal
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    onboard = _run(["console", "--db", db], f"/start {code}\n1\n")
    assert "Do you agree?" in onboard.stdout
    bad = _run(["invite", "--db", db, "--expires", "soon"], "")
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_console_logs_workshops_and_staff_get_report_and_export(tmp_path):
    db = tmp_path / "c.db"
    script = (
        # A bare number for the duration is asked back ("3 hours - is that right?"): "yes".
        ":as mentor\n/log\nsoon\n2\nYouth club Kontula\n12\n1\n3\n5\n3\nyes\n2\n"
        "We played a trust game.\n1\n1\n1\n1\n"
        # The second one: "1" for participants is an answer, not a button.
        "/log\n1\n1\n1\n2\n5\n1\nyes\n1\n1\n1\n1\n2\n3\n8\n1\n"
        ":as staff\n/report\n4\n1\n/export\n4\n1\n"
    )
    result = _run(["console", "--db", str(db)], script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "couldn't read that as a date" in out
    assert "Participants: 1\n" in out and "Participants: 8\n" in out
    assert "Workshops: 2" in out and "Participants: 20" in out
    files = tmp_path / "console-files"
    csv_text = next(files.glob("*.csv")).read_text(encoding="utf-8-sig")
    assert csv_text.count("Youth club Kontula") == 2
    assert next(files.glob("*.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
