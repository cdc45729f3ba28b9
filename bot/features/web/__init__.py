"""The web console's side in the chat: /web sign-in links; sessions end with the person's access.

The console itself (the HTTP server and its pages) is bot/web/; `mentorbot run` starts it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.features.web import ids, routes
from bot.roles import Role
from bot.router import MenuItem
from storage.audit import AuditRepo
from storage.people import PeopleRepo, Person
from storage.web import WebSessionsRepo

if TYPE_CHECKING:
    from bot.app import App
    from bot.context import Ctx

log = logging.getLogger(__name__)

SEEN_EVERY = timedelta(hours=1)  # last activity is stored at most this often per person


def setup(app: App) -> None:
    """/web and its menu item (when `web:` is configured); sessions end on deactivation."""
    if app.config.web is not None:
        app.router.include(routes.routes)
        app.router.menu(MenuItem(ids.Open().pack(), "menu.web", order=75, min_role=Role.STAFF))

    async def deactivated(person: Person, **_: object) -> None:
        await _end_sessions(app, person, "deactivated")

    async def role_changed(person: Person, **_: object) -> None:
        if person.role < Role.STAFF:
            await _end_sessions(app, person, "role_changed")

    app.events.on("person.deactivated", deactivated)
    app.events.on("person.role_changed", role_changed)
    app.router.gate(LastSeen(app).gate)


async def _end_sessions(app: App, person: Person, why: str) -> None:
    ended = await app.db.repo(WebSessionsRepo).end_for(person.id)
    if ended:
        await app.db.repo(AuditRepo).record(
            "web.sessions_ended", subject=str(person.id), why=why, sessions=ended
        )


class LastSeen:
    """Notes when each person last used the bot (people.last_seen_at), at most hourly."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._noted: dict[int, datetime] = {}

    async def gate(self, ctx: Ctx) -> bool:
        """Never takes the update; stores the time of it when the stored one is an hour old."""
        if ctx.person is None:
            return False
        now = ctx.now()
        noted = self._noted.get(ctx.person.id)
        if noted is None or now - noted >= SEEN_EVERY:
            self._noted[ctx.person.id] = now
            await self.app.db.repo(PeopleRepo).update(
                ctx.person.id, last_seen_at=ctx.app.db.now_iso()
            )
        return False
