"""Linking's handlers: /link with or without a code, and the preferred messenger."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.linking import ids
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.links import VALID_FOR, LinkCodesRepo
from storage.people import PeopleRepo

routes = Routes("link")


@routes.command("link", min_role=Role.GUEST, help_key="cmd.link")
async def link(ctx: Ctx) -> None:
    """/link: show a code (known person) or join this account with a code (/link CODE)."""
    code = ctx.args.split()[0] if ctx.args else ""
    if code:
        await _redeem(ctx, code)
    elif ctx.person is None or not ctx.person.active:
        await ctx.reply(ctx.t("link.how_to_join"))
    else:
        await show_link(ctx)


@routes.choice("link:home", ids.Home)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """The messengers button of /settings."""
    await show_link(ctx)


@routes.choice("link:pref", ids.Prefer)
async def prefer(ctx: Ctx, choice: ids.Prefer) -> None:
    """Send to this messenger from now on (one the person has linked)."""
    people = ctx.repo(PeopleRepo)
    identities = await people.identities(ctx.person.id)
    if choice.transport not in {i.transport for i in identities}:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    ctx.person = await people.update(ctx.person.id, preferred_transport=choice.transport)
    await ctx.audit("link.preferred", transport=choice.transport)
    name = ctx.app.messenger.title(choice.transport)
    await ctx.reply(ctx.t("link.preferred_set", messenger=name))


async def show_link(ctx: Ctx) -> None:
    """A fresh code to send from the other messenger, and where messages go now."""
    code = await ctx.repo(LinkCodesRepo).create(ctx.person.id, ctx.now())
    await ctx.audit("link.code_created")
    minutes = int(VALID_FOR.total_seconds() // 60)
    await ctx.reply(ctx.t("link.code", code=code, minutes=minutes))
    await _preferences(ctx)


async def _preferences(ctx: Ctx) -> None:
    identities = await ctx.repo(PeopleRepo).identities(ctx.person.id)
    transports = sorted(
        {i.transport for i in identities if i.transport in ctx.app.messenger.transports}
    )
    if len(transports) < 2:
        return
    preferred = ctx.person.preferred_transport or identities[0].transport
    rows = [
        [ids.Prefer(t).button(("✓ " if t == preferred else "") + ctx.app.messenger.title(t))]
        for t in transports
    ]
    await ctx.reply(Outgoing.with_buttons(ctx.t("link.preferred"), *rows))


async def _redeem(ctx: Ctx, code: str) -> None:
    incoming = ctx.incoming
    if ctx.person is not None and ctx.person.status != "onboarding":
        await ctx.reply(ctx.t("link.already_a_profile"))
        return
    person_id = await ctx.repo(LinkCodesRepo).redeem(code, ctx.now())
    people = ctx.repo(PeopleRepo)
    target = await people.get(person_id) if person_id else None
    if target is None or not target.active:
        await ctx.reply(ctx.t("link.bad_code"))
        return
    if ctx.person is not None:  # half-way through onboarding here: that attempt is dropped
        await people.delete(ctx.person.id)
    await people.add_identity(
        target.id, incoming.address.transport, incoming.sender_id, incoming.address.chat_id
    )
    ctx.person = target
    ctx.dialog = None
    await ctx.audit("link.joined", transport=incoming.address.transport)
    await ctx.app.publish_commands(target)
    await ctx.reply(
        ctx.t(
            "link.done",
            name=target.display_name,
            messenger=ctx.app.messenger.title(incoming.address.transport),
        )
    )
    await _preferences(ctx)
    await ctx.show_menu()
