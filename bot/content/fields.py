"""Building blocks of the content schema: the limits, ids, links and texts in several languages."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, field_validator

MIN_BITES = 8
MIN_PROMPTS = 3
TITLE_MAX = 60
BITE_MAX = 700
INTRO_MAX = 700
PROMPT_MAX = 300
QUESTION_MAX = 300
OPTION_MAX = 100
FEEDBACK_MAX = 400
NAME_MAX = 80
REPLIES_MAX = 12  # canned replies: a short list of buttons, not a library
ID_MAX = 24  # keeps every choice id ("learn:reflect:<bite>") far below Telegram's 64 bytes
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ContentError(Exception):
    """Invalid content; `errors` are lines of the form `path/file.yaml:LINE: message`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} content error(s)")
        self.errors = errors


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _id(value: str) -> str:
    if not _ID.match(value) or len(value) > ID_MAX:
        raise ValueError(
            f"id {value!r} must be lowercase letters, digits and '-', at most {ID_MAX} characters"
        )
    return value


def _strict(kind: str, message: str):
    """A before-validator that refuses anything but `kind` with an author's message."""

    def check(value: Any) -> Any:
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "str": isinstance(value, str),
        }[kind]
        if not ok:
            raise ValueError(message)
        return value

    return BeforeValidator(check)


Id = Annotated[str, _strict("str", "an id must be text"), AfterValidator(_id)]
Lang = Literal["en", "fi", "sv"]


class Text(_Model):
    """A text in several languages; a missing language falls back to English."""

    limit: ClassVar[int] = 10_000
    en: str
    fi: str | None = None
    sv: str | None = None

    @field_validator("en", "fi", "sv", mode="before")
    @classmethod
    def _fits(cls, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be non-empty text")
        value = value.strip()
        if len(value) > cls.limit:
            raise ValueError(f"{len(value)} characters, at most {cls.limit}")
        return value

    def get(self, lang: str | None) -> str:
        """The text in `lang`, else English."""
        return getattr(self, lang or "en", None) or self.en

    def has(self, lang: str) -> bool:
        """True when the text exists in `lang` itself."""
        return bool(getattr(self, lang, None))


class Title(Text):
    """A title: short enough for a button."""

    limit: ClassVar[int] = TITLE_MAX


class BiteText(Text):
    """A bite or a step of good practice: read on a phone in under a minute."""

    limit: ClassVar[int] = BITE_MAX


class IntroText(Text):
    """A section's introduction."""

    limit: ClassVar[int] = INTRO_MAX


class PromptText(Text):
    """A reflective question, a check question, a helpline's hours."""

    limit: ClassVar[int] = PROMPT_MAX


class LongPromptText(Text):
    """A check-in question."""

    limit: ClassVar[int] = PROMPT_MAX * 2


class OptionText(Text):
    """An answer option."""

    limit: ClassVar[int] = OPTION_MAX


class FeedbackText(Text):
    """The feedback on choosing an option."""

    limit: ClassVar[int] = FEEDBACK_MAX


class NameText(Text):
    """A service's name."""

    limit: ClassVar[int] = NAME_MAX


def _https(value: str) -> str:
    if not re.match(r"^https://\S+$", value):
        raise ValueError("a link must start with https://")
    return value


Https = Annotated[str, _strict("str", "a link must start with https://"), AfterValidator(_https)]


class Link(_Model):
    """A web link shown as a button."""

    url: Https
    label: Title
