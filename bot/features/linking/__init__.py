"""Linking Telegram and Signal: one person, one progress, whichever messenger they write from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /link (also for people not yet known on this messenger) and the link: buttons."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.linking import routes

    app.router.include(routes.routes)
    app.services.linking = True
