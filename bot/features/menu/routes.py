"""Handlers that work everywhere: /menu, /help, /language, /cancel; text typed at the menu."""

from __future__ import annotations

import re

from bot.context import Ctx
from bot.features.menu import ids, layout
from bot.features.menu.ids import Step
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Choice, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo

LOOSE_MAX = 3000  # what is kept of text typed at the menu, to send to the experts
_WORD = re.compile(r"\w{4,}", re.UNICODE)

routes = Routes("menu", steps=Step)
language_routes = Routes("lang")


@routes.command("menu", help_key="cmd.menu")
async def show_menu(ctx: Ctx) -> None:
    """/menu: the main menu for the person's role."""
    await ctx.show_menu()


@routes.choice("menu:home", ids.Home)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """Any "Back to menu" button: leave what was open, show the menu."""
    await ctx.clear_step()
    await ctx.show_menu()


@routes.choice("menu:mentor", ids.MentorTools)
async def mentor_tools(ctx: Ctx, choice: ids.MentorTools) -> None:
    """Team roles: the mentor menu's items, with a way back to their own menu."""
    await ctx.clear_step()
    rows = layout.mentor_rows(ctx)
    rows.append([ids.Home().button(ctx.t("common.back_to_menu"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("menu.mentor_tools_title"), *rows))


@routes.choice("menu:team", ids.ExpertTools, min_role=Role.EXPERT)
async def expert_tools(ctx: Ctx, choice: ids.ExpertTools) -> None:
    """Staff and admins: the experts' tools."""
    await ctx.clear_step()
    rows = await layout.entry_rows(ctx, layout.EXPERT_TOOLS_MENU)
    rows.append([ids.Home().button(ctx.t("common.back_to_menu"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("menu.expert_tools_title"), *rows))


@routes.choice("menu:help", ids.Help)
async def help_button(ctx: Ctx, choice: ids.Help) -> None:
    """The menu's Help."""
    await ctx.clear_step()
    await show_help(ctx)


@routes.choice("menu:language", ids.ChooseLanguage)
async def language_button(ctx: Ctx, choice: ids.ChooseLanguage) -> None:
    """The menu's Language."""
    await ctx.clear_step()
    await choose_language(ctx)


@routes.command("help", min_role=Role.GUEST, help_key="cmd.help")
async def show_help(ctx: Ctx) -> None:
    """/help: what this bot is and the commands this person may use."""
    if ctx.person is None or not ctx.person.active:
        await ctx.reply(ctx.t("help.guest"))
        return
    intro = "help.intro" if ctx.role == Role.MENTOR else "help.intro_team"
    lines = [ctx.t(intro, name=ctx.person.display_name)]
    for name, key in ctx.app.router.commands_for(ctx.role):
        lines.append(f"/{name} — {ctx.t(key)}")
    lines.append("")
    lines.append(ctx.t("help.outro"))
    await ctx.reply("\n".join(lines))


@routes.command("language", help_key="cmd.language")
async def choose_language(ctx: Ctx) -> None:
    """/language: buttons for every supported language."""
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("language.choose"),
            [ids.SetLanguage(code).button(LANGUAGE_NAMES[code]) for code in LANGUAGES],
        )
    )


@language_routes.choice("lang:set", ids.SetLanguage)
async def set_language(ctx: Ctx, choice: ids.SetLanguage) -> None:
    """Switch language and republish the command list."""
    code = choice.code
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, language=code)
    await ctx.app.publish_commands(ctx.person)
    await ctx.show_menu(lead=ctx.t("language.changed", language=LANGUAGE_NAMES[code]))


@routes.command("cancel", min_role=Role.GUEST, help_key="cmd.cancel")
async def cancel(ctx: Ctx) -> None:
    """/cancel: leave any dialog (the router already left it; onboarding handles its own)."""
    person = ctx.person
    if person is None:
        await ctx.reply(ctx.t("onboarding.need_invite"))
        return
    if ctx.left_step is None:
        lead = "common.nothing_to_cancel"
    elif ctx.replies:  # leaving said what it kept (a half-written reflection, say)
        lead = "common.stopped"
    else:
        lead = "common.cancelled"
    await ctx.show_menu(lead=ctx.t(lead))


# --- what waited while the person was in a form --------------------------------------------------


@routes.choice("menu:held", ids.OpenHeld)
async def open_held(ctx: Ctx, choice: ids.OpenHeld) -> None:
    """A message held back during a form, now with its buttons."""
    inbox = ctx.app.services.inbox
    held = await inbox.repo.take(ctx.person.id, choice.held) if inbox else None
    if held is None:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    await ctx.reply(held.out)


async def held_lines(ctx: Ctx) -> list[Choice]:
    """The menu's "1 new answer" / "1 announcement to reply to" buttons."""
    inbox = ctx.app.services.inbox
    if inbox is None or ctx.person is None or not ctx.person.active:
        return []
    lines = []
    held = await inbox.held(ctx.person.id)
    for kind in ("answer", "announcement"):
        mine = [h for h in held if h.kind == kind]
        if mine:
            label = ctx.t(f"menu.held_{kind}", count=len(mine))
            lines.append(ids.OpenHeld(mine[0].id).button(label))
    return lines


# --- free text at the menu -----------------------------------------------------------------------


async def offer_experts(ctx: Ctx) -> bool:
    """Text that belongs to nothing: suggest matching menu items and offer to ask the experts."""
    if ctx.role != Role.MENTOR or ctx.app.services.escalations is None:
        return False
    if _crisis(ctx):
        return True  # the safety net answers this text; a second question would compete with it
    text, _ = clean_text(ctx.text, LOOSE_MAX)
    if not text:
        return False
    await ctx.set_step(Step.LOOSE, {"text": text})
    await _offer(ctx, "menu.loose_offer")
    return True


@routes.step(Step.LOOSE)
async def more_loose_text(ctx: Ctx) -> None:
    """More text while the offer is open: added to what would be sent."""
    if _crisis(ctx):
        return
    kept = ctx.dialog.data.get("text", "")
    text, problem = clean_text(f"{kept}\n{ctx.text}", LOOSE_MAX)
    if problem == "too_long":
        await ctx.reply(ctx.t("menu.loose_full", max=LOOSE_MAX))
        return
    await ctx.set_step(Step.LOOSE, {"text": text})
    await _offer(ctx, "menu.loose_more")


@routes.choice("menu:ask", ids.LooseToExperts)
async def loose_to_experts(ctx: Ctx, choice: ids.LooseToExperts) -> None:
    """Send the kept text to the experts as a question (a ticket), by name or anonymously."""
    text = ctx.dialog.data.get("text") if ctx.dialog and ctx.dialog.step == Step.LOOSE else None
    escalations = ctx.app.services.escalations
    if not text or escalations is None:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    anonymous = choice.anonymous == "yes"
    number = await escalations.open_ticket(
        mentor_id=ctx.person.id, topic="practical", text=text, anonymous=anonymous, source="menu"
    )
    await ctx.clear_step()
    await ctx.audit("ticket.opened", subject=str(number), anonymous=anonymous)
    await ctx.show_menu(lead=ctx.t("menu.loose_sent", number=number))


async def _offer(ctx: Ctx, key: str) -> None:
    text = ctx.dialog.data.get("text", "")
    preview = text if len(text) <= 200 else text[:199] + "…"
    rows = [[item] for item in _suggestions(ctx, text)]
    # The menu before sending: a stray "1" typed on a numbered messenger sends nothing.
    rows.append([ids.Home().button(ctx.t("menu.loose_no"))])
    rows.append([ids.LooseToExperts("no").button(ctx.t("menu.loose_send"))])
    rows.append([ids.LooseToExperts("yes").button(ctx.t("menu.loose_send_anonymously"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t(key, text=preview), *rows))


def _suggestions(ctx: Ctx, text: str) -> list[Choice]:
    """Menu items whose words the text uses ("how do I add a workshop?" -> Log a workshop)."""
    said = {w[:5] for w in _WORD.findall(text.casefold())}
    found = []
    for item in ctx.app.router.menu_for(ctx.role):
        label = ctx.t(item.label_key)
        if said & {w[:5] for w in _WORD.findall(label.casefold())}:
            found.append(Choice(item.choice_id, label))
    return found[:3]


def _crisis(ctx: Ctx) -> bool:
    """True when the text carries a crisis signal (the safety feature answers it)."""
    scan = getattr(ctx.app.services.crisis, "scan", None)
    return bool(scan and scan(ctx.text))
