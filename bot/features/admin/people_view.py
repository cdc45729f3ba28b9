"""How people are shown to staff in the chat: list lines, person buttons, the card, refusals."""

from __future__ import annotations

from dataclasses import replace

from bot import i18n
from bot.context import Ctx
from bot.features.admin import ids
from bot.features.admin.service import Change
from bot.i18n import LANGUAGE_NAMES
from bot.messages import Choice, Outgoing
from bot.roles import Role
from storage.people import PeopleRepo, Person


def role_name(lang: str, role: Role) -> str:
    """A role's name in a language."""
    return i18n.t(lang, f"admin.role_{role.label}")


async def show_card(ctx: Ctx, person: Person, lead: str | None = None) -> None:
    """The card of `person` (`lead`: a line above it, e.g. what just changed)."""
    identities = await ctx.repo(PeopleRepo).identities(person.id)
    messengers = ", ".join(ctx.app.messenger.title(i.transport) for i in identities) or "-"
    text = ctx.t(
        "admin.card",
        name=person.display_name,
        number=person.id,
        role=role_name(ctx.lang, person.role),
        cohort=person.cohort or "-",
        language=LANGUAGE_NAMES.get(person.language, person.language),
        status=ctx.t(f"admin.status_{person.status}"),
        messengers=messengers,
    )
    rows: list[list[Choice]] = []
    if ctx.role >= Role.ADMIN and person.id != ctx.person.id:
        status = "active" if person.status == "deactivated" else "deactivated"
        key = "admin.reactivate" if status == "active" else "admin.deactivate"
        rows.append(
            [
                ids.ChooseRole(person.id).button(ctx.t("admin.change_role")),
                ids.AskStatus(person.id, status).button(ctx.t(key)),
            ]
        )
    rows.append([ids.PeopleHome().button(ctx.t("admin.all_people"))])
    await ctx.reply(Outgoing.with_buttons(f"{lead}\n\n{text}" if lead else text, *rows))


# --- shared by the handlers --------------------------------------------------------------------


def _line(ctx: Ctx, person: Person) -> str:
    mark = "" if person.status == "active" else f" ({ctx.t('admin.status_deactivated')})"
    role = role_name(ctx.lang, person.role)
    return f"#{person.id} {person.display_name} — {role}, {person.cohort or '-'}{mark}"


def _person_buttons(ctx: Ctx, people: list[Person]) -> list[list[Choice]]:
    buttons = [
        ids.Person(p.id).button(f"{p.display_name} ({role_name(ctx.lang, p.role)})") for p in people
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _person(ctx: Ctx, number: int) -> Person | None:
    person = await ctx.repo(PeopleRepo).get(number)
    if person is None or person.status == "onboarding":
        await ctx.reply(ctx.t("admin.refused_not_found", name="-"))
        return None
    return person


async def _refused(ctx: Ctx, change: Change, number: int) -> None:
    name = change.person.display_name if change.person else "-"
    rows = [[ids.Person(number).button(ctx.t("admin.back_to_person"))]] if change.person else []
    await ctx.reply(
        Outgoing.with_buttons(ctx.t(f"admin.refused_{change.refused.value}", name=name), *rows)
    )


async def _show(ctx: Ctx, out: Outgoing, in_place: bool) -> None:
    """A list that changed replaces the message whose button was tapped (Telegram edits it in
    place; messengers without edits show it as a new message); anything else is a new message."""
    message_id = ctx.incoming.message_id if in_place and ctx.incoming.choice_id else None
    if message_id:
        result = await ctx.app.messenger.edit(
            ctx.incoming.address, message_id, replace(out, lang=ctx.lang)
        )
        if result.ok:
            return
    await ctx.reply(out)
