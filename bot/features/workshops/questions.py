"""The workshop form's questions: each asked with its buttons, the summary and the edit menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.context import Ctx
from bot.features.workshops import ids
from bot.features.workshops.ids import EDITABLE, QUESTIONS, RECENT_COMMUNITIES, Step
from bot.features.workshops.input import COMMUNITY_MAX, MAX_PARTICIPANTS
from bot.features.workshops.render import describe, duration_label
from bot.messages import NOTE_MAX, Choice, Outgoing
from storage.workshops import WorkshopsRepo

DURATIONS = (60, 90, 120, 180, 240, 360)


def form_data(ctx: Ctx) -> dict:
    """A copy of the form's dialog data."""
    return dict(ctx.dialog.data) if ctx.dialog else {}


def current_step(ctx: Ctx) -> Step | None:
    """The form step the person is at; None outside the form."""
    if ctx.dialog is None:
        return None
    try:
        return Step(ctx.dialog.step)
    except ValueError:
        return None


async def ask(ctx: Ctx, step: Step, *, lead: str | None = None) -> None:
    """Send one question with its buttons and enter its step (`lead` goes above)."""
    entering = ctx.dialog is None or ctx.dialog.step != step
    data = form_data(ctx)
    guessing = data.pop("guess", None) is not None
    if entering:
        data["bad"] = 0
    if step is Step.COMMUNITY:
        data["recent"] = await ctx.repo(WorkshopsRepo).recent_communities(
            ctx.person.id, RECENT_COMMUNITIES
        )
    if entering or guessing or step is Step.COMMUNITY:
        await ctx.set_step(step, data)  # one write, with the recent names the buttons stand for
    question = _QUESTIONS[step](ctx, data)
    if lead:
        question = replace(question, text=f"{lead}\n\n{question.text}")
    if entering:
        await ctx.reply(question)
    else:  # the same question again (a theme ticked): one message per question
        await ctx.show(question)


async def ask_back(ctx: Ctx, step: Step, values: dict, question: str) -> None:
    """A guess to confirm ("Saturday 21.11.2026 - is that right?"): Yes keeps `values`."""
    data = {**form_data(ctx), "guess": {"step": step.field, "values": values}}
    await ctx.set_step(step, data)
    out = Outgoing.with_buttons(
        question,
        [
            ids.ConfirmGuess("yes").button(ctx.t("ws.guess_yes")),
            ids.ConfirmGuess("no").button(ctx.t("ws.guess_no")),
        ],
        _cancel(ctx, data),
    )
    # Typed as words (yes / kyllä / ja) where choices are numbered: a number stays an answer.
    await ctx.reply(replace(out, numbered=False))


def _cancel(ctx: Ctx, data: dict | None = None) -> list[Choice]:
    """Cancel; while changing one answer, back to the summary (nothing is lost)."""
    if (data if data is not None else form_data(ctx)).get("editing"):
        return [ids.BackToSummary().button(ctx.t("ws.back_to_summary_keep"))]
    return [ids.Cancel().button(ctx.t("ws.cancel"))]


def _date(ctx: Ctx, data: dict) -> Outgoing:
    rows = [
        [
            ids.PickDate("today").button(ctx.t("ws.today")),
            ids.PickDate("yesterday").button(ctx.t("ws.yesterday")),
        ]
    ]
    return Outgoing.with_buttons(ctx.t("ws.ask_date"), *rows, _cancel(ctx, data))


def _community(ctx: Ctx, data: dict) -> Outgoing:
    recent = data.get("recent", [])
    rows = [[ids.PickCommunity(i).button(name)] for i, name in enumerate(recent)]
    key = "ws.ask_community_recent" if recent else "ws.ask_community"
    return Outgoing.with_buttons(ctx.t(key, max=COMMUNITY_MAX), *rows, _cancel(ctx, data))


def _participants(ctx: Ctx, data: dict) -> Outgoing:
    question = Outgoing.with_buttons(
        ctx.t("ws.ask_participants", max=MAX_PARTICIPANTS), _cancel(ctx, data)
    )
    return replace(question, numbered=False)  # a typed number is the answer


def _themes(ctx: Ctx, data: dict) -> Outgoing:
    chosen = set(data.get("form", {}).get("themes", []))
    rows = [
        [ids.ToggleTheme(s.id).button(("✓ " if s.id in chosen else "") + s.title.get(ctx.lang))]
        for s in ctx.app.content.sections
    ]
    rows.append([ids.ThemesDone().button(ctx.t("ws.done"))])
    return Outgoing.with_buttons(ctx.t("ws.ask_themes"), *rows, _cancel(ctx, data))


def _duration(ctx: Ctx, data: dict) -> Outgoing:
    rows = [
        [ids.PickDuration(m).button(duration_label(ctx, m)) for m in DURATIONS[:3]],
        [ids.PickDuration(m).button(duration_label(ctx, m)) for m in DURATIONS[3:]],
    ]
    question = Outgoing.with_buttons(ctx.t("ws.ask_duration"), *rows, _cancel(ctx, data))
    # Bullets where choices are numbered: a typed "2" is two hours (asked back), not option 2.
    return replace(question, numbered=False)


def _cofac(ctx: Ctx, data: dict) -> Outgoing:
    rows = [
        [
            ids.CoFacilitated("yes").button(ctx.t("ws.answer_yes")),
            ids.CoFacilitated("no").button(ctx.t("ws.answer_no")),
        ]
    ]
    return Outgoing.with_buttons(ctx.t("ws.ask_cofac"), *rows, _cancel(ctx, data))


def _went_well(ctx: Ctx, data: dict) -> Outgoing:
    return Outgoing.with_buttons(
        ctx.t("ws.ask_well", max=NOTE_MAX),
        [ids.SkipWentWell().button(ctx.t("ws.skip"))],
        _cancel(ctx, data),
    )


def _share(ctx: Ctx, data: dict) -> Outgoing:
    rows = [
        [ids.SharePractice("yes").button(ctx.t("ws.share_yes"))],
        [ids.SharePractice("no").button(ctx.t("ws.share_no"))],
    ]
    return Outgoing.with_buttons(ctx.t("ws.ask_share"), *rows, _cancel(ctx, data))


def _was_hard(ctx: Ctx, data: dict) -> Outgoing:
    return Outgoing.with_buttons(
        ctx.t("ws.ask_hard", max=NOTE_MAX),
        [ids.SkipWasHard().button(ctx.t("ws.skip"))],
        _cancel(ctx, data),
    )


def _support(ctx: Ctx, data: dict) -> Outgoing:
    rows = [
        [ids.NeedsSupport("no").button(ctx.t("ws.support_no"))],
        [ids.NeedsSupport("yes").button(ctx.t("ws.support_yes"))],
    ]
    return Outgoing.with_buttons(ctx.t("ws.ask_support"), *rows, _cancel(ctx, data))


_QUESTIONS: dict[Step, Callable[[Ctx, dict], Outgoing]] = {
    Step.DATE: _date,
    Step.COMMUNITY: _community,
    Step.PARTICIPANTS: _participants,
    Step.THEMES: _themes,
    Step.DURATION: _duration,
    Step.COFAC: _cofac,
    Step.WELL: _went_well,
    Step.SHARE: _share,
    Step.HARD: _was_hard,
    Step.SUPPORT: _support,
}


async def show_summary(ctx: Ctx) -> None:
    """The answers so far with Save / Edit / Cancel."""
    form = form_data(ctx).get("form", {})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ws.summary_title") + "\n\n" + describe(ctx, form),
            [ids.Save().button(ctx.t("ws.save"))],
            [ids.Edit().button(ctx.t("ws.edit"))],
            [ids.Cancel().button(ctx.t("ws.cancel"))],
        )
    )


async def edit_menu(ctx: Ctx) -> None:
    """Buttons for the answer to change."""
    await ctx.set_step(Step.EDIT_MENU, {**form_data(ctx), "editing": True})
    rows = [[ids.EditField(s.field).button(ctx.t(f"ws.field_{s.field}"))] for s in EDITABLE]
    rows.append([ids.BackToSummary().button(ctx.t("ws.back_to_summary"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("ws.which_field"), *rows))


async def ask_current(ctx: Ctx) -> None:
    """Ask again whatever the person is at: a question, the edit menu or the summary."""
    step = Step(ctx.dialog.step)
    if step in QUESTIONS:
        await ask(ctx, step)
    elif step is Step.EDIT_MENU:
        await edit_menu(ctx)
    else:
        await show_summary(ctx)
