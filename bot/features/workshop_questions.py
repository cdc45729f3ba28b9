"""The workshop form's questions: each field asked with its buttons, and the edit menu."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.features.workshop_log import (
    duration_label,
    form_data,
    show_summary,
)
from bot.messages import Choice, Outgoing
from bot.workshop_input import (
    COMMUNITY_MAX,
    MAX_PARTICIPANTS,
    NOTE_MAX,
)
from storage.workshops import WorkshopsRepo

if TYPE_CHECKING:
    pass


ORDER = (
    "date",
    "community",
    "participants",
    "themes",
    "duration",
    "cofac",
    "well",
    "share",
    "hard",
    "support",
)
EDITABLE = tuple(f for f in ORDER if f != "share")
DURATIONS = (60, 90, 120, 180, 240, 360)


async def ask_field(ctx: Ctx, field: str) -> None:
    """Send the question of one field with its buttons and enter its step."""
    data = form_data(ctx)
    if ctx.dialog is None or ctx.dialog.step != f"ws.{field}":
        await ctx.set_step(f"ws.{field}", {**data, "bad": 0})
        data = form_data(ctx)
    form = data.get("form", {})
    cancel = [ctx.button("ws:cancel", "ws.cancel")]
    if field == "date":
        rows = [
            [
                ctx.button("ws:date:today", "ws.today"),
                ctx.button("ws:date:yesterday", "ws.yesterday"),
            ]
        ]
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_date"), *rows, cancel))
    elif field == "community":
        recent = await ctx.repo(WorkshopsRepo).recent_communities(ctx.person.id)
        await ctx.set_step("ws.community", {**data, "recent": recent})
        rows = [[Choice(f"ws:comm:{i}", name)] for i, name in enumerate(recent)]
        key = "ws.ask_community_recent" if recent else "ws.ask_community"
        await ctx.reply(Outgoing.with_buttons(ctx.t(key, max=COMMUNITY_MAX), *rows, cancel))
    elif field == "participants":
        question = Outgoing.with_buttons(ctx.t("ws.ask_participants", max=MAX_PARTICIPANTS), cancel)
        await ctx.reply(replace(question, numbered=False))  # a typed number is the answer
    elif field == "themes":
        chosen = set(form.get("themes", []))
        rows = [
            [
                Choice(
                    f"ws:th:{s.id}",
                    ("✓ " if s.id in chosen else "") + s.title.get(ctx.lang),
                )
            ]
            for s in ctx.app.content.sections
        ]
        rows.append([ctx.button("ws:th:done", "ws.done")])
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_themes"), *rows, cancel))
    elif field == "duration":
        rows = [
            [Choice(f"ws:dur:{m}", duration_label(ctx, m)) for m in DURATIONS[:3]],
            [Choice(f"ws:dur:{m}", duration_label(ctx, m)) for m in DURATIONS[3:]],
        ]
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_duration"), *rows, cancel))
    elif field == "cofac":
        rows = [
            [ctx.button("ws:cof:yes", "ws.answer_yes"), ctx.button("ws:cof:no", "ws.answer_no")]
        ]
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_cofac"), *rows, cancel))
    elif field in ("well", "hard"):
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t(f"ws.ask_{field}", max=NOTE_MAX),
                [ctx.button(f"ws:skip:{field}", "ws.skip")],
                cancel,
            )
        )
    elif field == "share":
        rows = [
            [ctx.button("ws:share:yes", "ws.share_yes")],
            [ctx.button("ws:share:no", "ws.share_no")],
        ]
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_share"), *rows, cancel))
    elif field == "support":
        rows = [
            [ctx.button("ws:sup:no", "ws.support_no")],
            [ctx.button("ws:sup:yes", "ws.support_yes")],
        ]
        await ctx.reply(Outgoing.with_buttons(ctx.t("ws.ask_support"), *rows, cancel))


async def edit_menu(ctx: Ctx) -> None:
    """Buttons for the field to change."""
    await ctx.set_step("ws.editfield", {**form_data(ctx), "editing": True})
    rows = [[ctx.button(f"ws:ef:{f}", f"ws.field_{f}")] for f in EDITABLE]
    rows.append([ctx.button("ws:sum", "ws.back_to_summary")])
    await ctx.reply(Outgoing.with_buttons(ctx.t("ws.which_field"), *rows))


async def ask_current(ctx: Ctx) -> None:
    """Ask again whatever the person is at: a field, the edit menu or the summary."""
    field = ctx.dialog.step.split(".", 1)[1]
    if field in ORDER:
        await ask_field(ctx, field)
    elif field == "editfield":
        await edit_menu(ctx)
    else:
        await show_summary(ctx)
