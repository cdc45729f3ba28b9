"""The workshop log: a short guided form, a summary before saving, and /workshops to view and edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.features.workshop_log import (
    form_data,
    log_choice,
    show_summary,
    show_workshops,
)
from bot.features.workshop_questions import EDITABLE, ORDER, ask_current, ask_field, edit_menu
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
from storage.workshops import DraftsRepo, WorkshopsRepo

if TYPE_CHECKING:
    from bot.app import App

QUICK_PARTICIPANTS = (5, 10, 15, 20, 25, 30)
MAX_BAD = 3


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
    await ask_field(ctx, "date", lead=ctx.t("ws.intro"))


async def _resume(ctx: Ctx) -> None:
    draft = await ctx.repo(DraftsRepo).take(ctx.person.id)
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    if not draft:
        await _fresh(ctx)
        return
    field = draft.get("field", "date")
    await ctx.set_step(f"ws.{field}", {**draft, "bad": 0})
    if field == "summary":
        await show_summary(ctx)
    else:
        await ask_field(ctx, field)


async def _on_leave(ctx: Ctx) -> None:
    """Leaving the form any way but /cancel keeps the draft, and says so."""
    data = form_data(ctx)
    if ctx.text.split(" ")[0].split("@")[0] == "/cancel" or not data.get("form"):
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        return
    field = ctx.dialog.step.split(".", 1)[1]
    await ctx.repo(DraftsRepo).keep(ctx.person.id, {**data, "field": field})
    await ctx.reply(ctx.t("ws.draft_kept"))


async def _answered(ctx: Ctx, field: str, **values: object) -> None:
    """Store answers in the draft, then go to the next question (or back to the summary)."""
    data = form_data(ctx)
    form = {**data.get("form", {}), **values}
    data.update(form=form, bad=0)
    if data.get("editing"):
        if field == "well" and form.get("went_well") and "share_practice" not in values:
            await ctx.set_step("ws.share", data)
            await ask_field(ctx, "share")
            return
        await ctx.set_step("ws.summary", data)
        await show_summary(ctx)
        return
    nxt = _next_field(field, form)
    if nxt is None:
        await ctx.set_step("ws.summary", data)
        await show_summary(ctx)
    else:
        await ctx.set_step(f"ws.{nxt}", data)
        await ask_field(ctx, nxt)


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
    data = form_data(ctx)
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
            await ask_field(ctx, field)
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
        await ask_current(ctx)


async def _yes_no(ctx: Ctx, field: str, answer: bool) -> None:
    if field == "cofac":
        await _answered(ctx, field, co_facilitated=answer)
    elif field == "share":
        await _answered(ctx, field, share_practice=answer)
    else:
        await _answered(ctx, field, needs_support=answer)


def _complete(form: dict) -> bool:
    return all(
        form.get(k) for k in ("held_on", "community", "participants", "themes", "duration_min")
    )


async def _save(ctx: Ctx) -> None:
    data = form_data(ctx)
    form = dict(data.get("form", {}))
    if not _complete(form):
        missing = next(f for f in ORDER if not _field_done(f, form))
        await ctx.reply(ctx.t("ws.incomplete"))
        await ask_field(ctx, missing)
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
    escalations = ctx.app.services.escalations
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
    await ctx.show_menu(lead=ctx.t("ws.support_flagged"))


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
            await ask_current(ctx)
            return
        await start_form(ctx)
    elif action == "resume":
        await _resume(ctx)
    elif action == "fresh":
        await _fresh(ctx)
    elif action in ("list", "open", "change", "del", "delok"):
        await log_choice(ctx, action, arg)
    elif not in_form:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
    else:
        await _form_choice(ctx, action, arg)


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
        editing = bool(ctx.dialog and ctx.dialog.data.get("workshop_id"))
        await ctx.clear_step()
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        # Cancelling an edit keeps the saved workshop: "nothing was saved" would alarm.
        await ctx.show_menu(lead=ctx.t("ws.edit_cancelled" if editing else "ws.cancelled"))
    elif action == "save" and field == "summary":
        await _save(ctx)
    elif action == "edit" and field == "summary":
        await edit_menu(ctx)
    elif action == "sum" and field == "editfield":
        await ctx.set_step("ws.summary", form_data(ctx))
        await show_summary(ctx)
    elif action == "ef" and field == "editfield" and arg in EDITABLE:
        await ctx.set_step(f"ws.{arg}", form_data(ctx))
        await ask_field(ctx, arg)
    elif action == "skip" and field == arg and arg in ("well", "hard"):
        key = "went_well" if arg == "well" else "was_hard"
        extra = {"share_practice": False} if arg == "well" else {}
        await _answered(ctx, field, **{key: None}, **extra)
    elif expected.get(action) != field:
        await ctx.reply(ctx.t("common.stale_button"))
        await ask_current(ctx)
    elif action == "date":
        today = ctx.local_now().date()
        held = today if arg == "today" else today - timedelta(days=1)
        await _answered(ctx, field, held_on=held.isoformat())
    elif action == "comm":
        recent = form_data(ctx).get("recent", [])
        if arg.isdecimal() and int(arg) < len(recent):
            await _answered(ctx, field, community=recent[int(arg)])
        else:
            await ask_field(ctx, field)
    elif action == "n" and arg.isdecimal():
        await _answered(ctx, field, participants=int(arg))
    elif action == "th":
        await _toggle_theme(ctx, arg)
    elif action == "dur" and arg.isdecimal():
        await _answered(ctx, field, duration_min=int(arg))
    elif action in ("cof", "share", "sup") and arg in ("yes", "no"):
        await _yes_no(ctx, field, arg == "yes")
    else:
        await ask_current(ctx)


async def _toggle_theme(ctx: Ctx, arg: str) -> None:
    data = form_data(ctx)
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
        await ask_field(ctx, "themes")
        return
    chosen = [t for t in chosen if t != arg] if arg in chosen else [*chosen, arg]
    form["themes"] = chosen
    await ctx.set_step("ws.themes", {**data, "form": form})
    await ask_field(ctx, "themes")


# --- /workshops: the mentor's own log ------------------------------------------------------------
