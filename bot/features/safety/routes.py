"""Safety: crisis signals in anything a person writes get immediate, gentle help and an expert."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.safety import ids
from bot.features.safety.helplines import help_lines
from bot.features.safety.net import deliver_held
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.safety import SafetyRepo

routes = Routes("safety")


# keep_dialog: answering the safety question never throws away what the person was writing


@routes.choice("safety:ok", ids.NotNeeded, min_role=Role.MENTOR, keep_dialog=True)
async def not_needed(ctx: Ctx, choice: ids.NotNeeded) -> None:
    """The person is okay: said gently, with the helplines."""
    if await _latest_flag(ctx) is None:
        return
    await ctx.reply(ctx.t("safety.ok", help=help_lines(ctx, short=True)))
    await deliver_held(ctx)


@routes.choice("safety:more", ids.More, min_role=Role.MENTOR, keep_dialog=True)
async def more(ctx: Ctx, choice: ids.More) -> None:
    """After the gentle check: the full help, and whom it is about."""
    flag = await _latest_flag(ctx)
    if flag is None:
        return
    await ctx.repo(SafetyRepo).set_full_help(flag["id"])
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("safety.noticed_self", help=help_lines(ctx)),
            [ids.About("me").button(ctx.t("safety.about_me"))],
            [ids.About("other").button(ctx.t("safety.about_other"))],
            [ids.NotNeeded().button(ctx.t("safety.not_needed"))],
        )
    )


@routes.choice("safety:about", ids.About, min_role=Role.MENTOR, keep_dialog=True)
async def about(ctx: Ctx, choice: ids.About) -> None:
    """Guidance for a worry about oneself or about someone else, and the offer of an expert."""
    flag = await _latest_flag(ctx)
    if flag is None:
        return
    await ctx.repo(SafetyRepo).set_about(flag["id"], choice.about)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(f"safety.guidance_{choice.about}", help=help_lines(ctx, _about(choice.about))),
            [ids.ExpertYes().button(ctx.t("safety.expert_yes"))],
            [ids.ExpertNo().button(ctx.t("safety.expert_no"))],
        )
    )


@routes.choice("safety:expert:yes", ids.ExpertYes, min_role=Role.MENTOR, keep_dialog=True)
async def expert_yes(ctx: Ctx, choice: ids.ExpertYes) -> None:
    """An urgent request to the experts (once per flag)."""
    flag = await _latest_flag(ctx)
    if flag is None:
        return
    if flag.get("ticket_no"):
        await ctx.reply(ctx.t("safety.ticket_exists", number=flag["ticket_no"]))
        return
    escalations = ctx.app.services.escalations
    if escalations is None:
        await ctx.reply(ctx.t("safety.no_experts", help=help_lines(ctx, short=True)))
        return
    about = flag.get("about") or "me"
    number = await escalations.open_ticket(
        mentor_id=ctx.person.id,
        topic="wellbeing" if about == "me" else "community",
        text=ctx.t(f"safety.ticket_text_{about}", name=ctx.person.display_name),
        anonymous=False,
        urgent=True,
        source="safety",
    )
    await ctx.repo(SafetyRepo).set_ticket(flag["id"], number)
    await ctx.audit("safety.ticket", subject=str(number))
    await ctx.reply(ctx.t("safety.ticket_opened", number=number, help=help_lines(ctx, short=True)))
    await deliver_held(ctx)


@routes.choice("safety:expert:no", ids.ExpertNo, min_role=Role.MENTOR, keep_dialog=True)
async def expert_no(ctx: Ctx, choice: ids.ExpertNo) -> None:
    """No expert now: where to turn later."""
    if await _latest_flag(ctx) is None:
        return
    # A button of its own replaces "Yes, contact me", so a number typed next cannot pick it.
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("safety.expert_declined", help=help_lines(ctx, short=True)),
            [ids.Done().button(ctx.t("common.back_to_menu"))],
        )
    )


@routes.choice("safety:done", ids.Done, min_role=Role.MENTOR, keep_dialog=True)
async def done(ctx: Ctx, choice: ids.Done) -> None:
    """Back to what the person was writing, or to the menu."""
    if await _latest_flag(ctx) is None:
        return
    if await deliver_held(ctx):
        return
    if ctx.dialog is not None:
        await ctx.reply(ctx.t("safety.carry_on"))  # what they were writing is still open
    else:
        await ctx.show_menu()


async def _latest_flag(ctx: Ctx) -> dict | None:
    """The person's latest safety flag; without one the button is stale (and says so)."""
    flag = await ctx.repo(SafetyRepo).latest(ctx.person.id)
    if flag is None:
        await ctx.reply(ctx.t("common.stale_button"))
    return flag


def _about(choice: str) -> str:
    """The person's answer ("me" / "other") in the detector's words ("self" / "other")."""
    return "other" if choice == "other" else "self"
