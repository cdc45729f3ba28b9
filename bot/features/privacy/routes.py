"""Privacy's handlers: /mydata (everything stored, as JSON) and /forget (erase, once confirmed)."""

from __future__ import annotations

import json

from bot.context import Ctx
from bot.features.privacy import ids
from bot.features.privacy.erasure import erase_person
from bot.features.privacy.ids import Step
from bot.messages import Attachment, Outgoing
from bot.router import Routes
from storage.privacy import PrivacyRepo

routes = Routes("priv", steps=Step)


@routes.command("mydata", help_key="cmd.mydata")
async def my_data(ctx: Ctx) -> None:
    """/mydata: a JSON file of everything stored about the person, and a readable summary."""
    data = await ctx.repo(PrivacyRepo).export(ctx.person.id)
    await ctx.audit("privacy.export")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    summary = ctx.t(
        "priv.summary",
        name=ctx.person.display_name,
        reflections=len(data["reflections"]),
        workshops=len(data["workshops"]),
        questions=len(data["questions_to_experts"]),
        checkins=len(data["check_ins"]),
        bites=len(data["bites_read"]),
    )
    await ctx.reply(summary)
    await ctx.reply(
        Outgoing(
            ctx.t("priv.file_caption"),
            attachment=Attachment("my-data.json", body, "application/json", "document"),
        )
    )


@routes.command("forget", help_key="cmd.forget")
async def forget(ctx: Ctx) -> None:
    """/forget: ask once more, then erase."""
    await ctx.set_step(Step.FORGET)  # "yes" counts only as the answer to this very question
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("priv.forget_confirm"),
            [ids.ForgetConfirm().button(ctx.t("priv.forget_yes"))],
            [ids.ForgetCancel().button(ctx.t("priv.forget_no"))],
        )
    )


@routes.choice("priv:forget:yes", ids.ForgetConfirm)
async def forget_confirmed(ctx: Ctx, choice: ids.ForgetConfirm) -> None:
    """Erase everything about the person, if this answers the question just asked."""
    if ctx.dialog is None or ctx.dialog.step != Step.FORGET:
        # An old button or number: erasing everything needs the question asked again.
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    said = Outgoing(ctx.t("priv.forgotten"), lang=ctx.lang)  # before the person is gone
    await erase_person(ctx.app, ctx.person.id)
    ctx.person = None
    ctx.dialog = None
    # Straight to the chat, not through the outbox: nothing with this chat's id may stay behind
    # (a lost confirmation is the lesser harm); then the write-ahead log is emptied again.
    await ctx.app.messenger.send(ctx.incoming.address, said)
    await ctx.app.db.checkpoint()


@routes.choice("priv:forget:no", ids.ForgetCancel)
async def forget_cancelled(ctx: Ctx, choice: ids.ForgetCancel) -> None:
    """Nothing is erased; the menu."""
    if ctx.dialog is not None and ctx.dialog.step == Step.FORGET:
        await ctx.clear_step()
    await ctx.show_menu(lead=ctx.t("priv.not_forgotten"))  # new choices replace the old


routes.no_text(Step.FORGET)  # text typed at "erase everything?" is treated as outside it
