"""A reflection as the journal shows it: its date, what it answered, a short preview."""

from __future__ import annotations

from bot.content import reflection_question
from bot.context import Ctx
from storage.journal import Reflection

PREVIEW = 120


def when(ctx: Ctx, reflection: Reflection) -> str:
    """The day it was written, in the person's timezone."""
    return reflection.created_at.astimezone(ctx.tz).strftime("%d.%m.%Y")


def prompt_text(ctx: Ctx, reflection: Reflection) -> str:
    """What the reflection answered."""
    content = ctx.app.content
    bite = content.bite(reflection.bite_id) if reflection.bite_id else None
    return reflection_question(content, ctx.lang, reflection.prompt_id, bite)


def short(text: str, limit: int = PREVIEW) -> str:
    """The text on one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
