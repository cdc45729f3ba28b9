"""Core pieces: config, i18n coverage, migrations, numbered choices, timing."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.clock import in_quiet_hours, next_allowed
from bot.config import ConfigError, load_config
from bot.messages import Choice, Outgoing
from bot.transports.numbered import interpret, render
from storage.db import Database, available_migrations

REPO = Path(__file__).resolve().parent.parent

_KEY_PATTERNS = [
    re.compile(r"""\bt\(\s*(?:[\w.]+,\s*)?f?["']([a-z_]+\.[a-z0-9_.{}]+)["']"""),
    re.compile(r"""help_key=f?["']([a-z_]+\.[a-z0-9_.{}]+)["']"""),
    re.compile(r"""label_key=f?["']([a-z_]+\.[a-z0-9_.{}]+)["']"""),
    re.compile(r"""button\(\s*f?["'][^"']*["'],\s*f?["']([a-z_]+\.[a-z0-9_.{}]+)["']"""),
    re.compile(r"""MenuItem\(\s*["'][^"']*["'],\s*["']([a-z_]+\.[a-z0-9_.]+)["']"""),
]


def _keys_used_in_code() -> set[str]:
    used = set()
    for path in (REPO / "bot").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern in _KEY_PATTERNS:
            used.update(pattern.findall(source))
    return used


def test_every_ui_key_used_in_code_exists_in_english():
    i18n.load()
    english = i18n.keys("en")
    missing = []
    for key in sorted(_keys_used_in_code()):
        if "{" in key:  # f-string: some key with this prefix must exist
            prefix = key.split("{", 1)[0]
            if not any(k.startswith(prefix) for k in english):
                missing.append(key)
        elif key not in english:
            missing.append(key)
    assert not missing, f"keys missing from content/locales/en.yaml: {missing}"
    assert len(_keys_used_in_code()) > 20, "the key scan found too little: pattern broken?"


def test_translations_keep_placeholders():
    i18n.load()
    fields = re.compile(r"{(\w+)}")
    for lang in ("fi", "sv"):
        for key in i18n.keys(lang):
            en = set(fields.findall(i18n.t("en", key)))
            other = set(fields.findall(i18n.t(lang, key)))
            assert en == other, f"{lang}:{key} placeholders {other} != {en}"


def test_language_falls_back_to_english(tmp_path):
    (tmp_path / "en.yaml").write_text('a: "Hello {name}"\nb: "Only in English"\n', encoding="utf-8")
    (tmp_path / "sv.yaml").write_text('a: "Hej {name}"\n', encoding="utf-8")
    try:
        i18n.load(tmp_path)
        assert i18n.t("sv", "a", name="Eva") == "Hej Eva"
        assert i18n.t("sv", "b") == "Only in English"
        assert i18n.t("fi", "a", name="Eva") == "Hello Eva"
    finally:
        i18n.load()


def test_example_config_loads():
    config = load_config(REPO / "config.example.yaml")
    assert config.bot.timezone == "Europe/Helsinki"
    assert config.telegram.token_env == "TELEGRAM_BOT_TOKEN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("telegram:\n  tokn_env: X\n", "telegram.tokn_env: unknown key"),
        ("bot:\n  timezone: Mars/Olympus\n", "bot.timezone"),
        ("features:\n  broadcasts:\n    workers: many\n", "features.broadcasts.workers"),
        ("features:\n  checkins:\n    at: noon\n", "features.checkins.at"),
        ("features:\n  nosuch: {}\n", "features.nosuch: unknown key"),
        ("bot: [1, 2\n", "not valid YAML at line"),
        ("telegram:\n  mode: webhook\n", "telegram.webhook"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("telegram:\n  experts_group_id: -100123\n", 'team: {experts_chat: "telegram:-100123"}'),
        ("team:\n  experts_chat: whatsapp:12\n", "team.experts_chat"),
        ('team:\n  experts_chat: "telegram:abc"\n', "a Telegram chat id is a number"),
    ],
)
def test_bad_config_is_explained(tmp_path, text, expected):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_run_with_bad_config_exits_2_without_traceback(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  enabled: maybe\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2
    assert "telegram.enabled" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_missing_config_and_missing_token(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  token_env: REMAP_TEST_NO_SUCH_TOKEN\n")
    no_token = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path), "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert no_token.returncode == 2
    assert "REMAP_TEST_NO_SUCH_TOKEN" in no_token.stderr and "Traceback" not in no_token.stderr


async def test_database_is_private_and_migrated(tmp_path):
    db = Database(tmp_path / "sub" / "bot.db")
    await db.open()
    try:
        mode = stat.S_IMODE((tmp_path / "sub" / "bot.db").stat().st_mode)
        assert mode == 0o600
        version = await db.scalar("PRAGMA user_version")
        assert version == available_migrations()[-1][0]
        assert await db.scalar("PRAGMA foreign_keys") == 1
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.migrate() == version  # idempotent
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(tmp_path):
    db = Database(tmp_path / "bot.db")
    await db.open()
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO audit_log (at, action) VALUES ('2026-01-01', 'x')")
                raise RuntimeError("boom")
        assert await db.scalar("SELECT COUNT(*) FROM audit_log") == 0
    finally:
        await db.close()


def test_numbered_choices():
    choices = [Choice("a:1", "Yes"), Choice("a:2", "Not now"), Choice("a:3", "Cancel")]
    assert interpret("2", choices).id == "a:2"
    assert interpret(" 2 ", choices).id == "a:2"
    assert interpret("2.", choices).id == "a:2"
    assert interpret("not NOW", choices).id == "a:2"
    assert interpret("7", choices) == 3  # out of range: the count, so the bot can say 1-3
    assert interpret("0", choices) == 3
    assert interpret("hello", choices) is None
    assert interpret("2", []) is None
    text = render(Outgoing.with_buttons("Pick", choices, Choice("x", "Site", url="https://x.fi")))
    assert "1. Yes\n2. Not now\n3. Cancel" in text
    assert "Site: https://x.fi" in text
    assert "1 to 3" in text
    one = render(Outgoing.with_buttons("Done?", [Choice("a:1", "Back to menu")]))
    assert one.endswith("1. Back to menu\n\nReply with 1."), "not 'from 1 to 1'"


def test_choice_ids_are_limited_to_64_bytes():
    Choice("x" * 64, "ok")
    with pytest.raises(ValueError):
        Choice("ä" * 33, "too long in bytes")


def test_quiet_hours_wrap_midnight_and_follow_dst():
    tz = ZoneInfo("Europe/Helsinki")
    start, end = time(21), time(8)
    late = datetime(2026, 3, 28, 20, 30, tzinfo=UTC)  # 22:30 Helsinki (UTC+2)
    assert in_quiet_hours(late, tz, start, end)
    after = next_allowed(late, tz, start, end)
    # the night of the spring DST change: 08:00 on 29 March is UTC+3, so 05:00 UTC
    assert after == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    noon = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    assert next_allowed(noon, tz, start, end) == noon
