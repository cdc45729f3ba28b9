"""How tickets look to experts and staff: one line in a list, the whole ticket, its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot import i18n
from bot.features.escalations import ids
from bot.messages import Choice
from bot.roles import Role
from storage.people import PeopleRepo, Person
from storage.progress import ProgressRepo
from storage.tickets import Ticket, TicketMessage, TicketsRepo
from storage.workshops import WorkshopsRepo

if TYPE_CHECKING:
    from bot.app import App

PREVIEW = 110  # characters of a question shown in a list
RECENT_WORKSHOPS = 3


@dataclass(frozen=True)
class Viewer:
    """Who looks at a ticket: a person (their own claim reads "you"), or the whole team chat."""

    person_id: int | None = None
    role: Role = Role.EXPERT

    @classmethod
    def of(cls, person: Person | None) -> Viewer:
        """The viewer for a person (None: the team chat, where everybody sees the same)."""
        return cls(person.id, person.role) if person is not None else cls()


def short(text: str, limit: int = PREVIEW) -> str:
    """Text on one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def age(lang: str, since: datetime, now: datetime) -> str:
    """How long ago, in hours or (from two days) in days."""
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return i18n.t(lang, "esc.age_new")
    if hours < 48:
        return i18n.t(lang, "esc.age_hours", hours=hours)
    return i18n.t(lang, "esc.age_days", days=hours // 24)


def topic(lang: str, ticket: Ticket) -> str:
    """The ticket's theme in words."""
    return i18n.t(lang, f"esc.topic_{ticket.topic}")


async def mentor_label(app: App, ticket: Ticket, lang: str) -> str:
    """Who asked, as experts may see it: "an anonymous mentor", or the name and cohort."""
    if ticket.anonymous:
        return i18n.t(lang, "esc.anonymous_mentor")
    person = await app.db.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
    if person is None:
        return i18n.t(lang, "esc.former_mentor")
    return i18n.t(lang, "esc.named_mentor", name=person.display_name, cohort=person.cohort or "-")


async def state_line(app: App, ticket: Ticket, lang: str, viewer: Viewer) -> str:
    """The ticket's state in words: open, claimed or answered by whom ("you"), closed."""
    if ticket.status == "open":
        return i18n.t(lang, "esc.state_open")
    if ticket.status == "closed":
        return i18n.t(lang, "esc.state_closed")
    mine = ticket.expert_id is not None and ticket.expert_id == viewer.person_id
    if mine:
        key = "esc.state_answered_you" if ticket.status == "answered" else "esc.state_claimed_you"
        return i18n.t(lang, key)
    expert = await app.db.repo(PeopleRepo).get(ticket.expert_id) if ticket.expert_id else None
    name = expert.display_name if expert else "-"
    key = "esc.state_answered" if ticket.status == "answered" else "esc.state_claimed"
    return i18n.t(lang, key, name=name)


async def list_line(app: App, ticket: Ticket, lang: str, viewer: Viewer) -> str:
    """One ticket in a queue or list: urgency, number, age, theme, who, state, and its question."""
    who = await mentor_label(app, ticket, lang)
    state = await state_line(app, ticket, lang, viewer)
    mark = "❗ " if ticket.urgent else ""
    when = age(lang, ticket.created_at, app.clock.now())
    head = f"{mark}#{ticket.id} · {when} · {topic(lang, ticket)} · {who}\n   {state}"
    messages = await app.db.repo(TicketsRepo).messages(ticket.id)
    first = next((m for m in messages if m.author in ("mentor", "bot")), None)
    if first is None:
        return head
    quoted = i18n.t(lang, "esc.quote", text=short(first.text))
    return f"{head}\n   {'🤖 ' if first.author == 'bot' else ''}{quoted}"


async def thread_lines(app: App, ticket: Ticket, lang: str) -> list[str]:
    """Every message of a ticket for experts: the mentor's words, answers, bot and internal notes."""
    people = app.db.repo(PeopleRepo)
    names: dict[int, str] = {}
    lines = []
    for message in await app.db.repo(TicketsRepo).messages(ticket.id):
        name = "-"
        if message.author_id is not None and message.author in ("expert", "note"):
            if message.author_id not in names:
                person = await people.get(message.author_id)
                names[message.author_id] = person.display_name if person else "-"
            name = names[message.author_id]
        lines.append(_message_line(lang, message, name))
    return lines


def _message_line(lang: str, message: TicketMessage, name: str) -> str:
    key = {
        "mentor": "esc.msg_mentor",
        "expert": "esc.msg_expert",
        "bot": "esc.msg_bot",
        "note": "esc.msg_note",
    }[message.author]
    return i18n.t(lang, key, name=name, text=message.text)


async def context_lines(app: App, ticket: Ticket, lang: str) -> list[str]:
    """About the mentor (named tickets only): cohort, sections done, their latest workshops."""
    if ticket.anonymous:
        return [i18n.t(lang, "esc.context_anonymous")]
    mentor = await app.db.repo(PeopleRepo).get(ticket.mentor_id) if ticket.mentor_id else None
    if mentor is None:
        return []
    sections = app.content.sections if app.content else ()
    done = await app.db.repo(ProgressRepo).completed(mentor.id)
    lines = [
        i18n.t(
            lang,
            "esc.context_head",
            name=mentor.display_name,
            cohort=mentor.cohort or "-",
            done=sum(1 for s in sections if s.id in done),
            sections=len(sections),
        )
    ]
    workshops = app.db.repo(WorkshopsRepo)
    total = await workshops.count(mentor.id)
    if not total:
        lines.append(i18n.t(lang, "esc.context_no_workshops"))
        return lines
    lines.append(i18n.t(lang, "esc.context_workshops", count=total))
    for workshop in await workshops.page(mentor.id, 0, RECENT_WORKSHOPS):
        themes = ", ".join(i18n.t(lang, f"esc.topic_{t}") for t in workshop.themes) or "-"
        lines.append(
            i18n.t(
                lang,
                "esc.context_workshop",
                date=workshop.held_on.strftime("%d.%m.%Y"),
                themes=themes,
                participants=workshop.participants,
            )
        )
    return lines


def buttons(ticket: Ticket, lang: str, viewer: Viewer, *, details: bool) -> list[list[Choice]]:
    """The actions on a ticket this viewer may take (`details`: a post, with "Open" for more)."""
    if ticket.status == "closed":
        return [[ids.Open(ticket.id).button(i18n.t(lang, "esc.details"))]] if details else []
    mine = ticket.expert_id is not None and ticket.expert_id == viewer.person_id
    team_chat = viewer.person_id is None
    staff = viewer.role >= Role.STAFF
    first: list[Choice] = []
    if ticket.status == "open":
        first.append(ids.Claim(ticket.id).button(i18n.t(lang, "esc.claim")))
    if ticket.status == "open" or mine or team_chat:
        first.append(ids.Answer(ticket.id).button(i18n.t(lang, "esc.answer_button")))
    second: list[Choice] = []
    if details:
        second.append(ids.Open(ticket.id).button(i18n.t(lang, "esc.details")))
    second.append(ids.Note(ticket.id).button(i18n.t(lang, "esc.note_button")))
    third: list[Choice] = []
    if ticket.status == "claimed" and (mine or staff) and not team_chat:
        third.append(ids.Release(ticket.id).button(i18n.t(lang, "esc.release")))
    if ticket.status == "open" or mine or staff or team_chat:
        third.append(ids.Close(ticket.id).button(i18n.t(lang, "esc.close")))
    return [row for row in (first, second, third) if row]
