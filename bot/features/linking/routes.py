"""Linking's handlers: /link with or without a code, the owner's yes or no, the preferred messenger.

The flow: the owner sends /link on messenger A and gets a code; from messenger B they send
/link CODE; the bot asks on A "was that you?"; only the owner's yes joins B to the profile. A code
that is guessed, or read over someone's shoulder, therefore joins nothing without the owner.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import i18n
from bot.context import Ctx
from bot.features.linking import ids
from bot.messages import Address, Incoming, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.audit import AuditRepo
from storage.guesses import GuessesRepo, Verdict, sender_key
from storage.links import Claim, LinkCodesRepo, well_formed
from storage.people import PeopleRepo, Person

routes = Routes("link")
GUESS_KIND = "link"


def _valid(ctx: Ctx) -> timedelta:
    return timedelta(minutes=ctx.app.config.features.linking.code_valid_minutes)


# A side step: a form or onboarding under way stays where it was (after a "no", onboarding goes on).
@routes.command("link", min_role=Role.GUEST, help_key="cmd.link", keep_dialog=True)
async def link(ctx: Ctx) -> None:
    """/link: show a code (known person) or claim this account with a code (/link CODE)."""
    if ctx.args:
        await _redeem(ctx, ctx.args)
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
    """A fresh code to send from another messenger, and where messages go now."""
    shown_on = ctx.incoming.address.transport
    code = await ctx.repo(LinkCodesRepo).create(ctx.person.id, shown_on, ctx.now(), _valid(ctx))
    await ctx.audit("link.code_created", transport=shown_on)
    minutes = ctx.app.config.features.linking.code_valid_minutes
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


# --- the other messenger: /link CODE ---------------------------------------------------------------


async def _redeem(ctx: Ctx, code: str) -> None:
    """Claim a code for this account and ask its owner; wrong codes are counted and audited."""
    incoming = ctx.incoming
    transport = incoming.address.transport
    if ctx.person is not None and ctx.person.status != "onboarding":
        await ctx.reply(ctx.t("link.already_a_profile"))
        return
    if not well_formed(code):  # cannot be anyone's code: a typo, not a guess
        await ctx.audit("link.failed", reason="malformed", transport=transport)
        await ctx.reply(ctx.t("link.malformed"))
        return
    guesses = ctx.repo(GuessesRepo)
    sender = sender_key(transport, incoming.sender_id)
    limits = ctx.app.config.features.linking.wrong_codes
    verdict = await guesses.check(GUESS_KIND, sender, ctx.now(), limits)
    if not verdict.allowed:
        await _too_many(ctx, verdict)
        return
    claim, reason = await ctx.repo(LinkCodesRepo).claim(
        code,
        transport=transport,
        sender_id=incoming.sender_id,
        chat_id=incoming.address.chat_id,
        now=ctx.now(),
        valid=_valid(ctx),
    )
    owner = await ctx.repo(PeopleRepo).get(claim.person_id) if claim else None
    if claim is None or owner is None or not owner.active:
        await guesses.wrong(GUESS_KIND, sender, ctx.now())
        await ctx.audit(
            "link.failed", reason=reason if claim is None else "owner", transport=transport
        )
        key = "link.same_messenger" if reason == "same_messenger" else "link.bad_code"
        await ctx.reply(ctx.t(key))
        return
    if not await _ask_owner(ctx, owner, claim):
        await ctx.repo(LinkCodesRepo).drop(claim.id)
        await ctx.reply(ctx.t("link.owner_unreachable"))
        return
    await ctx.repo(AuditRepo).record("link.claimed", actor_id=owner.id, transport=transport)
    await ctx.reply(ctx.t("link.confirm_there", messenger=ctx.app.messenger.title(claim.shown_on)))


async def _too_many(ctx: Ctx, verdict: Verdict) -> None:
    """Refused by a limit: say when to try again; audit once per limit and window."""
    if verdict.first:
        await ctx.audit(
            "link.limited", limit=verdict.limit, transport=ctx.incoming.address.transport
        )
    if verdict.limit == "global":
        await ctx.reply(ctx.t("link.busy"))
        return
    at = verdict.retry_at.astimezone(ctx.tz).strftime("%H:%M")
    limit = ctx.app.config.features.linking.wrong_codes.per_sender_per_hour
    await ctx.reply(ctx.t("link.wait", count=limit, time=at))


async def _ask_owner(ctx: Ctx, owner: Person, claim: Claim) -> bool:
    """Ask the owner on the messenger where they saw the code; False when that is not possible."""
    identity = next(
        (
            i
            for i in await ctx.repo(PeopleRepo).identities(owner.id)
            if i.transport == claim.shown_on
        ),
        None,
    )
    if identity is None:
        return False
    lang = owner.language
    minutes = ctx.app.config.features.linking.code_valid_minutes
    ask = Outgoing.with_buttons(
        i18n.t(
            lang,
            "link.confirm_ask",
            messenger=ctx.app.messenger.title(claim.transport),
            minutes=minutes,
        ),
        [ids.Confirm(claim.id).button(i18n.t(lang, "link.confirm_yes"))],
        [ids.Refuse(claim.id).button(i18n.t(lang, "link.confirm_no"))],
    )
    ask = replace(ask, lang=lang)
    result = await ctx.app.messenger.send(Address(identity.transport, identity.chat_id), ask)
    return result.ok


# --- the owner's answer ----------------------------------------------------------------------------


@routes.choice("link:yes", ids.Confirm, keep_dialog=True)
async def confirm(ctx: Ctx, choice: ids.Confirm) -> None:
    """The owner says the account that sent the code is theirs: join it."""
    claim = await ctx.repo(LinkCodesRepo).take_claim(choice.claim, ctx.person.id, ctx.now())
    if claim is None:
        await ctx.reply(ctx.t("link.claim_gone"))
        return
    people = ctx.repo(PeopleRepo)
    there = await people.by_identity(claim.transport, claim.sender_id)
    if there is not None and there.id != ctx.person.id and there.status != "onboarding":
        await ctx.audit("link.failed", reason="has_profile", transport=claim.transport)
        await ctx.reply(ctx.t("link.other_has_profile"))
        return
    if there is not None and there.id != ctx.person.id:
        await people.delete(there.id)  # half-way through onboarding there: that attempt is dropped
    await people.add_identity(ctx.person.id, claim.transport, claim.sender_id, claim.chat_id)
    await ctx.audit("link.joined", transport=claim.transport)
    await ctx.app.publish_commands(ctx.person)
    messenger = ctx.app.messenger.title(claim.transport)
    await ctx.reply(ctx.t("link.joined", messenger=messenger))
    await _preferences(ctx)
    other = _ctx_there(ctx, claim, ctx.person)
    await other.reply(other.t("link.done", name=ctx.person.display_name, messenger=messenger))
    await other.show_menu()


@routes.choice("link:no", ids.Refuse, keep_dialog=True)
async def refuse(ctx: Ctx, choice: ids.Refuse) -> None:
    """The owner did not send the code: nothing is joined, the code is gone."""
    claim = await ctx.repo(LinkCodesRepo).take_claim(choice.claim, ctx.person.id, ctx.now())
    if claim is None:
        await ctx.reply(ctx.t("link.claim_gone"))
        return
    await ctx.audit("link.refused", transport=claim.transport)
    await ctx.reply(ctx.t("link.refused"))
    other = _ctx_there(ctx, claim, None)  # perhaps not the owner: no profile, the default language
    await other.reply(other.t("link.not_confirmed"))


def _ctx_there(ctx: Ctx, claim: Claim, person: Person | None) -> Ctx:
    """A context for answering the account that sent the code."""
    there = Incoming(Address(claim.transport, claim.chat_id), claim.sender_id)
    return Ctx(ctx.app, there, person)
