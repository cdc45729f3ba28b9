"""Onboarding by invite: /start CODE (or the bare code) -> language -> consent -> name -> menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.onboarding import routes

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register onboarding routes."""
    app.router.include(routes.routes)
