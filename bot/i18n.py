"""UI strings per language, from content/locales/*.yaml, with English as the fallback."""

from __future__ import annotations

import logging
import string
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")
LANGUAGE_NAMES = {"en": "English", "fi": "suomi", "sv": "svenska"}
DEFAULT_LOCALES = Path(__file__).resolve().parent.parent / "content" / "locales"

_strings: dict[str, dict[str, str]] = {}


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    """Nested mapping -> {"a.b.c": text}."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


def load(directory: Path | str = DEFAULT_LOCALES) -> None:
    """Load (or reload) every locale file in `directory`."""
    global _strings
    loaded: dict[str, dict[str, str]] = {}
    from bot.content.yamlfile import load as load_yaml  # parsed once per process, with libyaml

    for path in sorted(Path(directory).glob("*.yaml")):
        data = load_yaml(path).data or {}
        loaded[path.stem] = flatten(data) if isinstance(data, dict) else {}
    _strings = loaded


def keys(lang: str = "en") -> set[str]:
    """All keys defined for a language."""
    _ensure_loaded()
    return set(_strings.get(lang, {}))


def has(lang: str, key: str) -> bool:
    """True when `key` exists in `lang` itself (no fallback)."""
    _ensure_loaded()
    return key in _strings.get(lang, {})


def t(lang: str | None, key: str, **values: object) -> str:
    """The text for `key` in `lang`, else English, formatted with `values`."""
    _ensure_loaded()
    text = _strings.get(lang or "en", {}).get(key)
    if text is None:
        text = _strings.get("en", {}).get(key)
    if text is None:
        log.error("missing UI string %s", key)
        return key
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        log.error("bad placeholders in UI string %s (%s)", key, lang)
        return string.Formatter().vformat(_strings["en"][key], (), _Default(values))


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _ensure_loaded() -> None:
    if not _strings:
        load()
