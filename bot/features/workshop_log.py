"""The workshop log as a mentor sees it: a workshop in words, the summary, and /workshops."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.messages import Choice, Outgoing
from storage.workshops import Workshop, WorkshopsRepo

if TYPE_CHECKING:
    pass


PAGE = 5


def form_data(ctx: Ctx) -> dict:
    """A copy of the form's dialog data."""
    return dict(ctx.dialog.data) if ctx.dialog else {}


def duration_label(ctx: Ctx, minutes: int) -> str:
    """Minutes as hours in the person's language, e.g. '1,5 h'."""
    hours = minutes / 60
    text = f"{hours:g}" if ctx.lang == "en" else f"{hours:g}".replace(".", ",")
    return ctx.t("ws.hours", hours=text)


async def show_summary(ctx: Ctx) -> None:
    form = form_data(ctx).get("form", {})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ws.summary_title") + "\n\n" + describe(ctx, form),
            [ctx.button("ws:save", "ws.save")],
            [ctx.button("ws:edit", "ws.edit")],
            [ctx.button("ws:cancel", "ws.cancel")],
        )
    )


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


async def show_workshops(ctx: Ctx, page: int = 0) -> None:
    """/workshops: the mentor's own workshops, newest first, paged."""
    repo = ctx.repo(WorkshopsRepo)
    total = await repo.count(ctx.person.id)
    if total == 0:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("ws.none_yet"),
                [ctx.button("ws:new", "menu.log_workshop")],
                [ctx.button("menu:home", "common.back_to_menu")],
            )
        )
        return
    page = max(0, min(page, (total - 1) // PAGE))
    lines = [ctx.t("ws.list_title", total=total)]
    rows = []
    for number, w in enumerate(await repo.page(ctx.person.id, page * PAGE, PAGE), page * PAGE + 1):
        lines.append(
            f"{number}. {w.held_on.strftime('%d.%m.%Y')} · {w.community} · "
            + ctx.t("ws.people_count", count=w.participants)
        )
        rows.append([Choice(f"ws:open:{w.id}", ctx.t("ws.open", number=number))])
    nav = []
    if page > 0:
        nav.append(ctx.button(f"ws:list:{page - 1}", "ws.newer"))
    if (page + 1) * PAGE < total:
        nav.append(ctx.button(f"ws:list:{page + 1}", "ws.older"))
    rows.append(nav)
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


def _form_of(w: Workshop) -> dict:
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


async def log_choice(ctx: Ctx, action: str, arg: str) -> None:
    if not arg.isdecimal():
        await ctx.reply(ctx.t("common.stale_button"))
        return
    if action == "list":
        await show_workshops(ctx, int(arg))
        return
    repo = ctx.repo(WorkshopsRepo)
    workshop = await repo.get_own(ctx.person.id, int(arg))
    if workshop is None:  # gone, or someone else's: mentors never see others' workshops
        await ctx.reply(ctx.t("ws.gone"))
        await show_workshops(ctx)
        return
    if action == "open":
        await ctx.reply(
            Outgoing.with_buttons(
                describe(ctx, _form_of(workshop)),
                [ctx.button(f"ws:change:{workshop.id}", "ws.edit_this")],
                [ctx.button(f"ws:del:{workshop.id}", "ws.delete")],
                [ctx.button("ws:list:0", "ws.back_to_list")],
            )
        )
    elif action == "change":
        await ctx.set_step(
            "ws.summary", {"form": _form_of(workshop), "workshop_id": workshop.id, "bad": 0}
        )
        await show_summary(ctx)
    elif action == "del":
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("ws.confirm_delete", date=workshop.held_on.strftime("%d.%m.%Y")),
                [ctx.button(f"ws:delok:{workshop.id}", "ws.delete_yes")],
                [ctx.button(f"ws:open:{workshop.id}", "ws.delete_no")],
            )
        )
    elif action == "delok":
        await repo.delete(ctx.person.id, workshop.id)
        await ctx.audit("workshop.deleted", subject=str(workshop.id))
        await ctx.reply(ctx.t("ws.deleted"))
        await show_workshops(ctx)
