"""Admin tools in the chat: /people, /role (change a role), /deactivate and /reactivate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.admin import routes
from bot.features.admin.service import PeopleAdmin

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register the admin commands (/people for staff too)."""
    app.router.include(routes.routes)
    app.services.people_admin = PeopleAdmin(app)
