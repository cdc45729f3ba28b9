"""The workshop log: a short guided form, a summary before saving, and /workshops to view and edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from bot.workshop_input import (
    COMMUNITY_MAX,
    MAX_PARTICIPANTS,
    NOTE_MAX,
    clean_text,
    parse_date,
    parse_duration,
    parse_participants,
    parse_yes_no,
)
from storage.people import PeopleRepo
from storage.workshops import DraftsRepo, Workshop, WorkshopsRepo

if TYPE_CHECKING:
    from bot.app import App

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
QUICK_PARTICIPANTS = (5, 10, 15, 20, 25, 30)
MAX_BAD = 3
PAGE = 5


def setup(app: App) -> None:
    """Register the form, /log, /workshops and their buttons."""
    app.router.command("log", start_form, help_key="cmd.log")
    app.router.command("workshops", show_workshops, help_key="cmd.workshops")
    app.router.choice("ws:", on_choice)
    app.router.step("ws.", on_text)
    app.router.on_leave("ws.", _on_leave)
    app.router.menu(MenuItem("ws:new", "menu.log_workshop", order=20))
    app.router.menu(MenuItem("ws:list:0", "menu.my_workshops", order=25))


# --- the form ------------------------------------------------------------------------------------


def _data(ctx: Ctx) -> dict:
    return dict(ctx.dialog.data) if ctx.dialog else {}


async def start_form(ctx: Ctx) -> None:
    """Menu → Log a workshop (or /log): continue a kept draft, or start a new form."""
    draft = await ctx.repo(DraftsRepo).take(ctx.person.id)
    if draft is not None and draft.get("form"):
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("ws.draft_found"),
                [ctx.button("ws:resume", "ws.draft_continue")],
                [ctx.button("ws:fresh", "ws.draft_new")],
            )
        )
        return
    await _fresh(ctx)


async def _fresh(ctx: Ctx) -> None:
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    await ctx.set_step("ws.date", {"form": {}, "bad": 0})
    await ctx.reply(ctx.t("ws.intro"))
    await _ask(ctx, "date")


async def _resume(ctx: Ctx) -> None:
    draft = await ctx.repo(DraftsRepo).take(ctx.person.id)
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    if not draft:
        await _fresh(ctx)
        return
    field = draft.get("field", "date")
    await ctx.set_step(f"ws.{field}", {**draft, "bad": 0})
    if field == "summary":
        await _summary(ctx)
    else:
        await _ask(ctx, field)


async def _on_leave(ctx: Ctx) -> None:
    """Leaving the form any way but /cancel keeps the draft, and says so."""
    data = _data(ctx)
    if ctx.text.split(" ")[0].split("@")[0] == "/cancel" or not data.get("form"):
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        return
    field = ctx.dialog.step.split(".", 1)[1]
    await ctx.repo(DraftsRepo).keep(ctx.person.id, {**data, "field": field})
    await ctx.reply(ctx.t("ws.draft_kept"))


async def _ask(ctx: Ctx, field: str) -> None:
    """Send the question of one field with its buttons and enter its step."""
    data = _data(ctx)
    if ctx.dialog is None or ctx.dialog.step != f"ws.{field}":
        await ctx.set_step(f"ws.{field}", {**data, "bad": 0})
        data = _data(ctx)
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
            [Choice(f"ws:dur:{m}", _duration_label(ctx, m)) for m in DURATIONS[:3]],
            [Choice(f"ws:dur:{m}", _duration_label(ctx, m)) for m in DURATIONS[3:]],
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


def _duration_label(ctx: Ctx, minutes: int) -> str:
    hours = minutes / 60
    text = f"{hours:g}" if ctx.lang == "en" else f"{hours:g}".replace(".", ",")
    return ctx.t("ws.hours", hours=text)


async def _answered(ctx: Ctx, field: str, **values: object) -> None:
    """Store answers in the draft, then go to the next question (or back to the summary)."""
    data = _data(ctx)
    form = {**data.get("form", {}), **values}
    data.update(form=form, bad=0)
    if data.get("editing"):
        if field == "well" and form.get("went_well") and "share_practice" not in values:
            await ctx.set_step("ws.share", data)
            await _ask(ctx, "share")
            return
        await ctx.set_step("ws.summary", data)
        await _summary(ctx)
        return
    nxt = _next_field(field, form)
    if nxt is None:
        await ctx.set_step("ws.summary", data)
        await _summary(ctx)
    else:
        await ctx.set_step(f"ws.{nxt}", data)
        await _ask(ctx, nxt)


def _next_field(field: str, form: dict) -> str | None:
    index = ORDER.index(field) + 1
    while index < len(ORDER):
        candidate = ORDER[index]
        if candidate == "share" and not form.get("went_well"):
            index += 1
            continue
        return candidate
    return None


async def _bad(ctx: Ctx, field: str, problem_key: str, **values: object) -> None:
    """A friendly re-ask; after three bad answers the whole question with its buttons again."""
    data = _data(ctx)
    bad = data.get("bad", 0) + 1
    if bad >= MAX_BAD:
        await ctx.set_step(ctx.dialog.step, {**data, "bad": 0})
        await ctx.reply(ctx.t(problem_key, **values) + "\n\n" + ctx.t("ws.lets_use_buttons"))
        if field == "participants":
            rows = [[Choice(f"ws:n:{n}", str(n)) for n in QUICK_PARTICIPANTS]]
            picks = Outgoing.with_buttons(
                ctx.t("ws.pick_participants"), *rows, [ctx.button("ws:cancel", "ws.cancel")]
            )
            await ctx.reply(replace(picks, numbered=False))
        else:
            await _ask(ctx, field)
        return
    await ctx.set_step(ctx.dialog.step, {**data, "bad": bad})
    await ctx.reply(ctx.t(problem_key, **values))


async def on_text(ctx: Ctx) -> None:
    """Typed answers to the current question."""
    step = ctx.dialog.step
    field = step.split(".", 1)[1]
    text = ctx.incoming.text or ""
    if field == "date":
        held, problem = parse_date(text, ctx.local_now().date())
        if problem:
            await _bad(ctx, field, f"ws.bad_date_{problem}")
        else:
            await _answered(ctx, field, held_on=held.isoformat())
    elif field == "community":
        name, problem = clean_text(text, COMMUNITY_MAX)
        if problem or "\n" in name:
            await _bad(ctx, field, "ws.bad_community", max=COMMUNITY_MAX)
        else:
            await _answered(ctx, field, community=name)
    elif field == "participants":
        count, problem = parse_participants(text)
        if problem:
            await _bad(ctx, field, f"ws.bad_participants_{problem}", max=MAX_PARTICIPANTS)
        else:
            await _answered(ctx, field, participants=count)
    elif field == "duration":
        minutes, problem = parse_duration(text)
        if problem:
            await _bad(ctx, field, "ws.bad_duration")
        else:
            await _answered(ctx, field, duration_min=minutes)
    elif field in ("well", "hard"):
        note, problem = clean_text(text, NOTE_MAX)
        if problem == "too_long":
            await ctx.reply(ctx.t("ws.bad_note_long", max=NOTE_MAX, length=len(note)))
        elif problem:
            await _bad(ctx, field, "ws.bad_note_empty")
        else:
            key = "went_well" if field == "well" else "was_hard"
            await _answered(ctx, field, **{key: note})
    elif field in ("cofac", "share", "support"):
        answer = parse_yes_no(text)
        if answer is None:
            await _bad(ctx, field, "ws.use_buttons")
        else:
            await _yes_no(ctx, field, answer)
    elif field in ORDER:  # themes: buttons only
        await _bad(ctx, field, "ws.use_buttons")
    else:  # summary, editfield: show the buttons again right away
        await ctx.reply(ctx.t("ws.use_buttons"))
        await _ask_current(ctx)


async def _yes_no(ctx: Ctx, field: str, answer: bool) -> None:
    if field == "cofac":
        await _answered(ctx, field, co_facilitated=answer)
    elif field == "share":
        await _answered(ctx, field, share_practice=answer)
    else:
        await _answered(ctx, field, needs_support=answer)


async def _summary(ctx: Ctx) -> None:
    form = _data(ctx).get("form", {})
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
            value=_duration_label(ctx, form["duration_min"]) if form.get("duration_min") else "-",
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


def _complete(form: dict) -> bool:
    return all(
        form.get(k) for k in ("held_on", "community", "participants", "themes", "duration_min")
    )


async def _save(ctx: Ctx) -> None:
    data = _data(ctx)
    form = dict(data.get("form", {}))
    if not _complete(form):
        missing = next(f for f in ORDER if not _field_done(f, form))
        await ctx.reply(ctx.t("ws.incomplete"))
        await _ask(ctx, missing)
        return
    form["held_on"] = date.fromisoformat(form["held_on"])
    form["themes"] = tuple(form["themes"])
    repo = ctx.repo(WorkshopsRepo)
    workshop_id = data.get("workshop_id")
    if workshop_id:
        await repo.update(ctx.person.id, workshop_id, form)
        await ctx.audit("workshop.edited", subject=str(workshop_id))
    else:
        workshop_id = await repo.add(ctx.person.id, ctx.person.cohort, form)
        await ctx.audit("workshop.logged", subject=str(workshop_id))
    await ctx.clear_step()
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    await ctx.reply(ctx.t("ws.saved_edit" if data.get("workshop_id") else "ws.saved"))
    if not data.get("workshop_id"):
        await ctx.app.events.emit(
            "workshop.logged",
            person=ctx.person,
            workshop_id=workshop_id,
            themes=form["themes"],
            held_on=form["held_on"],
        )
        if form.get("needs_support"):
            await _support(ctx, workshop_id, form)
            return
    await ctx.show_menu()


def _field_done(field: str, form: dict) -> bool:
    key = {
        "date": "held_on",
        "community": "community",
        "participants": "participants",
        "themes": "themes",
        "duration": "duration_min",
    }.get(field)
    return key is None or bool(form.get(key))


async def _support(ctx: Ctx, workshop_id: int, form: dict) -> None:
    """Support asked: straight into asking an expert when escalations exist, else flag for staff."""
    escalations = ctx.app.services.get("escalations")
    if escalations is not None:
        await escalations.ask_after_workshop(ctx, workshop_id)
        return
    await ctx.repo(WorkshopsRepo).flag_support(workshop_id)
    held = form["held_on"].strftime("%d.%m.%Y")
    staff = await ctx.repo(PeopleRepo).with_role(Role.STAFF)
    staff += await ctx.repo(PeopleRepo).with_role(Role.ADMIN)
    from bot import i18n

    for member in staff:
        text = i18n.t(
            member.language,
            "ws.support_to_staff",
            name=ctx.person.display_name,
            date=held,
            number=workshop_id,
            hard=form.get("was_hard") or "-",
        )
        await ctx.send_to(member.id, Outgoing(text))
    await ctx.reply(ctx.t("ws.support_flagged"))
    await ctx.show_menu()


async def _edit_menu(ctx: Ctx) -> None:
    await ctx.set_step("ws.editfield", {**_data(ctx), "editing": True})
    rows = [[ctx.button(f"ws:ef:{f}", f"ws.field_{f}")] for f in EDITABLE]
    rows.append([ctx.button("ws:sum", "ws.back_to_summary")])
    await ctx.reply(Outgoing.with_buttons(ctx.t("ws.which_field"), *rows))


# --- buttons -------------------------------------------------------------------------------------


async def on_choice(ctx: Ctx) -> None:
    """Every ws: button."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else ""
    arg = parts[2] if len(parts) > 2 else ""
    in_form = ctx.dialog is not None and ctx.dialog.step.startswith("ws.")
    if action == "new":
        if in_form:
            await ctx.reply(ctx.t("ws.already_in_form"))
            await _ask_current(ctx)
            return
        await start_form(ctx)
    elif action == "resume":
        await _resume(ctx)
    elif action == "fresh":
        await _fresh(ctx)
    elif action in ("list", "open", "change", "del", "delok"):
        await _log_choice(ctx, action, arg)
    elif not in_form:
        await ctx.reply(ctx.t("common.stale_button"))
        await ctx.show_menu()
    else:
        await _form_choice(ctx, action, arg)


async def _ask_current(ctx: Ctx) -> None:
    field = ctx.dialog.step.split(".", 1)[1]
    if field in ORDER:
        await _ask(ctx, field)
    elif field == "editfield":
        await _edit_menu(ctx)
    else:
        await _summary(ctx)


async def _form_choice(ctx: Ctx, action: str, arg: str) -> None:
    step = ctx.dialog.step
    field = step.split(".", 1)[1]
    expected = {
        "date": "date",
        "comm": "community",
        "n": "participants",
        "th": "themes",
        "dur": "duration",
        "cof": "cofac",
        "share": "share",
        "sup": "support",
    }
    if action == "cancel":
        await ctx.clear_step()
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        await ctx.reply(ctx.t("ws.cancelled"))
        await ctx.show_menu()
    elif action == "save" and field == "summary":
        await _save(ctx)
    elif action == "edit" and field == "summary":
        await _edit_menu(ctx)
    elif action == "sum" and field == "editfield":
        await ctx.set_step("ws.summary", _data(ctx))
        await _summary(ctx)
    elif action == "ef" and field == "editfield" and arg in EDITABLE:
        await ctx.set_step(f"ws.{arg}", _data(ctx))
        await _ask(ctx, arg)
    elif action == "skip" and field == arg and arg in ("well", "hard"):
        key = "went_well" if arg == "well" else "was_hard"
        extra = {"share_practice": False} if arg == "well" else {}
        await _answered(ctx, field, **{key: None}, **extra)
    elif expected.get(action) != field:
        await ctx.reply(ctx.t("common.stale_button"))
        await _ask_current(ctx)
    elif action == "date":
        today = ctx.local_now().date()
        held = today if arg == "today" else today - timedelta(days=1)
        await _answered(ctx, field, held_on=held.isoformat())
    elif action == "comm":
        recent = _data(ctx).get("recent", [])
        if arg.isdecimal() and int(arg) < len(recent):
            await _answered(ctx, field, community=recent[int(arg)])
        else:
            await _ask(ctx, field)
    elif action == "n" and arg.isdecimal():
        await _answered(ctx, field, participants=int(arg))
    elif action == "th":
        await _toggle_theme(ctx, arg)
    elif action == "dur" and arg.isdecimal():
        await _answered(ctx, field, duration_min=int(arg))
    elif action in ("cof", "share", "sup") and arg in ("yes", "no"):
        await _yes_no(ctx, field, arg == "yes")
    else:
        await _ask_current(ctx)


async def _toggle_theme(ctx: Ctx, arg: str) -> None:
    data = _data(ctx)
    form = dict(data.get("form", {}))
    chosen = list(form.get("themes", []))
    if arg == "done":
        if not chosen:
            await ctx.reply(ctx.t("ws.bad_themes"))
            return
        ordered = [s.id for s in ctx.app.content.sections if s.id in chosen]
        await _answered(ctx, "themes", themes=ordered)
        return
    if ctx.app.content.section(arg) is None:
        await _ask(ctx, "themes")
        return
    chosen = [t for t in chosen if t != arg] if arg in chosen else [*chosen, arg]
    form["themes"] = chosen
    await ctx.set_step("ws.themes", {**data, "form": form})
    await _ask(ctx, "themes")


# --- /workshops: the mentor's own log ------------------------------------------------------------


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


async def _log_choice(ctx: Ctx, action: str, arg: str) -> None:
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
        await _summary(ctx)
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
