"""Validating content/: each file against its schema, then the rules across files; errors as file:LINE."""

from __future__ import annotations

import os
import string
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.content.model import (
    CannedReplies,
    Checkins,
    Content,
    Resources,
    Section,
    Text,
)
from bot.content.yamlfile import YamlFile, YamlSyntaxError, load
from bot.i18n import LANGUAGES, flatten

KNOWN_FILES = {"resources.yaml", "checkins.yaml", "replies.yaml"}
# How a list item is named in messages: "bite s1-03", "helpline riku".
_ITEM_NAMES = {
    "bites": "bite",
    "prompts": "prompt",
    "options": "check option",
    "helplines": "helpline",
    "steps": "step",
    "replies": "reply",
}


def display_path(path: Path) -> str:
    """A path as shown in errors: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


class FileCheck:
    """One content file: parse it, validate it against a model, record `file:LINE: message` errors."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.errors = errors
        self.shown = display_path(path)
        self.file: YamlFile | None = None

    def error(self, line: int, message: str) -> None:
        """Record one error."""
        self.errors.append(f"{self.shown}:{line}: {message}")

    def at(self, loc: tuple, message: str) -> None:
        """Record one error at the line of `loc`."""
        self.error(self.file.line(loc) if self.file else 1, message)

    def parse(self) -> object | None:
        """The file's data, or None after recording its syntax error."""
        try:
            self.file = load(self.path)
        except YamlSyntaxError as exc:
            self.error(exc.line, str(exc))
            return None
        for key, line in self.file.duplicate_keys():
            self.error(line, f"key {key!r} appears twice")
        return self.file.data

    def validate(self, model: type[BaseModel], kind: str, context: dict | None = None) -> Any:
        """The file as `model`, or None after recording every error with its line."""
        data = self.parse()
        if data is None:
            return None
        if not isinstance(data, dict):
            self.error(1, f"{kind} must be a mapping of keys")
            return None
        try:
            return model.model_validate(data, context=context)
        except ValidationError as exc:
            for err in exc.errors():
                self.at(err["loc"], _explain(model, data, kind, err))
            return None


def _explain(model: type[BaseModel], data: object, kind: str, err: dict) -> str:
    """An author's message for one pydantic error: what (named from the data) and what is wrong."""
    loc = tuple(err["loc"])
    parent_model = _model_at(model, loc[:-1])
    what = _what(data, loc[:-1], kind)
    key = loc[-1] if loc else None
    reason = err["msg"].removeprefix("Value error, ")
    text_field = parent_model is not None and issubclass(parent_model, Text)
    if err["type"] == "extra_forbidden":
        if text_field:
            return f"{what}: unknown language {key!r} (use {', '.join(LANGUAGES)})"
        allowed = ", ".join(sorted(_aliases(parent_model))) if parent_model else ""
        return f"{what}: unknown key {key!r} (allowed: {allowed})"
    if err["type"] == "missing":
        if text_field and key == "en":
            return f"{what}: the English text (en) is required as the fallback"
        return f"{what}: missing key {key!r}"
    if text_field:
        return f"{what} ({key}): {reason}"
    whole = _what(data, loc, kind)
    field_model = _model_at(model, loc)
    if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
        if field_model is not None and issubclass(field_model, Text):
            return f"{whole}: give the text per language, e.g. 'en: ...'"
        return f"{whole} must be a mapping of keys"
    if err["type"] in ("tuple_type", "list_type"):
        return f"{whole} must be a list"
    if isinstance(key, str) and reason.startswith(key):  # "order must be ...": name it once
        return f"{what}: {reason}"
    return f"{whole}: {reason}"


def _what(data: object, loc: tuple, kind: str) -> str:
    """Name the thing at `loc`: 'bite s1-03 text', 'helpline riku', 'check option b'."""
    words = [kind]
    node = data
    for index, part in enumerate(loc):
        if isinstance(part, int) and index and loc[index - 1] in _ITEM_NAMES:
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            words = [_ITEM_NAMES[loc[index - 1]]] + ([str(ident)] if ident else [])
        elif isinstance(part, str) and part not in _ITEM_NAMES:
            words.append(part)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (
                node[part]
                if isinstance(node, list) and isinstance(part, int) and part < len(node)
                else None
            )
        )
    return " ".join(words)


def _model_at(model: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    """The model class validating the value at `loc` (None for plain values)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = _field(current, part)
        if field is None:
            return None
        current = _inner(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field(model: type[BaseModel], name: str):
    for field_name, field in model.model_fields.items():
        if name in (field_name, field.alias):
            return field
    return None


def _inner(annotation: Any) -> Any:
    """The model inside Optional[...], tuple[X, ...] or dict[str, X]."""
    for arg in (typing.get_args(annotation) or (annotation,))[::-1]:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _inner(arg) if typing.get_args(arg) else None
        if inner is not None:
            return inner
    return annotation


def _aliases(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items() if name != "section_id"}


# --- the whole folder ---------------------------------------------------------------------------


def validate(directory: Path) -> tuple[Content | None, list[str]]:
    """Every content file and the rules across them: (Content, []) or (None, errors)."""
    content, errors, _ = validate_with_warnings(directory)
    return content, errors


def validate_with_warnings(directory: Path) -> tuple[Content | None, list[str], list[str]]:
    """As validate(), with warnings that do not stop the bot (e.g. a bite without its own prompt)."""
    errors: list[str] = []
    warnings: list[str] = []
    directory = Path(directory)
    if not directory.is_dir():
        return None, [f"{display_path(directory)}:1: no such content directory"], []
    for path in sorted(directory.glob("*.yaml")):
        if path.name not in KNOWN_FILES:
            known = ", ".join(sorted(KNOWN_FILES))
            errors.append(
                f"{display_path(path)}:1: unknown content file (known: {known}, sections/, locales/)"
            )
    if not (directory / "sections").is_dir():
        errors.append(f"{display_path(directory)}:1: the sections/ folder is missing")
    sections = []
    for path in sorted((directory / "sections").glob("*.yaml")):
        check = FileCheck(path, errors)
        section = check.validate(Section, "section", {"root": directory})
        if section is not None:
            sections.append((section, check))
    _cross_check(sections, errors)
    _own_prompts(sections, warnings)
    resources = _resources(directory / "resources.yaml", errors)
    checkins = _checkins(directory / "checkins.yaml", errors, {s.id for s, _ in sections})
    replies = _optional(directory / "replies.yaml", CannedReplies, "replies", errors)
    check_locales(directory / "locales", errors)
    if errors:
        return None, errors, warnings
    questions: dict[str, Text] = {}
    if checkins is not None:
        questions = {"default": checkins.default, **checkins.themes}
    ordered = tuple(sorted((s for s, _ in sections), key=lambda s: s.order))
    canned = replies.replies if replies is not None else ()
    return Content(ordered, resources, questions, canned), [], warnings


def _optional(path: Path, model: type[BaseModel], kind: str, errors: list[str]) -> Any:
    return FileCheck(path, errors).validate(model, kind) if path.is_file() else None


def _cross_check(sections: list[tuple[Section, FileCheck]], errors: list[str]) -> None:
    """Rules across sections: unique ids and orders, prompt references that exist."""
    seen_sections: dict[str, str] = {}
    seen_orders: dict[int, str] = {}
    seen_ids: dict[str, str] = {}
    prompt_ids = {p.id for s, _ in sections for p in s.prompts}
    for section, check in sections:
        if section.id in seen_sections:
            check.error(1, f"section id {section.id!r} also used in {seen_sections[section.id]}")
        seen_sections[section.id] = check.shown
        if section.order in seen_orders:
            check.error(1, f"order {section.order} also used in {seen_orders[section.order]}")
        seen_orders[section.order] = check.shown
        items = [("bites", i, b) for i, b in enumerate(section.bites)]
        items += [("prompts", i, p) for i, p in enumerate(section.prompts)]
        for key, index, item in items:
            if item.id in seen_ids:
                check.at((key, index, "id"), f"id {item.id!r} is used twice ({seen_ids[item.id]})")
            seen_ids[item.id] = check.shown
        for index, bite in enumerate(section.bites):
            if bite.prompt_id and bite.prompt_id not in prompt_ids:
                check.at(
                    ("bites", index, "prompt"),
                    f"bite {bite.id}: no prompt with id {bite.prompt_id!r}",
                )


def _own_prompts(sections: list[tuple[Section, FileCheck]], warnings: list[str]) -> None:
    """A warning for each bite without a reflective prompt of its own (none, or shared)."""
    users: dict[str, list[str]] = {}
    for section, _ in sections:
        for bite in section.bites:
            if bite.prompt_id:
                users.setdefault(bite.prompt_id, []).append(bite.id)
    for section, check in sections:
        for index, bite in enumerate(section.bites):
            shared = [b for b in users.get(bite.prompt_id or "", []) if b != bite.id]
            if bite.prompt_id and not shared:
                continue
            why = f"shares {bite.prompt_id} with {', '.join(shared)}" if shared else "none given"
            line = check.file.line(("bites", index, "id")) if check.file else 1
            warnings.append(
                f"{check.shown}:{line}: warning: bite {bite.id} has no reflective prompt of its "
                f"own ({why}); mentors then get a general question about it"
            )


def _resources(path: Path, errors: list[str]) -> Resources | None:
    if not path.is_file():
        return None
    check = FileCheck(path, errors)
    resources = check.validate(Resources, "resources")
    if resources is None:
        return None
    ids = {h.id for h in resources.helplines}
    if resources.crisis_line not in ids:
        check.at(("crisis_line",), f"crisis_line: no helpline with id {resources.crisis_line!r}")
    for ref in resources.victim_contacts:
        if ref not in ids:
            check.at(
                ("victim_support", "contacts"), f"victim_support contacts: no helpline {ref!r}"
            )
    return resources


def _checkins(path: Path, errors: list[str], section_ids: set[str]) -> Checkins | None:
    if not path.is_file():
        return None
    check = FileCheck(path, errors)
    checkins = check.validate(Checkins, "checkins")
    for theme in checkins.themes if checkins else ():
        if theme not in section_ids:
            allowed = ", ".join(sorted(section_ids))
            check.at(
                ("themes", theme), f"checkins themes: unknown key {theme!r} (allowed: {allowed})"
            )
    return checkins


# --- UI strings -----------------------------------------------------------------------------------


def check_locales(directory: Path, errors: list[str]) -> None:
    """UI strings: every key exists in English and placeholders match it."""
    if not (directory / "en.yaml").is_file():
        errors.append(
            f"{display_path(directory)}:1: locales/en.yaml is missing (English UI strings)"
        )
        return
    files: dict[str, tuple[FileCheck, dict]] = {}
    for path in sorted(directory.glob("*.yaml")):
        check = FileCheck(path, errors)
        if path.stem not in LANGUAGES:
            check.error(1, f"unknown language file (use {', '.join(LANGUAGES)})")
            continue
        data = check.parse()
        if isinstance(data, dict):
            _string_keys(data, (), check)
            files[path.stem] = (check, data)
    if "en" not in files:
        return
    english = flatten(files["en"][1])
    for lang, (check, data) in files.items():
        if lang == "en":
            continue
        for key, text in flatten(data).items():
            loc = tuple(key.split("."))
            if key not in english:
                check.at(loc, f"UI string {key!r} is not in en.yaml")
            elif _fields(text) != _fields(english[key]):
                check.at(
                    loc,
                    f"UI string {key!r}: placeholders {sorted(_fields(text))} differ from "
                    f"English {sorted(_fields(english[key]))}",
                )


def _string_keys(tree: dict, loc: tuple, check: FileCheck) -> None:
    for key, value in tree.items():
        if not isinstance(key, str):
            check.at(
                (*loc, key),
                f"key {key!r} is not text (YAML reads yes/no/on/off as true/false: rename or "
                "quote the key)",
            )
        if isinstance(value, dict):
            _string_keys(value, (*loc, key), check)


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<bad braces>"}
