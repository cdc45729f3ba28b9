"""Safety: crisis signals in anything a person writes get immediate, gentle help and an expert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.safety import helplines, ids, routes
from bot.features.safety.detector import CrisisDetector
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Watch free text; offer help and an urgent expert contact; where to get help for anyone."""
    signals = app.content.safety_signals if app.content else None
    app.services.crisis = CrisisDetector(signals or {})
    app.router.observe_text(routes.watch)
    app.router.include(routes.routes)
    app.router.include(helplines.routes)
    app.router.menu(MenuItem(ids.Helplines().pack(), "menu.helplines", order=80))
