"""Composing an announcement: its text per language, a link, a file, its kind; send or schedule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.context import Ctx
from bot.features.broadcasts import ids
from bot.features.broadcasts.draft import draft_data, draft_or_stale, show_options
from bot.features.broadcasts.ids import Step
from bot.features.broadcasts.service import TEXT_MAX
from bot.messages import Outgoing
from bot.roles import Role
from bot.router import Routes
from bot.text import parse_when
from storage.broadcasts import KINDS

FILE_MAX = 10 * 1024 * 1024
LABEL_MAX = 40
_LINK = re.compile(r"^(.{1,40}?)\s*\|\s*(https://\S+)$")

routes = Routes("bc", steps=Step)


# --- the text of each language -------------------------------------------------------------------


@routes.command("broadcast", min_role=Role.STAFF, help_key="cmd.broadcast")
async def start_compose(ctx: Ctx) -> None:
    """/broadcast [TEXT]: write the English text first (or give it with the command)."""
    await ctx.set_step(Step.TEXT, {"texts": {}, "lang": "en", "kind": "news"})
    if ctx.args:  # "/broadcast Training day on 5 December": the text came with the command
        await _take_text(ctx, draft_data(ctx), ctx.args)
        return
    await _ask_text(ctx, "en")


@routes.choice("bc:new", ids.NewBroadcast, min_role=Role.STAFF)
async def new_broadcast(ctx: Ctx, choice: ids.NewBroadcast) -> None:
    """The menu's Broadcast: start composing."""
    await start_compose(ctx)


@routes.choice("bc:cancel", ids.CancelDraft, min_role=Role.STAFF)
async def cancel_draft(ctx: Ctx, choice: ids.CancelDraft) -> None:
    """Drop the draft."""
    await ctx.clear_step()
    await ctx.show_menu(lead=ctx.t("bc.cancelled"))


@routes.choice("bc:lang", ids.AddVersion, min_role=Role.STAFF)
async def add_version(ctx: Ctx, choice: ids.AddVersion) -> None:
    """Write the text in another language."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.TEXT, {**data, "lang": choice.code})
    await _ask_text(ctx, choice.code)


@routes.step(Step.TEXT, min_role=Role.STAFF, files=True)
async def text_typed(ctx: Ctx) -> None:
    """The text of the language being written (or a file, whose caption may be the text)."""
    if ctx.incoming.extra.get("file"):
        await _take_file(ctx, draft_data(ctx), _typed(ctx))
        return
    await _take_text(ctx, draft_data(ctx), _typed(ctx))


async def _ask_text(ctx: Ctx, lang: str) -> None:
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("bc.write", language=ctx.t(f"language.name_{lang}"), max=TEXT_MAX),
            [ids.CancelDraft().button(ctx.t("bc.cancel"))],
        )
    )


async def _take_text(ctx: Ctx, data: dict, raw: str) -> None:
    """The text of the language being written; then the options."""
    if not raw or len(raw) > TEXT_MAX:
        await ctx.reply(ctx.t("bc.bad_text", max=TEXT_MAX, length=len(raw)))
        return
    data["texts"] = {**data.get("texts", {}), data.get("lang", "en"): raw}
    await ctx.set_step(Step.OPTIONS, data)
    await show_options(ctx)


def _typed(ctx: Ctx) -> str:
    return (ctx.incoming.text or "").strip()


# --- the options: a link, a file, the kind ---------------------------------------------------------


@routes.step(Step.OPTIONS, min_role=Role.STAFF, files=True)
async def options_typed(ctx: Ctx) -> None:
    """At the options a file is taken (its caption may be the text); typed text is not."""
    if ctx.incoming.extra.get("file"):
        await _take_file(ctx, draft_data(ctx), _typed(ctx))
        return
    await ctx.reply(ctx.t("bc.use_buttons"))


@routes.choice("bc:link", ids.AddLink, min_role=Role.STAFF)
async def add_link(ctx: Ctx, choice: ids.AddLink) -> None:
    """Ask for a link button, typed as "label | https://..."."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.LINK, data)
    await ctx.reply(ctx.t("bc.ask_link", max=LABEL_MAX))


@routes.step(Step.LINK, min_role=Role.STAFF, files=True)
async def link_typed(ctx: Ctx) -> None:
    """The link button; then the options."""
    match = _LINK.match(_typed(ctx))
    if not match:
        await ctx.reply(ctx.t("bc.bad_link", max=LABEL_MAX))
        return
    data = draft_data(ctx)
    data["button"] = [match.group(1).strip(), match.group(2)]
    await ctx.set_step(Step.OPTIONS, data)
    await show_options(ctx)


@routes.choice("bc:file", ids.AddFile, min_role=Role.STAFF)
async def add_file(ctx: Ctx, choice: ids.AddFile) -> None:
    """Ask for a photo or document."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.OPTIONS, data)
    await ctx.reply(ctx.t("bc.send_file", max=FILE_MAX // (1024 * 1024)))


@routes.choice("bc:nofile", ids.RemoveFile, min_role=Role.STAFF)
async def remove_file(ctx: Ctx, choice: ids.RemoveFile) -> None:
    """Drop the file; back to the options."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    data.pop("file", None)
    await ctx.set_step(Step.OPTIONS, data)
    await show_options(ctx)


async def _take_file(ctx: Ctx, data: dict, caption: str) -> None:
    """A photo or document for the announcement (its caption, if any, becomes the text)."""
    file = ctx.incoming.extra["file"]
    if file.get("size", 0) > FILE_MAX:
        await ctx.reply(ctx.t("bc.file_too_big", max=FILE_MAX // (1024 * 1024)))
        return
    data_bytes = await ctx.app.messenger.download(ctx.incoming.address.transport, file)
    if not data_bytes:
        await ctx.reply(ctx.t("bc.file_failed"))
        return
    service = ctx.app.services.broadcasts
    file_id = await service.repo.add_file(file["kind"], file["name"], file["mime"], data_bytes)
    data["file"] = {"id": file_id, "name": file["name"]}
    if caption and len(caption) <= TEXT_MAX and data.get("lang", "en") not in data.get("texts", {}):
        data["texts"] = {**data.get("texts", {}), data.get("lang", "en"): caption}
    await ctx.set_step(Step.OPTIONS if data.get("texts") else Step.TEXT, data)
    if data.get("texts"):
        await show_options(ctx)
    else:
        await ctx.reply(ctx.t("bc.file_kept_write_text", max=TEXT_MAX))


@routes.choice("bc:replies", ids.ToggleReplies, min_role=Role.STAFF)
async def toggle_replies(ctx: Ctx, choice: ids.ToggleReplies) -> None:
    """A Reply button for recipients (their replies reach the team as tickets), or none."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.OPTIONS, {**data, "replies": not data.get("replies")})
    await show_options(ctx)


@routes.choice("bc:kind", ids.ChooseKind, min_role=Role.STAFF)
async def choose_kind(ctx: Ctx, choice: ids.ChooseKind) -> None:
    """The kinds of announcement."""
    if await draft_or_stale(ctx) is None:
        return
    rows = [[ids.SetKind(k).button(ctx.t(f"bc.kind_{k}"))] for k in KINDS]
    await ctx.reply(Outgoing.with_buttons(ctx.t("bc.ask_kind"), *rows))


@routes.choice("bc:k", ids.SetKind, min_role=Role.STAFF)
async def set_kind(ctx: Ctx, choice: ids.SetKind) -> None:
    """The kind chosen; back to the options."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.OPTIONS, {**data, "kind": choice.kind})
    await show_options(ctx)


# --- after the preview: edit, send now or schedule ------------------------------------------------


@routes.step(Step.PREVIEW, min_role=Role.STAFF, files=True)
async def preview_typed(ctx: Ctx) -> None:
    """Typed text at the preview: the buttons decide."""
    await ctx.reply(ctx.t("bc.use_buttons"))


@routes.choice("bc:edit", ids.EditDraft, min_role=Role.STAFF)
async def edit_draft(ctx: Ctx, choice: ids.EditDraft) -> None:
    """Back to the options."""
    data = await draft_or_stale(ctx)
    if data is None:
        return
    await ctx.set_step(Step.OPTIONS, data)
    await show_options(ctx)


@routes.choice("bc:go", ids.SendNow, min_role=Role.STAFF)
async def send_now(ctx: Ctx, choice: ids.SendNow) -> None:
    """Store the announcement and start sending it."""
    data = await draft_or_stale(ctx, audience=True)
    if data is not None:
        await _create(ctx, data, None)


@routes.choice("bc:sched", ids.Schedule, min_role=Role.STAFF)
async def schedule(ctx: Ctx, choice: ids.Schedule) -> None:
    """Ask for the date and time to send it."""
    data = await draft_or_stale(ctx, audience=True)
    if data is None:
        return
    await ctx.set_step(Step.WHEN, data)
    await ctx.reply(ctx.t("bc.ask_when"))


@routes.step(Step.WHEN, min_role=Role.STAFF, files=True)
async def when_typed(ctx: Ctx) -> None:
    """The date and time to send it: within the next year."""
    due = parse_when(_typed(ctx), ctx.local_now().date(), ctx.tz).value
    if due is None:
        await ctx.reply(ctx.t("bc.bad_when"))
        return
    if due <= ctx.now() or due > ctx.now() + timedelta(days=365):
        await ctx.reply(ctx.t("bc.when_range"))
        return
    await _create(ctx, draft_data(ctx), due)


async def _create(ctx: Ctx, data: dict, due: datetime | None) -> None:
    service = ctx.app.services.broadcasts
    await ctx.clear_step()
    broadcast = await service.publish(ctx.person, data, due, ctx.lang, "chat")
    if due is None:
        return
    when = due.astimezone(ctx.tz).strftime("%d.%m.%Y %H:%M")
    await ctx.show_menu(lead=ctx.t("bc.scheduled", number=broadcast.id, when=when))
