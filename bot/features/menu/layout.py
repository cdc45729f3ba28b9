"""The main menu per role: the team's work first, mentor items one tap away.

Mentors see the items features register (`router.menu(MenuItem(...))`), as before. Experts, staff
and admins see TEAM_MENUS[role] first (the queue with its count, ...), then "Mentor tools" (the
mentor menu, unchanged) and the items every role shares (help lines, settings, language, help).
To change what a role sees, change its row in TEAM_MENUS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.features.admin import ids as admin_ids
from bot.features.broadcasts import ids as broadcast_ids
from bot.features.checkins import ids as checkin_ids
from bot.features.escalations import ids as esc_ids
from bot.features.journal import ids as journal_ids
from bot.features.menu import ids
from bot.features.practices import ids as practice_ids
from bot.features.reports import ids as report_ids
from bot.features.safety import ids as safety_ids
from bot.features.settings import ids as settings_ids
from bot.features.web import ids as web_ids
from bot.messages import Choice
from bot.roles import Role

if TYPE_CHECKING:
    from bot.context import Ctx


@dataclass(frozen=True)
class Entry:
    """A team menu button: where it leads, its label, and a number to show with it."""

    choice_id: str
    label_key: str
    count: str | None = None  # "queue" (waiting for this expert) or "tickets" (not closed)


QUEUE = Entry(esc_ids.Queue().pack(), "menu.queue", count="queue")
CHECKINS = Entry(checkin_ids.ListCheckins().pack(), "menu.checkins")
REFLECTIONS = Entry(journal_ids.SharedPage(0).pack(), "menu.reflections")
REPORTS = Entry(report_ids.Home().pack(), "menu.reports")
EXPORT = Entry(report_ids.ExportPeriods().pack(), "menu.export")
BROADCAST = Entry(broadcast_ids.NewBroadcast().pack(), "menu.broadcast")
TICKETS = Entry(esc_ids.TicketList().pack(), "menu.tickets", count="tickets")
PEOPLE = Entry(admin_ids.PeopleHome().pack(), "menu.people")
INVITES = Entry(admin_ids.Invites().pack(), "menu.invites")
PRACTICES = Entry(practice_ids.Page(0).pack(), "menu.practices")
EXPERT_TOOLS = Entry(ids.ExpertTools().pack(), "menu.expert_tools")
MENTOR_TOOLS = Entry(ids.MentorTools().pack(), "menu.mentor_tools")

# What each team role sees first, in order.
TEAM_MENUS: dict[Role, tuple[Entry, ...]] = {
    Role.EXPERT: (QUEUE, CHECKINS, REFLECTIONS, REPORTS),
    Role.STAFF: (BROADCAST, REPORTS, EXPORT, TICKETS, PEOPLE, EXPERT_TOOLS),
    Role.ADMIN: (BROADCAST, REPORTS, EXPORT, TICKETS, PEOPLE, INVITES, EXPERT_TOOLS),
}
# Staff and admins answer questions too: the experts' tools, one tap away.
EXPERT_TOOLS_MENU = (QUEUE, CHECKINS, REFLECTIONS, PRACTICES)
# Registered items each role keeps at the end of the menu when it may use them (not "mentor tools").
SHARED = frozenset(
    {
        safety_ids.Helplines().pack(),
        settings_ids.Home().pack(),
        web_ids.Open().pack(),  # the web console's sign-in link (staff, when it is on)
        ids.ChooseLanguage().pack(),
        ids.Help().pack(),
    }
)


async def team_menu(ctx: Ctx) -> list[list[Choice]] | None:
    """The main menu's rows for a team role; None for mentors (their registered items)."""
    entries = TEAM_MENUS.get(ctx.role)
    if entries is None:
        return None
    rows = await entry_rows(ctx, (*entries, MENTOR_TOOLS))
    shared = [m for m in ctx.app.router.menu_for(ctx.role) if m.choice_id in SHARED]
    rows += _pairs([Choice(m.choice_id, ctx.t(m.label_key)) for m in shared])
    return rows


async def entry_rows(ctx: Ctx, entries: tuple[Entry, ...]) -> list[list[Choice]]:
    """Buttons for entries, two to a row, with their counts."""
    return _pairs([Choice(e.choice_id, await _label(ctx, e)) for e in entries])


def mentor_rows(ctx: Ctx) -> list[list[Choice]]:
    """The mentor menu's own items (what mentors see, without the shared ones)."""
    items = [m for m in ctx.app.router.menu_for(Role.MENTOR) if m.choice_id not in SHARED]
    return [[Choice(m.choice_id, ctx.t(m.label_key))] for m in items]


async def _label(ctx: Ctx, entry: Entry) -> str:
    label = ctx.t(entry.label_key)
    service = ctx.app.services.escalations
    if entry.count is None or service is None or ctx.person is None:
        return label
    if entry.count == "queue":
        count = await service.waiting_for(ctx.person)
    else:
        count = await service.not_closed_count()
    return ctx.t("menu.with_count", label=label, count=count) if count else label


def _pairs(buttons: list[Choice]) -> list[list[Choice]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
