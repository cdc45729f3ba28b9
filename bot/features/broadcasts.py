"""Staff broadcasts: compose per language, choose an audience, preview, send now or schedule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import parse_when
from bot.context import Ctx
from bot.features.broadcast_draft import as_broadcast, describe_audience, draft_data, show_options
from bot.features.broadcasts_service import TEXT_MAX, Broadcasts
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.broadcasts import (
    KINDS,
)

if TYPE_CHECKING:
    from bot.app import App

FILE_MAX = 10 * 1024 * 1024
LABEL_MAX = 40
IDLE_DAYS = (30, 60, 90)
_LINK = re.compile(r"^(.{1,40}?)\s*\|\s*(https://\S+)$")


def setup(app: App) -> None:
    """Register /broadcast, /broadcasts, the bc: buttons, the job and the fan-out service."""
    app.router.command("broadcast", start_compose, min_role=Role.STAFF, help_key="cmd.broadcast")
    app.router.command(
        "broadcasts", list_broadcasts, min_role=Role.STAFF, help_key="cmd.broadcasts"
    )
    app.router.choice("bc:", on_choice, min_role=Role.STAFF)
    app.router.step("bc.", on_text, min_role=Role.STAFF, files=True)
    app.router.menu(MenuItem("bc:new", "menu.broadcast", order=70, min_role=Role.STAFF))
    service = Broadcasts(app)
    app.services.broadcasts = service
    app.scheduler.on("broadcast", service.fire_scheduled)
    app.on_started.append(service.fanout.resume)
    app.on_stopping.append(service.fanout.stop)


# --- composing ---------------------------------------------------------------------------------------


async def start_compose(ctx: Ctx) -> None:
    """/broadcast [TEXT]: write the English text first (or give it with the command)."""
    await ctx.set_step("bc.text", {"texts": {}, "lang": "en", "kind": "news"})
    if ctx.args:  # "/broadcast Training day on 5 December": the text came with the command
        await _take_text(ctx, draft_data(ctx), ctx.args)
        return
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("bc.write", language=LANGUAGE_NAMES["en"], max=TEXT_MAX),
            [ctx.button("bc:cancel", "bc.cancel")],
        )
    )


async def _take_text(ctx: Ctx, data: dict, raw: str) -> None:
    """The text of the language being written; then the options."""
    if not raw or len(raw) > TEXT_MAX:
        await ctx.reply(ctx.t("bc.bad_text", max=TEXT_MAX, length=len(raw)))
        return
    data["texts"] = {**data.get("texts", {}), data.get("lang", "en"): raw}
    await ctx.set_step("bc.options", data)
    await show_options(ctx)


async def on_text(ctx: Ctx) -> None:
    """Typed text of a language version, a link button, or a date and time."""
    step = ctx.dialog.step
    data = draft_data(ctx)
    raw = (ctx.incoming.text or "").strip()
    if ctx.incoming.extra.get("file") and step in ("bc.text", "bc.options"):
        await _take_file(ctx, data, raw)
        return
    if step == "bc.text":
        await _take_text(ctx, data, raw)
    elif step == "bc.link":
        match = _LINK.match(raw)
        if not match:
            await ctx.reply(ctx.t("bc.bad_link", max=LABEL_MAX))
            return
        data["button"] = [match.group(1).strip(), match.group(2)]
        await ctx.set_step("bc.options", data)
        await show_options(ctx)
    elif step == "bc.when":
        due = parse_when(raw, ctx.local_now().date(), ctx.tz)
        if due is None:
            await ctx.reply(ctx.t("bc.bad_when"))
            return
        if due <= ctx.now() or due > ctx.now() + timedelta(days=365):
            await ctx.reply(ctx.t("bc.when_range"))
            return
        await _create(ctx, due)
    else:
        await ctx.reply(ctx.t("bc.use_buttons"))


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
    service: Broadcasts = ctx.app.services.broadcasts
    file_id = await service.repo.add_file(file["kind"], file["name"], file["mime"], data_bytes)
    data["file"] = {"id": file_id, "name": file["name"]}
    if caption and len(caption) <= TEXT_MAX and data.get("lang", "en") not in data.get("texts", {}):
        data["texts"] = {**data.get("texts", {}), data.get("lang", "en"): caption}
    await ctx.set_step("bc.options" if data.get("texts") else "bc.text", data)
    if data.get("texts"):
        await show_options(ctx)
    else:
        await ctx.reply(ctx.t("bc.file_kept_write_text", max=TEXT_MAX))


async def on_choice(ctx: Ctx) -> None:
    """Every bc: button."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else ""
    args = parts[2:]
    data = draft_data(ctx)
    if action == "new":
        await start_compose(ctx)
    elif action == "cancel":
        await ctx.clear_step()
        await ctx.reply(ctx.t("bc.cancelled"))
    elif action == "cx" and args and args[0].isdecimal():
        await _cancel_broadcast(ctx, int(args[0]))
    elif action == "list":
        await list_broadcasts(ctx)
    elif not data.get("texts"):
        await ctx.reply(ctx.t("common.stale_button"))
    elif action == "lang" and args and args[0] in LANGUAGES:
        await ctx.set_step("bc.text", {**data, "lang": args[0]})
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("bc.write", language=LANGUAGE_NAMES[args[0]], max=TEXT_MAX),
                [ctx.button("bc:cancel", "bc.cancel")],
            )
        )
    elif action == "link":
        await ctx.set_step("bc.link", data)
        await ctx.reply(ctx.t("bc.ask_link", max=LABEL_MAX))
    elif action == "file":
        await ctx.set_step("bc.options", data)
        await ctx.reply(ctx.t("bc.send_file", max=FILE_MAX // (1024 * 1024)))
    elif action == "nofile":
        data.pop("file", None)
        await ctx.set_step("bc.options", data)
        await show_options(ctx)
    elif action == "kind":
        rows = [[ctx.button(f"bc:k:{k}", f"bc.kind_{k}")] for k in KINDS]
        await ctx.reply(Outgoing.with_buttons(ctx.t("bc.ask_kind"), *rows))
    elif action == "k" and args and args[0] in KINDS:
        await ctx.set_step("bc.options", {**data, "kind": args[0]})
        await show_options(ctx)
    elif action == "aud":
        await _ask_audience(ctx)
    elif action == "a" and args:
        await _audience_type(ctx, args[0])
    elif action == "av" and len(args) == 2:
        await _audience_value(ctx, args[0], args[1])
    elif action == "edit":
        await ctx.set_step("bc.options", data)
        await show_options(ctx)
    elif action == "go" and data.get("audience"):
        await _create(ctx, None)
    elif action == "sched" and data.get("audience"):
        await ctx.set_step("bc.when", data)
        await ctx.reply(ctx.t("bc.ask_when"))
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _ask_audience(ctx: Ctx) -> None:
    kinds = ("all", "role", "cohort", "lang", "done", "notdone", "idle")
    rows = [[ctx.button(f"bc:a:{k}", f"bc.aud_{k}")] for k in kinds]
    await ctx.reply(Outgoing.with_buttons(ctx.t("bc.ask_audience"), *rows))


async def _audience_type(ctx: Ctx, kind: str) -> None:
    if kind == "all":
        await _set_audience(ctx, {"type": "all"})
        return
    if kind == "role":
        values = [
            (r.label, ctx.t(f"bc.role_{r.label}")) for r in (Role.MENTOR, Role.EXPERT, Role.STAFF)
        ]
    elif kind == "cohort":
        cohorts = await _cohorts(ctx)
        values = [(str(i), name) for i, name in enumerate(cohorts)]
    elif kind == "lang":
        values = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    elif kind in ("done", "notdone"):
        values = [(s.id, s.title.get(ctx.lang)) for s in ctx.app.content.sections]
    elif kind == "idle":
        values = [(str(d), ctx.t("bc.days", days=d)) for d in IDLE_DAYS]
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    if not values:
        await ctx.reply(ctx.t("bc.no_values"))
        return
    rows = [[Choice(f"bc:av:{kind}:{value}", label)] for value, label in values]
    await ctx.reply(Outgoing.with_buttons(ctx.t(f"bc.pick_{kind}"), *rows))


async def _cohorts(ctx: Ctx) -> list[str]:
    rows = await ctx.app.db.fetchall(
        "SELECT DISTINCT cohort FROM people WHERE status = 'active' AND cohort IS NOT NULL "
        "ORDER BY cohort"
    )
    return [r["cohort"] for r in rows]


async def _audience_value(ctx: Ctx, kind: str, value: str) -> None:
    if kind == "cohort":
        cohorts = await _cohorts(ctx)
        if not value.isdecimal() or int(value) >= len(cohorts):
            await ctx.reply(ctx.t("common.stale_button"))
            return
        value = cohorts[int(value)]
    if kind == "idle" and not value.isdecimal():
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await _set_audience(ctx, {"type": kind, "value": value})


async def _set_audience(ctx: Ctx, audience: dict) -> None:
    data = {**draft_data(ctx), "audience": audience}
    await ctx.set_step("bc.preview", data)
    service: Broadcasts = ctx.app.services.broadcasts
    send, held = await service.recipients(audience, data.get("kind", "news"))
    draft = as_broadcast(ctx, data)
    attachment = await service.fanout.attachment_of(draft)
    for lang in LANGUAGES:
        if lang in data["texts"]:
            await ctx.reply(ctx.t("bc.preview_of", language=LANGUAGE_NAMES[lang]))
            await ctx.reply(service.fanout.message_for(draft, lang, attachment))
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(
                "bc.ready",
                audience=describe_audience(ctx, audience),
                count=len(send),
                held=len(held),
            ),
            [ctx.button("bc:go", "bc.send_now")],
            [ctx.button("bc:sched", "bc.schedule")],
            [ctx.button("bc:edit", "bc.edit")],
            [ctx.button("bc:cancel", "bc.cancel")],
        )
    )


async def _create(ctx: Ctx, due: datetime | None) -> None:
    data = draft_data(ctx)
    service: Broadcasts = ctx.app.services.broadcasts
    button = tuple(data["button"]) if data.get("button") else None
    broadcast = await service.repo.create(
        ctx.person.id,
        data.get("kind", "news"),
        data["texts"],
        data["audience"],
        button=button,
        due_at=due,
        file_id=(data.get("file") or {}).get("id"),
    )
    await ctx.clear_step()
    await ctx.audit("broadcast.created", subject=str(broadcast.id), scheduled=due is not None)
    if due is None:
        await service.begin(broadcast, ctx.lang)
        return
    await ctx.app.scheduler.add("broadcast", str(broadcast.id), due)
    await ctx.reply(
        ctx.t(
            "bc.scheduled",
            number=broadcast.id,
            when=due.astimezone(ctx.tz).strftime("%d.%m.%Y %H:%M"),
        )
    )


# --- the list and cancelling ---------------------------------------------------------------------------


async def list_broadcasts(ctx: Ctx) -> None:
    """/broadcasts: past and scheduled broadcasts with their delivery counts."""
    service: Broadcasts = ctx.app.services.broadcasts
    broadcasts = await service.repo.recent(10)
    if not broadcasts:
        await ctx.reply(ctx.t("bc.none"))
        return
    lines = [ctx.t("bc.list_title")]
    rows = []
    for b in broadcasts:
        counts = await service.repo.counts(b.id)
        first = (b.texts.get(ctx.lang) or b.texts.get("en") or "").split("\n")[0][:40]
        when = (b.due_at or b.created_at).astimezone(ctx.tz).strftime("%d.%m. %H:%M")
        lines.append(
            ctx.t(
                "bc.list_line",
                number=b.id,
                when=when,
                status=ctx.t(f"bc.status_{b.status}"),
                text=first,
                sent=counts.sent,
                total=b.total,
                blocked=counts.blocked,
                failed=counts.failed,
                held=b.held_back,
            )
        )
        if b.status in ("scheduled", "sending"):
            rows.append([Choice(f"bc:cx:{b.id}", ctx.t("bc.cancel_n", number=b.id))])
    await ctx.reply(Outgoing.with_buttons("\n".join(lines), *rows))


async def _cancel_broadcast(ctx: Ctx, broadcast_id: int) -> None:
    service: Broadcasts = ctx.app.services.broadcasts
    if not await service.repo.cancel(broadcast_id):
        await ctx.reply(ctx.t("bc.not_cancellable", number=broadcast_id))
        return
    await ctx.app.scheduler.cancel_for("broadcast", str(broadcast_id))
    service.fanout.cancelled(broadcast_id)
    await ctx.audit("broadcast.cancelled", subject=str(broadcast_id))
    counts = await service.repo.counts(broadcast_id)
    await ctx.reply(
        ctx.t("bc.cancelled_one", number=broadcast_id, sent=counts.sent, unsent=counts.cancelled)
    )
