"""Programme reports and exports of logged workshops: /report (chart and totals), /export (files)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /report (experts), /export (staff), the rep: buttons and the menu item."""
    # Imported here, not with the package: the chart worker (chart_worker.py) is a module of this
    # package and starts faster without the bot's routes.
    from bot.features.reports import ids, routes
    from bot.roles import Role
    from bot.router import MenuItem

    app.router.include(routes.routes)
    app.router.menu(MenuItem(ids.Home().pack(), "menu.reports", order=60, min_role=Role.EXPERT))
