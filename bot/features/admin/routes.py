"""Admin tools in the chat: /people, /role (change a role), /deactivate and /reactivate."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.admin.service import Change
from bot.roles import Role
from bot.router import Routes
from storage.people import PeopleRepo, Person

PAGE = 20

routes = Routes("admin")


@routes.command("people", min_role=Role.STAFF, help_key="cmd.people")
async def list_people(ctx: Ctx) -> None:
    """/people [text]: people with their number, role, cohort and status (filter by name)."""
    rows = await ctx.app.db.fetchall(
        "SELECT id, display_name, role, cohort, status FROM people "
        "WHERE status != 'onboarding' AND display_name LIKE ? ORDER BY display_name, id LIMIT ?",
        (f"%{ctx.args}%", PAGE + 1),
    )
    if not rows:
        await ctx.reply(ctx.t("admin.nobody"))
        return
    lines = [ctx.t("admin.people_title")]
    for row in rows[:PAGE]:
        lines.append(
            f"#{row['id']} {row['display_name']} — {row['role']}, {row['cohort'] or '-'}"
            + ("" if row["status"] == "active" else f" ({ctx.t('admin.deactivated_mark')})")
        )
    if len(rows) > PAGE:
        lines.append(ctx.t("admin.more"))
    await ctx.reply("\n".join(lines))


@routes.command("role", min_role=Role.ADMIN, help_key="cmd.role")
async def change_role(ctx: Ctx) -> None:
    """/role N ROLE: give person number N another role."""
    parts = ctx.args.split()
    target, role = await _target(ctx, parts, needs_role=True)
    if target is None:
        return
    change = await ctx.app.services.people_admin.change_role(ctx.person, target.id, role, "chat")
    if not change.done:
        await _refused(ctx, change, target)
        return
    said = ctx.t("admin.role_changed", name=target.display_name, role=role.label)
    if change.released_tickets:
        numbers = ", ".join(f"#{n}" for n in change.released_tickets)
        said += "\n\n" + ctx.t("admin.tickets_released", numbers=numbers)
    if change.last_expert:
        said += "\n\n" + ctx.t("admin.last_expert", name=target.display_name)
    await ctx.reply(said)


@routes.command("deactivate", min_role=Role.ADMIN, help_key="cmd.deactivate")
async def deactivate(ctx: Ctx) -> None:
    """/deactivate N: the person gets nothing and can do nothing until reactivated."""
    await _set_status(ctx, "deactivated", "admin.deactivated")


@routes.command("reactivate", min_role=Role.ADMIN, help_key="cmd.reactivate")
async def reactivate(ctx: Ctx) -> None:
    """/reactivate N: undo /deactivate."""
    await _set_status(ctx, "active", "admin.reactivated")


async def _set_status(ctx: Ctx, status: str, done_key: str) -> None:
    target, _ = await _target(ctx, ctx.args.split(), needs_role=False)
    if target is None:
        return
    change = await ctx.app.services.people_admin.set_status(ctx.person, target.id, status, "chat")
    if not change.done:
        await _refused(ctx, change, target)
        return
    said = ctx.t(done_key, name=target.display_name)
    if change.last_expert:
        said += "\n\n" + ctx.t("admin.last_expert", name=target.display_name)
    await ctx.reply(said)


async def _refused(ctx: Ctx, change: Change, target: Person) -> None:
    await ctx.reply(ctx.t(f"admin.refused_{change.refused.value}", name=target.display_name))


async def _target(
    ctx: Ctx, parts: list[str], *, needs_role: bool
) -> tuple[Person | None, Role | None]:
    """Person number N of the arguments (and the role after it); (None, None) after a notice."""
    usage = "admin.role_usage" if needs_role else "admin.status_usage"
    if not parts or not parts[0].lstrip("#").isdecimal() or (needs_role and len(parts) < 2):
        await ctx.reply(ctx.t(usage))
        return None, None
    role = None
    if needs_role:
        try:
            role = Role.parse(parts[1])
        except ValueError:
            role = None
        if role is None or role is Role.GUEST:
            await ctx.reply(ctx.t(usage))
            return None, None
    target = await ctx.repo(PeopleRepo).get(int(parts[0].lstrip("#")))
    if target is None or target.status == "onboarding":
        await ctx.reply(ctx.t("admin.no_such_person", number=parts[0]))
        return None, None
    return target, role
