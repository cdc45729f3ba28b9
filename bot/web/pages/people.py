"""People: the list with role, cohort, messengers, last activity and progress; changing a role
or deactivating someone after a confirmation, with the same rules as in the chat (PeopleAdmin)."""

from __future__ import annotations

from aiohttp import web

from bot.features.admin.service import Change
from bot.i18n import LANGUAGE_NAMES
from bot.roles import Role
from bot.web.filters import cohorts_of
from bot.web.server import page
from bot.web.view import View
from storage.people import PeopleRepo, Person
from storage.progress import ProgressRepo
from storage.web import ConsoleRepo, PeopleFilter
from storage.workshops import WorkshopsRepo

PAGE = 50
NAME_MAX = 100
ROLES = (Role.MENTOR, Role.EXPERT, Role.STAFF, Role.ADMIN)
STATUSES = ("active", "deactivated")


@page("GET", "/people")
async def people(view: View) -> web.StreamResponse:
    """Everyone onboarded, a page at a time, filtered by role, cohort, status and name."""
    query = view.request.query
    role = query.get("role", "")
    flt = PeopleFilter(
        role=Role.parse(role) if role in {r.label for r in ROLES} else None,
        cohort=query.get("cohort", "").strip() or None,
        status=query.get("status") if query.get("status") in STATUSES else None,
        name=" ".join(query.get("q", "").split())[:NAME_MAX],
    )
    number = _page_number(view)
    rows = await view.repo(ConsoleRepo).people(flt, number * PAGE, PAGE + 1)
    content = view.app.content
    return view.render(
        "people.html",
        flt=flt,
        rows=rows[:PAGE],
        page=number,
        more=len(rows) > PAGE,
        query={
            "role": flt.role.label if flt.role else "",
            "cohort": flt.cohort or "",
            "status": flt.status or "",
            "q": flt.name,
        },
        roles=ROLES,
        statuses=STATUSES,
        cohorts=await cohorts_of(view),
        sections=len(content.sections),
        bites=sum(len(s.bites) for s in content.sections),
        messenger=view.app.messenger.title,
    )


@page("GET", r"/people/{number:\d+}")
async def person_page(view: View) -> web.StreamResponse:
    """One person: what they have done, and (for admins) their role and status."""
    person = await _person(view)
    progress = view.repo(ProgressRepo)
    done = await progress.completed(person.id)
    seen = await progress.seen(person.id)
    sections = [
        (s, s.id in done, sum(1 for b in s.bites if b.id in seen), len(s.bites))
        for s in view.app.content.sections
    ]
    identities = await view.repo(PeopleRepo).identities(person.id)
    [row] = await view.repo(ConsoleRepo).people(PeopleFilter(person=person.id), 0, 1)
    return view.render(
        "person.html",
        p=person,
        row=row,
        sections=sections,
        messengers=[view.app.messenger.title(i.transport) for i in identities],
        workshops=await view.repo(WorkshopsRepo).count(person.id),
        roles=ROLES,
        language=LANGUAGE_NAMES.get(person.language, person.language),
    )


@page("POST", r"/people/{number:\d+}/role", min_role=Role.ADMIN)
async def confirm_role(view: View) -> web.StreamResponse:
    """What the change would do (or why it cannot be made), with a button to confirm it."""
    person, role = await _person(view), await _role(view)
    change = await view.app.services.people_admin.preview_role(view.person, person.id, role)
    return _confirmation(view, person, change, "role", role.label)


@page("POST", r"/people/{number:\d+}/role/confirm", min_role=Role.ADMIN)
async def change_role(view: View) -> web.StreamResponse:
    """Give the person the new role (PeopleAdmin audits it and tells the other features)."""
    person, role = await _person(view), await _role(view)
    change = await view.app.services.people_admin.change_role(view.person, person.id, role, "web")
    if change.done:
        await view.flash(
            view.t(
                "web.role_changed",
                name=person.display_name,
                role=view.t(f"web.role_{role.label}").lower(),
            )
        )
        await _notes(view, change, person)
    else:
        await view.flash(_refusal(view, change, person), "bad")
    raise view.redirect(f"/people/{person.id}")


@page("POST", r"/people/{number:\d+}/status", min_role=Role.ADMIN)
async def confirm_status(view: View) -> web.StreamResponse:
    """Deactivating (or reactivating): what it would do, with a button to confirm it."""
    person, status = await _person(view), await _status(view)
    change = await view.app.services.people_admin.preview_status(view.person, person.id, status)
    return _confirmation(view, person, change, "status", status)


@page("POST", r"/people/{number:\d+}/status/confirm", min_role=Role.ADMIN)
async def change_status(view: View) -> web.StreamResponse:
    """Deactivate or reactivate (deactivation also ends the person's console sessions)."""
    person, status = await _person(view), await _status(view)
    admin = view.app.services.people_admin
    change = await admin.set_status(view.person, person.id, status, "web")
    if change.done:
        key = "web.deactivated_done" if status == "deactivated" else "web.reactivated_done"
        await view.flash(view.t(key, name=person.display_name))
        await _notes(view, change, person)
    else:
        await view.flash(_refusal(view, change, person), "bad")
    raise view.redirect(f"/people/{person.id}")


def _confirmation(
    view: View, person: Person, change: Change, what: str, value: str
) -> web.StreamResponse:
    if what == "role":
        question = view.t(
            "web.confirm_role",
            name=person.display_name,
            old=view.t(f"web.role_{person.role.label}"),
            new=view.t(f"web.role_{value}"),
        )
    else:
        question = view.t(f"web.confirm_{value}", name=person.display_name)
    return view.render(
        "confirm.html",
        p=person,
        question=question,
        refusal=None if change.done else _refusal(view, change, person),
        warning=view.t("admin.last_expert", name=person.display_name) if change.last_expert else "",
        action=f"/people/{person.id}/{what}/confirm",
        field=what,
        value=value,
    )


def _refusal(view: View, change: Change, person: Person) -> str:
    return view.t(f"admin.refused_{change.refused.value}", name=person.display_name)


async def _notes(view: View, change: Change, person: Person) -> None:
    if change.released_tickets:
        numbers = ", ".join(f"#{n}" for n in change.released_tickets)
        await view.flash(view.t("admin.tickets_released", numbers=numbers))
    if change.last_expert:
        await view.flash(view.t("admin.last_expert", name=person.display_name), "warn")


async def _person(view: View) -> Person:
    person = await view.repo(PeopleRepo).get(int(view.request.match_info["number"]))
    if person is None or person.status == "onboarding":
        raise web.HTTPNotFound()
    return person


async def _role(view: View) -> Role:
    value = (await view.request.post()).get("role", "")
    if value not in {r.label for r in ROLES}:
        await view.flash(view.t("web.pick_role"), "warn")
        raise view.redirect(view.request.path.removesuffix("/confirm").removesuffix("/role"))
    return Role.parse(value)


async def _status(view: View) -> str:
    value = (await view.request.post()).get("status", "")
    if value not in STATUSES:
        raise view.redirect(view.request.path.removesuffix("/confirm").removesuffix("/status"))
    return value


def _page_number(view: View) -> int:
    text = view.request.query.get("page", "0")
    return min(int(text), 10_000) if text.isdecimal() else 0
