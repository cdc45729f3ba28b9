"""The content schema in pydantic: the models validate the YAML and are the objects the bot reads.

Limits and messages are part of the authors' interface: `mentorbot content check` turns every
validation error into `file:LINE: what: message` (bot/content/check.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from bot.content.fields import (  # noqa: F401 - the names stay importable from here
    BITE_MAX,
    FEEDBACK_MAX,
    ID_MAX,
    INTRO_MAX,
    MIN_BITES,
    MIN_PROMPTS,
    NAME_MAX,
    OPTION_MAX,
    PROMPT_MAX,
    QUESTION_MAX,
    REPLIES_MAX,
    TITLE_MAX,
    BiteText,
    ContentError,
    FeedbackText,
    Https,
    Id,
    IntroText,
    Lang,
    Link,
    LongPromptText,
    NameText,
    OptionText,
    PromptText,
    Text,
    Title,
    _Model,
    _strict,
)

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class Prompt(_Model):
    """A reflective question for the mentor's journal."""

    id: Id
    text: PromptText
    section_id: str = ""  # filled in from the section


class Bite(_Model):
    """One idea, readable on a phone in under a minute."""

    id: Id
    title: Title
    text: BiteText
    prompt_id: Annotated[str | None, _strict("str", "prompt must be a prompt id")] = Field(
        None, alias="prompt"
    )
    link: Link | None = None
    image: Path | None = None
    section_id: str = ""  # filled in from the section

    @field_validator("image", mode="before")
    @classmethod
    def _image(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return value
        if not isinstance(value, str) or not value.lower().endswith(_IMAGE_SUFFIXES):
            raise ValueError("image must be a .png or .jpg file under content/")
        root: Path = (info.context or {}).get("root", Path("."))
        path = (root / value).resolve()
        if root.resolve() not in path.parents or not path.is_file():
            raise ValueError(f"image file {value!r} not found under the content folder")
        return path


class CheckOption(_Model):
    """One answer of a section's check question, with feedback on choosing it."""

    id: Id
    text: OptionText
    correct: Annotated[bool, _strict("bool", "correct must be true or false")]
    feedback: FeedbackText


class Check(_Model):
    """A one-question multiple-choice check."""

    question: PromptText
    options: tuple[CheckOption, ...]

    @field_validator("options")
    @classmethod
    def _options(cls, options: tuple[CheckOption, ...]) -> tuple[CheckOption, ...]:
        if not 2 <= len(options) <= 5:
            raise ValueError("a check needs 2 to 5 options")
        if sum(1 for o in options if o.correct) != 1:
            raise ValueError("a check needs exactly one option with correct: true")
        ids = [o.id for o in options]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"check option id {twice[0]!r} used twice")
        return options

    def option(self, option_id: str) -> CheckOption | None:
        """The option with this id."""
        return next((o for o in self.options if o.id == option_id), None)


class Section(_Model):
    """A section of the community mentoring model (one file in content/sections/)."""

    id: Id
    order: Annotated[int, _strict("int", "order must be a whole number from 1"), Field(ge=1)]
    title: Title
    intro: IntroText
    bites: tuple[Bite, ...]
    prompts: tuple[Prompt, ...]
    check: Check | None = None

    @field_validator("bites")
    @classmethod
    def _enough_bites(cls, bites: tuple[Bite, ...]) -> tuple[Bite, ...]:
        if len(bites) < MIN_BITES:
            raise ValueError(f"a section needs at least {MIN_BITES} bites ({len(bites)} found)")
        return bites

    @field_validator("prompts")
    @classmethod
    def _enough_prompts(cls, prompts: tuple[Prompt, ...]) -> tuple[Prompt, ...]:
        if len(prompts) < MIN_PROMPTS:
            raise ValueError(
                f"a section needs at least {MIN_PROMPTS} reflective prompts ({len(prompts)} found)"
            )
        return prompts

    def model_post_init(self, _context: Any) -> None:
        """Every bite and prompt knows its section."""
        bites = tuple(b.model_copy(update={"section_id": self.id}) for b in self.bites)
        prompts = tuple(p.model_copy(update={"section_id": self.id}) for p in self.prompts)
        object.__setattr__(self, "bites", bites)
        object.__setattr__(self, "prompts", prompts)


def _number(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9 +]{3,20}", value):
        raise ValueError('number must be quoted digits, e.g. "112"')
    return value


class Helpline(_Model):
    """A place to get help, with its number."""

    id: Id
    name: NameText
    number: Annotated[str, BeforeValidator(_number)]
    when: PromptText
    url: Https | None = None
    languages: tuple[Lang, ...] = ()
    native: Annotated[str, Field(min_length=1, max_length=40)] | None = None  # "العربية"


class SupportStep(_Model):
    """One step of good practice in supporting victims and survivors."""

    id: Id
    title: Title
    text: BiteText


class VictimSupport(_Model):
    """Good practice in supporting victims and survivors of terrorism."""

    title: Title
    intro: IntroText
    steps: tuple[SupportStep, ...]
    contacts: tuple[str, ...]


class Resources(_Model):
    """Where to get help in Finland, and victim support good practice (content/resources.yaml)."""

    crisis_line: str
    helplines: tuple[Helpline, ...]
    victim_support: VictimSupport

    @property
    def victim_title(self) -> Text:
        """The title of the good practice."""
        return self.victim_support.title

    @property
    def victim_intro(self) -> Text:
        """Its introduction."""
        return self.victim_support.intro

    @property
    def victim_steps(self) -> tuple[SupportStep, ...]:
        """Acknowledge, listen, refer."""
        return self.victim_support.steps

    @property
    def victim_contacts(self) -> tuple[str, ...]:
        """Ids of the helplines to name with it."""
        return self.victim_support.contacts

    def helpline(self, helpline_id: str) -> Helpline:
        """The helpline with this id (validated to exist)."""
        return next(h for h in self.helplines if h.id == helpline_id)


class Checkins(_Model):
    """Check-in questions: a default and one per section theme (content/checkins.yaml)."""

    default: LongPromptText
    themes: dict[str, LongPromptText] = {}


class CannedReply(_Model):
    """A reply experts can start an answer from (content/replies.yaml), in the mentor's language."""

    id: Id
    title: Title
    text: BiteText


class CannedReplies(_Model):
    """content/replies.yaml: a few canned replies, each with a unique id."""

    replies: Annotated[tuple[CannedReply, ...], Field(min_length=1, max_length=REPLIES_MAX)]

    @field_validator("replies")
    @classmethod
    def _unique(cls, replies: tuple[CannedReply, ...]) -> tuple[CannedReply, ...]:
        ids = [r.id for r in replies]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"reply id {twice[0]!r} used twice")
        return replies


@dataclass(frozen=True)
class Content:
    """All content, validated."""

    sections: tuple[Section, ...]
    resources: Resources | None
    checkin_questions: Mapping[str, Text] = field(default_factory=dict)
    canned_replies: tuple[CannedReply, ...] = ()

    def canned_reply(self, reply_id: str) -> CannedReply | None:
        """A canned reply by id."""
        return next((r for r in self.canned_replies if r.id == reply_id), None)

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
