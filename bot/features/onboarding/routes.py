"""Onboarding's handlers: /start CODE (or the bare code), language, consent, display name."""

from __future__ import annotations

import re
import unicodedata

from bot import i18n
from bot.context import Ctx
from bot.features.onboarding import ids
from bot.features.onboarding.ids import Step
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from bot.text import parse_yes_no
from storage.guesses import GuessesRepo, sender_key
from storage.invites import Invite, InvitesRepo
from storage.people import PeopleRepo

NAME_MAX = 40
GUESS_KIND = "invite"
_KEEP_FORMAT_CHARS = {"\u200c", "\u200d"}  # joiners inside emoji and some scripts
# A bare invite code typed without /start: one word of letters and digits (with - or spaces
# between groups), long enough not to be a greeting, with a digit or written in capitals.
_BARE_CODE = re.compile(r"^[A-Za-z0-9]{3,}(?:[- ][A-Za-z0-9]{3,})*$")
# Language names a person may type at the language question (any language's word for it).
_LANGUAGE_WORDS = {
    "en": {"en", "english", "englanti", "engelska", "eng"},
    "fi": {"fi", "suomi", "finnish", "finska", "suomeksi", "fin"},
    "sv": {"sv", "svenska", "swedish", "ruotsi", "på svenska", "swe", "se"},
}

routes = Routes("onb", steps=Step)


@routes.command("start", min_role=Role.GUEST, help_key="cmd.start")
async def start(ctx: Ctx) -> None:
    """/start [CODE] (or a bare code): welcome back, continue onboarding, or begin with an invite."""
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
    code = ctx.args.split()[0] if ctx.args else bare_code(ctx.text)
    if not code:
        await ctx.reply(ctx.t("onboarding.need_invite"))
        return
    invite = await _take_invite(ctx, code)
    if invite is not None:
        await _begin(ctx, invite.role, invite.cohort, invite.id)


async def _take_invite(ctx: Ctx, code: str) -> Invite | None:
    """The invite a code names, with one use taken; otherwise None and the reason said.

    Wrong codes count toward the limits (per sender an hour, from everyone a minute) and every
    failure is audited with its reason, never the code.
    """
    incoming = ctx.incoming
    transport = incoming.address.transport
    guesses = ctx.repo(GuessesRepo)
    sender = sender_key(transport, incoming.sender_id)
    limits = ctx.app.config.features.onboarding.wrong_codes
    verdict = await guesses.check(GUESS_KIND, sender, ctx.now(), limits)
    if not verdict.allowed:
        if verdict.first:
            await ctx.audit("invite.limited", limit=verdict.limit, transport=transport)
        if verdict.limit == "global":
            await ctx.reply(ctx.t("onboarding.invite_busy"))
        else:
            at = verdict.retry_at.astimezone(ctx.tz).strftime("%H:%M")
            await ctx.reply(
                ctx.t("onboarding.invite_wait", count=limits.per_sender_per_hour, time=at)
            )
        return None
    invites = ctx.repo(InvitesRepo)
    invite, state = await invites.check(code)
    if state == "ok" and not await invites.consume(invite.id):
        state = "used"
    if state != "ok":
        await guesses.wrong(GUESS_KIND, sender, ctx.now())
        await ctx.audit("invite.failed", reason=state, transport=transport)
        typed_a_word = not ctx.args and state == "unknown" and not looks_like_code(code)
        # A lower-case code without digits is still tried ("welcome"); a plain word that is no code
        # ("hello") gets the welcome with how to join, not "that code was not found".
        await ctx.reply(
            ctx.t("onboarding.need_invite" if typed_a_word else f"onboarding.invite_{state}")
        )
        return None
    return invite


def bare_code(text: str) -> str:
    """The invite code in a message without /start ("" when it does not look like one)."""
    raw = text.strip()
    if not _BARE_CODE.match(raw) or len(raw) > 40:
        return ""
    letters = raw.replace("-", "").replace(" ", "")
    if len(letters) < 6 or (" " in raw and not looks_like_code(letters)):
        return ""  # "hello there" is words, "ABCD EFGH" a code read out in parts
    return letters


def looks_like_code(letters: str) -> bool:
    """A digit or all capitals: a code, not a word (a word that is no code gets the welcome)."""
    return any(c.isdigit() for c in letters) or letters.isupper()


@routes.choice("onb:lang", ids.Language, min_role=Role.GUEST)
async def language(ctx: Ctx, choice: ids.Language) -> None:
    """The language chosen (the first question); then consent, in that language."""
    if await _in_step(ctx, Step.LANGUAGE):
        await _take_language(ctx, choice.code)


@routes.choice("onb:consent", ids.Consent, min_role=Role.GUEST)
async def consent(ctx: Ctx, choice: ids.Consent) -> None:
    """Agree (then the name), read more, or decline (everything is deleted)."""
    if await _in_step(ctx, Step.CONSENT):
        await _on_consent(ctx, choice.answer)


async def _in_step(ctx: Ctx, step: Step) -> bool:
    """True when the person is onboarding at `step`; otherwise says why the button is stale."""
    current = ctx.dialog.step if ctx.dialog else None
    if ctx.person is None or ctx.person.active or current is None:
        if ctx.person is None:
            await ctx.reply(ctx.t("onboarding.need_invite"))
        else:
            await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return False
    if current != step:
        await ctx.reply(ctx.t("common.stale_button"))
        await _ask_current_step(ctx)
        return False
    return True


@routes.step(Step.CONSENT, Step.LANGUAGE, Step.NAME)
async def on_text(ctx: Ctx) -> None:
    """Typed text during onboarding: a language, yes or no, the display name, or a gentle re-ask."""
    step = ctx.dialog.step if ctx.dialog else ""
    command = ctx.text.split("@")[0].split(" ")[0].lower()
    if command == "/cancel":
        await abandon(ctx)
    elif command == "/language":  # changing the language is always one step away
        await ctx.set_step(Step.LANGUAGE)
        await _ask_current_step(ctx)
    elif step == Step.NAME:
        await _on_name(ctx)
    elif step == Step.LANGUAGE and (code := typed_language(ctx.text)):
        await _take_language(ctx, code)
    elif step == Step.CONSENT and (answer := parse_yes_no(ctx.text)) is not None:
        await _on_consent(ctx, "yes" if answer else "no")
    else:
        await ctx.reply(ctx.t("onboarding.use_buttons"))
        await _ask_current_step(ctx)


def typed_language(text: str) -> str | None:
    """A language named in any of the three ("suomi", "Swedish", "en"), else None."""
    word = " ".join(text.casefold().split()).strip(".!")
    return next((code for code, words in _LANGUAGE_WORDS.items() if word in words), None)


async def abandon(ctx: Ctx) -> None:
    """Stop onboarding: delete everything stored about the person and give the invite back."""
    invite_id = (ctx.dialog.data if ctx.dialog else {}).get("invite_id")
    lang = ctx.person.language  # the goodbye comes in the language they chose
    async with ctx.app.db.transaction():
        await ctx.repo(PeopleRepo).delete(ctx.person.id)
        if invite_id:
            await ctx.repo(InvitesRepo).give_back(invite_id)
    ctx.person = None
    ctx.dialog = None
    await ctx.audit("onboarding.declined")
    await ctx.reply(i18n.t(lang, "onboarding.declined"))


async def _begin(ctx: Ctx, role: Role, cohort: str | None, invite_id: int | None) -> None:
    incoming = ctx.incoming
    people = ctx.repo(PeopleRepo)
    async with ctx.app.db.transaction():
        # The messenger's language (Telegram's language_code) is the first guess.
        person = await people.create(role=role, cohort=cohort, language=ctx.lang)
        await people.add_identity(
            person.id, incoming.address.transport, incoming.sender_id, incoming.address.chat_id
        )
    ctx.person = person
    await ctx.audit("onboarding.started", role=role.label, cohort=cohort)
    await ctx.set_step(Step.LANGUAGE, {"invite_id": invite_id})
    await _ask_current_step(ctx)


async def _ask_current_step(ctx: Ctx) -> None:
    step = ctx.dialog.step if ctx.dialog else Step.LANGUAGE
    if step == Step.LANGUAGE:
        current = ctx.person.language if ctx.person else ctx.lang
        buttons = [
            ids.Language(code).button(("✓ " if code == current else "") + LANGUAGE_NAMES[code])
            for code in LANGUAGES
        ]
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("onboarding.hello_all") + "\n\n" + ctx.t("onboarding.choose_language"),
                *[[b] for b in buttons],
            )
        )
    elif step == Step.CONSENT:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("onboarding.consent"),
                [ids.Consent("yes").button(ctx.t("onboarding.consent_yes"))],
                [ids.Consent("more").button(ctx.t("onboarding.consent_more_button"))],
                [ids.Consent("no").button(ctx.t("onboarding.consent_no"))],
            )
        )
    else:
        await ctx.reply(ctx.t("onboarding.ask_name", max=NAME_MAX))


async def _take_language(ctx: Ctx, code: str) -> None:
    """Store the language; agreed already (a change of mind): the name, else consent."""
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, language=code)
    agreed = (ctx.person.consent_version or 0) >= ctx.app.config.bot.consent_version
    await ctx.set_step(Step.NAME if agreed else Step.CONSENT)
    await _ask_current_step(ctx)


async def _on_consent(ctx: Ctx, answer: str) -> None:
    if answer == "more":
        await ctx.reply(ctx.t("onboarding.consent_details"))
        await _ask_current_step(ctx)
        return
    if answer == "no":
        await abandon(ctx)
        return
    ctx.person = await ctx.repo(PeopleRepo).update(
        ctx.person.id,
        consent_version=ctx.app.config.bot.consent_version,
        consented_at=ctx.app.db.now_iso(),
    )
    await ctx.audit("consent.given", version=ctx.app.config.bot.consent_version)
    await ctx.set_step(Step.NAME)
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
    incoming = ctx.incoming
    return ctx.app.config.admins.includes(
        incoming.address.transport, incoming.sender_id, incoming.extra.get("number")
    )
