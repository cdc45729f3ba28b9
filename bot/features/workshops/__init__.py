"""The workshop log: a short guided form, a summary before saving, and /workshops to view and edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.workshops import buttons, ids, log, routes, typed
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register the form, /log, /workshops and their buttons."""
    app.router.include(routes.routes)
    app.router.include(buttons.routes)
    app.router.include(typed.routes)
    app.router.include(log.routes)
    app.router.menu(MenuItem(ids.NewForm().pack(), "menu.log_workshop", order=20))
    app.router.menu(MenuItem(ids.ListPage(0).pack(), "menu.my_workshops", order=25))
    app.router.menu_line(routes.draft_line)
