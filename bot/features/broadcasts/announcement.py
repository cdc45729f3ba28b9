"""What a recipient gets: the announcement in their language under the team's header, with its
file, link button and Reply button; mid-form, the Reply button waits in their menu."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot import i18n
from bot.features.broadcasts import ids
from bot.messages import Attachment, Choice, Outgoing
from storage.broadcasts import Broadcast, BroadcastsRepo

if TYPE_CHECKING:
    from bot.features.menu.inbox import Inbox


def message_for(broadcast: Broadcast, lang: str, attachment: Attachment | None = None) -> Outgoing:
    """The announcement in a recipient's language (else English) under the team's header,
    with its file, link button and Reply button."""
    text = (
        broadcast.texts.get(lang)
        or broadcast.texts.get("en")
        or next(iter(broadcast.texts.values()))
    )
    out = Outgoing(f"{i18n.t(lang, 'bc.header')}\n\n{text}", attachment=attachment)
    rows: list[tuple[Choice, ...]] = []
    if broadcast.button_url:
        button = Choice(
            ids.BroadcastLink(broadcast.id).pack(),
            broadcast.button_label or "Link",
            url=broadcast.button_url,
        )
        rows.append((button,))
    if broadcast.replies:
        rows.append((ids.Reply(broadcast.id).button(i18n.t(lang, "bc.reply_button")),))
    return replace(out, choices=tuple(rows))


async def attachment_of(repo: BroadcastsRepo, broadcast: Broadcast) -> Attachment | None:
    """The broadcast's photo or document, if it has one."""
    if broadcast.file_id is None:
        return None
    stored = await repo.file(broadcast.file_id)
    if stored is None:
        return None
    kind, name, mime, data = stored
    return Attachment(name, data, mime, kind)


async def held(
    inbox: Inbox, broadcast: Broadcast, person_id: int, out: Outgoing, lang: str
) -> Outgoing:
    """Mid-form, the Reply button waits in the menu (numbers typed stay the form's)."""
    await inbox.repo.keep(
        person_id, "announcement", str(broadcast.id), replace(out, attachment=None)
    )
    links = tuple(row for row in out.choices if all(c.url for c in row))
    note = i18n.t(lang, "menu.held_note")
    return replace(out, text=f"{out.text}\n\n{note}", choices=links)
