"""Ask an expert: mentors escalate questions as tickets; experts claim, answer and close them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /ask, /queue, /open, /answer, /tickets, the esc: buttons, the team chat, timers."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.escalations import (
        answers,
        experts,
        ids,
        lists,
        notes,
        routes,
        team_chat,
        timers,
    )
    from bot.features.escalations.service import Escalations
    from bot.router import MenuItem

    app.router.include(routes.routes)
    app.router.include(experts.routes)
    app.router.include(answers.routes)
    app.router.include(notes.routes)
    app.router.include(lists.routes)
    app.router.on_reply(answers.on_private_reply)
    app.router.on_loose_text(routes.maybe_a_follow_up)
    app.router.group(team_chat.on_team_chat_message)
    app.router.menu(MenuItem(ids.NewQuestion().pack(), "menu.ask", order=30))
    service = Escalations(app)
    app.services.escalations = service
    app.events.on("person.role_changed", service.release_claims_on_role_change)
    app.messenger.on_outcome("ticket_post", service.post_delivered)
    app.scheduler.on("ticket.remind", timers.remind_unclaimed)
    app.scheduler.on("ticket.release", timers.release_unanswered)
    app.scheduler.on("ticket.relay", timers.relay_again)
