"""Tickets, read-only for staff: every question not yet closed, urgent first, with its age."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from bot.features.escalations.views import mentor_label
from bot.web.server import page
from bot.web.view import View
from storage.people import PeopleRepo
from storage.tickets import Ticket, TicketsRepo


@page("GET", "/tickets")
async def tickets(view: View) -> web.StreamResponse:
    """Open, claimed and answered tickets (experts answer them in the chat)."""
    found = await view.repo(TicketsRepo).not_closed()
    people = view.repo(PeopleRepo)
    rows = []
    for ticket in found:
        expert = await people.get(ticket.expert_id) if ticket.expert_id else None
        rows.append(
            {
                "ticket": ticket,
                "topic": view.t(f"esc.topic_{ticket.topic}"),
                "who": await mentor_label(view.app, ticket, view.lang),
                "age": _age(view, ticket),
                "expert": expert.display_name if expert else "",
            }
        )
    counts = Counter(t.status for t in found)
    return view.render(
        "tickets.html",
        rows=rows,
        counts=counts,
        urgent=sum(1 for t in found if t.urgent),
    )


def _age(view: View, ticket: Ticket) -> str:
    """How long ago it was asked, as the chat's /tickets says it (hours, then days)."""
    hours = int((view.now() - ticket.created_at).total_seconds() // 3600)
    return (
        view.t("esc.age_days", days=hours // 24)
        if hours >= 48
        else view.t("esc.age_hours", hours=hours)
    )
