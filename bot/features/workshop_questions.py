"""The workshop form's questions: each field asked with its buttons, and the edit menu."""

from __future__ import annotations

from dataclasses import replace

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


async def ask_field(ctx: Ctx, field: str, *, lead: str | None = None) -> None:
    """Send the question of one field with its buttons and enter its step (`lead` goes above)."""
    step = f"ws.{field}"
    entering = ctx.dialog is None or ctx.dialog.step != step
    data = form_data(ctx)
    if entering:
        data["bad"] = 0
    if field == "community":
        data["recent"] = await ctx.repo(WorkshopsRepo).recent_communities(ctx.person.id)
    if entering or field == "community":
        await ctx.set_step(step, data)  # one write, with the recent names the buttons stand for
    question = _question(ctx, field, data)
    if lead:
        question = replace(question, text=f"{lead}\n\n{question.text}")
    await ctx.reply(question)


def _question(ctx: Ctx, field: str, data: dict) -> Outgoing:
    """The question of one field with its buttons."""
    form = data.get("form", {})
    cancel = [ctx.button("ws:cancel", "ws.cancel")]
    if field == "date":
        rows = [
            [
                ctx.button("ws:date:today", "ws.today"),
                ctx.button("ws:date:yesterday", "ws.yesterday"),
            ]
        ]
        return Outgoing.with_buttons(ctx.t("ws.ask_date"), *rows, cancel)
    if field == "community":
        recent = data.get("recent", [])
        rows = [[Choice(f"ws:comm:{i}", name)] for i, name in enumerate(recent)]
        key = "ws.ask_community_recent" if recent else "ws.ask_community"
        return Outgoing.with_buttons(ctx.t(key, max=COMMUNITY_MAX), *rows, cancel)
    if field == "participants":
        question = Outgoing.with_buttons(ctx.t("ws.ask_participants", max=MAX_PARTICIPANTS), cancel)
        return replace(question, numbered=False)  # a typed number is the answer
    if field == "themes":
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
        return Outgoing.with_buttons(ctx.t("ws.ask_themes"), *rows, cancel)
    if field == "duration":
        rows = [
            [Choice(f"ws:dur:{m}", duration_label(ctx, m)) for m in DURATIONS[:3]],
            [Choice(f"ws:dur:{m}", duration_label(ctx, m)) for m in DURATIONS[3:]],
        ]
        return Outgoing.with_buttons(ctx.t("ws.ask_duration"), *rows, cancel)
    if field == "cofac":
        rows = [
            [ctx.button("ws:cof:yes", "ws.answer_yes"), ctx.button("ws:cof:no", "ws.answer_no")]
        ]
        return Outgoing.with_buttons(ctx.t("ws.ask_cofac"), *rows, cancel)
    if field in ("well", "hard"):
        return Outgoing.with_buttons(
            ctx.t(f"ws.ask_{field}", max=NOTE_MAX),
            [ctx.button(f"ws:skip:{field}", "ws.skip")],
            cancel,
        )
    if field == "share":
        rows = [
            [ctx.button("ws:share:yes", "ws.share_yes")],
            [ctx.button("ws:share:no", "ws.share_no")],
        ]
        return Outgoing.with_buttons(ctx.t("ws.ask_share"), *rows, cancel)
    if field == "support":
        rows = [
            [ctx.button("ws:sup:no", "ws.support_no")],
            [ctx.button("ws:sup:yes", "ws.support_yes")],
        ]
        return Outgoing.with_buttons(ctx.t("ws.ask_support"), *rows, cancel)
    raise ValueError(f"no question for workshop field {field!r}")


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
