"""The private journal: /journal lists a mentor's reflections; experts read the shared ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content import reflection_question
from bot.context import Ctx
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.journal import JournalRepo, Reflection

if TYPE_CHECKING:
    from bot.app import App

PAGE = 5
PREVIEW = 120


def setup(app: App) -> None:
    """Register /journal, /reflections (experts) and the jr: buttons."""
    app.router.command("journal", show_journal, help_key="cmd.journal")
    app.router.command("reflections", show_shared, min_role=Role.EXPERT, help_key="cmd.reflections")
    app.router.choice("jr:", on_choice)
    app.router.choice("jr:x:", on_shared_choice, min_role=Role.EXPERT)
    app.router.menu(MenuItem("jr:p:0", "menu.journal", order=15))


def _when(ctx: Ctx, reflection: Reflection) -> str:
    return reflection.created_at.astimezone(ctx.tz).strftime("%d.%m.%Y")


def _prompt_text(ctx: Ctx, reflection: Reflection) -> str:
    """What the reflection answered."""
    content = ctx.app.content
    bite = content.bite(reflection.bite_id) if reflection.bite_id else None
    return reflection_question(content, ctx.lang, reflection.prompt_id, bite)


def _short(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def show_journal(ctx: Ctx, page: int = 0) -> None:
    """/journal: the mentor's reflections, newest first, five at a time."""
    journal = ctx.repo(JournalRepo)
    total = await journal.count(ctx.person.id)
    if total == 0:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("journal.empty"),
                [ctx.button("learn:home", "menu.learn")],
                [ctx.button("menu:home", "common.back_to_menu")],
            )
        )
        return
    page = max(0, min(page, (total - 1) // PAGE))
    entries = await journal.page(ctx.person.id, page * PAGE, PAGE)
    lines = [ctx.t("journal.title", total=total)]
    rows = []
    for number, entry in enumerate(entries, start=page * PAGE + 1):
        mark = ctx.t("journal.shared_mark") if entry.shared else ctx.t("journal.private_mark")
        lines.append(f"\n{number}. {_when(ctx, entry)} ({mark})\n{_short(entry.text)}")
        rows.append([Choice(f"jr:o:{entry.id}", ctx.t("journal.open", number=number))])
    nav = []
    if page > 0:
        nav.append(ctx.button(f"jr:p:{page - 1}", "journal.newer"))
    if (page + 1) * PAGE < total:
        nav.append(ctx.button(f"jr:p:{page + 1}", "journal.older"))
    rows.append(nav)
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


async def on_choice(ctx: Ctx) -> None:
    """jr:p:<page>, jr:o:<id>, jr:sh:<id>:1|0, jr:del:<id>, jr:delok:<id>."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else "p"
    arg = parts[2] if len(parts) > 2 else "0"
    if not arg.isdecimal():
        await ctx.reply(ctx.t("common.stale_button"))
        return
    number = int(arg)
    journal = ctx.repo(JournalRepo)
    if action == "p":
        await show_journal(ctx, number)
        return
    entry = await journal.get(ctx.person.id, number)
    if entry is None:
        await ctx.reply(ctx.t("journal.gone"))
        await show_journal(ctx)
        return
    if action == "o":
        await _show_entry(ctx, entry)
    elif action == "sh" and len(parts) == 4:
        shared = parts[3] == "1"
        await journal.set_shared(ctx.person.id, entry.id, shared)
        await ctx.audit("journal.shared" if shared else "journal.private", subject=str(entry.id))
        await ctx.reply(ctx.t("journal.now_shared" if shared else "journal.now_private"))
        await _show_entry(ctx, await journal.get(ctx.person.id, entry.id))
    elif action == "del":
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("journal.confirm_delete", when=_when(ctx, entry)),
                [ctx.button(f"jr:delok:{entry.id}", "journal.delete_yes")],
                [ctx.button(f"jr:o:{entry.id}", "journal.delete_no")],
            )
        )
    elif action == "delok":
        await journal.delete(ctx.person.id, entry.id)
        await ctx.audit("journal.deleted", subject=str(entry.id))
        await ctx.reply(ctx.t("journal.deleted"))
        await show_journal(ctx)
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _show_entry(ctx: Ctx, entry: Reflection) -> None:
    prompt = _prompt_text(ctx, entry)
    mark = ctx.t("journal.shared_mark") if entry.shared else ctx.t("journal.private_mark")
    head = f"{_when(ctx, entry)} ({mark})"
    text = f"{head}\n\n{prompt}\n\n{entry.text}" if prompt else f"{head}\n\n{entry.text}"
    share = (
        ctx.button(f"jr:sh:{entry.id}:0", "journal.make_private")
        if entry.shared
        else ctx.button(f"jr:sh:{entry.id}:1", "journal.share")
    )
    await ctx.reply(
        Outgoing.with_buttons(
            text,
            [share],
            [ctx.button(f"jr:del:{entry.id}", "journal.delete")],
            [ctx.button("jr:p:0", "journal.back")],
        )
    )


async def show_shared(ctx: Ctx, page: int = 0) -> None:
    """/reflections (experts): reflections mentors chose to share, newest first."""
    entries = await ctx.repo(JournalRepo).shared_page(page * PAGE, PAGE + 1)
    if not entries:
        await ctx.reply(ctx.t("journal.none_shared"))
        return
    lines = [ctx.t("journal.shared_title")]
    for entry, name in entries[:PAGE]:
        prompt = _prompt_text(ctx, entry)
        section = ctx.app.content.section(entry.section_id) if entry.section_id else None
        where = section.title.get(ctx.lang) if section else "-"
        lines.append(f"\n{_when(ctx, entry)} · {name} · {where}")
        if prompt:
            lines.append(f"“{_short(prompt, 160)}”")
        lines.append(entry.text)
    rows = []
    if len(entries) > PAGE:
        rows.append([ctx.button(f"jr:x:{page + 1}", "journal.older")])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


async def on_shared_choice(ctx: Ctx) -> None:
    """jr:x:<page>: the next page of shared reflections."""
    arg = ctx.choice_parts[2] if len(ctx.choice_parts) > 2 else "0"
    await show_shared(ctx, int(arg) if arg.isdecimal() else 0)
