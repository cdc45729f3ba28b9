"""The workshop form's handlers: /log, starting, resuming and leaving, the summary, the edit menu."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.workshops import ids
from bot.features.workshops.form import answered, save, start_fresh
from bot.features.workshops.ids import Step
from bot.features.workshops.questions import (
    ask,
    ask_current,
    current_step,
    edit_menu,
    form_data,
    show_summary,
)
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
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
