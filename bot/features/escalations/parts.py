"""A question, reply or answer written in several messages: the parts so far, then Send."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.escalations import ids
from bot.features.escalations.ids import Step
from bot.messages import Choice, Outgoing

QUESTION_MAX = 8000  # all parts together


async def add_part(ctx: Ctx, send: Choice) -> None:
    """One more message of the text being written, with Send (`send`) and Cancel under the receipt."""
    data = dict(ctx.dialog.data)
    parts = [*data.get("parts", []), ctx.incoming.text or ""]
    if sum(len(p) for p in parts) > QUESTION_MAX:
        await ctx.reply(ctx.t("esc.too_long", max=QUESTION_MAX))
        return
    data["parts"] = parts
    await ctx.set_step(Step(ctx.dialog.step), data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("esc.got_part"), [send], [ids.Cancel().button(ctx.t("esc.cancel"))]
        )
    )


def joined_text(data: dict) -> str:
    """The parts written so far (a dialog's data), as one text."""
    return "\n\n".join(p.strip() for p in data.get("parts", []) if p.strip())
