"""A workshop in words: the answers of the form (or a saved workshop) as the mentor reads them."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.context import Ctx
from storage.workshops import Workshop


def duration_label(ctx: Ctx, minutes: int) -> str:
    """Minutes as hours in the person's language, e.g. '1,5 h'."""
    hours = minutes / 60
    text = f"{hours:g}" if ctx.lang == "en" else f"{hours:g}".replace(".", ",")
    return ctx.t("ws.hours", hours=text)


def duration_words(ctx: Ctx, minutes: int) -> str:
    """Minutes in words for asking back: "2 hours", "1,5 tuntia", "45 minuter"."""
    if minutes % 30 or minutes < 60:
        return ctx.t("ws.minutes_words", count=minutes)
    hours = minutes / 60
    text = f"{hours:g}" if ctx.lang == "en" else f"{hours:g}".replace(".", ",")
    return ctx.t("ws.hours_words", count=hours, hours=text)


def day_label(ctx: Ctx, day: date | None) -> str:
    """A day with its weekday in the person's language: "Saturday 21.11.2026"."""
    if day is None:
        return ""
    weekday = format_date(day, "EEEE", locale=ctx.lang)
    return f"{weekday} {day.strftime('%d.%m.%Y')}"


def participants_label(form: dict) -> str:
    """The count, with the range it stands for when one was typed: "18 (15–20)"."""
    value = form.get("participants")
    if value is None:
        return "-"
    low, high = form.get("participants_low"), form.get("participants_high")
    return f"{value} ({low}–{high})" if low and high else str(value)


def describe(ctx: Ctx, form: dict) -> str:
    """The form as readable lines."""
    content = ctx.app.content
    themes = [content.section(t) for t in form.get("themes", [])]
    held = form.get("held_on")
    lines = [
        ctx.t("ws.f_date", value=date.fromisoformat(held).strftime("%d.%m.%Y") if held else "-"),
        ctx.t("ws.f_community", value=form.get("community", "-")),
        ctx.t("ws.f_participants", value=participants_label(form)),
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
        "participants_low": w.participants_low,
        "participants_high": w.participants_high,
    }
