"""Starting broadcasts, now or when due, and the fan-out that sends them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.features.broadcasts.draft import show_options
from bot.features.broadcasts.fanout import Fanout, summary_text
from bot.features.broadcasts.ids import Step
from bot.messages import Outgoing
from storage.broadcasts import Broadcast, BroadcastsRepo, MutesRepo, audience_of
from storage.jobs import Job
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.app import App

TEXT_MAX = 3500


class Broadcasts:
    """Starting broadcasts (now or when due) and the fan-out that sends them."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.fanout = Fanout(app)

    @property
    def repo(self) -> BroadcastsRepo:
        """The broadcasts repository."""
        return self.app.db.repo(BroadcastsRepo)

    async def recipients(self, audience: dict, kind: str) -> tuple[list[int], list[int]]:
        """(to send, held back): paused people and those who muted the kind are counted only."""
        today = self.app.clock.now().astimezone(self.app.config.tz).date().isoformat()
        people = await audience_of(self.app.db, audience, today)
        muted = await self.app.db.repo(MutesRepo).muted_people(kind) if kind != "urgent" else set()
        send = [pid for pid, paused in people if not paused and pid not in muted]
        held = [pid for pid, paused in people if paused or pid in muted]
        return send, held

    async def begin(self, broadcast: Broadcast, lang: str) -> None:
        """Create the delivery rows, post the staff member's progress message, start sending."""
        send, held = await self.recipients(broadcast.audience, broadcast.kind)
        if not await self.repo.start(broadcast.id, send, held):
            return
        broadcast = await self.repo.get(broadcast.id)
        if broadcast.author_id is not None:
            address = await self.app.messenger.address_of(broadcast.author_id)
            text = summary_text(broadcast, await self.repo.counts(broadcast.id), lang, final=False)
            if address is not None:
                result = await self.app.messenger.send(address, Outgoing(text, lang=lang))
                if result.ok and result.message_id:
                    await self.repo.set_progress_to(
                        broadcast.id,
                        {
                            "transport": address.transport,
                            "chat_id": address.chat_id,
                            "message_id": result.message_id,
                            "lang": lang,
                        },
                    )
        self.fanout.launch(broadcast.id)

    async def fire_scheduled(self, app: App, job: Job) -> datetime | None:
        """A scheduled broadcast fell due (also when the bot was down then): send it now."""
        broadcast = await self.repo.get(int(job.ref))
        if broadcast is None or broadcast.status != "scheduled":
            return None
        lang = app.config.bot.default_language
        if broadcast.author_id is not None:
            author = await app.db.repo(PeopleRepo).get(broadcast.author_id)
            lang = author.language if author else lang
        await self.begin(broadcast, lang)
        return None

    async def start_draft(self, ctx: Ctx, text: str) -> None:
        """Start composing with a ready text (good practices → announcement)."""
        await ctx.set_step(Step.OPTIONS, {"texts": {"en": text[:TEXT_MAX]}, "kind": "news"})
        await show_options(ctx)
