"""Commands that work everywhere: /menu, /help, /language, /cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.menu import ids, layout, routes
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register the everywhere-commands and the menu's own items."""
    app.router.include(routes.routes)
    app.router.include(routes.language_routes)
    app.router.build_menu(layout.team_menu)
    app.router.menu(MenuItem(ids.ChooseLanguage().pack(), "menu.language", order=90))
    app.router.menu(MenuItem(ids.Help().pack(), "menu.help", order=95))
