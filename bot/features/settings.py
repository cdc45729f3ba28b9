"""A person's settings: mute kinds of announcements, pause everything the bot starts, messenger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.messages import Outgoing
from bot.router import MenuItem
from storage.broadcasts import MUTABLE_KINDS, MutesRepo
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /settings, /pause, /resume and the set: buttons."""
    app.router.command("settings", show_settings, help_key="cmd.settings")
    app.router.command("pause", pause, help_key="cmd.pause")
    app.router.command("resume", resume, help_key="cmd.resume")
    app.router.choice("set:", on_choice)
    app.router.menu(MenuItem("set:home", "menu.settings", order=85))


async def show_settings(ctx: Ctx) -> None:
    """/settings: announcement kinds on or off, pause, reminders, language, messenger."""
    muted = await ctx.repo(MutesRepo).kinds(ctx.person.id)
    lines = [ctx.t("set.title")]
    if ctx.person.paused:
        lines.append(ctx.t("set.paused_now"))
    rows = []
    for kind in MUTABLE_KINDS:
        state = ctx.t("set.state_off") if kind in muted else ctx.t("set.state_on")
        rows.append(
            [
                ctx.button(
                    f"set:mute:{kind}",
                    "set.kind_toggle",
                    kind=ctx.t(f"bc.kind_{kind}"),
                    state=state,
                )
            ]
        )
    rows.append(
        [ctx.button("set:resume", "set.resume")]
        if ctx.person.paused
        else [ctx.button("set:pause", "set.pause")]
    )
    if ctx.app.services.nudges is not None:
        rows.append([ctx.button("nudge:home", "learn.reminders")])
    rows.append([ctx.button("menu:language", "menu.language")])
    if ctx.app.services.linking:
        rows.append([ctx.button("link:home", "set.messengers")])
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    lines.append(ctx.t("set.urgent_note"))
    await ctx.reply(Outgoing.with_buttons("\n\n".join(lines), *rows))


async def on_choice(ctx: Ctx) -> None:
    """set:home, set:mute:<kind>, set:pause, set:resume."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else "home"
    if action == "mute" and len(parts) > 2 and parts[2] in MUTABLE_KINDS:
        muted = await ctx.repo(MutesRepo).toggle(ctx.person.id, parts[2])
        await ctx.audit("settings.mute", kind=parts[2], muted=muted)
        await show_settings(ctx)
    elif action == "pause":
        await pause(ctx)
    elif action == "resume":
        await resume(ctx)
    else:
        await show_settings(ctx)


async def pause(ctx: Ctx) -> None:
    """/pause: the bot starts nothing on its own (nudges, announcements, check-ins) until /resume."""
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, paused=1)
    await ctx.audit("settings.paused")
    await ctx.reply(ctx.t("set.paused"))


async def resume(ctx: Ctx) -> None:
    """/resume: back to normal."""
    ctx.person = await ctx.repo(PeopleRepo).update(ctx.person.id, paused=0)
    await ctx.audit("settings.resumed")
    await ctx.reply(ctx.t("set.resumed"))
