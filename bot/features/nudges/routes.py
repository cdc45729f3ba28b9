"""Nudges in the chat: /reminders, the rhythm and the time of day (one handler per action)."""

from __future__ import annotations

from datetime import time

from bot.clock import in_quiet_hours, local_at
from bot.context import Ctx
from bot.features.learning import ids as learn_ids
from bot.features.menu import ids as menu_ids
from bot.features.nudges import ids
from bot.features.nudges.ids import Step
from bot.features.nudges.service import MAX_UNANSWERED
from bot.features.settings import ids as settings_ids
from bot.messages import Choice, Outgoing
from bot.router import Routes
from bot.text import parse_time
from storage.nudges import RHYTHMS, NudgesRepo

SUGGESTED_TIMES = (time(8, 30), time(12, 0), time(17, 0), time(19, 0))
OFF_TIME = time(18, 0)  # stored with rhythm "off"; never used to send

routes = Routes("nudge", steps=Step)


def _back(ctx: Ctx, back: str) -> Choice:
    """Back to where the reminders were opened from."""
    if back == "set":
        return settings_ids.Home().button(ctx.t("nudge.back_to_settings"))
    return learn_ids.Home().button(ctx.t("learn.back_to_sections"))


@routes.command("reminders", help_key="cmd.reminders")
async def show_settings(ctx: Ctx, back: str = "learn") -> None:
    """/reminders: the current rhythm and buttons to change it."""
    settings = await ctx.repo(NudgesRepo).get(ctx.person.id)
    if settings is None or settings.rhythm == "off":
        current = ctx.t("nudge.now_off")
    else:
        current = ctx.t(
            "nudge.now_on",
            rhythm=ctx.t(f"nudge.rhythm_{settings.rhythm}"),
            time=settings.at_time.strftime("%H:%M"),
        )
        if settings.unanswered >= MAX_UNANSWERED:
            current += "\n" + ctx.t("nudge.stopped")
    rows = [[ids.Rhythm(r, back).button(ctx.t(f"nudge.rhythm_{r}"))] for r in RHYTHMS if r != "off"]
    rows.append([ids.TurnOff(back).button(ctx.t("nudge.rhythm_off"))])
    rows.append([_back(ctx, back)])
    await ctx.reply(Outgoing.with_buttons(current + "\n\n" + ctx.t("nudge.choose_rhythm"), *rows))


@routes.choice("nudge:home", ids.Home)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """The reminders button of /learn and /settings."""
    await show_settings(ctx, choice.back)


@routes.choice("nudge:r", ids.Rhythm)
async def choose_rhythm(ctx: Ctx, choice: ids.Rhythm) -> None:
    """A rhythm chosen: now the time of day."""
    await ctx.set_step(Step.TIME, {"rhythm": choice.rhythm, "back": choice.back})
    await _ask_time(ctx)


@routes.choice("nudge:r:off", ids.TurnOff)
async def turn_off(ctx: Ctx, choice: ids.TurnOff) -> None:
    """No more nudges."""
    await _save(ctx, "off", OFF_TIME, choice.back)


@routes.choice("nudge:t", ids.Time)
async def choose_time(ctx: Ctx, choice: ids.Time) -> None:
    """A suggested time tapped while choosing one (an older button: the settings again)."""
    if ctx.dialog is None or ctx.dialog.step != Step.TIME:
        await ctx.reply(ctx.t("common.stale_button"))
        await show_settings(ctx)
        return
    await _take_time(ctx, time(int(choice.hour), int(choice.minute)))


@routes.step(Step.TIME)
async def time_text(ctx: Ctx) -> None:
    """A typed time of day, e.g. 18:30 or 7."""
    at = parse_time(ctx.text).value
    if at is None:
        await ctx.reply(ctx.t("nudge.bad_time", text=ctx.text[:20]))
        await _ask_time(ctx)
        return
    await _take_time(ctx, at)


async def _ask_time(ctx: Ctx) -> None:
    quiet = ctx.app.config.bot.quiet_hours
    row = [_time_button(t) for t in SUGGESTED_TIMES if _allowed(ctx, t)]
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "nudge.ask_time",
                start=quiet.end.strftime("%H:%M"),
                end=quiet.start.strftime("%H:%M"),
            ),
            row,
        )
    )


def _time_button(at: time) -> Choice:
    label = at.strftime("%H:%M")
    return ids.Time(f"{at.hour:02d}", f"{at.minute:02d}").button(label)


async def _take_time(ctx: Ctx, at: time) -> None:
    """Save the time unless it falls in quiet hours (then ask again)."""
    if not _allowed(ctx, at):
        quiet = ctx.app.config.bot.quiet_hours
        await ctx.reply(
            ctx.t(
                "nudge.quiet_time",
                start=quiet.start.strftime("%H:%M"),
                end=quiet.end.strftime("%H:%M"),
            )
        )
        await _ask_time(ctx)
        return
    data = ctx.dialog.data
    await _save(ctx, data.get("rhythm", "daily"), at, data.get("back", "learn"))


def _allowed(ctx: Ctx, at: time) -> bool:
    quiet = ctx.app.config.bot.quiet_hours
    probe = local_at(ctx.local_now().date(), at, ctx.tz)
    return not in_quiet_hours(probe, ctx.tz, quiet.start, quiet.end)


async def _save(ctx: Ctx, rhythm: str, at: time, back: str = "learn") -> None:
    await ctx.repo(NudgesRepo).set(ctx.person.id, rhythm, at)
    await ctx.clear_step()
    await ctx.audit("nudge.set", rhythm=rhythm, at=at.strftime("%H:%M"))
    due = await ctx.app.services.nudges.reschedule(ctx.person)
    if due is None:
        text = ctx.t("nudge.saved_off")
    else:
        text = ctx.t(
            "nudge.saved",
            rhythm=ctx.t(f"nudge.rhythm_{rhythm}"),
            time=at.strftime("%H:%M"),
            first=due.astimezone(ctx.tz).strftime("%d.%m. %H:%M"),
        )
    await ctx.reply(
        Outgoing.with_buttons(
            text,
            [_back(ctx, back)],
            [menu_ids.Home().button(ctx.t("common.back_to_menu"))],
        )
    )
