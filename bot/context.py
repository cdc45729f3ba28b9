"""Ctx: what every handler gets — the person, the update, reply(), repos, clock, translations."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from bot import i18n
from bot.messages import Choice, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.roles import Role
from storage.audit import AuditRepo
from storage.dialogs import Dialog, DialogsRepo
from storage.people import Person

if TYPE_CHECKING:
    from bot.app import App

R = TypeVar("R")


class PersonScope:
    """What a chat update and a web page share: the person's language, timezone, clock, repositories.

    Needs `app`, `person` and a `lang` property on the class that uses it.
    """

    app: App
    person: Person | None
    lang: str

    @property
    def tz(self) -> ZoneInfo:
        """The person's timezone (config default when unset)."""
        name = self.person.timezone if self.person and self.person.timezone else None
        return ZoneInfo(name) if name else self.app.config.tz

    def t(self, key: str, **values: object) -> str:
        """A UI string in the person's language."""
        return i18n.t(self.lang, key, **values)

    def now(self) -> datetime:
        """The current time (UTC, aware) from the app's clock."""
        return self.app.clock.now()

    def local_now(self) -> datetime:
        """The current time in the person's timezone."""
        return self.now().astimezone(self.tz)

    def repo(self, cls: type[R]) -> R:
        """A repository bound to the app's database."""
        return self.app.db.repo(cls)


@dataclass
class Ctx(PersonScope):
    """The context of one update being handled."""

    app: App
    incoming: Incoming
    person: Person | None
    dialog: Dialog | None = None
    args: str = ""  # text after a command, e.g. "/start CODE" -> "CODE"
    left_step: str | None = None  # the dialog step a command just left (its leave hook has run)
    replies: list[Outgoing] = field(default_factory=list)
    # Not None while a crisis answer is due first: replies wait here (see bot/dispatch.py).
    held: list[Outgoing] | None = None

    @property
    def lang(self) -> str:
        """The language to answer in."""
        if self.person is not None:
            return self.person.language
        guess = (self.incoming.language_code or "")[:2].lower()
        return guess if guess in i18n.LANGUAGES else self.app.config.bot.default_language

    @property
    def role(self) -> Role:
        """The person's role (GUEST when unknown)."""
        return self.person.role if self.person else Role.GUEST

    @property
    def text(self) -> str:
        """The incoming text, stripped ('' for none)."""
        return (self.incoming.text or "").strip()

    def button(self, choice_id: str, key: str, **values: object) -> Choice:
        """A button whose label is the UI string `key`."""
        return Choice(choice_id, self.t(key, **values))

    async def reply(
        self, message: str | Outgoing, *rows: list[Choice] | tuple[Choice, ...] | Choice
    ) -> SendResult:
        """Answer in the chat the update came from."""
        out = message if isinstance(message, Outgoing) else Outgoing.with_buttons(message, *rows)
        if out.lang is None:
            out = replace(out, lang=self.lang)
        self.replies.append(out)
        if self.held is not None:
            self.held.append(out)
            return SendResult(DeliveryStatus.SENT, error="held")
        # Through the outbox, delivered when the update is done (bot/dispatch.py), or (the
        # messenger unreachable) as soon as it can be.
        person_id = self.person.id if self.person is not None and self.incoming.is_private else None
        return await self.app.messenger.post(
            self.incoming.address, out, person_id=person_id, deliver=False
        )

    async def show(self, out: Outgoing) -> None:
        """Reply; a button tapped on a message that can be edited (Telegram) edits that message
        instead (one message per question while a toggle is ticked)."""
        incoming = self.incoming
        tapped = incoming.choice_id and incoming.text is None and incoming.message_id
        if not tapped or out.attachment is not None or self.held is not None:
            await self.reply(out)
            return
        if out.lang is None:
            out = replace(out, lang=self.lang)
        person_id = self.person.id if self.person is not None else None
        await self.app.messenger.edit_or_post(incoming.address, incoming.message_id, out, person_id)

    async def set_step(self, step: StrEnum, data: dict | None = None) -> None:
        """Enter a dialog step (a feature's `Step` member; persisted, so a restart continues here)."""
        if self.person is None:
            raise RuntimeError("a dialog needs a person")
        if not isinstance(step, StrEnum) or step.value not in self.app.router.steps:
            raise ValueError(f"unknown dialog step {step!r}")
        data = dict(data if data is not None else (self.dialog.data if self.dialog else {}))
        await self.repo(DialogsRepo).set(self.person.id, step.value, data)
        self.dialog = Dialog(step.value, data)

    async def clear_step(self) -> None:
        """Leave any dialog."""
        if self.person is not None:
            await self.repo(DialogsRepo).clear(self.person.id)
        self.dialog = None

    async def audit(self, action: str, subject: str | None = None, **detail: object) -> None:
        """Record an audit entry for this person's action."""
        await self.repo(AuditRepo).record(
            action, actor_id=self.person.id if self.person else None, subject=subject, **detail
        )

    async def send_to(self, person_id: int, out: Outgoing) -> SendResult:
        """Send to another person on their preferred messenger."""
        return await self.app.messenger.send_to_person(person_id, out)

    async def show_menu(self, intro_key: str = "menu.title", *, lead: str | None = None) -> None:
        """Send the main menu for the person's role (`lead`: a line above it, same message)."""
        await self.app.show_menu(self, intro_key, lead=lead)
