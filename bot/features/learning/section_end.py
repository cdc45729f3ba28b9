"""The end of a section: completion, the check question, the feedback question, /feedback for staff."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bot.content import CheckOption, Section
from bot.context import Ctx
from bot.features.learning import ids
from bot.messages import Outgoing
from storage.progress import ProgressRepo

SCORES = (1, 2, 3, 4, 5)  # in order, so the number typed on Signal is the score


def options_in_order_for(
    person_id: int, section_id: str, options: Sequence[CheckOption]
) -> list[CheckOption]:
    """The check's options in an order of this mentor's own, the same each time they see it.

    In the files the right answer is easy to put first every time; mentors comparing notes, or
    doing a second section, would learn the position instead of the idea.
    """

    def rank(option: CheckOption) -> bytes:
        return hashlib.sha256(f"{person_id}:{section_id}:{option.id}".encode()).digest()

    return sorted(options, key=rank)


async def section_end(ctx: Ctx, section: Section) -> None:
    """All bites read: mark complete, then the check (if any), then the feedback question."""
    progress = ctx.repo(ProgressRepo)
    if await progress.complete(ctx.person.id, section.id):
        await ctx.audit("learn.section_completed", subject=section.id)
        await ctx.app.events.emit("section.completed", person=ctx.person, section_id=section.id)
    if section.check is not None and await progress.check_answer(ctx.person.id, section.id) is None:
        check = section.check
        rows = [
            [ids.CheckAnswer(section.id, o.id).button(o.text.get(ctx.lang))]
            for o in options_in_order_for(ctx.person.id, section.id, check.options)
        ]
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("learn.check_intro") + "\n\n" + check.question.get(ctx.lang), *rows
            )
        )
        return
    if not await progress.feedback_given(ctx.person.id, section.id):
        await ask_feedback(ctx, section)
        return
    await section_done(ctx, section)


async def ask_feedback(ctx: Ctx, section: Section) -> None:
    """The 1-5 agreement question of a section."""
    rows = [
        [ids.Feedback(section.id, score).button(ctx.t(f"learn.scale_{score}"))] for score in SCORES
    ]
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.feedback_question", section=section.title.get(ctx.lang)), *rows
        )
    )


async def section_done(ctx: Ctx, section: Section) -> None:
    """Congratulations, with the next section as a button."""
    rows = []
    following = [s for s in ctx.app.content.sections if s.order > section.order]
    if following:
        label = ctx.t("learn.next_section", section=following[0].title.get(ctx.lang))
        rows.append([ids.SectionOverview(following[0].id).button(label)])
    rows.append([ids.Home().button(ctx.t("learn.back_to_sections"))])
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.section_done", section=section.title.get(ctx.lang)), *rows
        )
    )


async def feedback_report(ctx: Ctx, cohort: str | None) -> str:
    """Agreement per section (and comments), as the programme reports it."""
    totals = {t.section_id: t for t in await ctx.repo(ProgressRepo).feedback_totals(cohort)}
    lines = [ctx.t("learn.feedback_title", cohort=cohort or ctx.t("learn.all_cohorts"))]
    for section in ctx.app.content.sections:
        total = totals.get(section.id)
        name = f"{section.order}. {section.title.get(ctx.lang)}"
        if total is None:
            lines.append(ctx.t("learn.feedback_none", section=name))
            continue
        lines.append(
            ctx.t(
                "learn.feedback_line",
                section=name,
                share=round(100 * total.agree_share),
                answers=total.answers,
                mean=f"{total.mean:.1f}",
            )
        )
        for comment in await ctx.repo(ProgressRepo).feedback_comments(section.id, cohort):
            short = comment if len(comment) <= 200 else comment[:199] + "…"
            lines.append(f"   “{short}”")
    lines.append("")
    lines.append(ctx.t("learn.feedback_statement"))
    return "\n".join(lines)
