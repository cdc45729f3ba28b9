"""An announcement being composed: its dialog data, the options message, the audience in words."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.features.broadcasts.ids import Step
from bot.i18n import LANGUAGES
from bot.messages import Outgoing
from storage.broadcasts import Broadcast


def draft_data(ctx: Ctx) -> dict:
    """A copy of the announcement being composed (empty outside the compose steps)."""
    composing = ctx.dialog is not None and ctx.dialog.step in list(Step)
    return dict(ctx.dialog.data) if composing else {}


async def show_options(ctx: Ctx) -> None:
    """The draft with what can be added or changed next."""
    data = draft_data(ctx)
    texts = data.get("texts", {})
    versions = ", ".join(ctx.t(f"language.name_{lang}") for lang in LANGUAGES if lang in texts)
    button = data.get("button")
    lines = [
        ctx.t("bc.draft_title"),
        texts.get("en", ""),
        ctx.t("bc.versions", versions=versions),
        ctx.t("bc.kind_is", kind=ctx.t(f"bc.kind_{data.get('kind', 'news')}")),
    ]
    if button:
        lines.append(ctx.t("bc.button_is", label=button[0], url=button[1]))
    if data.get("file"):
        lines.append(ctx.t("bc.file_is", name=data["file"]["name"]))
    lines.append(ctx.t("bc.replies_on" if data.get("replies") else "bc.replies_off"))
    rows = [
        [
            ids.AddVersion(lang).button(
                ctx.t("bc.add_version", language=ctx.t(f"language.name_{lang}"))
            )
        ]
        for lang in LANGUAGES
        if lang != "en"
    ]
    rows.append([ids.AddLink().button(ctx.t("bc.add_link"))])
    if data.get("file"):
        rows.append([ids.RemoveFile().button(ctx.t("bc.remove_file"))])
    else:
        rows.append([ids.AddFile().button(ctx.t("bc.add_file"))])
    rows.append([ids.ChooseKind().button(ctx.t("bc.change_kind"))])
    toggle = "bc.replies_turn_off" if data.get("replies") else "bc.replies_turn_on"
    rows.append([ids.ToggleReplies().button(ctx.t(toggle))])
    rows.append([ids.ChooseAudience().button(ctx.t("bc.choose_audience"))])
    rows.append([ids.CancelDraft().button(ctx.t("bc.cancel"))])
    await ctx.reply(Outgoing.with_buttons("\n\n".join(lines), *rows))


def describe_audience(ctx: Ctx, audience: dict) -> str:
    """The audience in words."""
    kind, value = audience.get("type", "all"), audience.get("value")
    if kind in ("done", "notdone"):
        section = ctx.app.content.section(value)
        value = section.title.get(ctx.lang) if section else value
    elif kind == "role":
        value = ctx.t(f"bc.role_{value}")
    elif kind == "lang":
        value = ctx.t(f"language.name_{value}") if value in LANGUAGES else value
    return ctx.t(f"bc.audience_{kind}", value=value)


def as_broadcast(ctx: Ctx, data: dict) -> Broadcast:
    """The draft as an unsaved Broadcast, for the preview."""
    button = data.get("button")
    return Broadcast(
        id=0,
        author_id=ctx.person.id,
        kind=data.get("kind", "news"),
        texts=data["texts"],
        button_label=button[0] if button else None,
        button_url=button[1] if button else None,
        audience=data.get("audience", {}),
        status="draft",
        due_at=None,
        total=0,
        held_back=0,
        progress_to=None,
        created_at=ctx.now(),
        file_id=(data.get("file") or {}).get("id"),
        replies=bool(data.get("replies")),
    )


async def draft_or_stale(ctx: Ctx, *, audience: bool = False) -> dict | None:
    """The draft (with an audience, when `audience`), or None after a stale-button notice."""
    data = draft_data(ctx)
    if not data.get("texts") or (audience and not data.get("audience")):
        await ctx.reply(ctx.t("common.stale_button"))
        return None
    return data
