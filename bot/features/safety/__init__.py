"""Safety: crisis signals in anything a person writes get immediate, gentle help and an expert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.safety import helplines, ids, routes
from bot.features.safety.net import SafetyNet, shared_detector
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Watch free text; offer help and an urgent expert contact; where to get help for anyone."""
    app.services.crisis = shared_detector()
    app.router.crisis(SafetyNet(app, app.services.crisis))
    app.router.include(routes.routes)
    app.router.include(helplines.routes)
    app.router.menu(MenuItem(ids.Helplines().pack(), "menu.helplines", order=80))
