"""Onboarding by invite: /start CODE -> consent -> language -> display name -> main menu."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Choice, Outgoing
from bot.roles import Role
from storage.invites import InvitesRepo
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.app import App

NAME_MAX = 40
_KEEP_FORMAT_CHARS = {"\u200c", "\u200d"}  # joiners inside emoji and some scripts


def setup(app: App) -> None:
    """Register onboarding routes."""
    app.router.command("start", start, min_role=Role.GUEST, help_key="cmd.start")
    app.router.choice("onb:", on_choice, min_role=Role.GUEST)
    app.router.step("onb.", on_text)


async def start(ctx: Ctx) -> None:
    """/start [CODE]: welcome back, continue onboarding, or begin it with an invite."""
    person = ctx.person
    if person is not None and person.active:
        await ctx.show_menu(lead=ctx.t("onboarding.welcome_back", name=person.display_name))
        return
    if person is not None:
        await _ask_current_step(ctx)
        return
    if _is_configured_admin(ctx):
        await _begin(ctx, Role.ADMIN, cohort=None, invite_id=None)
        return
    code = ctx.args.split()[0] if ctx.args else ""
    if not code:
        await ctx.reply(ctx.t("onboarding.need_invite"))
        return
    invites = ctx.repo(InvitesRepo)
    invite, state = await invites.check(code)
    if state != "ok" or invite is None or not await invites.consume(invite.id):
        reason = state if state != "ok" else "used"
        await ctx.reply(ctx.t(f"onboarding.invite_{reason}"))
        return
    await _begin(ctx, invite.role, invite.cohort, invite.id)


async def on_choice(ctx: Ctx) -> None:
    """Buttons of the onboarding steps."""
    parts = ctx.choice_parts  # onb:consent:yes | onb:lang:fi
    step = ctx.dialog.step if ctx.dialog else None
    if ctx.person is None or ctx.person.active or step is None:
        if ctx.person is None:
            await ctx.reply(ctx.t("onboarding.need_invite"))
        else:
            await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    if parts[1] == "consent" and step == "onb.consent":
        await _on_consent(ctx, parts[2] if len(parts) > 2 else "")
    elif parts[1] == "lang" and step == "onb.language" and len(parts) > 2:
        await _on_language(ctx, parts[2])
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        await _ask_current_step(ctx)


async def on_text(ctx: Ctx) -> None:
    """Typed text during onboarding: the display name, or a gentle re-ask."""
    step = ctx.dialog.step if ctx.dialog else ""
    if step == "onb.name" and not ctx.text.startswith("/cancel"):
        await _on_name(ctx)
        return
    if ctx.text.split("@")[0].split(" ")[0] == "/cancel":
        await abandon(ctx)
        return
    await ctx.reply(ctx.t("onboarding.use_buttons"))
    await _ask_current_step(ctx)


async def abandon(ctx: Ctx) -> None:
    """Stop onboarding: delete everything stored about the person and give the invite back."""
    invite_id = (ctx.dialog.data if ctx.dialog else {}).get("invite_id")
    async with ctx.app.db.transaction():
        await ctx.repo(PeopleRepo).delete(ctx.person.id)
        if invite_id:
            await ctx.repo(InvitesRepo).give_back(invite_id)
    ctx.person = None
    ctx.dialog = None
    await ctx.audit("onboarding.declined")
    await ctx.reply(ctx.t("onboarding.declined"))


async def _begin(ctx: Ctx, role: Role, cohort: str | None, invite_id: int | None) -> None:
    incoming = ctx.incoming
    people = ctx.repo(PeopleRepo)
    async with ctx.app.db.transaction():
        person = await people.create(role=role, cohort=cohort, language=ctx.lang)
        await people.add_identity(
            person.id, incoming.address.transport, incoming.sender_id, incoming.address.chat_id
        )
    ctx.person = person
    await ctx.audit("onboarding.started", role=role.label, cohort=cohort)
    await ctx.set_step("onb.consent", {"invite_id": invite_id})
    await _ask_current_step(ctx)


async def _ask_current_step(ctx: Ctx) -> None:
    step = ctx.dialog.step if ctx.dialog else "onb.consent"
    if step == "onb.consent":
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("onboarding.consent"),
                [ctx.button("onb:consent:yes", "onboarding.consent_yes")],
                [ctx.button("onb:consent:more", "onboarding.consent_more_button")],
                [ctx.button("onb:consent:no", "onboarding.consent_no")],
            )
        )
    elif step == "onb.language":
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("onboarding.choose_language"),
                [Choice(f"onb:lang:{code}", LANGUAGE_NAMES[code]) for code in LANGUAGES],
            )
        )
    else:
        await ctx.reply(ctx.t("onboarding.ask_name", max=NAME_MAX))


async def _on_consent(ctx: Ctx, answer: str) -> None:
    if answer == "more":
        await ctx.reply(ctx.t("onboarding.consent_details"))
        await _ask_current_step(ctx)
        return
    if answer == "no":
        await abandon(ctx)
        return
    if answer != "yes":
        await _ask_current_step(ctx)
        return
    ctx.person = await ctx.repo(PeopleRepo).update(
        ctx.person.id,
        consent_version=ctx.app.config.bot.consent_version,
        consented_at=ctx.app.db.now_iso(),
    )
    await ctx.audit("consent.given", version=ctx.app.config.bot.consent_version)
    await ctx.set_step("onb.language")
    await _ask_current_step(ctx)


async def _on_language(ctx: Ctx, code: str) -> None:
    if code not in LANGUAGES:
        await _ask_current_step(ctx)
        return
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, language=code)
    await ctx.set_step("onb.name")
    await _ask_current_step(ctx)


async def _on_name(ctx: Ctx) -> None:
    name, problem = clean_name(ctx.incoming.text or "")
    if problem:
        await ctx.reply(ctx.t(f"onboarding.name_{problem}", max=NAME_MAX))
        return
    people = ctx.repo(PeopleRepo)
    ctx.person = await people.update(ctx.person.id, display_name=name, status="active")
    await ctx.clear_step()
    await ctx.audit("onboarding.completed", role=ctx.person.role.label)
    await ctx.app.publish_commands(ctx.person)
    await ctx.show_menu(lead=ctx.t(f"onboarding.welcome_{ctx.person.role.label}", name=name))


def clean_name(raw: str) -> tuple[str, str | None]:
    """A display name without control or direction-override characters, and the problem if any.

    Problems: "empty", "too_long", "command".
    """
    kept = "".join(
        ch
        for ch in raw
        if ch in _KEEP_FORMAT_CHARS or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    name = " ".join(kept.split())
    if not name:
        return "", "empty"
    if name.startswith("/"):
        return name, "command"
    if len(name) > NAME_MAX:
        return name, "too_long"
    return name, None


def _is_configured_admin(ctx: Ctx) -> bool:
    admins = ctx.app.config.admins
    incoming = ctx.incoming
    if incoming.address.transport == "telegram":
        return incoming.sender_id.isdecimal() and int(incoming.sender_id) in admins.telegram
    if incoming.address.transport == "signal":
        return incoming.sender_id in admins.signal or incoming.extra.get("number") in admins.signal
    return False
