"""The learning journey: sections with progress, bites, reflections, the check and section feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.learning import feedback, ids, reflections, routes
from bot.features.learning.service import LearningService
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /learn, /feedback, the learn: buttons and the reflection steps."""
    app.router.include(routes.routes)
    app.router.include(reflections.routes)
    app.router.include(feedback.routes)
    app.router.menu(MenuItem(ids.Home().pack(), "menu.learn", order=10))
    app.services.learning = LearningService(app)
    app.router.menu_line(routes.continue_line)
