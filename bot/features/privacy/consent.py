"""A new consent version: everyone is asked again before anything else happens."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.privacy import ids
from bot.features.privacy.ids import Step
from bot.messages import Outgoing
from bot.router import Routes
from storage.people import PeopleRepo

routes = Routes("priv")


async def consent_gate(ctx: Ctx) -> bool:
    """A new consent version asks everyone again before anything else happens."""
    wanted = ctx.app.config.bot.consent_version
    if (ctx.person.consent_version or 0) >= wanted:
        return False
    choice = ctx.incoming.choice_id or ""
    if choice.startswith("priv:"):
        return False  # the answer to the question below, or /forget's confirmation
    if ctx.text.split(" ")[0] in ("/forget", "/mydata"):
        return False  # a person may always see and erase their data
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("priv.consent_changed") + "\n\n" + ctx.t("onboarding.consent"),
            [ids.ConsentAgree().button(ctx.t("onboarding.consent_yes"))],
            [ids.ConsentMore().button(ctx.t("onboarding.consent_more_button"))],
            [ids.ConsentDecline().button(ctx.t("onboarding.consent_no"))],
        )
    )
    return True


@routes.choice("priv:consent:yes", ids.ConsentAgree)
async def agree(ctx: Ctx, choice: ids.ConsentAgree) -> None:
    """The new version is agreed to: on to the menu."""
    version = ctx.app.config.bot.consent_version
    ctx.person = await ctx.repo(PeopleRepo).update(
        ctx.person.id, consent_version=version, consented_at=ctx.app.db.now_iso()
    )
    await ctx.audit("consent.given", version=version)
    await ctx.show_menu(lead=ctx.t("priv.consent_thanks"))


@routes.choice("priv:consent:more", ids.ConsentMore)
async def read_more(ctx: Ctx, choice: ids.ConsentMore) -> None:
    """What is stored and why (the question's buttons stay above)."""
    await ctx.reply(ctx.t("onboarding.consent_details"))


@routes.choice("priv:consent:no", ids.ConsentDecline)
async def decline(ctx: Ctx, choice: ids.ConsentDecline) -> None:
    """Declined: the offer to erase everything (the question of /forget, with Yes only)."""
    await ctx.audit("consent.declined", version=ctx.app.config.bot.consent_version)
    await ctx.set_step(Step.FORGET)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("priv.consent_declined"),
            [ids.ForgetConfirm().button(ctx.t("priv.forget_yes"))],
        )
    )
