"""Invites in the chat (admins): role, cohort, uses and expiry by buttons; the code, its link and
QR code in reply; the invites that can still be used, with Revoke."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.context import Ctx
from bot.features.admin import ids
from bot.features.admin.ids import DAYS_MAX, USES_MAX, Step
from bot.features.admin.people import role_name
from bot.features.menu import ids as menu_ids
from bot.messages import Attachment, Outgoing
from bot.roles import INVITABLE_ROLES, Role
from bot.router import Routes
from storage.invites import Invite
from storage.people import PeopleRepo

USES = (1, 5, 10, 25, 50)
DAYS = (1, 7, 14, 30, 90)
COHORT_BUTTONS = 8
_WHOLE = re.compile(r"^\d{1,4}$")

routes = Routes("adm")


# --- creating: role, cohort, uses, days, then Create -------------------------------------------


@routes.command("invite", min_role=Role.ADMIN, help_key="cmd.invite")
async def invite_command(ctx: Ctx) -> None:
    """/invite: create an invite by buttons."""
    await ask_role(ctx)


@routes.choice("adm:i:new", ids.NewInvite, min_role=Role.ADMIN)
async def new_invite(ctx: Ctx, choice: ids.NewInvite) -> None:
    """The menu's (or the list's) New invite."""
    await ask_role(ctx)


async def ask_role(ctx: Ctx) -> None:
    """Who is the invite for?"""
    await ctx.set_step(Step.INVITE_ROLE, {})
    rows = [[ids.InviteRole(r.label).button(role_name(ctx.lang, r))] for r in INVITABLE_ROLES]
    rows.append([ids.Cancel().button(ctx.t("admin.cancel"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("admin.invite_role"), *rows))


@routes.choice("adm:i:r", ids.InviteRole, min_role=Role.ADMIN)
async def chose_role(ctx: Ctx, choice: ids.InviteRole) -> None:
    """The role chosen: which cohort? (Known cohorts as buttons, or a new one typed.)"""
    if not await _in(ctx, Step.INVITE_ROLE):
        return
    cohorts = (await ctx.repo(PeopleRepo).cohorts())[-COHORT_BUTTONS:][::-1]
    await ctx.set_step(Step.INVITE_COHORT, {"role": choice.role, "cohorts": cohorts})
    await _ask_cohort(ctx)


async def _ask_cohort(ctx: Ctx, lead: str | None = None) -> None:
    cohorts = ctx.dialog.data.get("cohorts", [])
    rows = [[ids.InviteCohort(i).button(c)] for i, c in enumerate(cohorts)]
    rows.append([ids.NoCohort().button(ctx.t("admin.no_cohort"))])
    rows.append([ids.Cancel().button(ctx.t("admin.cancel"))])
    text = ctx.t("admin.invite_cohort")
    await ctx.reply(Outgoing.with_buttons(f"{lead}\n\n{text}" if lead else text, *rows))


@routes.choice("adm:i:c", ids.InviteCohort, min_role=Role.ADMIN)
async def chose_cohort(ctx: Ctx, choice: ids.InviteCohort) -> None:
    """A known cohort."""
    if not await _in(ctx, Step.INVITE_COHORT):
        return
    cohorts = ctx.dialog.data.get("cohorts", [])
    if choice.index >= len(cohorts):
        await _stale(ctx)
        return
    await _cohort_chosen(ctx, cohorts[choice.index])


@routes.choice("adm:i:nc", ids.NoCohort, min_role=Role.ADMIN)
async def chose_no_cohort(ctx: Ctx, choice: ids.NoCohort) -> None:
    """No cohort."""
    if await _in(ctx, Step.INVITE_COHORT):
        await _cohort_chosen(ctx, None)


@routes.step(Step.INVITE_COHORT, min_role=Role.ADMIN)
async def typed_cohort(ctx: Ctx) -> None:
    """A new cohort typed (one line, at most 40 characters)."""
    try:
        cohort = ctx.app.services.people_admin.clean_cohort(ctx.incoming.text or "")
    except ValueError:
        await _ask_cohort(ctx, lead=ctx.t("admin.bad_cohort", max=40))
        return
    await _cohort_chosen(ctx, cohort)


async def _cohort_chosen(ctx: Ctx, cohort: str | None) -> None:
    data = {**ctx.dialog.data, "cohort": cohort}
    data.pop("cohorts", None)
    await ctx.set_step(Step.INVITE_USES, data)
    await _ask_uses(ctx)


async def _ask_uses(ctx: Ctx, lead: str | None = None) -> None:
    buttons = [ids.InviteUses(n).button(str(n)) for n in USES]
    text = ctx.t("admin.invite_uses", max=USES_MAX)
    out = Outgoing.with_buttons(
        f"{lead}\n\n{text}" if lead else text,
        buttons,
        [ids.Cancel().button(ctx.t("admin.cancel"))],
    )
    # A number typed is the answer, never "option number N" (numbered messengers show bullets).
    await ctx.reply(replace(out, numbered=False))


@routes.choice("adm:i:u", ids.InviteUses, min_role=Role.ADMIN)
async def chose_uses(ctx: Ctx, choice: ids.InviteUses) -> None:
    """How many people: tapped."""
    if await _in(ctx, Step.INVITE_USES):
        await _uses_chosen(ctx, choice.uses)


@routes.step(Step.INVITE_USES, min_role=Role.ADMIN)
async def typed_uses(ctx: Ctx) -> None:
    """How many people: typed (1-500)."""
    text = ctx.text
    if not _WHOLE.match(text) or not 1 <= int(text) <= USES_MAX:
        await _ask_uses(ctx, lead=ctx.t("admin.bad_uses", max=USES_MAX))
        return
    await _uses_chosen(ctx, int(text))


async def _uses_chosen(ctx: Ctx, uses: int) -> None:
    await ctx.set_step(Step.INVITE_DAYS, {**ctx.dialog.data, "uses": uses})
    await _ask_days(ctx)


async def _ask_days(ctx: Ctx, lead: str | None = None) -> None:
    buttons = [ids.InviteDays(d).button(_days_label(ctx, d)) for d in DAYS]
    text = ctx.t("admin.invite_days", max=DAYS_MAX)
    out = Outgoing.with_buttons(
        f"{lead}\n\n{text}" if lead else text,
        buttons[:3],
        buttons[3:],
        [ids.Cancel().button(ctx.t("admin.cancel"))],
    )
    await ctx.reply(replace(out, numbered=False))  # "14" typed means 14 days


@routes.choice("adm:i:d", ids.InviteDays, min_role=Role.ADMIN)
async def chose_days(ctx: Ctx, choice: ids.InviteDays) -> None:
    """How long it is valid: tapped."""
    if await _in(ctx, Step.INVITE_DAYS):
        await _days_chosen(ctx, choice.days)


@routes.step(Step.INVITE_DAYS, min_role=Role.ADMIN)
async def typed_days(ctx: Ctx) -> None:
    """How long it is valid: a number of days typed (1-365)."""
    text = ctx.text
    if not _WHOLE.match(text) or not 1 <= int(text) <= DAYS_MAX:
        await _ask_days(ctx, lead=ctx.t("admin.bad_days", max=DAYS_MAX))
        return
    await _days_chosen(ctx, int(text))


async def _days_chosen(ctx: Ctx, days: int) -> None:
    data = {**ctx.dialog.data, "days": days}
    await ctx.set_step(Step.INVITE_CONFIRM, data)
    until = (ctx.local_now() + timedelta(days=days)).strftime("%d.%m.%Y")
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "admin.invite_summary",
                role=role_name(ctx.lang, Role.parse(data["role"])),
                cohort=data.get("cohort") or ctx.t("admin.no_cohort"),
                uses=data["uses"],
                until=until,
            ),
            [ids.CreateInvite().button(ctx.t("admin.create"))],
            [ids.Cancel().button(ctx.t("admin.cancel"))],
        )
    )


@routes.step(Step.INVITE_ROLE, Step.INVITE_CONFIRM, min_role=Role.ADMIN)
async def use_buttons(ctx: Ctx) -> None:
    """Text where a button is expected: the question again."""
    if ctx.dialog.step == Step.INVITE_ROLE:
        await ask_role(ctx)
    else:
        await _days_chosen(ctx, ctx.dialog.data["days"])


@routes.choice("adm:i:ok", ids.CreateInvite, min_role=Role.ADMIN)
async def create(ctx: Ctx, choice: ids.CreateInvite) -> None:
    """Create it: the code, the deep link and the QR code (the code is shown only now)."""
    if not await _in(ctx, Step.INVITE_CONFIRM):
        return
    data = ctx.dialog.data
    await ctx.clear_step()
    service = ctx.app.services.people_admin
    made = await service.create_invite(
        ctx.person, Role.parse(data["role"]), data.get("cohort"), data["uses"], data["days"], "chat"
    )
    invite = made.invite
    lines = [
        ctx.t("admin.invite_ready", number=invite.id, description=_describe(ctx, invite)),
        ctx.t("admin.invite_code", code=made.code),
        ctx.t("admin.invite_link", link=made.link) if made.link else ctx.t("admin.invite_no_link"),
        ctx.t("admin.invite_start", code=made.code),
        ctx.t("admin.invite_once"),
    ]
    qr = Attachment(f"invite-{invite.id}.png", made.qr_png, "image/png", "photo")
    await ctx.reply(
        Outgoing(
            "\n\n".join(lines),
            attachment=qr,
            choices=((ids.Invites().button(ctx.t("admin.invites_list")),),),
        )
    )


# --- the list, and revoking ---------------------------------------------------------------------


@routes.command("invites", min_role=Role.ADMIN, help_key="cmd.invites")
async def invites_command(ctx: Ctx) -> None:
    """/invites: the invites that can still be used, with Revoke and New invite."""
    await show_invites(ctx)


@routes.choice("adm:i:list", ids.Invites, min_role=Role.ADMIN)
async def invites_button(ctx: Ctx, choice: ids.Invites) -> None:
    """The menu's Invites."""
    await show_invites(ctx)


async def show_invites(ctx: Ctx, lead: str | None = None) -> None:
    """Usable invites, newest first: role, cohort, uses, expiry; Revoke for each."""
    invites = await ctx.app.services.people_admin.invites()
    lines = [lead] if lead else []
    if not invites:
        lines.append(ctx.t("admin.no_invites"))
    else:
        lines.append(ctx.t("admin.invites_title"))
        lines += [f"#{i.id} · {_describe(ctx, i)}" for i in invites]
    rows = [[ids.AskRevoke(i.id).button(ctx.t("admin.revoke_n", number=i.id))] for i in invites]
    rows.append([ids.NewInvite().button(ctx.t("admin.new_invite"))])
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("adm:i:x", ids.AskRevoke, min_role=Role.ADMIN)
async def ask_revoke(ctx: Ctx, choice: ids.AskRevoke) -> None:
    """Revoke? What it means, and Yes / No."""
    invites = {i.id: i for i in await ctx.app.services.people_admin.invites(limit=200)}
    invite = invites.get(choice.invite)
    if invite is None:
        await show_invites(ctx, lead=ctx.t("admin.invite_gone", number=choice.invite))
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("admin.confirm_revoke", number=invite.id, description=_describe(ctx, invite)),
            [ids.Revoke(invite.id).button(ctx.t("admin.yes_revoke"))],
            [ids.Invites().button(ctx.t("admin.no_keep"))],
        )
    )


@routes.choice("adm:i:xok", ids.Revoke, min_role=Role.ADMIN)
async def revoke(ctx: Ctx, choice: ids.Revoke) -> None:
    """Revoke (confirmed); then the list again."""
    done = await ctx.app.services.people_admin.revoke_invite(ctx.person, choice.invite, "chat")
    key = "admin.revoked" if done else "admin.invite_gone"
    await show_invites(ctx, lead=ctx.t(key, number=choice.invite))


# --- shared by the handlers --------------------------------------------------------------------


def _describe(ctx: Ctx, invite: Invite) -> str:
    until = invite.expires_at.astimezone(ctx.tz).strftime("%d.%m.%Y") if invite.expires_at else "-"
    return ctx.t(
        "admin.invite_description",
        role=role_name(ctx.lang, invite.role),
        cohort=invite.cohort or ctx.t("admin.no_cohort"),
        uses=invite.uses,
        max=invite.max_uses,
        until=until,
    )


def _days_label(ctx: Ctx, days: int) -> str:
    if days == 1:
        return ctx.t("admin.one_day")
    if days % 7 == 0 and days < 30:
        return ctx.t("admin.weeks", weeks=days // 7) if days > 7 else ctx.t("admin.one_week")
    return ctx.t("admin.days", days=days)


async def _in(ctx: Ctx, step: Step) -> bool:
    """True in `step` of creating an invite; otherwise (said) the button is from an older message."""
    if ctx.dialog is not None and ctx.dialog.step == step:
        return True
    await _stale(ctx)
    return False


async def _stale(ctx: Ctx) -> None:
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("common.stale_button"), [ids.NewInvite().button(ctx.t("admin.new_invite"))]
        )
    )
