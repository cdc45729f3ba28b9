"""The list of broadcasts with their delivery counts, and cancelling one."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes

routes = Routes("bc")


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
        counts = await service.repo.counts(b.id)
        first = (b.texts.get(ctx.lang) or b.texts.get("en") or "").split("\n")[0][:40]
        when = (b.due_at or b.created_at).astimezone(ctx.tz).strftime("%d.%m. %H:%M")
        lines.append(
            ctx.t(
                "bc.list_line",
                number=b.id,
                when=when,
                status=ctx.t(f"bc.status_{b.status}"),
                text=first,
                sent=counts.sent,
                total=b.total,
                blocked=counts.blocked,
                failed=counts.failed,
                held=b.held_back,
            )
        )
        if b.status in ("scheduled", "sending"):
            rows.append([ids.CancelBroadcast(b.id).button(ctx.t("bc.cancel_n", number=b.id))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


@routes.choice("bc:cx", ids.CancelBroadcast, min_role=Role.STAFF)
async def cancel_broadcast(ctx: Ctx, choice: ids.CancelBroadcast) -> None:
    """Cancel a scheduled broadcast, or what is still unsent of a running one."""
    broadcast_id = choice.broadcast
    service = ctx.app.services.broadcasts
    if not await service.repo.cancel(broadcast_id):
        await ctx.reply(ctx.t("bc.not_cancellable", number=broadcast_id))
        return
    await ctx.app.scheduler.cancel_for("broadcast", str(broadcast_id))
    service.fanout.cancelled(broadcast_id)
    await ctx.audit("broadcast.cancelled", subject=str(broadcast_id))
    counts = await service.repo.counts(broadcast_id)
    await ctx.reply(
        ctx.t("bc.cancelled_one", number=broadcast_id, sent=counts.sent, unsent=counts.cancelled)
    )
