"""A person's settings: mute kinds of announcements, pause everything the bot starts, messenger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.settings import ids, routes
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /settings, /pause, /resume and the set: buttons."""
    app.router.include(routes.routes)
    app.router.menu(MenuItem(ids.Home().pack(), "menu.settings", order=85))
