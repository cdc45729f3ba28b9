"""People in the chat: a paged list and a search for staff; role and status changes for admins.

Every change is confirmed first and goes through PeopleAdmin (the same rules as the web console):
the last active admin cannot be removed, removing the last active expert is warned about.
"""

from __future__ import annotations

import re

from bot.context import Ctx
from bot.features.admin import ids
from bot.features.admin.ids import Step
from bot.features.admin.people_view import (
    _line,
    _person,
    _person_buttons,
    _refused,
    _show,
    role_name,
    show_card,
)
from bot.features.menu import ids as menu_ids
from bot.i18n import LANGUAGES
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo, Person, fold

PAGE = 8
SEARCH_MAX = 40  # characters of a name to look for
ROLES = (Role.MENTOR, Role.EXPERT, Role.STAFF, Role.ADMIN)
# Role words admins may type, besides each role's name in every UI language (plurals too).
_ROLE_WORDS = {
    "mentors": Role.MENTOR,
    "mentorit": Role.MENTOR,
    "mentorer": Role.MENTOR,
    "experts": Role.EXPERT,
    "asiantuntijat": Role.EXPERT,
    "experter": Role.EXPERT,
    "henkilokunta": Role.STAFF,
    "tyontekija": Role.STAFF,
    "admins": Role.ADMIN,
    "administrator": Role.ADMIN,
    "administrators": Role.ADMIN,
    "yllapitajat": Role.ADMIN,
    "administratorer": Role.ADMIN,
}
_NUMBER = re.compile(r"^#?(\d{1,18})$")

routes = Routes("adm", steps=Step)


# --- the list and the search -------------------------------------------------------------------


@routes.command("people", min_role=Role.STAFF, help_key="cmd.people")
async def people_command(ctx: Ctx) -> None:
    """/people: everyone, by name, a page at a time; /people NAME: a search."""
    if ctx.args.strip():
        await show_found(ctx, ctx.args.strip())
    else:
        await show_people(ctx, 0)


@routes.choice("adm:home", ids.PeopleHome, min_role=Role.STAFF)
async def people_home(ctx: Ctx, choice: ids.PeopleHome) -> None:
    """The menu's People."""
    await show_people(ctx, 0)


@routes.choice("adm:p", ids.People, min_role=Role.STAFF)
async def people_page(ctx: Ctx, choice: ids.People) -> None:
    """Another page of the list (replaced in place where the messenger can)."""
    await show_people(ctx, choice.page, in_place=True)


async def show_people(ctx: Ctx, page: int, *, in_place: bool = False) -> None:
    """A page of people with their number, role, cohort and status; a button for each."""
    service = ctx.app.services.people_admin
    people, total = await service.page(page * PAGE, PAGE)
    if not people and page:
        page = max(0, (total - 1) // PAGE)
        people, total = await service.page(page * PAGE, PAGE)
    lines = [ctx.t("admin.people_title", count=total)]
    lines += [_line(ctx, p) for p in people]
    nav = []
    if page > 0:
        nav.append(ids.People(page - 1).button(ctx.t("admin.previous")))
    if (page + 1) * PAGE < total:
        nav.append(ids.People(page + 1).button(ctx.t("admin.next")))
    rows = _person_buttons(ctx, people) + [nav, [ids.Search().button(ctx.t("admin.search"))]]
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    await _show(ctx, Outgoing.with_buttons("\n".join(lines), *rows), in_place)


@routes.choice("adm:s", ids.Search, min_role=Role.STAFF)
async def start_search(ctx: Ctx, choice: ids.Search) -> None:
    """Search by name: the next message is the name."""
    await ctx.set_step(Step.SEARCH, {})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("admin.search_prompt"), [ids.Cancel().button(ctx.t("admin.cancel"))]
        )
    )


@routes.step(Step.SEARCH, min_role=Role.STAFF)
async def search_text(ctx: Ctx) -> None:
    """A name (or part of one): the people who match."""
    text = ctx.text
    if not fold(text) or len(text) > SEARCH_MAX:
        await ctx.reply(ctx.t("admin.search_bad", max=SEARCH_MAX))
        return
    await ctx.clear_step()
    await show_found(ctx, text)


async def show_found(ctx: Ctx, text: str) -> None:
    """People whose name contains `text`, as buttons (one found: their card)."""
    found = await ctx.app.services.people_admin.search(text, PAGE + 1)
    if not found:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("admin.nobody_found", text=text[:SEARCH_MAX]),
                [ids.Search().button(ctx.t("admin.search_again"))],
                [ids.PeopleHome().button(ctx.t("admin.all_people"))],
            )
        )
        return
    lines = [ctx.t("admin.found", text=text[:SEARCH_MAX])] + [_line(ctx, p) for p in found[:PAGE]]
    if len(found) > PAGE:
        lines.append(ctx.t("admin.more_found"))
    rows = _person_buttons(ctx, found[:PAGE])
    rows.append([ids.Search().button(ctx.t("admin.search_again"))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("adm:cancel", ids.Cancel, min_role=Role.STAFF)
async def cancel(ctx: Ctx, choice: ids.Cancel) -> None:
    """Stop searching or creating an invite (nothing is changed)."""
    await ctx.clear_step()
    await ctx.show_menu(lead=ctx.t("admin.cancelled"))


# --- one person --------------------------------------------------------------------------------


@routes.choice("adm:o", ids.Person, min_role=Role.STAFF)
async def person_card(ctx: Ctx, choice: ids.Person) -> None:
    """One person: role, cohort, language, status, messengers; admins get the actions."""
    person = await _person(ctx, choice.person)
    if person is not None:
        await show_card(ctx, person)


@routes.choice("adm:a:role", ids.ChooseRole, min_role=Role.ADMIN)
async def choose_role(ctx: Ctx, choice: ids.ChooseRole) -> None:
    """Which role? One button per role the person does not have."""
    person = await _person(ctx, choice.person)
    if person is None:
        return
    rows = [
        [ids.AskRole(person.id, r.label).button(role_name(ctx.lang, r))]
        for r in ROLES
        if r != person.role
    ]
    rows.append([ids.Person(person.id).button(ctx.t("admin.back_to_person"))])
    now = role_name(ctx.lang, person.role)
    await ctx.reply(
        Outgoing.with_buttons(ctx.t("admin.which_role", name=person.display_name, role=now), *rows)
    )


@routes.choice("adm:a:r", ids.AskRole, min_role=Role.ADMIN)
async def ask_role(ctx: Ctx, choice: ids.AskRole) -> None:
    """What the change would do, and Yes / No (refusals are said here, before anything)."""
    role = Role.parse(choice.role)
    change = await ctx.app.services.people_admin.preview_role(ctx.person, choice.person, role)
    if not change.done:
        await _refused(ctx, change, choice.person)
        return
    person = change.person
    lines = [
        ctx.t("admin.confirm_role", name=person.display_name, role=role_name(ctx.lang, role)),
        ctx.t(f"admin.role_about_{role.label}"),
    ]
    if change.last_expert:
        lines.append(ctx.t("admin.warn_last_expert", name=person.display_name))
    await ctx.reply(
        Outgoing.with_buttons(
            "\n\n".join(lines),
            [ids.SetRole(person.id, role.label).button(ctx.t("admin.yes_change"))],
            [ids.Person(person.id).button(ctx.t("admin.no_keep"))],
        )
    )


@routes.choice("adm:a:ok", ids.SetRole, min_role=Role.ADMIN)
async def set_role(ctx: Ctx, choice: ids.SetRole) -> None:
    """Change the role (confirmed); claimed questions of a former expert go back to the others."""
    role = Role.parse(choice.role)
    service = ctx.app.services.people_admin
    change = await service.change_role(ctx.person, choice.person, role, "chat")
    if not change.done:
        await _refused(ctx, change, choice.person)
        return
    person = change.person
    said = [ctx.t("admin.role_changed", name=person.display_name, role=role_name(ctx.lang, role))]
    if change.released_tickets:
        numbers = ", ".join(f"#{n}" for n in change.released_tickets)
        said.append(ctx.t("admin.tickets_released", numbers=numbers))
    if change.last_expert:
        said.append(ctx.t("admin.last_expert", name=person.display_name))
    await show_card(ctx, person, lead="\n\n".join(said))


@routes.choice("adm:a:s", ids.AskStatus, min_role=Role.ADMIN)
async def ask_status(ctx: Ctx, choice: ids.AskStatus) -> None:
    """Deactivate or reactivate? What it means, and Yes / No."""
    service = ctx.app.services.people_admin
    change = await service.preview_status(ctx.person, choice.person, choice.status)
    if not change.done:
        await _refused(ctx, change, choice.person)
        return
    person = change.person
    lines = [ctx.t(f"admin.confirm_{choice.status}", name=person.display_name)]
    if change.last_expert:
        lines.append(ctx.t("admin.warn_last_expert", name=person.display_name))
    yes = "admin.yes_deactivate" if choice.status == "deactivated" else "admin.yes_reactivate"
    await ctx.reply(
        Outgoing.with_buttons(
            "\n\n".join(lines),
            [ids.SetStatus(person.id, choice.status).button(ctx.t(yes))],
            [ids.Person(person.id).button(ctx.t("admin.no_keep"))],
        )
    )


@routes.choice("adm:a:st", ids.SetStatus, min_role=Role.ADMIN)
async def set_status(ctx: Ctx, choice: ids.SetStatus) -> None:
    """Deactivate (gets nothing, can do nothing) or reactivate (confirmed)."""
    service = ctx.app.services.people_admin
    change = await service.set_status(ctx.person, choice.person, choice.status, "chat")
    if not change.done:
        await _refused(ctx, change, choice.person)
        return
    person = change.person
    said = [ctx.t(f"admin.{choice.status}", name=person.display_name)]
    if change.last_expert:
        said.append(ctx.t("admin.last_expert", name=person.display_name))
    await show_card(ctx, person, lead="\n\n".join(said))


# --- the commands with a person (and a role) typed ---------------------------------------------


@routes.command("role", min_role=Role.ADMIN, help_key="cmd.role")
async def role_command(ctx: Ctx) -> None:
    """/role PERSON ROLE (a number or a name; role names in any language, plurals too)."""
    words = ctx.args.split()
    if not words:
        await ctx.reply(ctx.t("admin.role_usage"))
        await show_people(ctx, 0)
        return
    roles = [r for r in (parse_role(w) for w in words) if r is not None]
    named = [w for w in words if parse_role(w) is None]
    number = next((w for w in named if _NUMBER.match(w)), None)
    if number is not None:
        unknown = [w for w in named if w != number]
        if unknown and not roles:
            await ctx.reply(ctx.t("admin.unknown_role", word=unknown[0][:24]))
            return
        named = [number]
    person = await _one_person(ctx, " ".join(named), "admin.role_usage")
    if person is None:
        return
    if len(roles) != 1:
        await choose_role(ctx, ids.ChooseRole(person.id))
        return
    await ask_role(ctx, ids.AskRole(person.id, roles[0].label))


@routes.command("deactivate", min_role=Role.ADMIN, help_key="cmd.deactivate")
async def deactivate_command(ctx: Ctx) -> None:
    """/deactivate PERSON: asks first (a number or a name)."""
    await _status_command(ctx, "deactivated")


@routes.command("reactivate", min_role=Role.ADMIN, help_key="cmd.reactivate")
async def reactivate_command(ctx: Ctx) -> None:
    """/reactivate PERSON: asks first (a number or a name)."""
    await _status_command(ctx, "active")


async def _status_command(ctx: Ctx, status: str) -> None:
    person = await _one_person(ctx, ctx.args.strip(), "admin.status_usage")
    if person is not None:
        await ask_status(ctx, ids.AskStatus(person.id, status))


async def _one_person(ctx: Ctx, text: str, usage_key: str) -> Person | None:
    """The one person a number or name points to; otherwise the choices (or usage) are shown."""
    if not text:
        await ctx.reply(ctx.t(usage_key))
        return None
    match = _NUMBER.match(text)
    if match:
        person = await ctx.repo(PeopleRepo).get(int(match.group(1)))
        if person is None or person.status == "onboarding":
            await ctx.reply(ctx.t("admin.no_such_person", number=match.group(1)))
            return None
        return person
    found = await ctx.app.services.people_admin.search(text, PAGE + 1)
    if len(found) == 1:
        return found[0]
    if not found:
        await ctx.reply(ctx.t("admin.nobody_found", text=text[:SEARCH_MAX]))
        return None
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("admin.several_found", text=text[:SEARCH_MAX]),
            *_person_buttons(ctx, found[:PAGE]),
        )
    )
    return None


def parse_role(word: str) -> Role | None:
    """A role from a word admins type: any UI language, singular or plural ("experts")."""
    folded = fold(word)
    if folded in _ROLE_WORDS:
        return _ROLE_WORDS[folded]
    for role in ROLES:
        names = {role.label} | {fold(role_name(lang, role)) for lang in LANGUAGES}
        if folded in names:
            return role
    return None
