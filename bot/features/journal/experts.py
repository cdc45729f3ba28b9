"""/reflections: experts read the reflections mentors chose to share."""

from __future__ import annotations

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
async def show_shared(ctx: Ctx, page: int = 0) -> None:
    """/reflections (experts): reflections mentors chose to share, newest first."""
    entries = await ctx.repo(JournalRepo).shared_page(page * PAGE, PAGE + 1)
    if not entries:
        await ctx.reply(ctx.t("journal.none_shared"))
        return
    lines = [ctx.t("journal.shared_title")]
    for entry, name in entries[:PAGE]:
        prompt = prompt_text(ctx, entry)
        section = ctx.app.content.section(entry.section_id) if entry.section_id else None
        where = section.title.get(ctx.lang) if section else "-"
        lines.append(f"\n{when(ctx, entry)} · {name} · {where}")
        if prompt:
            lines.append(f"“{short(prompt, 160)}”")
        lines.append(entry.text)
    rows = []
    if len(entries) > PAGE:
        rows.append([ids.SharedPage(page + 1).button(ctx.t("journal.older"))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("jr:x", ids.SharedPage, min_role=Role.EXPERT)
async def shared_page(ctx: Ctx, choice: ids.SharedPage) -> None:
    """The next page of shared reflections."""
    await show_shared(ctx, choice.page)
