"""Validating the other content files: resources, safety signals, check-in questions, UI strings."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.content_model import Helpline, Resources, SupportStep, Text
from bot.content_sections import (
    BITE_MAX,
    INTRO_MAX,
    PROMPT_MAX,
    SIGNAL_CATEGORIES,
    TITLE_MAX,
    Checker,
    display_path,
    load_yaml,
)
from bot.i18n import LANGUAGES, flatten
from bot.yamlines import LineDict, line_of


def check_resources(path: Path, errors: list[str]) -> Resources | None:
    """content/resources.yaml as Resources, or None (errors recorded)."""
    data = load_yaml(path, errors)
    if data is None:
        return None
    c = Checker(path, errors)
    top = c.mapping(data, 1, "resources", {"crisis_line", "helplines", "victim_support"}, set())
    if top is None:
        return None
    helplines = []
    for index, raw in enumerate(c.sequence(top, "helplines", "helplines")):
        item = c.mapping(
            raw,
            line_of(top["helplines"], index),
            "helpline",
            {"id", "name", "number", "when"},
            {"url", "languages"},
        )
        if item is None:
            continue
        hid = c.ident(item, "id", "helpline")
        name = c.text(item, "name", f"helpline {hid} name", 80)
        when = c.text(item, "when", f"helpline {hid} when", 300)
        number = item.get("number")
        if not isinstance(number, str) or not re.fullmatch(r"[0-9 +]{3,20}", number):
            c.error(
                line_of(item, "number"), f'helpline {hid}: number must be quoted digits, e.g. "112"'
            )
            number = None
        url = c.url(item, "url", f"helpline {hid}")
        languages = item.get("languages", [])
        if not isinstance(languages, list) or any(lang not in LANGUAGES for lang in languages):
            c.error(
                line_of(item, "languages"), f"helpline {hid}: languages from {', '.join(LANGUAGES)}"
            )
            languages = []
        if hid and name and when and number:
            helplines.append(Helpline(hid, name, number, when, url, tuple(languages)))
    ids = {h.id for h in helplines}
    crisis = top.get("crisis_line")
    if crisis is not None and crisis not in ids:
        c.error(line_of(top, "crisis_line"), f"crisis_line: no helpline with id {crisis!r}")
    victim = (
        c.mapping(
            top.get("victim_support"),
            line_of(top, "victim_support"),
            "victim_support",
            {"title", "intro", "steps", "contacts"},
            set(),
        )
        if "victim_support" in top
        else None
    )
    steps: list[SupportStep] = []
    contacts: list[str] = []
    title = intro = None
    if victim is not None:
        title = c.text(victim, "title", "victim_support title", TITLE_MAX)
        intro = c.text(victim, "intro", "victim_support intro", INTRO_MAX)
        for index, raw in enumerate(c.sequence(victim, "steps", "victim_support steps")):
            item = c.mapping(
                raw, line_of(victim["steps"], index), "step", {"id", "title", "text"}, set()
            )
            if item is None:
                continue
            sid = c.ident(item, "id", "step")
            stitle = c.text(item, "title", f"step {sid} title", TITLE_MAX)
            stext = c.text(item, "text", f"step {sid} text", BITE_MAX)
            if sid and stitle and stext:
                steps.append(SupportStep(sid, stitle, stext))
        for ref in c.sequence(victim, "contacts", "victim_support contacts"):
            if ref not in ids:
                c.error(
                    line_of(victim, "contacts"), f"victim_support contacts: no helpline {ref!r}"
                )
            else:
                contacts.append(ref)
    if not (crisis in ids and title and intro):
        return None
    return Resources(crisis, tuple(helplines), title, intro, tuple(steps), tuple(contacts))


def check_safety(path: Path, errors: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """content/safety.yaml as {language: {category: phrases}}."""
    data = load_yaml(path, errors)
    if data is None:
        return {}
    c = Checker(path, errors)
    top = c.mapping(data, 1, "safety", {"signals"}, set())
    if top is None:
        return {}
    signals = c.mapping(
        top.get("signals"), line_of(top, "signals"), "signals", set(), set(LANGUAGES)
    )
    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang, categories in (signals or {}).items():
        if lang not in LANGUAGES:
            continue
        cats = c.mapping(
            categories, line_of(signals, lang), f"signals {lang}", set(), set(SIGNAL_CATEGORIES)
        )
        result[lang] = {}
        for category, phrases in (cats or {}).items():
            if category not in SIGNAL_CATEGORIES:
                continue
            if not isinstance(phrases, list) or not all(
                isinstance(p, str) and p.strip() for p in phrases
            ):
                c.error(line_of(cats, category), f"signals {lang} {category}: a list of phrases")
                continue
            result[lang][category] = tuple(p.strip() for p in phrases)
    return result


def check_checkins(path: Path, errors: list[str], section_ids: set[str]) -> dict[str, Text]:
    """content/checkins.yaml as {'default' or section id: Text}."""
    data = load_yaml(path, errors)
    if data is None:
        return {}
    c = Checker(path, errors)
    top = c.mapping(data, 1, "checkins", {"default"}, {"themes"})
    if top is None:
        return {}
    result: dict[str, Text] = {}
    default = c.text(top, "default", "checkins default", PROMPT_MAX * 2)
    if default:
        result["default"] = default
    themes = top.get("themes")
    if themes is not None:
        themes_map = c.mapping(
            themes, line_of(top, "themes"), "checkins themes", set(), section_ids
        )
        for sid in themes_map or {}:
            if sid in section_ids:
                text = c.text(themes_map, sid, f"checkins theme {sid}", PROMPT_MAX * 2)
                if text:
                    result[sid] = text
    return result


def check_locales(directory: Path, errors: list[str]) -> None:
    """UI strings: every key exists in English and placeholders match it."""
    en_path = directory / "en.yaml"
    if not en_path.is_file():
        errors.append(
            f"{display_path(directory)}:1: locales/en.yaml is missing (English UI strings)"
        )
        return
    files: dict[str, tuple[Path, LineDict]] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem not in LANGUAGES:
            errors.append(
                f"{display_path(path)}:1: unknown language file (use {', '.join(LANGUAGES)})"
            )
            continue
        data = load_yaml(path, errors)
        if isinstance(data, LineDict):
            files[path.stem] = (path, data)
    for path, data in files.values():
        _string_keys(data, path, errors)
    if "en" not in files:
        return
    english = flatten(files["en"][1])
    for lang, (path, data) in files.items():
        if lang == "en":
            continue
        for key, text in flatten(data).items():
            line = _key_line(data, key)
            if key not in english:
                errors.append(f"{display_path(path)}:{line}: UI string {key!r} is not in en.yaml")
            elif _fields(text) != _fields(english[key]):
                errors.append(
                    f"{display_path(path)}:{line}: UI string {key!r}: placeholders "
                    f"{sorted(_fields(text))} differ from English {sorted(_fields(english[key]))}"
                )


def _string_keys(tree: LineDict, path: Path, errors: list[str]) -> None:
    for key, value in tree.items():
        if not isinstance(key, str):
            errors.append(
                f"{display_path(path)}:{line_of(tree, key)}: key {key!r} is not text "
                "(YAML reads yes/no/on/off as true/false: rename or quote the key)"
            )
        if isinstance(value, LineDict):
            _string_keys(value, path, errors)


def _key_line(tree: LineDict, dotted: str) -> int:
    node: object = tree
    line = 1
    for part in dotted.split("."):
        if not isinstance(node, LineDict) or part not in node:
            break
        line = line_of(node, part)
        node = node[part]
    return line


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<bad braces>"}
