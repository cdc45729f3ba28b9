"""Content validation: the shipped content is valid, and every rule fires with a line number."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import BITE_MAX, MIN_BITES, MIN_PROMPTS, check_content, load_content
from tests.fakes import cli_zygote

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
S1 = "sections/s1_mental_health.yaml"


def test_shipped_content_is_valid_and_complete():
    ok, lines = check_content(CONTENT)
    assert ok, "\n".join(lines)
    content = load_content(CONTENT)
    assert [s.id for s in content.sections] == ["s1", "s2", "s3", "s4"]
    for section in content.sections:
        assert len(section.bites) >= MIN_BITES
        assert len(section.prompts) >= MIN_PROMPTS
        assert section.check is not None
        for bite in section.bites:
            assert bite.text.has("en") and bite.text.has("fi"), bite.id
            assert len(bite.text.get("fi")) <= BITE_MAX
    assert re.search(r"4 sections, \d+ bites, \d+ prompts", lines[0])
    assert "fi 100%" in lines[0]


def test_shipped_help_numbers_are_the_checked_ones():
    resources = load_content(CONTENT).resources
    numbers = {h.id: h.number for h in resources.helplines}
    assert numbers["emergency"] == "112"
    assert numbers["mieli-fi"] == "09 2525 0111"
    assert numbers["riku"] == "116 006"
    assert [s.id for s in resources.victim_steps] == ["acknowledge", "listen", "refer"]


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a file; returns the 1-based line of the first replacement."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return text[:index].count("\n") + 1


def _errors(directory: Path) -> list[str]:
    ok, lines = check_content(directory)
    assert not ok
    return lines


def _has(errors: list[str], file: str, line: int, words: str) -> bool:
    return any(e.split(": ", 1)[0].endswith(f"{file}:{line}") and words in e for e in errors)


def test_unknown_key_is_an_error_with_its_line(copy):
    line = _edit(copy / S1, "  - id: s1-02\n", "  - id: s1-02\n    colour: blue\n") + 1
    assert _has(_errors(copy), S1, line, "unknown key 'colour'")


def test_too_long_bite_is_an_error(copy):
    path = copy / S1
    text = path.read_text(encoding="utf-8")
    anchor = text.index("    text:\n      en: >-\n", text.index("  - id: s1-01"))
    en_line = text[:anchor].count("\n") + 2
    insert_at = anchor + len("    text:\n      en: >-\n")
    path.write_text(
        text[:insert_at] + "        " + "word " * 150 + "\n" + text[insert_at:], encoding="utf-8"
    )
    errors = _errors(copy)
    assert _has(errors, S1, en_line, "bite s1-01 text (en)")
    assert any("at most 700" in e for e in errors)


def test_duplicate_id_across_sections(copy):
    line = _edit(copy / "sections/s2_individual_in_community.yaml", "- id: s2-03", "- id: s1-03")
    errors = _errors(copy)
    assert _has(errors, "s2_individual_in_community.yaml", line, "'s1-03' is used twice")


def test_missing_prompt_reference(copy):
    line = _edit(copy / S1, "prompt: s1-p1", "prompt: s1-p99")
    assert _has(_errors(copy), S1, line, "no prompt with id 's1-p99'")


def test_missing_english_text(copy):
    section = load_content(CONTENT).section("s1")
    title = section.bites[0].title.get("en")
    line = _edit(copy / S1, f"      en: {title}\n", "") - 1  # the whole line, indent too
    assert _has(_errors(copy), S1, line, "the English text (en) is required")


def test_too_few_bites_and_bad_yaml(copy):
    path = copy / "sections/s4_polarisation_conflict.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: s4-02")
    end = text.index("prompts:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert any("at least 8 bites (1 found)" in e for e in _errors(copy))

    broken = copy / S1
    line = _edit(broken, "bites:\n", "bites:\n  - id: [unclosed\n")
    # the parser notices the unclosed list on the line after it
    assert _has(_errors(copy), S1, line + 2, "not valid YAML")


def test_locale_placeholders_and_unknown_keys(copy):
    fi = copy / "locales/fi.yaml"
    line = _edit(fi, "{language}", "{kieli}")
    errors = _errors(copy)
    assert _has(errors, "locales/fi.yaml", line, "placeholders ['kieli'] differ")
    _edit(fi, "common:\n", 'common:\n  no_such_key: "x"\n')
    assert any("'common.no_such_key' is not in en.yaml" in e for e in _errors(copy))


def test_unknown_crisis_line_and_unknown_file(copy):
    line = _edit(copy / "resources.yaml", "crisis_line: mieli-fi", "crisis_line: nowhere")
    (copy / "extra.yaml").write_text("a: 1\n", encoding="utf-8")
    errors = _errors(copy)
    assert _has(errors, "resources.yaml", line, "no helpline with id 'nowhere'")
    assert any("extra.yaml:1: unknown content file" in e for e in errors)


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return cli_zygote.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_cli_check_ok_and_broken(copy):
    ok = _cli("content", "check")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("content ok: 4 sections")
    line = _edit(copy / S1, "prompt: s1-p1", "prompt: s1-p99")
    bad = _cli("content", "check", str(copy))
    assert bad.returncode == 1
    assert f"s1_mental_health.yaml:{line}: bite s1-01: no prompt with id 's1-p99'" in bad.stderr


def test_shipped_content_gives_every_bite_its_own_prompt():
    ok, lines = check_content(CONTENT)
    assert ok and not [line for line in lines if "warning" in line], lines


def test_a_bite_without_its_own_prompt_is_a_warning_not_an_error(copy):
    line = _edit(copy / S1, "    prompt: s1-p1\n", "")
    _edit(copy / S1, "prompt: s1-p8", "prompt: s1-p2")  # s1-02 now shares s1-03's prompt
    ok, lines = check_content(copy)
    assert ok, lines
    warnings = [x for x in lines if "warning" in x]
    assert any(
        f"{S1}:" in w and "bite s1-01 has no reflective prompt of its own (none given)" in w
        for w in warnings
    ), warnings
    assert any("bite s1-02" in w and "shares s1-p2 with s1-03" in w for w in warnings)
    assert any("bite s1-03" in w and "shares s1-p2 with s1-02" in w for w in warnings)
    cli = _cli("content", "check", str(copy))
    assert cli.returncode == 0 and "warning: bite s1-01" in cli.stdout
    assert line > 1


def test_the_bot_refuses_to_start_on_invalid_content(copy, tmp_path):
    _edit(copy / S1, "prompt: s1-p1", "prompt: s1-p99")
    config = tmp_path / "config.yaml"
    config.write_text(f"content_dir: {copy}\ntelegram:\n  enabled: false\n", encoding="utf-8")
    result = cli_zygote.run(
        [
            sys.executable,
            "-m",
            "bot",
            "console",
            "--config",
            str(config),
            "--db",
            str(tmp_path / "x.db"),
        ],
        input="/start\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no prompt with id 's1-p99'" in result.stderr
    assert "Traceback" not in result.stderr


class _Typist:
    """Lines typed into the console; runs `before_reload` just before ':reload' is read."""

    def __init__(self, lines: list[str], before_reload) -> None:
        self.lines = list(lines)
        self.before_reload = before_reload

    def readline(self) -> str:
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        if line == ":reload":
            self.before_reload()
        return line + "\n"


async def test_console_previews_edited_content_after_reload(copy, tmp_path):
    import io

    from bot.app import App
    from bot.cli.console_session import ConsoleSession
    from bot.config import load_config
    from bot.transports.console import ConsoleTransport
    from storage.choices import PendingChoicesRepo

    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"content_dir: {copy}\n", encoding="utf-8")
    app = App(load_config(config_file, tmp_path / "c.db"))
    out = io.StringIO()
    transport = ConsoleTransport(app.db.repo(PendingChoicesRepo), out=out)
    app.add_transport(transport)
    await app.start()
    title = app.content.section("s1").bites[0].title.get("en")

    def edit() -> None:
        path = copy / S1
        path.write_text(path.read_text().replace(title, "A freshly edited title"))

    try:
        session = ConsoleSession(app, transport)
        await session.become("mentor")
        typist = _Typist(["/learn", "1", "1", ":reload", "/learn", "1", "2"], edit)
        await session.run(typist, out)
    finally:
        await app.stop()
    text = out.getvalue()
    assert "(content reloaded)" in text
    before, after = text.split("(content reloaded)")
    assert title in before and "A freshly edited title" not in before
    assert "A freshly edited title" in after


def test_every_interface_string_is_in_finnish_and_swedish():
    """English is only the fallback: a key missing in fi or sv shows English in the middle of a chat."""
    from bot import i18n

    i18n.load(CONTENT / "locales")
    for lang in ("fi", "sv"):
        assert sorted(i18n.keys("en") - i18n.keys(lang)) == [], lang


def test_canned_replies_are_checked(copy):
    replies = load_content(copy).canned_replies
    assert len(replies) >= 3 and all(r.text.has("fi") and r.text.has("sv") for r in replies)
    _edit(copy / "replies.yaml", "  - id: self-care\n", "  - id: more-details\n")
    errors = _errors(copy)
    assert any("replies.yaml:" in e and "'more-details' used twice" in e for e in errors), errors


def test_a_canned_reply_without_english_names_its_line(copy):
    text = (copy / "replies.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: well-done")
    tail = text[start:].replace("      en: You handled it well\n", "", 1)
    (copy / "replies.yaml").write_text(text[:start] + tail, encoding="utf-8")
    errors = _errors(copy)
    assert any(
        "replies.yaml:" in e and "reply well-done title" in e and "(en)" in e for e in errors
    )
