"""Commands that work everywhere (/menu, /help, /language, /cancel), what waits in the menu, and
text typed at the menu (suggestions and "Send this to the experts?")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.menu import ids, layout, routes
from bot.features.menu.inbox import Inbox
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register the everywhere-commands, the menu's own items, the inbox and the loose-text offer.

    Set up after the features with loose-text hooks of their own (a reply to an expert's answer
    comes first); the offer is the last thing tried before "not understood".
    """
    app.router.include(routes.routes)
    app.router.include(routes.language_routes)
    app.router.build_menu(layout.team_menu)
    app.router.menu(MenuItem(ids.ChooseLanguage().pack(), "menu.language", order=90))
    app.router.menu(MenuItem(ids.Help().pack(), "menu.help", order=95))
    app.services.inbox = Inbox(app)
    app.router.menu_line(routes.held_lines)
    # New answers first: set up after the features, so moved to the top of the menu's lines.
    app.router.menu_lines.insert(0, app.router.menu_lines.pop())
    app.router.on_loose_text(routes.offer_experts)
