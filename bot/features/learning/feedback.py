"""The end of a section's handlers: the check's answer, the feedback score and comment, /feedback."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.learning import ids
from bot.features.learning.ids import Step
from bot.features.learning.routes import _arrive, _section
from bot.features.learning.section_end import (
    feedback_report,
    section_done,
    section_end,
)
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.progress import ProgressRepo

COMMENT_MAX = 1000

routes = Routes("learn")


# --- the end of a section: the check, feedback, /feedback ---------------------------------------


@routes.choice("learn:check", ids.CheckAnswer)
async def answer_check(ctx: Ctx, choice: ids.CheckAnswer) -> None:
    """The mentor's answer to the check, with the feedback for that answer."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is None:
        return
    option = section.check.option(choice.option) if section.check else None
    if option is None:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await ctx.repo(ProgressRepo).answer_check(ctx.person.id, section.id, option.id, option.correct)
    key = "learn.check_right" if option.correct else "learn.check_not_quite"
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(key) + "\n\n" + option.feedback.get(ctx.lang),
            [ids.SectionEnd(section.id).button(ctx.t("learn.next"))],
        )
    )


@routes.choice("learn:end", ids.SectionEnd)
async def end_of_section(ctx: Ctx, choice: ids.SectionEnd) -> None:
    """After the check's feedback: the feedback question, or done."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is not None:
        await section_end(ctx, section)


@routes.choice("learn:fb", ids.Feedback)
async def answer_feedback(ctx: Ctx, choice: ids.Feedback) -> None:
    """Store the score, then offer the optional comment."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is None:
        return
    feedback_id = await ctx.repo(ProgressRepo).give_feedback(
        ctx.person.id, section.id, ctx.person.cohort, choice.score
    )
    await ctx.audit("learn.feedback", subject=section.id, score=choice.score)
    await ctx.set_step(Step.COMMENT, {"section_id": section.id, "feedback_id": feedback_id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.comment_ask"),
            [ids.FeedbackSkip(section.id).button(ctx.t("learn.skip"))],
        )
    )


@routes.choice("learn:fbskip", ids.FeedbackSkip)
async def skip_comment(ctx: Ctx, choice: ids.FeedbackSkip) -> None:
    """No comment: the section is done."""
    await _arrive(ctx, keep=(Step.COMMENT,))
    await ctx.clear_step()
    section = ctx.app.content.section(choice.section)
    if section is not None:
        await section_done(ctx, section)


@routes.step(Step.COMMENT)
async def comment_text(ctx: Ctx) -> None:
    """The optional comment after the score."""
    comment = (ctx.incoming.text or "").strip()
    if len(comment) > COMMENT_MAX:
        await ctx.reply(ctx.t("learn.comment_too_long", max=COMMENT_MAX, length=len(comment)))
        return
    data = ctx.dialog.data
    await ctx.repo(ProgressRepo).add_feedback_comment(data["feedback_id"], comment)
    await ctx.clear_step()
    await ctx.reply(ctx.t("learn.comment_thanks"))
    section = ctx.app.content.section(data["section_id"])
    if section is not None:
        await section_done(ctx, section)


@routes.command("feedback", min_role=Role.STAFF, help_key="cmd.feedback")
async def show_feedback(ctx: Ctx) -> None:
    """/feedback [COHORT]: agreement per section, as the programme reports it."""
    await ctx.reply(await feedback_report(ctx, ctx.args.strip() or None))
