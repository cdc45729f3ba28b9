"""Onboarding by invite: /start CODE (or the bare code) -> language -> consent -> name -> menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register onboarding routes."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.onboarding import routes

    app.router.include(routes.routes)
