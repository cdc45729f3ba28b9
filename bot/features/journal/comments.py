"""Experts respond to reflections mentors shared; the mentor can reply. Both see a preview first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import i18n
from bot.context import Ctx
from bot.features.journal import ids
from bot.features.journal.ids import Step
from bot.features.journal.render import short, when
from bot.messages import Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.journal import Comment, JournalRepo, Reflection
from storage.people import PeopleRepo

COMMENT_MAX = 500  # a short comment or reply, read on a phone

routes = Routes("jr", steps=Step)


# --- the expert's comment ------------------------------------------------------------------------


@routes.choice("jr:x:c", ids.Comment, min_role=Role.EXPERT)
async def start_comment(ctx: Ctx, choice: ids.Comment) -> None:
    """Write a short comment for the mentor on their shared reflection."""
    found = await _shared(ctx, choice.reflection)
    if found is None:
        return
    reflection, name = found
    await ctx.set_step(Step.COMMENT, {"reflection": reflection.id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "journal.write_comment",
                name=name,
                when=when(ctx, reflection),
                text=short(reflection.text, 300),
                max=COMMENT_MAX,
            ),
            [ids.DropComment(reflection.id).button(ctx.t("journal.cancel"))],
        )
    )


@routes.step(Step.COMMENT, min_role=Role.EXPERT)
async def comment_text(ctx: Ctx) -> None:
    """The comment typed: checked, then shown as the mentor will get it."""
    number = ctx.dialog.data["reflection"]
    text = await _checked(ctx)
    if text is None:
        return
    await ctx.set_step(Step.COMMENT, {"reflection": number, "text": text})
    found = await _shared(ctx, number)
    if found is None:
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("journal.comment_preview", name=found[1], text=text),
            [ids.SendComment(number).button(ctx.t("journal.send"))],
            [
                ids.Comment(number).button(ctx.t("journal.write_again")),
                ids.DropComment(number).button(ctx.t("journal.cancel")),
            ],
        )
    )


@routes.choice("jr:x:cs", ids.SendComment, min_role=Role.EXPERT)
async def send_comment(ctx: Ctx, choice: ids.SendComment) -> None:
    """Send the comment: kept with the reflection, and the mentor gets it with Reply."""
    text = _draft(ctx, Step.COMMENT, choice.reflection)
    if not text:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    found = await _shared(ctx, choice.reflection)
    await ctx.clear_step()
    if found is None:
        await ctx.reply(ctx.t("journal.not_sent", text=text))
        return
    reflection, name = found
    await ctx.repo(JournalRepo).add_comment(reflection.id, "expert", ctx.person.id, text)
    await ctx.audit("journal.commented", subject=str(reflection.id))
    mentor = await ctx.repo(PeopleRepo).get(reflection.person_id)
    lang = mentor.language
    out = Outgoing.with_buttons(
        i18n.t(
            lang,
            "journal.comment_to_mentor",
            expert=ctx.person.display_name,
            when=_day(ctx, reflection, mentor.timezone),
            reflection=short(reflection.text, 200),
            text=text,
        ),
        [ids.ReplyComment(reflection.id).button(i18n.t(lang, "journal.reply"))],
        [ids.Open(reflection.id).button(i18n.t(lang, "journal.open_reflection"))],
    )
    result = await ctx.send_to(mentor.id, out)
    key = "journal.comment_sent" if result.ok else "journal.comment_kept"
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(key, name=name),
            [ids.SharedPage(0).button(ctx.t("journal.back_to_shared"))],
        )
    )


@routes.choice("jr:x:cx", ids.DropComment, min_role=Role.EXPERT)
async def drop_comment(ctx: Ctx, choice: ids.DropComment) -> None:
    """Do not send: what was written is shown once more to copy."""
    text = _draft(ctx, Step.COMMENT, choice.reflection)
    if ctx.dialog is not None and ctx.dialog.step == Step.COMMENT:
        await ctx.clear_step()
    said = ctx.t("journal.not_sent", text=text) if text else ctx.t("journal.nothing_sent")
    await ctx.reply(
        Outgoing.with_buttons(said, [ids.SharedPage(0).button(ctx.t("journal.back_to_shared"))])
    )


# --- the mentor's reply --------------------------------------------------------------------------


@routes.choice("jr:r", ids.ReplyComment)
async def start_reply(ctx: Ctx, choice: ids.ReplyComment) -> None:
    """The mentor replies to the expert who commented on their reflection."""
    reflection = await ctx.repo(JournalRepo).get(ctx.person.id, choice.reflection)
    expert = await _last_expert(ctx, reflection) if reflection else None
    if reflection is None or expert is None:
        await ctx.reply(ctx.t("journal.gone"))
        return
    await ctx.set_step(Step.REPLY, {"reflection": reflection.id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("journal.write_reply", expert=expert, max=COMMENT_MAX),
            [ids.DropReply(reflection.id).button(ctx.t("journal.cancel"))],
        )
    )


@routes.step(Step.REPLY)
async def reply_text(ctx: Ctx) -> None:
    """The reply typed: checked, then shown before it is sent."""
    number = ctx.dialog.data["reflection"]
    text = await _checked(ctx)
    if text is None:
        return
    await ctx.set_step(Step.REPLY, {"reflection": number, "text": text})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("journal.reply_preview", text=text),
            [ids.SendReply(number).button(ctx.t("journal.send"))],
            [
                ids.ReplyComment(number).button(ctx.t("journal.write_again")),
                ids.DropReply(number).button(ctx.t("journal.cancel")),
            ],
        )
    )


@routes.choice("jr:rs", ids.SendReply)
async def send_reply(ctx: Ctx, choice: ids.SendReply) -> None:
    """Send the reply to the expert who commented last; it stays with the reflection."""
    text = _draft(ctx, Step.REPLY, choice.reflection)
    if not text:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await ctx.clear_step()
    journal = ctx.repo(JournalRepo)
    reflection = await journal.get(ctx.person.id, choice.reflection)
    comments = await journal.comments(reflection.id) if reflection else []
    expert_id = next((c.author_id for c in reversed(comments) if c.author == "expert"), None)
    expert = await ctx.repo(PeopleRepo).get(expert_id) if expert_id else None
    if reflection is None or expert is None or not expert.active:
        await ctx.reply(ctx.t("journal.not_sent", text=text))
        return
    await journal.add_comment(reflection.id, "mentor", ctx.person.id, text)
    await ctx.audit("journal.replied", subject=str(reflection.id))
    lang = expert.language
    await ctx.send_to(
        expert.id,
        Outgoing.with_buttons(
            i18n.t(
                lang,
                "journal.reply_to_expert",
                name=ctx.person.display_name,
                when=_day(ctx, reflection, expert.timezone),
                text=text,
            ),
            [ids.Comment(reflection.id).button(i18n.t(lang, "journal.respond"))],
        ),
    )
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("journal.reply_sent", expert=expert.display_name),
            [ids.Open(reflection.id).button(ctx.t("journal.open_reflection"))],
        )
    )


@routes.choice("jr:rx", ids.DropReply)
async def drop_reply(ctx: Ctx, choice: ids.DropReply) -> None:
    """Do not send the reply (shown once more to copy)."""
    text = _draft(ctx, Step.REPLY, choice.reflection)
    if ctx.dialog is not None and ctx.dialog.step == Step.REPLY:
        await ctx.clear_step()
    await ctx.show_menu(
        lead=ctx.t("journal.not_sent", text=text) if text else ctx.t("journal.nothing_sent")
    )


@routes.on_leave(Step.COMMENT, Step.REPLY)
async def left_draft(ctx: Ctx) -> None:
    """Leaving with a draft: it is shown once more, so nothing typed is lost."""
    text = ctx.dialog.data.get("text")
    if text:
        await ctx.reply(ctx.t("journal.not_sent", text=text))


# --- shared --------------------------------------------------------------------------------------


async def comment_lines(ctx: Ctx, reflection: Reflection) -> list[str]:
    """The comments on a reflection as its writer sees them ("You" for their own replies)."""
    comments = await ctx.repo(JournalRepo).comments(reflection.id)
    return [await _comment_line(ctx, c, mine=c.author_id == ctx.person.id) for c in comments]


async def _comment_line(ctx: Ctx, comment: Comment, mine: bool) -> str:
    if mine:
        who = ctx.t("journal.you")
    else:
        person = await ctx.repo(PeopleRepo).get(comment.author_id) if comment.author_id else None
        who = person.display_name if person else ctx.t("journal.someone")
    return f"{who}: {comment.text}"


async def _last_expert(ctx: Ctx, reflection: Reflection) -> str | None:
    comments = await ctx.repo(JournalRepo).comments(reflection.id)
    expert_id = next((c.author_id for c in reversed(comments) if c.author == "expert"), None)
    expert = await ctx.repo(PeopleRepo).get(expert_id) if expert_id else None
    return expert.display_name if expert and expert.active else None


async def _shared(ctx: Ctx, number: int) -> tuple[Reflection, str] | None:
    """The shared reflection, or (said) that it is no longer shared."""
    found = await ctx.repo(JournalRepo).shared_one(number)
    if found is None:
        draft = ctx.dialog.data.get("text") if ctx.dialog else None
        await ctx.clear_step()
        said = ctx.t("journal.no_longer_shared")
        if draft:
            said += "\n\n" + ctx.t("journal.not_sent", text=draft)
        await ctx.reply(said)
    return found


async def _checked(ctx: Ctx) -> str | None:
    """The typed text, tidied; None after saying what is wrong (nothing is kept silently)."""
    text, problem = clean_text(ctx.incoming.text or "", COMMENT_MAX)
    if problem == "empty":
        await ctx.reply(ctx.t("journal.comment_empty"))
        return None
    if problem == "too_long":
        await ctx.reply(ctx.t("journal.comment_too_long", max=COMMENT_MAX, length=len(text)))
        return None
    return text


def _day(ctx: Ctx, reflection: Reflection, timezone: str | None) -> str:
    """The day a reflection was written, in the recipient's timezone."""
    zone = ZoneInfo(timezone) if timezone else ctx.app.config.tz
    return reflection.created_at.astimezone(zone).strftime("%d.%m.%Y")


def _draft(ctx: Ctx, step: Step, number: int) -> str:
    dialog = ctx.dialog
    if dialog is None or dialog.step != step or dialog.data.get("reflection") != number:
        return ""
    return dialog.data.get("text", "")
