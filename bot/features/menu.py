"""Commands that work everywhere: /menu, /help, /language, /cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register the everywhere-commands."""
    app.router.command("menu", show_menu, help_key="cmd.menu")
    app.router.command("help", show_help, min_role=Role.GUEST, help_key="cmd.help")
    app.router.command("language", choose_language, help_key="cmd.language")
    app.router.command("cancel", cancel, min_role=Role.GUEST, help_key="cmd.cancel")
    app.router.choice("menu:", on_menu_choice)
    app.router.choice("lang:", on_language_choice)
    app.router.menu(MenuItem("menu:language", "menu.language", order=90))
    app.router.menu(MenuItem("menu:help", "menu.help", order=95))


async def show_menu(ctx: Ctx) -> None:
    """/menu: the main menu for the person's role."""
    await ctx.show_menu()


async def on_menu_choice(ctx: Ctx) -> None:
    """menu:home (any 'Back to menu' button), menu:help, menu:language."""
    await ctx.clear_step()
    action = ctx.choice_parts[1] if len(ctx.choice_parts) > 1 else "home"
    if action == "help":
        await show_help(ctx)
    elif action == "language":
        await choose_language(ctx)
    else:
        await ctx.show_menu()


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


async def choose_language(ctx: Ctx) -> None:
    """/language: buttons for every supported language."""
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("language.choose"),
            [Choice(f"lang:set:{code}", LANGUAGE_NAMES[code]) for code in LANGUAGES],
        )
    )


async def on_language_choice(ctx: Ctx) -> None:
    """lang:set:xx: switch language and republish the command list."""
    code = ctx.choice_parts[-1]
    if code not in LANGUAGES:
        await choose_language(ctx)
        return
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, language=code)
    await ctx.app.publish_commands(ctx.person)
    await ctx.show_menu(lead=ctx.t("language.changed", language=LANGUAGE_NAMES[code]))


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
