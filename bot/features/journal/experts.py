"""/reflections: experts read the reflections mentors chose to share."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Ctx
from bot.features.journal import ids
from bot.features.journal.render import prompt_text, short, when
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.journal import JournalRepo

PAGE = 5

routes = Routes("jr")


@routes.command("reflections", min_role=Role.EXPERT, help_key="cmd.reflections")
async def show_shared(ctx: Ctx, page: int = 0, *, in_place: bool = False) -> None:
    """/reflections (experts): reflections mentors chose to share, newest first."""
    entries = await ctx.repo(JournalRepo).shared_page(page * PAGE, PAGE + 1)
    if not entries:
        await ctx.reply(ctx.t("journal.none_shared"))
        return
    lines = [ctx.t("journal.shared_title")]
    rows = []
    journal = ctx.repo(JournalRepo)
    for entry, name in entries[:PAGE]:
        prompt = prompt_text(ctx, entry)
        section = ctx.app.content.section(entry.section_id) if entry.section_id else None
        where = section.title.get(ctx.lang) if section else "-"
        lines.append(f"\n{when(ctx, entry)} · {name} · {where}")
        if prompt:
            lines.append(f"“{short(prompt, 160)}”")
        lines.append(entry.text)
        comments = await journal.comments(entry.id)
        if comments:
            lines.append(ctx.t("journal.comments_count", count=len(comments)))
        label = ctx.t("journal.respond_to", name=name, when=when(ctx, entry))
        rows.append([ids.Comment(entry.id).button(label)])
    nav = []
    if page > 0:
        nav.append(ids.SharedPage(page - 1).button(ctx.t("journal.newer")))
    if len(entries) > PAGE:
        nav.append(ids.SharedPage(page + 1).button(ctx.t("journal.older")))
    rows.append(nav)
    out = Outgoing.with_buttons("\n".join(lines), *rows)
    if in_place and ctx.incoming.choice_id and ctx.incoming.message_id:
        edited = await ctx.app.messenger.edit(
            ctx.incoming.address, ctx.incoming.message_id, replace(out, lang=ctx.lang)
        )
        if edited.ok:
            return
    await ctx.reply(out)


@routes.choice("jr:x", ids.SharedPage, min_role=Role.EXPERT)
async def shared_page(ctx: Ctx, choice: ids.SharedPage) -> None:
    """Another page of shared reflections (the list is replaced in place where possible)."""
    await show_shared(ctx, choice.page, in_place=True)
