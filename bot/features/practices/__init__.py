"""Good practices: staff read what mentors allowed to share, and turn a selection into an announcement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.practices import ids, routes
from bot.roles import Role
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /practices (staff) and the pr: buttons."""
    app.router.include(routes.routes)
    app.router.menu(MenuItem(ids.Page(0).pack(), "menu.practices", order=65, min_role=Role.STAFF))
