"""The list of broadcasts with their delivery counts; pausing, resuming and cancelling one."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.broadcasts import Broadcast

routes = Routes("bc")


def status_of(broadcast: Broadcast) -> str:
    """The status people see: a paused broadcast is "paused" (stored: sending with paused_at)."""
    return "paused" if broadcast.status == "sending" and broadcast.paused_at else broadcast.status


@routes.command("broadcasts", min_role=Role.STAFF, help_key="cmd.broadcasts")
async def list_broadcasts(ctx: Ctx) -> None:
    """/broadcasts: past and scheduled broadcasts with their delivery counts."""
    service = ctx.app.services.broadcasts
    broadcasts = await service.repo.recent(10)
    if not broadcasts:
        await ctx.reply(ctx.t("bc.none"))
        return
    lines = [ctx.t("bc.list_title")]
    rows = []
    for b in broadcasts:
        counts = await service.deliveries.counts(b.id)
        first = (b.texts.get(ctx.lang) or b.texts.get("en") or "").split("\n")[0][:40]
        when = (b.due_at or b.created_at).astimezone(ctx.tz).strftime("%d.%m. %H:%M")
        lines.append(
            ctx.t(
                "bc.list_line",
                number=b.id,
                when=when,
                status=ctx.t(f"bc.status_{status_of(b)}"),
                text=first,
                sent=counts.sent,
                total=b.total,
                blocked=counts.blocked,
                failed=counts.failed,
                held=b.held_back,
            )
        )
        if b.status == "sending" and b.paused_at is None:
            rows.append([ids.PauseBroadcast(b.id).button(ctx.t("bc.pause_n", number=b.id))])
        elif b.status == "sending":
            rows.append([ids.ResumeBroadcast(b.id).button(ctx.t("bc.resume_n", number=b.id))])
        if b.status in ("scheduled", "sending"):
            rows.append([ids.CancelBroadcast(b.id).button(ctx.t("bc.cancel_n", number=b.id))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("bc:cx", ids.CancelBroadcast, min_role=Role.STAFF)
async def cancel_broadcast(ctx: Ctx, choice: ids.CancelBroadcast) -> None:
    """Cancel a scheduled broadcast, or what is still unsent of a running one."""
    broadcast_id = choice.broadcast
    service = ctx.app.services.broadcasts
    if not await service.cancel(ctx.person, broadcast_id, "chat"):
        await ctx.reply(ctx.t("bc.not_cancellable", number=broadcast_id))
        return
    counts = await service.deliveries.counts(broadcast_id)
    await ctx.reply(
        ctx.t("bc.cancelled_one", number=broadcast_id, sent=counts.sent, unsent=counts.cancelled)
    )


@routes.choice("bc:pause", ids.PauseBroadcast, min_role=Role.STAFF)
async def pause_broadcast(ctx: Ctx, choice: ids.PauseBroadcast) -> None:
    """Hold a broadcast being sent: what is sent stays sent, the rest waits for Resume."""
    service = ctx.app.services.broadcasts
    if not await service.pause(ctx.person, choice.broadcast, "chat"):
        await ctx.reply(ctx.t("bc.not_pausable", number=choice.broadcast))
        return
    await ctx.reply(ctx.t("bc.paused_one", number=choice.broadcast))


@routes.choice("bc:resume", ids.ResumeBroadcast, min_role=Role.STAFF)
async def resume_broadcast(ctx: Ctx, choice: ids.ResumeBroadcast) -> None:
    """Go on sending a paused broadcast."""
    service = ctx.app.services.broadcasts
    if not await service.resume(ctx.person, choice.broadcast, "chat"):
        await ctx.reply(ctx.t("bc.not_resumable", number=choice.broadcast))
        return
    await ctx.reply(ctx.t("bc.resumed_one", number=choice.broadcast))
