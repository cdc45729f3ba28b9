"""The learning journey's handlers for sections and bites, and the helpers every learn: handler shares."""

from __future__ import annotations

from bot.content import Bite, Section
from bot.context import Ctx
from bot.features.learning import ids
from bot.features.learning.ids import Step
from bot.features.learning.section_end import section_end
from bot.features.menu import ids as menu_ids
from bot.features.nudges import ids as nudge_ids
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.journal import JournalRepo
from storage.progress import ProgressRepo

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


# --- shared by the handlers ------------------------------------------------------------------------


@routes.on_leave(Step.REFLECT)
async def keep_draft(ctx: Ctx) -> None:
    """Leaving a reflection half-way: what was typed is kept as a private journal entry."""
    if await _store_reflection(ctx) is not None:
        await ctx.reply(ctx.t("learn.draft_kept"))


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
