"""Staff broadcasts: compose per language, choose an audience, preview, send now or schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /broadcast, /broadcasts, the bc: buttons, the job and the fan-out service."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.broadcasts import audience, history, ids, replies, routes
    from bot.features.broadcasts.service import Broadcasts
    from bot.roles import Role
    from bot.router import MenuItem

    app.router.include(routes.routes)
    app.router.include(audience.routes)
    app.router.include(history.routes)
    app.router.include(replies.routes)
    app.router.menu(
        MenuItem(ids.NewBroadcast().pack(), "menu.broadcast", order=70, min_role=Role.STAFF)
    )
    service = Broadcasts(app)
    app.services.broadcasts = service
    app.scheduler.on("broadcast", service.fire_scheduled)
    app.messenger.on_outcome("bc_progress", service.progress_posted)
    app.on_started.append(service.fanout.resume)
    app.on_stopping.append(service.fanout.stop)
