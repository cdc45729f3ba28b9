"""Training content from content/*.yaml into frozen dataclasses; strict validation with line numbers."""

from __future__ import annotations

from pathlib import Path

from bot import i18n
from bot.content_files import check_checkins, check_locales, check_resources, check_safety
from bot.content_model import (  # noqa: F401 - the content API other modules import from here
    Bite,
    Check,
    CheckOption,
    Content,
    ContentError,
    Helpline,
    Link,
    Prompt,
    Resources,
    Section,
    SupportStep,
    Text,
)
from bot.content_sections import (  # noqa: F401 - limits are part of the API (tests, authors)
    BITE_MAX,
    ID_MAX,
    INTRO_MAX,
    MIN_BITES,
    MIN_PROMPTS,
    PROMPT_MAX,
    TITLE_MAX,
    check_section,
    cross_check,
    display_path,
)
from bot.i18n import LANGUAGES

# --- validation -------------------------------------------------------------------------------


KNOWN_FILES = {"resources.yaml", "safety.yaml", "checkins.yaml"}


def _validate(directory: Path) -> tuple[Content | None, list[str]]:
    errors: list[str] = []
    directory = Path(directory)
    if not directory.is_dir():
        return None, [f"{display_path(directory)}:1: no such content directory"]
    for path in sorted(directory.glob("*.yaml")):
        if path.name not in KNOWN_FILES:
            errors.append(
                f"{display_path(path)}:1: unknown content file (known: {', '.join(sorted(KNOWN_FILES))}, sections/, locales/)"
            )
    sections = [
        s
        for path in sorted((directory / "sections").glob("*.yaml"))
        if (s := check_section(path, errors, directory)) is not None
    ]
    if not (directory / "sections").is_dir():
        errors.append(f"{display_path(directory)}:1: the sections/ folder is missing")
    cross_check(sections, errors)
    resources = None
    if (directory / "resources.yaml").is_file():
        resources = check_resources(directory / "resources.yaml", errors)
    safety = (
        check_safety(directory / "safety.yaml", errors)
        if (directory / "safety.yaml").is_file()
        else {}
    )
    checkins = {}
    if (directory / "checkins.yaml").is_file():
        checkins = check_checkins(directory / "checkins.yaml", errors, {s.id for s in sections})
    check_locales(directory / "locales", errors)
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


def reflection_question(
    content: Content, lang: str, prompt_id: str | None, bite: Bite | None
) -> str:
    """What a reflection answers: its prompt, or (a bite without one) a question naming the bite."""
    prompt = content.prompt(prompt_id) if prompt_id else None
    if prompt is not None:
        return prompt.text.get(lang)
    # Not another bite's prompt: it would ask about something this bite did not say.
    return i18n.t(lang, "learn.reflect_own", title=bite.title.get(lang)) if bite else ""
