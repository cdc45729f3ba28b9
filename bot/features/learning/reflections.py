"""The learning journey's reflections: written in several messages, then finished, cancelled or shared."""

from __future__ import annotations

from bot.content import reflection_question
from bot.context import Ctx
from bot.features.learning import ids
from bot.features.learning.ids import Step
from bot.features.learning.routes import (
    _arrive,
    _bite,
    _store_reflection,
    keep_draft,
    show_sections,
)
from bot.messages import Choice, Outgoing
from bot.router import Routes
from storage.journal import JournalRepo

REFLECTION_MAX = 20_000  # several messages together; each one is within the messenger's limit

routes = Routes("learn")


# --- reflections ---------------------------------------------------------------------------------


@routes.choice("learn:reflect", ids.Reflect)
async def start_reflection(ctx: Ctx, choice: ids.Reflect) -> None:
    """Ask the bite's reflective question; the mentor writes in as many messages as they like."""
    await _arrive(ctx)
    bite = await _bite(ctx, choice.bite)
    if bite is None:
        return
    prompt_text = reflection_question(ctx.app.content, ctx.lang, bite.prompt_id, bite)
    await ctx.set_step(
        Step.REFLECT,
        {
            "prompt_id": bite.prompt_id,
            "bite_id": bite.id,
            "section_id": bite.section_id,
            "parts": [],
        },
    )
    await ctx.reply(
        Outgoing.with_buttons(
            prompt_text + "\n\n" + ctx.t("learn.reflect_how"),
            [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
        )
    )


@routes.step(Step.REFLECT)
async def reflection_text(ctx: Ctx) -> None:
    """One more part of a reflection (several messages until Done)."""
    data = dict(ctx.dialog.data)
    parts = [*data.get("parts", []), ctx.incoming.text or ""]
    done = [ids.ReflectionDone().button(ctx.t("learn.reflect_done"))]
    if sum(len(p) for p in parts) > REFLECTION_MAX:
        await ctx.reply(
            Outgoing.with_buttons(ctx.t("learn.reflect_full", max=REFLECTION_MAX), done)
        )
        return
    data["parts"] = parts
    await ctx.set_step(Step.REFLECT, data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_got", count=len(parts)),
            done,
            [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
        )
    )


@routes.choice("learn:rdone", ids.ReflectionDone)
async def finish_reflection(ctx: Ctx, choice: ids.ReflectionDone) -> None:
    """Save the reflection, then ask whether to share it."""
    await _arrive(ctx, keep=(Step.REFLECT,))
    if ctx.dialog is None or ctx.dialog.step != Step.REFLECT:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    bite_id = ctx.dialog.data.get("bite_id")
    reflection_id = await _store_reflection(ctx)
    if reflection_id is None:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("learn.reflect_empty"),
                [ids.ReflectionCancel().button(ctx.t("learn.reflect_cancel"))],
            )
        )
        return
    await ctx.clear_step()
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_saved"),
            [ids.Share(reflection_id, "no").button(ctx.t("learn.keep_private"))],
            [ids.Share(reflection_id, "yes").button(ctx.t("learn.share_with_experts"))],
            [ids.NextBite(bite_id).button(ctx.t("learn.next"))],
        )
    )


@routes.choice("learn:rcancel", ids.ReflectionCancel)
async def cancel_reflection(ctx: Ctx, choice: ids.ReflectionCancel) -> None:
    """Stop writing: anything typed is kept privately; then where to go next."""
    await _arrive(ctx, keep=(Step.REFLECT,))
    if ctx.dialog is None or ctx.dialog.step != Step.REFLECT:
        await show_sections(ctx)
        return
    bite_id = ctx.dialog.data.get("bite_id")
    written = any(p.strip() for p in ctx.dialog.data.get("parts", []))
    if written:
        await keep_draft(ctx)
    await ctx.clear_step()
    if not written:
        await ctx.reply(ctx.t("learn.reflect_cancelled"))
    bite = ctx.app.content.bite(bite_id) if bite_id else None
    if bite is None:
        await show_sections(ctx)
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.where_next"),
            [ids.NextBite(bite.id).button(ctx.t("learn.next"))],
            [ids.Home().button(ctx.t("learn.back_to_sections"))],
        )
    )


@routes.choice("learn:share", ids.Share)
async def share_reflection(ctx: Ctx, choice: ids.Share) -> None:
    """Share a saved reflection with the experts, or keep it private."""
    await _arrive(ctx)
    journal = ctx.repo(JournalRepo)
    reflection = await journal.get(ctx.person.id, choice.reflection)
    if reflection is None:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    shared = choice.answer == "yes"
    await journal.set_shared(ctx.person.id, reflection.id, shared)
    await ctx.audit("journal.shared" if shared else "journal.private", subject=str(reflection.id))
    rows: list[list[Choice]] = []
    if reflection.bite_id and ctx.app.content.bite(reflection.bite_id):
        rows.append([ids.NextBite(reflection.bite_id).button(ctx.t("learn.next"))])
    rows.append([ids.Home().button(ctx.t("learn.back_to_sections"))])
    key = "learn.shared" if shared else "learn.kept_private"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))
