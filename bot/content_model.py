"""Training content as frozen dataclasses: sections, bites, prompts, checks, help resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


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
