"""A running broadcast's progress for its author: their status message edited as a progress bar,
and the summary at the end."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot import i18n
from bot.messages import Address, Outgoing
from storage.broadcast_deliveries import Counts, DeliveriesRepo
from storage.broadcasts import Broadcast, BroadcastsRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


async def keep_reporting(app: App, broadcast: Broadcast, every: float) -> None:
    """Update the progress bar every `every` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            await report(app, broadcast, final=False)
        except Exception:  # noqa: BLE001 - a progress bar never stops a broadcast
            log.warning("could not update the progress of broadcast %s", broadcast.id)


async def report(app: App, broadcast: Broadcast, *, final: bool) -> None:
    """Edit the staff member's status message; at the end also send the summary."""
    broadcast = await app.db.repo(BroadcastsRepo).get(broadcast.id)
    counts = await app.db.repo(DeliveriesRepo).counts(broadcast.id)
    where = broadcast.progress_to
    lang = (where or {}).get("lang", "en")
    text = summary_text(broadcast, counts, lang, final=final)
    edited = False
    if where is not None:
        address = Address(where["transport"], where["chat_id"])
        result = await app.messenger.edit(address, where["message_id"], Outgoing(text))
        edited = result.ok
    # The summary once: in the edited progress message, or (no such message) as a new one.
    if final and not edited and broadcast.author_id is not None:
        await app.messenger.send_to_person(broadcast.author_id, Outgoing(text, lang=lang))


def summary_text(broadcast: Broadcast, counts: Counts, lang: str, *, final: bool) -> str:
    """'Sending… 1,240/3,100, 2 failed' while running; delivered/blocked/failed at the end."""
    total = broadcast.total
    if not final:
        return i18n.t(
            lang,
            "bc.progress",
            number=broadcast.id,
            done=f"{counts.done:,}",
            total=f"{total:,}",
            failed=counts.failed + counts.blocked,
        )
    return i18n.t(
        lang,
        "bc.summary",
        number=broadcast.id,
        sent=counts.sent,
        blocked=counts.blocked,
        failed=counts.failed,
        held=broadcast.held_back,
        total=total,
    )
