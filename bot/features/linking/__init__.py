"""Linking Telegram and Signal: one person, one progress, whichever messenger they write from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.linking import routes

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /link (also for people not yet known on this messenger) and the link: buttons."""
    app.router.include(routes.routes)
    app.services.linking = True
