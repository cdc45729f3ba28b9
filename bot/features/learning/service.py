"""What other features (nudges, reports) may ask of the learning journey, and how a bite looks."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot import i18n
from bot.content import Bite, Content, Section
from bot.features.learning import ids
from bot.messages import Attachment, Choice, Outgoing
from storage.people import Person
from storage.progress import ProgressRepo

if TYPE_CHECKING:
    from bot.app import App


class LearningService:
    """The next bite to read, and a bite as the mentor sees it."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def next_bite(self, person: Person) -> Bite | None:
        """The first unread bite, section by section; None when everything is read."""
        return self.first_unread(await self.app.db.repo(ProgressRepo).seen(person.id))

    def first_unread(self, seen: set[str] | frozenset[str]) -> Bite | None:
        """The first bite not in `seen` (ids of bites read), section by section."""
        for section in self.app.content.sections:
            for bite in section.bites:
                if bite.id not in seen:
                    return bite
        return None

    async def bite_message(self, person: Person, bite: Bite, intro: str = "") -> Outgoing:
        """A bite as the mentor sees it, marked as read."""
        await self.app.db.repo(ProgressRepo).mark_seen(person.id, bite.id, bite.section_id)
        return self.render(person, bite, intro)

    def render(self, person: Person, bite: Bite, intro: str = "") -> Outgoing:
        """A bite as the mentor sees it (not marked as read: the caller does that)."""
        section = self.app.content.section(bite.section_id)
        return render_bite(self.app.content, section, bite, person.language, intro)


def render_bite(
    content: Content, section: Section, bite: Bite, lang: str, intro: str = ""
) -> Outgoing:
    """A bite with its buttons: Next, Reflect on this, (a link), Back to sections."""
    position = section.bites.index(bite) + 1
    text = f"{bite.title.get(lang)}\n\n{bite.text.get(lang)}\n\n" + i18n.t(
        lang,
        "learn.position",
        section=section.title.get(lang),
        n=position,
        total=len(section.bites),
    )
    if intro:
        text = f"{intro}\n\n{text}"
    rows: list[list[Choice]] = [
        [ids.NextBite(bite.id).button(i18n.t(lang, "learn.next"))],
        [ids.Reflect(bite.id).button(i18n.t(lang, "learn.reflect"))],
    ]
    if bite.link is not None:
        link = ids.Link(bite.id).pack()
        rows.append([Choice(link, bite.link.label.get(lang), url=bite.link.url)])
    rows.append([ids.Home().button(i18n.t(lang, "learn.back_to_sections"))])
    out = Outgoing.with_buttons(text, *rows)
    if bite.image is not None:
        mime = "image/png" if bite.image.suffix.lower() == ".png" else "image/jpeg"
        out = replace(
            out, attachment=Attachment(bite.image.name, bite.image.read_bytes(), mime, "photo")
        )
    return out
