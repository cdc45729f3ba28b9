"""/undelivered for staff: people the bot could not reach lately (blocked it, left the messenger,
or a message given up after a day of tries), so someone can reach them another way."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.roles import Role
from bot.router import Routes
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo

DAYS = 14

routes = Routes("adm")


@routes.command("undelivered", min_role=Role.STAFF, help_key="cmd.undelivered")
async def undelivered(ctx: Ctx) -> None:
    """Who did not get messages in the last two weeks, per messenger, and how many waiting now."""
    outbox = ctx.repo(OutboxRepo)
    problems = await outbox.problems_since(ctx.now() - timedelta(days=DAYS))
    waiting = await outbox.waiting()
    lines = [ctx.t("admin.undelivered_title", days=DAYS)]
    people = ctx.repo(PeopleRepo)
    for row in problems:
        person = await people.get(row["person_id"]) if row["person_id"] else None
        who = person.display_name if person else ctx.t("admin.undelivered_group")
        lines.append(
            ctx.t(
                f"admin.undelivered_{row['status']}",
                name=who,
                messenger=ctx.app.messenger.title(row["transport"]),
                count=row["count"],
            )
        )
    if not problems:
        lines.append(ctx.t("admin.undelivered_none"))
    lines += ["", ctx.t("admin.undelivered_waiting", count=waiting)]
    await ctx.reply("\n".join(lines))
