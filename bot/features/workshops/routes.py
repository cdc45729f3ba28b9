"""The workshop form's handlers: /log, one per button and one per question typed into."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.features.workshops import ids
from bot.features.workshops.form import answered, bad, save, start_fresh, take
from bot.features.workshops.ids import Step
from bot.features.workshops.input import COMMUNITY_MAX, MAX_PARTICIPANTS
from bot.features.workshops.questions import (
    ask,
    ask_back,
    ask_current,
    current_step,
    edit_menu,
    form_data,
    show_summary,
)
from bot.features.workshops.render import day_label, duration_words
from bot.messages import NOTE_MAX, Choice, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from bot.text import parse_choices, parse_count, parse_date, parse_duration, parse_yes_no
from storage.workshops import DraftsRepo

routes = Routes("ws", steps=Step)


# --- starting, resuming, leaving -------------------------------------------------------------------


@routes.command("log", help_key="cmd.log")
async def start_form(ctx: Ctx) -> None:
    """Menu → Log a workshop (or /log): continue a kept draft, or start a new form."""
    draft = await ctx.repo(DraftsRepo).take(ctx.person.id)
    if draft is not None and draft.get("form"):
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("ws.draft_found"),
                [ids.ResumeDraft().button(ctx.t("ws.draft_continue"))],
                [ids.FreshForm().button(ctx.t("ws.draft_new"))],
            )
        )
        return
    await start_fresh(ctx)


@routes.choice("ws:new", ids.NewForm)
async def new_form(ctx: Ctx, choice: ids.NewForm) -> None:
    """Log a workshop; someone already in the form gets its current question again."""
    if current_step(ctx) is not None:
        await ctx.reply(ctx.t("ws.already_in_form"))
        await ask_current(ctx)
        return
    await start_form(ctx)


@routes.choice("ws:resume", ids.ResumeDraft)
async def resume_draft(ctx: Ctx, choice: ids.ResumeDraft) -> None:
    """Continue the kept draft at the question it was left at."""
    drafts = ctx.repo(DraftsRepo)
    draft = await drafts.take(ctx.person.id)
    await drafts.drop(ctx.person.id)
    if not draft:
        await start_fresh(ctx)
        return
    step = Step.of(draft.get("field", Step.DATE.field))
    await ctx.set_step(step, {**draft, "bad": 0})
    if step is Step.SUMMARY:
        await show_summary(ctx)
    else:
        await ask(ctx, step)


@routes.choice("ws:fresh", ids.FreshForm)
async def fresh_form(ctx: Ctx, choice: ids.FreshForm) -> None:
    """Drop the kept draft and start a new form."""
    await start_fresh(ctx)


async def draft_line(ctx: Ctx) -> list[Choice]:
    """The menu's "Finish your workshop draft" while an unsaved form is kept."""
    if ctx.person is None or not ctx.person.active or ctx.role != Role.MENTOR:
        return []
    draft = await ctx.repo(DraftsRepo).take(ctx.person.id)
    if not draft or not draft.get("form"):
        return []
    return [ids.ResumeDraft().button(ctx.t("ws.finish_draft"))]


@routes.on_leave(*Step)
async def keep_draft(ctx: Ctx) -> None:
    """Leaving the form any way but /cancel keeps the draft, and says so."""
    data = form_data(ctx)
    cancelled = ctx.text.split(" ")[0].split("@")[0] == "/cancel"
    # /cancel drops a form, except while one answer is being changed: work is never lost there
    if (cancelled and not data.get("editing")) or not data.get("form"):
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        return
    if cancelled and data.get("workshop_id"):  # a saved workshop being edited stays as saved
        await ctx.repo(DraftsRepo).drop(ctx.person.id)
        return
    field = Step(ctx.dialog.step).field
    await ctx.repo(DraftsRepo).keep(ctx.person.id, {**data, "field": field})
    await ctx.reply(ctx.t("ws.draft_kept"))


@routes.choice("ws:cancel", ids.Cancel)
async def cancel(ctx: Ctx, choice: ids.Cancel) -> None:
    """Leave the form; nothing is saved (an edited workshop stays as it was)."""
    if not await _in_form(ctx):
        return
    step = current_step(ctx)
    if ctx.dialog.data.get("editing") and step not in (Step.SUMMARY, Step.EDIT_MENU):
        await _back_to_summary(ctx)  # an older Cancel while changing one answer: keep it all
        return
    editing = bool(ctx.dialog.data.get("workshop_id"))
    await ctx.clear_step()
    await ctx.repo(DraftsRepo).drop(ctx.person.id)
    # Cancelling an edit keeps the saved workshop: "nothing was saved" would alarm.
    await ctx.show_menu(lead=ctx.t("ws.edit_cancelled" if editing else "ws.cancelled"))


# --- answers by button ------------------------------------------------------------------------------


@routes.choice("ws:date", ids.PickDate)
async def pick_date(ctx: Ctx, choice: ids.PickDate) -> None:
    """Today or yesterday."""
    if await _at(ctx, Step.DATE):
        today = ctx.local_now().date()
        held = today if choice.day == "today" else today - timedelta(days=1)
        await answered(ctx, Step.DATE, held_on=held.isoformat())


@routes.choice("ws:comm", ids.PickCommunity)
async def pick_community(ctx: Ctx, choice: ids.PickCommunity) -> None:
    """One of the recent communities the question offered (else the question again)."""
    if await _at(ctx, Step.COMMUNITY):
        recent = form_data(ctx).get("recent", [])
        if choice.index < len(recent):
            await answered(ctx, Step.COMMUNITY, community=recent[choice.index])
        else:
            await ask(ctx, Step.COMMUNITY)


@routes.choice("ws:n", ids.PickParticipants)
async def pick_participants(ctx: Ctx, choice: ids.PickParticipants) -> None:
    """A number of participants from the quick picks."""
    if await _at(ctx, Step.PARTICIPANTS):
        await answered(ctx, Step.PARTICIPANTS, participants=choice.count)


@routes.choice("ws:th", ids.ToggleTheme)
async def toggle_theme(ctx: Ctx, choice: ids.ToggleTheme) -> None:
    """Tick or untick a theme, then the question again with the ticks."""
    if not await _at(ctx, Step.THEMES):
        return
    if ctx.app.content.section(choice.section) is None:
        await ask(ctx, Step.THEMES)
        return
    data = form_data(ctx)
    form = dict(data.get("form", {}))
    chosen = list(form.get("themes", []))
    if choice.section in chosen:
        chosen = [t for t in chosen if t != choice.section]
    else:
        chosen = [*chosen, choice.section]
    form["themes"] = chosen
    await ctx.set_step(Step.THEMES, {**data, "form": form})
    await ask(ctx, Step.THEMES)


@routes.choice("ws:th:done", ids.ThemesDone)
async def themes_done(ctx: Ctx, choice: ids.ThemesDone) -> None:
    """The ticked themes, in the order of the sections (at least one)."""
    if not await _at(ctx, Step.THEMES):
        return
    chosen = form_data(ctx).get("form", {}).get("themes", [])
    if not chosen:
        await ctx.reply(ctx.t("ws.bad_themes"))
        return
    ordered = [s.id for s in ctx.app.content.sections if s.id in chosen]
    await answered(ctx, Step.THEMES, themes=ordered)


@routes.choice("ws:dur", ids.PickDuration)
async def pick_duration(ctx: Ctx, choice: ids.PickDuration) -> None:
    """A duration from the buttons."""
    if await _at(ctx, Step.DURATION):
        await answered(ctx, Step.DURATION, duration_min=choice.minutes)


@routes.choice("ws:cof", ids.CoFacilitated)
async def co_facilitated(ctx: Ctx, choice: ids.CoFacilitated) -> None:
    """Co-facilitated or not."""
    if await _at(ctx, Step.COFAC):
        await answered(ctx, Step.COFAC, co_facilitated=choice.answer == "yes")


@routes.choice("ws:skip:well", ids.SkipWentWell)
async def skip_went_well(ctx: Ctx, choice: ids.SkipWentWell) -> None:
    """No note on what went well, so nothing to share."""
    if await _at(ctx, Step.WELL):
        await answered(ctx, Step.WELL, went_well=None, share_practice=False)


@routes.choice("ws:share", ids.SharePractice)
async def share_practice(ctx: Ctx, choice: ids.SharePractice) -> None:
    """Whether what went well may be shared as a good practice."""
    if await _at(ctx, Step.SHARE):
        await answered(ctx, Step.SHARE, share_practice=choice.answer == "yes")


@routes.choice("ws:skip:hard", ids.SkipWasHard)
async def skip_was_hard(ctx: Ctx, choice: ids.SkipWasHard) -> None:
    """No note on what was hard."""
    if await _at(ctx, Step.HARD):
        await answered(ctx, Step.HARD, was_hard=None)


@routes.choice("ws:sup", ids.NeedsSupport)
async def needs_support(ctx: Ctx, choice: ids.NeedsSupport) -> None:
    """Support wanted or not."""
    if await _at(ctx, Step.SUPPORT):
        await answered(ctx, Step.SUPPORT, needs_support=choice.answer == "yes")


# --- the summary and the edit menu -----------------------------------------------------------------


@routes.choice("ws:save", ids.Save)
async def save_workshop(ctx: Ctx, choice: ids.Save) -> None:
    """Save the workshop."""
    if await _at(ctx, Step.SUMMARY):
        await save(ctx)


@routes.choice("ws:edit", ids.Edit)
async def edit(ctx: Ctx, choice: ids.Edit) -> None:
    """Which answer to change."""
    if await _at(ctx, Step.SUMMARY):
        await edit_menu(ctx)


@routes.choice("ws:ef", ids.EditField)
async def edit_field(ctx: Ctx, choice: ids.EditField) -> None:
    """Ask one question again; its answer leads back to the summary."""
    if await _at(ctx, Step.EDIT_MENU):
        step = Step.of(choice.field)
        await ctx.set_step(step, form_data(ctx))
        await ask(ctx, step)


@routes.choice("ws:sum", ids.BackToSummary)
async def back_to_summary(ctx: Ctx, choice: ids.BackToSummary) -> None:
    """From the edit menu, or from an answer being changed, back to the summary (all kept)."""
    if not await _in_form(ctx):
        return
    if ctx.dialog.step != Step.EDIT_MENU and not ctx.dialog.data.get("editing"):
        await ctx.reply(ctx.t("common.stale_button"))
        await ask_current(ctx)
        return
    await _back_to_summary(ctx)


async def _back_to_summary(ctx: Ctx) -> None:
    data = form_data(ctx)
    data.pop("guess", None)
    await ctx.set_step(Step.SUMMARY, data)
    await show_summary(ctx)


@routes.choice("ws:guess", ids.ConfirmGuess)
async def confirm_guess(ctx: Ctx, choice: ids.ConfirmGuess) -> None:
    """Yes: the guessed answer is kept; No: the question again."""
    if not await _in_form(ctx):
        return
    guess = form_data(ctx).get("guess")
    step = current_step(ctx)
    if not guess or step is None or guess.get("step") != step.field:
        await ctx.reply(ctx.t("common.stale_button"))
        await ask_current(ctx)
        return
    await _settle_guess(ctx, step, choice.answer == "yes")


async def _settle_guess(ctx: Ctx, step: Step, yes: bool) -> None:
    if yes:
        await answered(ctx, step, **form_data(ctx)["guess"]["values"])
    else:
        await ask(ctx, step, lead=ctx.t("ws.guess_again"))


async def _guess_answered(ctx: Ctx, step: Step) -> bool:
    """Yes or no typed to a guess; any other text is a new answer (False)."""
    guess = form_data(ctx).get("guess")
    if not guess or guess.get("step") != step.field:
        return False
    answer = parse_yes_no(ctx.text)
    if answer is None:
        return False
    await _settle_guess(ctx, step, answer)
    return True


async def _in_form(ctx: Ctx) -> bool:
    """True in the form; outside it (an old button) the menu with a notice."""
    if current_step(ctx) is None:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return False
    return True


async def _at(ctx: Ctx, step: Step) -> bool:
    """True at `step`; at another step of the form, a notice and the current question again."""
    if not await _in_form(ctx):
        return False
    if ctx.dialog.step != step:
        await ctx.reply(ctx.t("common.stale_button"))
        await ask_current(ctx)
        return False
    return True


# --- answers typed ----------------------------------------------------------------------------------


@routes.step(Step.DATE)
async def date_text(ctx: Ctx) -> None:
    """A date: 24.11., 29/11, 2026-11-24, today, last Saturday, la 29.11., i lördags."""
    if await _guess_answered(ctx, Step.DATE):
        return
    reading = parse_date(ctx.text, ctx.local_now().date())
    held = reading.value.isoformat() if reading.ok else None
    guess = ctx.t("ws.guess_date", date=day_label(ctx, reading.value)) if reading.ok else ""
    await take(ctx, Step.DATE, reading, {"held_on": held}, "ws.bad_date_", guess)


@routes.step(Step.COMMUNITY)
async def community_text(ctx: Ctx) -> None:
    """The community's name, on one line (a bare number is asked back: it is rarely a name)."""
    if await _guess_answered(ctx, Step.COMMUNITY):
        return
    name, problem = clean_text(ctx.incoming.text or "", COMMUNITY_MAX)
    if problem or "\n" in name:
        await bad(ctx, Step.COMMUNITY, "ws.bad_community", max=COMMUNITY_MAX)
    elif parse_count(name, MAX_PARTICIPANTS).ok:
        await ask_back(
            ctx, Step.COMMUNITY, {"community": name}, ctx.t("ws.guess_community", name=name)
        )
    else:
        await answered(ctx, Step.COMMUNITY, community=name)


@routes.step(Step.PARTICIPANTS)
async def participants_text(ctx: Ctx) -> None:
    """The number of participants: 12, about 15, noin 12, 15-20 (the midpoint, range kept)."""
    reading = parse_count(ctx.text, MAX_PARTICIPANTS)
    if not reading.ok:
        key = f"ws.bad_participants_{reading.problem}"
        await bad(ctx, Step.PARTICIPANTS, key, max=MAX_PARTICIPANTS)
        return
    values = {
        "participants": reading.value,
        "participants_low": reading.low,
        "participants_high": reading.high,
    }
    await answered(ctx, Step.PARTICIPANTS, **values)


@routes.step(Step.THEMES)
async def themes_text(ctx: Ctx) -> None:
    """Several themes at once by their numbers in the list ("1 3"); one number ticks one."""
    sections = ctx.app.content.sections
    reading = parse_choices(ctx.text, len(sections))
    if not reading.ok:
        await bad(ctx, Step.THEMES, "ws.bad_themes_numbers", last=len(sections))
        return
    themes = [sections[n - 1].id for n in reading.value]
    await answered(ctx, Step.THEMES, themes=themes)


@routes.step(Step.DURATION)
async def duration_text(ctx: Ctx) -> None:
    """A duration: 2 h, 1,5 h, 90 min, puolitoista tuntia; a bare 2 is asked back (2 hours?)."""
    if await _guess_answered(ctx, Step.DURATION):
        return
    reading = parse_duration(ctx.text)
    guess = ctx.t("ws.guess_duration", duration=duration_words(ctx, reading.value or 0))
    if reading.problem:
        await bad(ctx, Step.DURATION, "ws.bad_duration")
    else:
        await take(ctx, Step.DURATION, reading, {"duration_min": reading.value}, "", guess)


@routes.step(Step.COFAC)
async def co_facilitated_text(ctx: Ctx) -> None:
    """Yes or no: co-facilitated."""
    await _yes_no(ctx, Step.COFAC, "co_facilitated")


@routes.step(Step.WELL)
async def went_well_text(ctx: Ctx) -> None:
    """What went well."""
    await _note(ctx, Step.WELL, "went_well")


@routes.step(Step.SHARE)
async def share_text(ctx: Ctx) -> None:
    """Yes or no: share what went well."""
    await _yes_no(ctx, Step.SHARE, "share_practice")


@routes.step(Step.HARD)
async def was_hard_text(ctx: Ctx) -> None:
    """What was hard."""
    await _note(ctx, Step.HARD, "was_hard")


@routes.step(Step.SUPPORT)
async def support_text(ctx: Ctx) -> None:
    """Yes or no: support wanted."""
    await _yes_no(ctx, Step.SUPPORT, "needs_support")


@routes.step(Step.SUMMARY, Step.EDIT_MENU)
async def buttons_only_text(ctx: Ctx) -> None:
    """The summary and the edit menu take a choice: they come again right away."""
    await ctx.reply(ctx.t("ws.use_options"))
    await ask_current(ctx)


async def _note(ctx: Ctx, step: Step, key: str) -> None:
    note, problem = clean_text(ctx.incoming.text or "", NOTE_MAX)
    if problem == "too_long":
        await ctx.reply(ctx.t("ws.bad_note_long", max=NOTE_MAX, length=len(note)))
    elif problem:
        await bad(ctx, step, "ws.bad_note_empty")
    else:
        await answered(ctx, step, **{key: note})


async def _yes_no(ctx: Ctx, step: Step, key: str) -> None:
    answer = parse_yes_no(ctx.incoming.text or "")
    if answer is None:
        await bad(ctx, step, "ws.use_options")
    else:
        await answered(ctx, step, **{key: answer})
