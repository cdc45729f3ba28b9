"""Training content from content/*.yaml into frozen dataclasses; strict validation with line numbers."""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n import LANGUAGES, flatten
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


class ContentError(Exception):
    """Invalid content; `errors` are lines of the form `path/file.yaml:LINE: message`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} content error(s)")
        self.errors = errors


@dataclass(frozen=True)
class Text:
    """A text in several languages; a missing language falls back to English."""

    values: Mapping[str, str]

    def get(self, lang: str | None) -> str:
        """The text in `lang`, else English."""
        return self.values.get(lang or "en") or self.values["en"]

    def has(self, lang: str) -> bool:
        """True when the text exists in `lang` itself."""
        return bool(self.values.get(lang))


@dataclass(frozen=True)
class Link:
    """A web link shown as a button."""

    url: str
    label: Text


@dataclass(frozen=True)
class Bite:
    """One idea, readable on a phone in under a minute."""

    id: str
    section_id: str
    title: Text
    text: Text
    prompt_id: str | None = None
    link: Link | None = None
    image: Path | None = None


@dataclass(frozen=True)
class Prompt:
    """A reflective question for the mentor's journal."""

    id: str
    section_id: str
    text: Text


@dataclass(frozen=True)
class CheckOption:
    """One answer of a section's check question, with feedback on choosing it."""

    id: str
    text: Text
    correct: bool
    feedback: Text


@dataclass(frozen=True)
class Check:
    """A one-question multiple-choice check."""

    question: Text
    options: tuple[CheckOption, ...]

    def option(self, option_id: str) -> CheckOption | None:
        """The option with this id."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Section:
    """A section of the community mentoring model."""

    id: str
    order: int
    title: Text
    intro: Text
    bites: tuple[Bite, ...]
    prompts: tuple[Prompt, ...]
    check: Check | None = None


@dataclass(frozen=True)
class Helpline:
    """A place to get help, with its number."""

    id: str
    name: Text
    number: str
    when: Text
    url: str | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupportStep:
    """One step of good practice in supporting victims and survivors."""

    id: str
    title: Text
    text: Text


@dataclass(frozen=True)
class Resources:
    """Where to get help in Finland, and victim support good practice."""

    crisis_line: str
    helplines: tuple[Helpline, ...]
    victim_title: Text
    victim_intro: Text
    victim_steps: tuple[SupportStep, ...]
    victim_contacts: tuple[str, ...]

    def helpline(self, helpline_id: str) -> Helpline:
        """The helpline with this id (validated to exist)."""
        return next(h for h in self.helplines if h.id == helpline_id)


@dataclass(frozen=True)
class Content:
    """All content, validated."""

    sections: tuple[Section, ...]
    resources: Resources | None
    safety_signals: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    checkin_questions: Mapping[str, Text] = field(default_factory=dict)

    def section(self, section_id: str) -> Section | None:
        """A section by id."""
        return next((s for s in self.sections if s.id == section_id), None)

    def bite(self, bite_id: str) -> Bite | None:
        """A bite by id, from any section."""
        for section in self.sections:
            for bite in section.bites:
                if bite.id == bite_id:
                    return bite
        return None

    def prompt(self, prompt_id: str) -> Prompt | None:
        """A prompt by id, from any section."""
        for section in self.sections:
            for prompt in section.prompts:
                if prompt.id == prompt_id:
                    return prompt
        return None


# --- validation -------------------------------------------------------------------------------


class _Checker:
    """Collects `file:LINE: message` errors while building dataclasses from one file."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.errors = errors
        self.shown = _display(path)

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


def _display(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _load(path: Path, errors: list[str]) -> object | None:
    try:
        return load_with_lines(path)
    except YamlSyntaxError as exc:
        errors.append(f"{_display(path)}:{exc.line}: {exc}")
        return None


def _section(path: Path, errors: list[str], root: Path) -> Section | None:
    data = _load(path, errors)
    if data is None:
        return None
    c = _Checker(path, errors)
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
            bites.append(
                (Bite(bid, sid, title_t, text_t, prompt_ref, link, image), line_of(item, "prompt"))
            )
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
    object.__setattr__(section, "_lines", {"bites": bites, "prompts": prompts, "path": path})
    return section


def _image(c: _Checker, item: LineDict, root: Path, bid: str | None) -> Path | None:
    value = item["image"]
    line = line_of(item, "image")
    if not isinstance(value, str) or not value.lower().endswith(_IMAGE_SUFFIXES):
        c.error(line, f"bite {bid}: image must be a .png or .jpg file under content/")
        return None
    path = (root / value).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        c.error(line, f"bite {bid}: image file {value!r} not found under {_display(root)}")
        return None
    return path


def _check(c: _Checker, top: LineDict) -> Check | None:
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


def _cross_check(sections: list[Section], errors: list[str]) -> None:
    seen_sections: dict[str, str] = {}
    seen_orders: dict[int, str] = {}
    seen_ids: dict[str, str] = {}
    prompt_ids = {p.id for s in sections for p in s.prompts}
    for section in sections:
        lines = section._lines  # type: ignore[attr-defined]
        shown = _display(lines["path"])
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
        for item, line in [*lines["bites"], *lines["prompts"]]:
            if item.id in seen_ids:
                errors.append(f"{shown}:{line}: id {item.id!r} is used twice ({seen_ids[item.id]})")
            seen_ids[item.id] = shown
        for bite, prompt_line in lines["bites"]:
            if bite.prompt_id and bite.prompt_id not in prompt_ids:
                errors.append(
                    f"{shown}:{prompt_line}: bite {bite.id}: no prompt with id {bite.prompt_id!r}"
                )


def _resources(path: Path, errors: list[str]) -> Resources | None:
    data = _load(path, errors)
    if data is None:
        return None
    c = _Checker(path, errors)
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


def _safety(path: Path, errors: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    data = _load(path, errors)
    if data is None:
        return {}
    c = _Checker(path, errors)
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


def _checkins(path: Path, errors: list[str], section_ids: set[str]) -> dict[str, Text]:
    data = _load(path, errors)
    if data is None:
        return {}
    c = _Checker(path, errors)
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


def _locales(directory: Path, errors: list[str]) -> None:
    en_path = directory / "en.yaml"
    if not en_path.is_file():
        errors.append(f"{_display(directory)}:1: locales/en.yaml is missing (English UI strings)")
        return
    files: dict[str, tuple[Path, LineDict]] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem not in LANGUAGES:
            errors.append(f"{_display(path)}:1: unknown language file (use {', '.join(LANGUAGES)})")
            continue
        data = _load(path, errors)
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
                errors.append(f"{_display(path)}:{line}: UI string {key!r} is not in en.yaml")
            elif _fields(text) != _fields(english[key]):
                errors.append(
                    f"{_display(path)}:{line}: UI string {key!r}: placeholders "
                    f"{sorted(_fields(text))} differ from English {sorted(_fields(english[key]))}"
                )


def _string_keys(tree: LineDict, path: Path, errors: list[str]) -> None:
    for key, value in tree.items():
        if not isinstance(key, str):
            errors.append(
                f"{_display(path)}:{line_of(tree, key)}: key {key!r} is not text "
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


KNOWN_FILES = {"resources.yaml", "safety.yaml", "checkins.yaml"}


def _validate(directory: Path) -> tuple[Content | None, list[str]]:
    errors: list[str] = []
    directory = Path(directory)
    if not directory.is_dir():
        return None, [f"{_display(directory)}:1: no such content directory"]
    for path in sorted(directory.glob("*.yaml")):
        if path.name not in KNOWN_FILES:
            errors.append(
                f"{_display(path)}:1: unknown content file (known: {', '.join(sorted(KNOWN_FILES))}, sections/, locales/)"
            )
    sections = [
        s
        for path in sorted((directory / "sections").glob("*.yaml"))
        if (s := _section(path, errors, directory)) is not None
    ]
    if not (directory / "sections").is_dir():
        errors.append(f"{_display(directory)}:1: the sections/ folder is missing")
    _cross_check(sections, errors)
    resources = None
    if (directory / "resources.yaml").is_file():
        resources = _resources(directory / "resources.yaml", errors)
    safety = (
        _safety(directory / "safety.yaml", errors) if (directory / "safety.yaml").is_file() else {}
    )
    checkins = {}
    if (directory / "checkins.yaml").is_file():
        checkins = _checkins(directory / "checkins.yaml", errors, {s.id for s in sections})
    _locales(directory / "locales", errors)
    if errors:
        return None, errors
    ordered = tuple(sorted(sections, key=lambda s: s.order))
    return Content(ordered, resources, safety, checkins), []


def load_content(directory: Path | str) -> Content:
    """Load and validate everything under `directory`; ContentError lists every problem."""
    content, errors = _validate(Path(directory))
    if content is None:
        raise ContentError(errors)
    return content


def summary(content: Content) -> str:
    """One line: sections, bites, prompts, languages and the share of bites per language."""
    bites = [b for s in content.sections for b in s.bites]
    prompts = sum(len(s.prompts) for s in content.sections)
    shares = []
    for lang in LANGUAGES:
        done = sum(1 for b in bites if b.text.has(lang) and b.title.has(lang))
        share = round(100 * done / len(bites)) if bites else 0
        shares.append(f"{lang} {share}%")
    present = [lang for lang in LANGUAGES if any(b.text.has(lang) for b in bites)]
    return (
        f"content ok: {len(content.sections)} sections, {len(bites)} bites, {prompts} prompts; "
        f"languages: {', '.join(present) or '-'}; bites translated: {', '.join(shares)} "
        "(missing ones fall back to English)"
    )


def check_content(directory: Path | str) -> tuple[bool, list[str]]:
    """Validate a content directory: (True, [summary]) or (False, error lines)."""
    content, errors = _validate(Path(directory))
    if content is None:
        return False, errors
    return True, [summary(content)]
