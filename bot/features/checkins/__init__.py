"""Follow-up check-ins: experts schedule them (or a rule does after a workshop); mentors answer 1-5."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /checkin, /checkins, the ck: buttons, the alarms and the after-workshop rule."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.checkins import alarms, experts, routes
    from bot.features.checkins.after_workshop import after_workshop
    from storage.checkins import CHECKIN_JOB_CONTEXT

    app.router.include(routes.routes)
    app.router.include(experts.routes)
    app.scheduler.on_batch("checkin", alarms.fire_checkin, CHECKIN_JOB_CONTEXT)
    app.scheduler.on("checkin.followup", alarms.follow_up)
    app.messenger.on_outcome(
        "checkin", lambda ref, result, _chat: alarms.undeliverable(app, ref, result)
    )
    app.events.on("workshop.logged", lambda **kw: after_workshop(app, **kw))
    app.router.menu_line(routes.waiting_line)
