"""Training content from content/*.yaml: pydantic models, validated with `file:LINE` errors."""

from __future__ import annotations

from pathlib import Path

from bot import i18n
from bot.content.check import display_path, validate, validate_with_warnings
from bot.content.model import (
    BITE_MAX,
    ID_MAX,
    INTRO_MAX,
    MIN_BITES,
    MIN_PROMPTS,
    PROMPT_MAX,
    TITLE_MAX,
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
from bot.i18n import LANGUAGES

__all__ = [
    "BITE_MAX",
    "ID_MAX",
    "INTRO_MAX",
    "MIN_BITES",
    "MIN_PROMPTS",
    "PROMPT_MAX",
    "TITLE_MAX",
    "Bite",
    "Check",
    "CheckOption",
    "Content",
    "ContentError",
    "Helpline",
    "Link",
    "Prompt",
    "Resources",
    "Section",
    "SupportStep",
    "Text",
    "check_content",
    "display_path",
    "load_content",
    "reflection_question",
    "summary",
]


def load_content(directory: Path | str) -> Content:
    """Load and validate everything under `directory`; ContentError lists every problem."""
    content, errors = validate(Path(directory))
    if content is None:
        raise ContentError(errors)
    return content


def check_content(directory: Path | str) -> tuple[bool, list[str]]:
    """Validate a content directory: (True, [summary, warnings...]) or (False, error lines)."""
    content, errors, warnings = validate_with_warnings(Path(directory))
    if content is None:
        return False, errors
    return True, [summary(content), *warnings]


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


def reflection_question(
    content: Content, lang: str, prompt_id: str | None, bite: Bite | None
) -> str:
    """What a reflection answers: its prompt, or (a bite without one) a question naming the bite."""
    prompt = content.prompt(prompt_id) if prompt_id else None
    if prompt is not None:
        return prompt.text.get(lang)
    # Not another bite's prompt: it would ask about something this bite did not say.
    return i18n.t(lang, "learn.reflect_own", title=bite.title.get(lang)) if bite else ""
