"""A workshop in words: the answers of the form (or a saved workshop) as the mentor reads them."""

from __future__ import annotations

from datetime import date

from bot.context import Ctx
from storage.workshops import Workshop


def duration_label(ctx: Ctx, minutes: int) -> str:
    """Minutes as hours in the person's language, e.g. '1,5 h'."""
    hours = minutes / 60
    text = f"{hours:g}" if ctx.lang == "en" else f"{hours:g}".replace(".", ",")
    return ctx.t("ws.hours", hours=text)


def describe(ctx: Ctx, form: dict) -> str:
    """The form as readable lines."""
    content = ctx.app.content
    themes = [content.section(t) for t in form.get("themes", [])]
    held = form.get("held_on")
    lines = [
        ctx.t("ws.f_date", value=date.fromisoformat(held).strftime("%d.%m.%Y") if held else "-"),
        ctx.t("ws.f_community", value=form.get("community", "-")),
        ctx.t("ws.f_participants", value=form.get("participants", "-")),
        ctx.t("ws.f_themes", value=", ".join(s.title.get(ctx.lang) for s in themes if s) or "-"),
        ctx.t(
            "ws.f_duration",
            value=duration_label(ctx, form["duration_min"]) if form.get("duration_min") else "-",
        ),
        ctx.t(
            "ws.f_cofac",
            value=ctx.t("ws.answer_yes" if form.get("co_facilitated") else "ws.answer_no"),
        ),
        ctx.t("ws.f_well", value=form.get("went_well") or "-"),
    ]
    if form.get("went_well"):
        key = "ws.shared_practice" if form.get("share_practice") else "ws.not_shared_practice"
        lines.append("   " + ctx.t(key))
    lines.append(ctx.t("ws.f_hard", value=form.get("was_hard") or "-"))
    lines.append(
        ctx.t(
            "ws.f_support",
            value=ctx.t("ws.answer_yes" if form.get("needs_support") else "ws.answer_no"),
        )
    )
    return "\n".join(lines)


def form_of(w: Workshop) -> dict:
    """A saved workshop as the form's answers (to show or edit it)."""
    return {
        "held_on": w.held_on.isoformat(),
        "community": w.community,
        "participants": w.participants,
        "themes": list(w.themes),
        "duration_min": w.duration_min,
        "co_facilitated": w.co_facilitated,
        "went_well": w.went_well,
        "share_practice": w.share_practice,
        "was_hard": w.was_hard,
        "needs_support": w.needs_support,
    }
