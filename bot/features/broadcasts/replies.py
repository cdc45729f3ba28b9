"""Replying to an announcement: the Reply button, a reply in several messages, sent as a ticket."""

from __future__ import annotations

from bot import i18n
from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.features.broadcasts.ids import Step
from bot.features.menu import ids as menu_ids
from bot.messages import Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.broadcasts import BroadcastsRepo

REPLY_MAX = 3000

routes = Routes("bc")


@routes.choice("bc:r:reply", ids.Reply, min_role=Role.MENTOR)
async def start_reply(ctx: Ctx, choice: ids.Reply) -> None:
    """Write a reply to an announcement (the preview's button only explains itself)."""
    if choice.broadcast == 0:
        await ctx.reply(ctx.t("bc.reply_preview"))
        return
    broadcast = await ctx.repo(BroadcastsRepo).get(choice.broadcast)
    if broadcast is None or not broadcast.replies:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    await ctx.set_step(Step.REPLY, {"broadcast": broadcast.id, "parts": []})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("bc.reply_write", number=broadcast.id),
            [ids.CancelReply().button(ctx.t("bc.cancel"))],
        )
    )


@routes.step(Step.REPLY, min_role=Role.MENTOR)
async def reply_text(ctx: Ctx) -> None:
    """One more part of the reply."""
    data = dict(ctx.dialog.data)
    text, problem = clean_text("\n".join([*data.get("parts", []), ctx.text]), REPLY_MAX)
    if problem == "too_long":
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("bc.reply_full", max=REPLY_MAX), [ids.SendReply().button(ctx.t("bc.send"))]
            )
        )
        return
    if problem:
        return
    data["parts"] = [*data.get("parts", []), ctx.text]
    await ctx.set_step(Step.REPLY, data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("bc.reply_got"),
            [ids.SendReply().button(ctx.t("bc.send"))],
            [ids.CancelReply().button(ctx.t("bc.cancel"))],
        )
    )


@routes.choice("bc:r:send", ids.SendReply, min_role=Role.MENTOR)
async def send_reply(ctx: Ctx, choice: ids.SendReply) -> None:
    """The reply reaches the team as a ticket; the person is told its number."""
    data = ctx.dialog.data if ctx.dialog and ctx.dialog.step == Step.REPLY else {}
    text, problem = clean_text("\n".join(data.get("parts", [])), REPLY_MAX)
    escalations = ctx.app.services.escalations
    if not data or escalations is None:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    if problem == "empty":
        await ctx.reply(ctx.t("bc.reply_empty"))
        return
    number = data["broadcast"]
    team_lang = ctx.app.config.bot.default_language
    ticket = await escalations.open_ticket(
        mentor_id=ctx.person.id,
        topic="practical",
        text=i18n.t(team_lang, "bc.reply_ticket", number=number, text=text),
        source="broadcast",
    )
    await ctx.clear_step()
    if ctx.app.services.inbox is not None:
        await ctx.app.services.inbox.drop(ctx.person.id, "announcement", str(number))
    await ctx.audit("broadcast.replied", subject=str(number), ticket=ticket)
    await ctx.show_menu(lead=ctx.t("bc.reply_sent", number=ticket))


@routes.choice("bc:r:cancel", ids.CancelReply, min_role=Role.MENTOR)
async def cancel_reply(ctx: Ctx, choice: ids.CancelReply) -> None:
    """No reply after all."""
    await ctx.clear_step()
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("bc.reply_cancelled"), [menu_ids.Home().button(ctx.t("common.back_to_menu"))]
        )
    )
