"""The private journal: /journal lists a mentor's reflections; experts read the shared ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.journal import comments, experts, ids, routes
from bot.router import MenuItem

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /journal, /reflections (experts), comments on shared reflections, jr: buttons."""
    app.router.include(routes.routes)
    app.router.include(experts.routes)
    app.router.include(comments.routes)
    app.router.menu(MenuItem(ids.Page(0).pack(), "menu.journal", order=15))
