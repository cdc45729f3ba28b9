"""Dialog priority: a prompt the bot starts never takes over a form the person is filling in.

Where choices are numbered replies (Signal, console), a message with choices replaces the
pending ones: an expert's answer arriving mid-form would turn the "2" typed for the form into
"Mark as solved". So while a person is in a form, such a message comes without its buttons,
with a note, and waits in the menu ("1 new answer") with its buttons until opened.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.clock import from_iso
from bot.messages import Outgoing, SendResult
from storage.held import Held, HeldRepo

if TYPE_CHECKING:
    from bot.app import App

OPEN_FORM_MINUTES = 60  # a dialog touched this recently is a form being filled in
KEEP_DAYS = 30  # held messages older than this are no longer offered


class Inbox:
    """Deliver prompts the bot starts, or hold them while the person is in the middle of a form."""

    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def repo(self) -> HeldRepo:
        """The held_prompts repository."""
        return self.app.db.repo(HeldRepo)

    async def busy(self, person_id: int) -> bool:
        """True while the person is in a form they touched in the last hour."""
        touched = await self.app.db.scalar(
            "SELECT updated_at FROM dialogs WHERE person_id = ?", (person_id,)
        )
        return self.busy_at(touched)

    def busy_at(self, touched: str | None) -> bool:
        """`busy` from a dialog's updated_at already read (the broadcast fan-out joins it)."""
        if touched is None:
            return False
        return self.app.clock.now() - from_iso(touched) < timedelta(minutes=OPEN_FORM_MINUTES)

    async def deliver(
        self, person_id: int, out: Outgoing, *, kind: str, ref: str, lang: str
    ) -> SendResult:
        """Send `out`; mid-form, its text alone with a note, and the whole message held."""
        if not out.choices or not await self.busy(person_id):
            return await self.app.messenger.send_to_person(person_id, out)
        await self.repo.keep(person_id, kind, ref, out)
        note = i18n.t(lang, "menu.held_note")
        return await self.app.messenger.send_to_person(
            person_id, replace(out, text=f"{out.text}\n\n{note}", choices=())
        )

    async def held(self, person_id: int) -> list[Held]:
        """What waits for the person, oldest first."""
        since = self.app.clock.now() - timedelta(days=KEEP_DAYS)
        return await self.repo.of_person(person_id, since)

    async def drop(self, person_id: int, kind: str, ref: str) -> None:
        """Forget a held message that was dealt with another way."""
        await self.repo.drop(person_id, kind, ref)
