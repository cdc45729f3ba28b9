"""The learning journey's handlers: sections, bites and reflections (one handler per action)."""

from __future__ import annotations

from bot.content import Bite, Section, reflection_question
from bot.context import Ctx
from bot.features.learning import ids
from bot.features.learning.ids import Step
from bot.features.learning.section_end import (
    feedback_report,
    section_done,
    section_end,
)
from bot.features.menu import ids as menu_ids
from bot.features.nudges import ids as nudge_ids
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.journal import JournalRepo
from storage.progress import ProgressRepo

REFLECTION_MAX = 20_000  # several messages together; each one is within the messenger's limit
COMMENT_MAX = 1000

routes = Routes("learn", steps=Step)


# --- sections and bites ------------------------------------------------------------------------


@routes.command("learn", help_key="cmd.learn")
async def show_sections(ctx: Ctx) -> None:
    """/learn: every section with the mentor's progress, e.g. "2/9"."""
    progress = ctx.repo(ProgressRepo)
    seen = await progress.seen(ctx.person.id)
    completed = await progress.completed(ctx.person.id)
    nudges = ctx.app.services.nudges
    if nudges is not None:
        await nudges.welcome_back(ctx.person)
    rows = []
    for section in ctx.app.content.sections:
        done = sum(1 for b in section.bites if b.id in seen)
        mark = " ✓" if section.id in completed else ""
        label = f"{section.title.get(ctx.lang)} ({done}/{len(section.bites)}){mark}"
        rows.append([ids.SectionOverview(section.id).button(label)])
    if nudges is not None:
        rows.append([nudge_ids.Home().button(ctx.t("learn.reminders"))])
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t("learn.sections_title"), *rows))


@routes.choice("learn:home", ids.Home)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """Back to the list of sections."""
    await _arrive(ctx, welcome=False)  # show_sections welcomes back itself
    await show_sections(ctx)


@routes.choice("learn:s", ids.SectionOverview)
async def section_overview(ctx: Ctx, choice: ids.SectionOverview) -> None:
    """A section's intro, progress, and Start / Continue / From the start."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is None:
        return
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    done = sum(1 for b in section.bites if b.id in seen)
    rows = []
    if done < len(section.bites):  # a finished section has nothing to continue
        key = "learn.start" if done == 0 else "learn.continue"
        rows.append([ids.ContinueSection(section.id).button(ctx.t(key))])
    if done:
        rows.append([ids.ShowBite(section.bites[0].id).button(ctx.t("learn.from_start"))])
        rows.append([ids.BiteList(section.id).button(ctx.t("learn.all_bites"))])
    rows.append([ids.Home().button(ctx.t("learn.back_to_sections"))])
    text = f"{section.title.get(ctx.lang)}\n\n{section.intro.get(ctx.lang)}\n\n" + ctx.t(
        "learn.progress", done=done, total=len(section.bites)
    )
    await ctx.reply(Outgoing.with_buttons(text, *rows))


@routes.choice("learn:go", ids.ContinueSection)
async def continue_section(ctx: Ctx, choice: ids.ContinueSection) -> None:
    """The first unread bite of a section, or its end when all are read."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is None:
        return
    progress = ctx.repo(ProgressRepo)
    seen = await progress.seen(ctx.person.id)
    for bite in section.bites:
        if bite.id not in seen:
            await _send_bite(ctx, bite)
            return
    await _end_or_review(ctx, section)


async def _end_or_review(ctx: Ctx, section: Section) -> None:
    """The section's end the first time; after that its bites to open again (not "Well done!")."""
    if section.id in await ctx.repo(ProgressRepo).completed(ctx.person.id) and await _ended(
        ctx, section
    ):
        following = [s for s in ctx.app.content.sections if s.order > section.order]
        lead = ctx.t("learn.finished_already")
        await bite_list(ctx, section, lead=lead, next_section=following[0] if following else None)
        return
    await section_end(ctx, section)


async def _ended(ctx: Ctx, section: Section) -> bool:
    """True when the section's check and feedback question are behind the mentor too."""
    progress = ctx.repo(ProgressRepo)
    checked = section.check is None or await progress.check_answer(ctx.person.id, section.id)
    return bool(checked) and await progress.feedback_given(ctx.person.id, section.id)


@routes.choice("learn:list", ids.BiteList)
async def list_bites(ctx: Ctx, choice: ids.BiteList) -> None:
    """Every bite of a section, read ones ticked, to open any again (the crisis bite, say)."""
    await _arrive(ctx)
    section = await _section(ctx, choice.section)
    if section is not None:
        await bite_list(ctx, section)


async def bite_list(
    ctx: Ctx, section: Section, lead: str | None = None, next_section: Section | None = None
) -> None:
    """The bites of a section as buttons, with the way back (and on, after a finished one)."""
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    rows = [
        [ids.ShowBite(b.id).button(("✓ " if b.id in seen else "") + b.title.get(ctx.lang))]
        for b in section.bites
    ]
    if next_section is not None:
        label = ctx.t("learn.next_section", section=next_section.title.get(ctx.lang))
        rows.append([ids.SectionOverview(next_section.id).button(label)])
    rows.append([ids.SectionOverview(section.id).button(ctx.t("learn.back_to_section"))])
    rows.append([ids.Home().button(ctx.t("learn.back_to_sections"))])
    text = ctx.t("learn.bites_of", section=section.title.get(ctx.lang))
    await ctx.reply(Outgoing.with_buttons(f"{lead}\n\n{text}" if lead else text, *rows))


async def continue_line(ctx: Ctx) -> list[Choice]:
    """The menu's "Continue: section, bite 3/10" once the mentor has started learning."""
    learning = ctx.app.services.learning
    if learning is None or ctx.person is None or not ctx.person.active:
        return []
    if ctx.role != Role.MENTOR or not await ctx.repo(ProgressRepo).seen(ctx.person.id):
        return []
    bite = await learning.next_bite(ctx.person)
    if bite is None:
        return []
    section = ctx.app.content.section(bite.section_id)
    label = ctx.t(
        "learn.continue_line",
        section=section.title.get(ctx.lang),
        n=section.bites.index(bite) + 1,
        total=len(section.bites),
    )
    return [ids.ShowBite(bite.id).button(label)]


@routes.choice("learn:bite", ids.ShowBite)
async def show_bite(ctx: Ctx, choice: ids.ShowBite) -> None:
    """One bite."""
    await _arrive(ctx)
    bite = await _bite(ctx, choice.bite)
    if bite is not None:
        await _send_bite(ctx, bite)


@routes.choice("learn:next", ids.NextBite)
async def next_bite(ctx: Ctx, choice: ids.NextBite) -> None:
    """The bite after this one; what is still unread; or the section's end."""
    await _arrive(ctx)
    bite = await _bite(ctx, choice.bite)
    if bite is None:
        return
    section = ctx.app.content.section(bite.section_id)
    index = section.bites.index(bite)
    if index + 1 < len(section.bites):
        await _send_bite(ctx, section.bites[index + 1])
        return
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    unread = [b for b in section.bites if b.id not in seen]
    if unread:  # they skipped ahead by re-reading: offer what is still unread
        await _send_bite(ctx, unread[0])
        return
    await _end_or_review(ctx, section)


async def _send_bite(ctx: Ctx, bite: Bite) -> None:
    await ctx.reply(await ctx.app.services.learning.bite_message(ctx.person, bite))


# --- reflections ---------------------------------------------------------------------------------


@routes.choice("learn:reflect", ids.Reflect)
async def start_reflection(ctx: Ctx, choice: ids.Reflect) -> None:
    """Ask the bite's reflective question; the mentor writes in as many messages as they like."""
    await _arrive(ctx)
    bite = await _bite(ctx, choice.bite)
    if bite is None:
        return
    prompt_text = reflection_question(ctx.app.content, ctx.lang, bite.prompt_id, bite)
    await ctx.set_step(
        Step.REFLECT,
        {
            "prompt_id": bite.prompt_id,
            "bite_id": bite.id,
            "section_id": bite.section_id,
            "parts": [],
        },
    )
    await ctx.reply(
        Outgoing.with_buttons(
            prompt_text + "\n\n" + ctx.t("learn.reflect_how"),
            [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
        )
    )


@routes.step(Step.REFLECT)
async def reflection_text(ctx: Ctx) -> None:
    """One more part of a reflection (several messages until Done)."""
    data = dict(ctx.dialog.data)
    parts = [*data.get("parts", []), ctx.incoming.text or ""]
    done = [ids.ReflectionDone().button(ctx.t("learn.reflect_done"))]
    if sum(len(p) for p in parts) > REFLECTION_MAX:
        await ctx.reply(
            Outgoing.with_buttons(ctx.t("learn.reflect_full", max=REFLECTION_MAX), done)
        )
        return
    data["parts"] = parts
    await ctx.set_step(Step.REFLECT, data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_got", count=len(parts)),
            done,
            [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
        )
    )


@routes.on_leave(Step.REFLECT)
async def keep_draft(ctx: Ctx) -> None:
    """Leaving a reflection half-way: what was typed is kept as a private journal entry."""
    if await _store_reflection(ctx) is not None:
        await ctx.reply(ctx.t("learn.draft_kept"))


@routes.choice("learn:rdone", ids.ReflectionDone)
async def finish_reflection(ctx: Ctx, choice: ids.ReflectionDone) -> None:
    """Save the reflection, then ask whether to share it."""
    await _arrive(ctx, keep=(Step.REFLECT,))
    if ctx.dialog is None or ctx.dialog.step != Step.REFLECT:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    bite_id = ctx.dialog.data.get("bite_id")
    reflection_id = await _store_reflection(ctx)
    if reflection_id is None:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("learn.reflect_empty"),
                [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
            )
        )
        return
    await ctx.clear_step()
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_saved"),
            [ids.Share(reflection_id, "no").button(ctx.t("learn.keep_private"))],
            [ids.Share(reflection_id, "yes").button(ctx.t("learn.share_with_experts"))],
            [ids.NextBite(bite_id).button(ctx.t("learn.next"))],
        )
    )


@routes.choice("learn:rcancel", ids.ReflectionCancel)
async def cancel_reflection(ctx: Ctx, choice: ids.ReflectionCancel) -> None:
    """Stop writing: anything typed is kept privately; then where to go next."""
    await _arrive(ctx, keep=(Step.REFLECT,))
    if ctx.dialog is None or ctx.dialog.step != Step.REFLECT:
        await show_sections(ctx)
        return
    bite_id = ctx.dialog.data.get("bite_id")
    written = any(p.strip() for p in ctx.dialog.data.get("parts", []))
    if written:
        await keep_draft(ctx)
    await ctx.clear_step()
    if not written:
        await ctx.reply(ctx.t("learn.reflect_cancelled"))
    bite = ctx.app.content.bite(bite_id) if bite_id else None
    if bite is None:
        await show_sections(ctx)
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.where_next"),
            [ids.NextBite(bite.id).button(ctx.t("learn.next"))],
            [ids.Home().button(ctx.t("learn.back_to_sections"))],
        )
    )


@routes.choice("learn:share", ids.Share)
async def share_reflection(ctx: Ctx, choice: ids.Share) -> None:
    """Share a saved reflection with the experts, or keep it private."""
    await _arrive(ctx)
    journal = ctx.repo(JournalRepo)
    reflection = await journal.get(ctx.person.id, choice.reflection)
    if reflection is None:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    shared = choice.answer == "yes"
    await journal.set_shared(ctx.person.id, reflection.id, shared)
    await ctx.audit("journal.shared" if shared else "journal.private", subject=str(reflection.id))
    rows: list[list[Choice]] = []
    if reflection.bite_id and ctx.app.content.bite(reflection.bite_id):
        rows.append([ids.NextBite(reflection.bite_id).button(ctx.t("learn.next"))])
    rows.append([ids.Home().button(ctx.t("learn.back_to_sections"))])
    key = "learn.shared" if shared else "learn.kept_private"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))


async def _store_reflection(ctx: Ctx) -> int | None:
    data = ctx.dialog.data if ctx.dialog else {}
    text = "\n\n".join(p.strip() for p in data.get("parts", []) if p.strip())
    if not text:
        return None
    reflection_id = await ctx.repo(JournalRepo).add(
        ctx.person.id,
        text,
        prompt_id=data.get("prompt_id"),
        bite_id=data.get("bite_id"),
        section_id=data.get("section_id"),
    )
    await ctx.audit("journal.added", subject=str(reflection_id))
    return reflection_id


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


# --- shared by the handlers ------------------------------------------------------------------------


async def _arrive(ctx: Ctx, *, keep: tuple[Step, ...] = (), welcome: bool = True) -> None:
    """A learn: button ends a reflection being written (kept as a draft) or a pending comment,
    unless it is one of the buttons of that step (`keep`); a mentor back after a while is welcomed."""
    step = ctx.dialog.step if ctx.dialog is not None else None
    if step == Step.REFLECT and step not in keep:
        await keep_draft(ctx)
        await ctx.clear_step()
    elif step == Step.COMMENT and step not in keep:
        await ctx.clear_step()
    nudges = ctx.app.services.nudges
    if welcome and nudges is not None:
        await nudges.welcome_back(ctx.person)


async def _section(ctx: Ctx, section_id: str) -> Section | None:
    """The section, or (a button from older content) a notice and the list of sections."""
    section = ctx.app.content.section(section_id)
    if section is None:
        await _stale(ctx)
    return section


async def _bite(ctx: Ctx, bite_id: str) -> Bite | None:
    """The bite, or (a button from older content) a notice and the list of sections."""
    bite = ctx.app.content.bite(bite_id)
    if bite is None:
        await _stale(ctx)
    return bite


async def _stale(ctx: Ctx) -> None:
    await ctx.reply(ctx.t("common.stale_button"))
    await show_sections(ctx)
