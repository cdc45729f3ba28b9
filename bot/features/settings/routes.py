"""Settings' handlers: /settings, /pause, /resume and the set: buttons (one per action)."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.linking import ids as link_ids
from bot.features.menu import ids as menu_ids
from bot.features.nudges import ids as nudge_ids
from bot.features.settings import ids
from bot.messages import Outgoing
from bot.router import Routes
from storage.broadcasts import MUTABLE_KINDS, MutesRepo
from storage.people import PeopleRepo

routes = Routes("set")


@routes.command("settings", help_key="cmd.settings")
async def show_settings(ctx: Ctx) -> None:
    """/settings: announcement kinds on or off, pause, reminders, language, messenger."""
    muted = await ctx.repo(MutesRepo).kinds(ctx.person.id)
    lines = [ctx.t("set.title")]
    if ctx.person.paused:
        lines.append(ctx.t("set.paused_now"))
    rows = []
    for kind in MUTABLE_KINDS:
        state = ctx.t("set.state_off") if kind in muted else ctx.t("set.state_on")
        label = ctx.t("set.kind_toggle", kind=ctx.t(f"bc.kind_{kind}"), state=state)
        rows.append([ids.Mute(kind).button(label)])
    rows.append(
        [ids.Resume().button(ctx.t("set.resume"))]
        if ctx.person.paused
        else [ids.Pause().button(ctx.t("set.pause"))]
    )
    if ctx.app.services.nudges is not None:
        rows.append([nudge_ids.Home("set").button(ctx.t("learn.reminders"))])
    rows.append([menu_ids.ChooseLanguage().button(ctx.t("menu.language"))])
    if ctx.app.services.linking:
        rows.append([link_ids.Home().button(ctx.t("set.messengers"))])
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    lines.append(ctx.t("set.urgent_note"))
    await ctx.reply(Outgoing.with_buttons("\n\n".join(lines), *rows))


@routes.choice("set:home", ids.Home)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """The menu's Settings."""
    await show_settings(ctx)


@routes.choice("set:mute", ids.Mute)
async def toggle_mute(ctx: Ctx, choice: ids.Mute) -> None:
    """Mute or unmute a kind of announcement, then the settings again."""
    muted = await ctx.repo(MutesRepo).toggle(ctx.person.id, choice.kind)
    await ctx.audit("settings.mute", kind=choice.kind, muted=muted)
    await show_settings(ctx)


@routes.choice("set:pause", ids.Pause)
async def pause_button(ctx: Ctx, choice: ids.Pause) -> None:
    """The settings' Pause."""
    await pause(ctx)


@routes.choice("set:resume", ids.Resume)
async def resume_button(ctx: Ctx, choice: ids.Resume) -> None:
    """The settings' Resume."""
    await resume(ctx)


@routes.command("pause", help_key="cmd.pause")
async def pause(ctx: Ctx) -> None:
    """/pause: the bot starts nothing on its own (nudges, announcements, check-ins) until /resume."""
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, paused=1)
    await ctx.audit("settings.paused")
    await ctx.reply(ctx.t("set.paused"))


@routes.command("resume", help_key="cmd.resume")
async def resume(ctx: Ctx) -> None:
    """/resume: back to normal."""
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, paused=0)
    await ctx.audit("settings.resumed")
    await ctx.reply(ctx.t("set.resumed"))
