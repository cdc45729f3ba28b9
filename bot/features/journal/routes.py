"""The mentor's journal: /journal lists their reflections; open, share or keep private, delete."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.journal import ids
from bot.features.journal.comments import comment_lines
from bot.features.journal.render import prompt_text, short, when
from bot.features.learning import ids as learning_ids
from bot.features.menu import ids as menu_ids
from bot.messages import Outgoing
from bot.router import Routes
from storage.journal import JournalRepo, Reflection

PAGE = 5

routes = Routes("jr")


@routes.command("journal", help_key="cmd.journal")
async def show_journal(ctx: Ctx, page: int = 0) -> None:
    """/journal: the mentor's reflections, newest first, five at a time."""
    journal = ctx.repo(JournalRepo)
    total = await journal.count(ctx.person.id)
    back = [menu_ids.Home().button(ctx.t("common.back_to_menu"))]
    if total == 0:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("journal.empty"), [learning_ids.Home().button(ctx.t("menu.learn"))], back
            )
        )
        return
    page = max(0, min(page, (total - 1) // PAGE))
    entries = await journal.page(ctx.person.id, page * PAGE, PAGE)
    lines = [ctx.t("journal.title", total=total)]
    rows = []
    for number, entry in enumerate(entries, start=page * PAGE + 1):
        mark = ctx.t("journal.shared_mark") if entry.shared else ctx.t("journal.private_mark")
        lines.append(f"\n{number}. {when(ctx, entry)} ({mark})\n{short(entry.text)}")
        rows.append([ids.Open(entry.id).button(ctx.t("journal.open", number=number))])
    nav = []
    if page > 0:
        nav.append(ids.Page(page - 1).button(ctx.t("journal.newer")))
    if (page + 1) * PAGE < total:
        nav.append(ids.Page(page + 1).button(ctx.t("journal.older")))
    rows.append(nav)
    rows.append(back)
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("jr:p", ids.Page)
async def journal_page(ctx: Ctx, choice: ids.Page) -> None:
    """A page of the journal."""
    await show_journal(ctx, choice.page)


@routes.choice("jr:o", ids.Open)
async def open_entry(ctx: Ctx, choice: ids.Open) -> None:
    """One reflection in full."""
    entry = await _own(ctx, choice.reflection)
    if entry is not None:
        await _show_entry(ctx, entry)


@routes.choice("jr:sh", ids.Share)
async def share(ctx: Ctx, choice: ids.Share) -> None:
    """Share with the experts, or make private again; then the reflection."""
    entry = await _own(ctx, choice.reflection)
    if entry is None:
        return
    shared = choice.shared == "1"
    journal = ctx.repo(JournalRepo)
    await journal.set_shared(ctx.person.id, entry.id, shared)
    await ctx.audit("journal.shared" if shared else "journal.private", subject=str(entry.id))
    await ctx.reply(ctx.t("journal.now_shared" if shared else "journal.now_private"))
    await _show_entry(ctx, await journal.get(ctx.person.id, entry.id))


@routes.choice("jr:del", ids.Delete)
async def delete(ctx: Ctx, choice: ids.Delete) -> None:
    """Ask before deleting."""
    entry = await _own(ctx, choice.reflection)
    if entry is None:
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("journal.confirm_delete", when=when(ctx, entry)),
            [ids.DeleteConfirmed(entry.id).button(ctx.t("journal.delete_yes"))],
            [ids.Open(entry.id).button(ctx.t("journal.delete_no"))],
        )
    )


@routes.choice("jr:delok", ids.DeleteConfirmed)
async def delete_confirmed(ctx: Ctx, choice: ids.DeleteConfirmed) -> None:
    """Delete the reflection, then the journal."""
    entry = await _own(ctx, choice.reflection)
    if entry is None:
        return
    await ctx.repo(JournalRepo).delete(ctx.person.id, entry.id)
    await ctx.audit("journal.deleted", subject=str(entry.id))
    await ctx.reply(ctx.t("journal.deleted"))
    await show_journal(ctx)


async def _own(ctx: Ctx, reflection_id: int) -> Reflection | None:
    """The mentor's own reflection; gone or someone else's: a notice and the journal."""
    entry = await ctx.repo(JournalRepo).get(ctx.person.id, reflection_id)
    if entry is None:
        await ctx.reply(ctx.t("journal.gone"))
        await show_journal(ctx)
    return entry


async def _show_entry(ctx: Ctx, entry: Reflection) -> None:
    prompt = prompt_text(ctx, entry)
    mark = ctx.t("journal.shared_mark") if entry.shared else ctx.t("journal.private_mark")
    head = f"{when(ctx, entry)} ({mark})"
    text = f"{head}\n\n{prompt}\n\n{entry.text}" if prompt else f"{head}\n\n{entry.text}"
    comments = await comment_lines(ctx, entry)
    if comments:
        text += "\n\n" + ctx.t("journal.comments_title") + "\n" + "\n".join(comments)
    reply = [ids.ReplyComment(entry.id).button(ctx.t("journal.reply"))] if comments else []
    share_button = (
        ids.Share(entry.id, "0").button(ctx.t("journal.make_private"))
        if entry.shared
        else ids.Share(entry.id, "1").button(ctx.t("journal.share"))
    )
    await ctx.reply(
        Outgoing.with_buttons(
            text,
            reply,
            [share_button],
            [ids.Delete(entry.id).button(ctx.t("journal.delete"))],
            [ids.Page(0).button(ctx.t("journal.back"))],
        )
    )
