"""People and invites in the chat: staff browse people; admins change roles, (de)activate, invite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.admin import delivery, invites, people
from bot.features.admin.service import PeopleAdmin

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /people, /role, /deactivate, /reactivate, /invite, /invites and the adm: buttons."""
    app.router.include(people.routes)
    app.router.include(invites.routes)
    app.router.include(delivery.routes)
    app.services.people_admin = PeopleAdmin(app)
