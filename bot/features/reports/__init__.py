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
    app.on_started.append(lambda: _sweep_spool(app))
    app.router.menu(MenuItem(ids.Home().pack(), "menu.reports", order=60, min_role=Role.EXPERT))


async def _sweep_spool(app: App) -> None:
    """At start: delete export files a crash left behind (they hold workshop notes)."""
    import logging

    from bot.features.reports.exports import spool_path, sweep_spool
    from storage.outbox import OutboxRepo

    folder = spool_path(app.config.database.path)
    if folder.is_dir():
        gone = await sweep_spool(folder, app.db.repo(OutboxRepo))
        if gone:
            logging.getLogger(__name__).info("deleted %d export files left by a stop", gone)
