"""Validating section files: a line-aware checker, sections with bites, prompts and the check."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.content_model import (
    Bite,
    Check,
    CheckOption,
    Link,
    Prompt,
    Section,
    Text,
)
from bot.i18n import LANGUAGES
from bot.yamlines import LineDict, LineList, YamlSyntaxError, line_of, load_with_lines

MIN_BITES = 8
MIN_PROMPTS = 3
TITLE_MAX = 60
BITE_MAX = 700
INTRO_MAX = 700
PROMPT_MAX = 300
QUESTION_MAX = 300
OPTION_MAX = 100
FEEDBACK_MAX = 400
ID_MAX = 24  # keeps every choice id ("learn:reflect:<bite>") far below Telegram's 64 bytes
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SIGNAL_CATEGORIES = ("self_harm", "danger")


class Checker:
    """Collects `file:LINE: message` errors while building dataclasses from one file."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.errors = errors
        self.shown = display_path(path)

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.shown}:{line}: {message}")

    def mapping(
        self, value: object, line: int, what: str, required: set[str], optional: set[str]
    ) -> LineDict | None:
        if not isinstance(value, dict):
            self.error(line, f"{what} must be a mapping of keys")
            return None
        assert isinstance(value, LineDict)
        for key, dup_line in value.duplicates:
            self.error(dup_line, f"{what}: key {key!r} appears twice")
        for key in value:
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.error(line_of(value, key), f"{what}: unknown key {key!r} (allowed: {allowed})")
        for key in sorted(required - set(value)):
            self.error(value.line, f"{what}: missing key {key!r}")
        return value

    def sequence(self, parent: LineDict, key: str, what: str) -> LineList:
        value = parent.get(key)
        if value is None:
            return LineList()
        if not isinstance(value, list):
            self.error(line_of(parent, key), f"{what} must be a list")
            return LineList()
        return value  # type: ignore[return-value]

    def ident(self, parent: LineDict, key: str, what: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _ID.match(value) or len(value) > ID_MAX:
            self.error(
                line_of(parent, key),
                f"{what}: id {value!r} must be lowercase letters, digits and '-', "
                f"at most {ID_MAX} characters",
            )
            return None
        return value

    def text(self, parent: LineDict, key: str, what: str, limit: int) -> Text | None:
        value = parent.get(key)
        line = line_of(parent, key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(line, f"{what}: give the text per language, e.g. 'en: ...'")
            return None
        texts: dict[str, str] = {}
        for lang, text in value.items():
            text_line = line_of(value, lang)
            if lang not in LANGUAGES:
                self.error(
                    text_line, f"{what}: unknown language {lang!r} (use {', '.join(LANGUAGES)})"
                )
                continue
            if not isinstance(text, str) or not text.strip():
                self.error(text_line, f"{what} ({lang}): must be non-empty text")
                continue
            text = text.strip()
            if len(text) > limit:
                self.error(text_line, f"{what} ({lang}): {len(text)} characters, at most {limit}")
            texts[lang] = text
        if "en" not in value:
            self.error(line, f"{what}: the English text (en) is required as the fallback")
        if "en" not in texts:
            return None
        return Text(texts)

    def url(self, parent: LineDict, key: str, what: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not re.match(r"^https://\S+$", value):
            self.error(line_of(parent, key), f"{what}: a link must start with https://")
            return None
        return value


def display_path(path: Path) -> str:
    """A path as shown in errors: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_yaml(path: Path, errors: list[str]) -> object | None:
    """A YAML file with line numbers, or None after recording its syntax error."""
    try:
        return load_with_lines(path)
    except YamlSyntaxError as exc:
        errors.append(f"{display_path(path)}:{exc.line}: {exc}")
        return None


def check_section(path: Path, errors: list[str], root: Path) -> Section | None:
    """One section file as a Section, or None (errors recorded)."""
    data = load_yaml(path, errors)
    if data is None:
        return None
    c = Checker(path, errors)
    top = c.mapping(
        data,
        1,
        "section",
        {"id", "order", "title", "intro", "bites", "prompts"},
        {"check"},
    )
    if top is None:
        return None
    section_id = c.ident(top, "id", "section")
    order = top.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 1):
        c.error(line_of(top, "order"), "section: order must be a whole number from 1")
        order = None
    title = c.text(top, "title", "section title", TITLE_MAX)
    intro = c.text(top, "intro", "section intro", INTRO_MAX)
    sid = section_id or "?"
    prompts = []
    for index, raw in enumerate(c.sequence(top, "prompts", "prompts")):
        item = c.mapping(raw, line_of(top["prompts"], index), "prompt", {"id", "text"}, set())
        if item is None:
            continue
        pid = c.ident(item, "id", "prompt")
        text = c.text(item, "text", f"prompt {pid}", PROMPT_MAX)
        if pid and text:
            prompts.append((Prompt(pid, sid, text), line_of(item, "id")))
    bites = []
    bite_ids = []  # (bite, line of its id): where a duplicate id is reported
    for index, raw in enumerate(c.sequence(top, "bites", "bites")):
        item = c.mapping(
            raw,
            line_of(top["bites"], index),
            "bite",
            {"id", "title", "text"},
            {"prompt", "link", "image"},
        )
        if item is None:
            continue
        bid = c.ident(item, "id", "bite")
        title_t = c.text(item, "title", f"bite {bid} title", TITLE_MAX)
        text_t = c.text(item, "text", f"bite {bid} text", BITE_MAX)
        prompt_ref = item.get("prompt")
        if prompt_ref is not None and not isinstance(prompt_ref, str):
            c.error(line_of(item, "prompt"), f"bite {bid}: prompt must be a prompt id")
            prompt_ref = None
        link = None
        if "link" in item:
            raw_link = c.mapping(
                item["link"], line_of(item, "link"), f"bite {bid} link", {"url", "label"}, set()
            )
            if raw_link is not None:
                url = c.url(raw_link, "url", f"bite {bid} link")
                label = c.text(raw_link, "label", f"bite {bid} link label", TITLE_MAX)
                link = Link(url, label) if url and label else None
        image = None
        if "image" in item:
            image = _image(c, item, root, bid)
        if bid and title_t and text_t:
            bite = Bite(bid, sid, title_t, text_t, prompt_ref, link, image)
            bites.append((bite, line_of(item, "prompt")))
            bite_ids.append((bite, line_of(item, "id")))
    if "bites" in top and len(bites) < MIN_BITES:
        c.error(
            line_of(top, "bites"),
            f"a section needs at least {MIN_BITES} bites ({len(bites)} found)",
        )
    if "prompts" in top and len(prompts) < MIN_PROMPTS:
        c.error(
            line_of(top, "prompts"),
            f"a section needs at least {MIN_PROMPTS} reflective prompts ({len(prompts)} found)",
        )
    check = _check(c, top) if "check" in top else None
    if not (section_id and order and title and intro):
        return None
    section = Section(
        section_id,
        order,
        title,
        intro,
        tuple(b for b, _ in bites),
        tuple(p for p, _ in prompts),
        check,
    )
    object.__setattr__(
        section, "_lines", {"bites": bites, "bite_ids": bite_ids, "prompts": prompts, "path": path}
    )
    return section


def _image(c: Checker, item: LineDict, root: Path, bid: str | None) -> Path | None:
    value = item["image"]
    line = line_of(item, "image")
    if not isinstance(value, str) or not value.lower().endswith(_IMAGE_SUFFIXES):
        c.error(line, f"bite {bid}: image must be a .png or .jpg file under content/")
        return None
    path = (root / value).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        c.error(line, f"bite {bid}: image file {value!r} not found under {display_path(root)}")
        return None
    return path


def _check(c: Checker, top: LineDict) -> Check | None:
    raw = c.mapping(top["check"], line_of(top, "check"), "check", {"question", "options"}, set())
    if raw is None:
        return None
    question = c.text(raw, "question", "check question", QUESTION_MAX)
    options = []
    seen: set[str] = set()
    raw_options = c.sequence(raw, "options", "check options")
    for index, item_raw in enumerate(raw_options):
        item = c.mapping(
            item_raw,
            line_of(raw_options, index),
            "check option",
            {"id", "text", "correct", "feedback"},
            set(),
        )
        if item is None:
            continue
        oid = c.ident(item, "id", "check option")
        if oid in seen:
            c.error(line_of(item, "id"), f"check option id {oid!r} used twice")
        seen.add(oid or "")
        correct = item.get("correct")
        if not isinstance(correct, bool):
            c.error(line_of(item, "correct"), "check option: correct must be true or false")
        text = c.text(item, "text", f"check option {oid}", OPTION_MAX)
        feedback = c.text(item, "feedback", f"check option {oid} feedback", FEEDBACK_MAX)
        if oid and text and feedback and isinstance(correct, bool):
            options.append(CheckOption(oid, text, correct, feedback))
    if not 2 <= len(raw_options) <= 5:
        c.error(line_of(raw, "options"), "a check needs 2 to 5 options")
    if sum(1 for o in options if o.correct) != 1 and len(options) == len(raw_options):
        c.error(line_of(raw, "options"), "a check needs exactly one option with correct: true")
    if question is None or len(options) != len(raw_options):
        return None
    return Check(question, tuple(options))


def cross_check(sections: list[Section], errors: list[str]) -> None:
    """Rules across sections: unique ids and orders, prompt references that exist."""
    seen_sections: dict[str, str] = {}
    seen_orders: dict[int, str] = {}
    seen_ids: dict[str, str] = {}
    prompt_ids = {p.id for s in sections for p in s.prompts}
    for section in sections:
        lines = section._lines  # type: ignore[attr-defined]
        shown = display_path(lines["path"])
        if section.id in seen_sections:
            errors.append(
                f"{shown}:1: section id {section.id!r} also used in {seen_sections[section.id]}"
            )
        seen_sections[section.id] = shown
        if section.order in seen_orders:
            errors.append(
                f"{shown}:1: order {section.order} also used in {seen_orders[section.order]}"
            )
        seen_orders[section.order] = shown
        for item, line in [*lines["bite_ids"], *lines["prompts"]]:
            if item.id in seen_ids:
                errors.append(f"{shown}:{line}: id {item.id!r} is used twice ({seen_ids[item.id]})")
            seen_ids[item.id] = shown
        for bite, prompt_line in lines["bites"]:
            if bite.prompt_id and bite.prompt_id not in prompt_ids:
                errors.append(
                    f"{shown}:{prompt_line}: bite {bite.id}: no prompt with id {bite.prompt_id!r}"
                )
