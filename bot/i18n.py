"""UI strings per language, from content/locales/*.yaml, with English as the fallback."""

from __future__ import annotations

import logging
import string
from functools import cache
from pathlib import Path

from babel import Locale

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")
LANGUAGE_NAMES = {"en": "English", "fi": "suomi", "sv": "svenska"}
DEFAULT_LOCALES = Path(__file__).resolve().parent.parent / "content" / "locales"
# A string whose keys are CLDR plural categories is one text with plural forms, chosen by {count}.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

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
    """All keys defined for a language (a plural text by its own key and by each form's)."""
    _ensure_loaded()
    flat = set(_strings.get(lang, {}))
    return flat | {k.rpartition(".")[0] for k in flat if k.endswith(".other")}


@cache
def plural_category(lang: str, count: float) -> str:
    """The CLDR plural category of `count` in `lang` ("one", "other" ...), from Babel's rules."""
    try:
        return Locale.parse(lang).plural_form(count)
    except (ValueError, TypeError):
        return "other"


def warm_plurals() -> None:
    """Load the plural rules of every loaded language now (Babel reads them on first use: about
    45 ms each, which the first person to get a count in that language would otherwise wait)."""
    for lang in _strings:
        plural_category(lang, 1)


def _lookup(lang: str, key: str, values: dict) -> str | None:
    table = _strings.get(lang, {})
    text = table.get(key)
    if text is not None or f"{key}.other" not in table:
        return text
    count = values.get("count")
    category = plural_category(lang, count) if isinstance(count, int | float) else "other"
    return table.get(f"{key}.{category}", table[f"{key}.other"])


def has(lang: str, key: str) -> bool:
    """True when `key` exists in `lang` itself (no fallback)."""
    _ensure_loaded()
    table = _strings.get(lang, {})
    return key in table or f"{key}.other" in table


def t(lang: str | None, key: str, **values: object) -> str:
    """The text for `key` in `lang`, else English, formatted with `values`.

    A text with plural forms (keys one/other ... under `key`) is chosen by `values["count"]`.
    """
    _ensure_loaded()
    text = _lookup(lang or "en", key, values)
    if text is None:
        lang = "en"
        text = _lookup("en", key, values)
    if text is None:
        log.error("missing UI string %s", key)
        return key
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        log.error("bad placeholders in UI string %s (%s)", key, lang)
        return string.Formatter().vformat(_lookup("en", key, values) or key, (), _Default(values))


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _ensure_loaded() -> None:
    if not _strings:
        load()
