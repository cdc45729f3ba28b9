"""Handlers that work everywhere: /menu, /help, /language, /cancel."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.menu import ids, layout
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo

routes = Routes("menu")
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
