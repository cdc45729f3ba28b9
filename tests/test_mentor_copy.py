"""Copy: plural forms through Babel's rules, no "(s)"-style hacks, one name per theme."""

from __future__ import annotations

import re

from bot import i18n
from tests.harness import REPO

_HACKS = re.compile(r"\w\((s|es|a|ä|ar|er|or|n)\)", re.IGNORECASE)


def test_no_parenthesised_plural_endings_in_any_language():
    i18n.load()
    for lang in i18n.LANGUAGES:
        for key in i18n.keys(lang):
            text = i18n.t(lang, key)
            assert not _HACKS.search(text), f"{lang}:{key} has a '(s)'-style plural: {text!r}"


def test_plural_forms_follow_each_languages_rules():
    i18n.load()
    assert i18n.t("en", "learn.reflect_got", count=1).startswith("Got it (1 part so far)")
    assert i18n.t("en", "learn.reflect_got", count=2).startswith("Got it (2 parts so far)")
    assert "1 osa " in i18n.t("fi", "learn.reflect_got", count=1)
    assert "3 osaa " in i18n.t("fi", "learn.reflect_got", count=3)
    assert "1 del " in i18n.t("sv", "learn.reflect_got", count=1)
    assert "2 delar " in i18n.t("sv", "learn.reflect_got", count=2)
    assert i18n.t("en", "ws.people_count", count=1) == "1 participant"
    assert i18n.t("fi", "ws.people_count", count=1) == "1 osallistuja"
    assert i18n.t("fi", "ws.people_count", count=12) == "12 osallistujaa"
    assert i18n.plural_category("fi", 1) == "one" and i18n.plural_category("sv", 0) == "other"


def test_plural_forms_fall_back_to_english_and_to_other(tmp_path):
    (tmp_path / "en.yaml").write_text(
        'a:\n  one: "{count} cat"\n  other: "{count} cats"\nb: "plain"\n', encoding="utf-8"
    )
    (tmp_path / "fi.yaml").write_text('a:\n  other: "{count} kissaa"\n', encoding="utf-8")
    try:
        i18n.load(tmp_path)
        assert i18n.t("fi", "a", count=1) == "1 kissaa"  # no "one" form: "other"
        assert i18n.t("sv", "a", count=1) == "1 cat"  # no Swedish at all: English
        assert i18n.t("en", "a") == "{count} cats"
        assert "a" in i18n.keys("fi") and i18n.has("fi", "a")
    finally:
        i18n.load()


def test_topic_names_are_the_section_titles(h):
    for section in h.app.content.sections:
        for lang in i18n.LANGUAGES:
            topic = i18n.t(lang, f"esc.topic_{section.id}")
            assert topic == section.title.get(lang), (lang, section.id)


def test_agreement_labels_carry_no_number_of_their_own():
    i18n.load()
    for lang in i18n.LANGUAGES:
        for score in range(1, 6):
            assert not re.match(r"\d", i18n.t(lang, f"learn.scale_{score}"))


def test_babel_is_a_declared_dependency():
    assert '"Babel' in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_a_started_process_has_every_languages_plural_rules_loaded(monkeypatch):
    """freeze_start_up asks Babel for each language's plural rules (Babel reads them on first
    use, about 45 ms each, which the first person to get a count would otherwise wait)."""
    from bot.app import freeze_start_up

    i18n.load()
    i18n.plural_category.cache_clear()
    monkeypatch.setattr("gc.freeze", lambda: None)  # this test process keeps its collector as is
    freeze_start_up()
    asked = i18n.plural_category.cache_info()
    assert asked.currsize >= len(i18n.LANGUAGES) and asked.hits == 0
    for lang in i18n.LANGUAGES:
        i18n.t(lang, "learn.reflect_got", count=1)
    assert i18n.plural_category.cache_info().hits == len(i18n.LANGUAGES), "no first-use load"
