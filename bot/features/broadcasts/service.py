"""Starting broadcasts, now or when due, and the fan-out that sends them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.features.broadcasts.draft import show_options
from bot.features.broadcasts.fanout import Fanout, summary_text
from bot.features.broadcasts.ids import Step
from bot.messages import Address, Outgoing, SendResult
from storage.audit import AuditRepo
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import Broadcast, BroadcastsRepo, MutesRepo, audience_of
from storage.jobs import Job
from storage.people import PeopleRepo, Person

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

    @property
    def deliveries(self) -> DeliveriesRepo:
        """The broadcasts' delivery rows (counts per state)."""
        return self.app.db.repo(DeliveriesRepo)

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
            text = summary_text(
                broadcast, await self.deliveries.counts(broadcast.id), lang, final=False
            )
            if address is not None:  # through the outbox; its id is kept once it is sent
                await self.app.messenger.post(
                    address,
                    Outgoing(text, lang=lang),
                    person_id=broadcast.author_id,
                    purpose=f"bc_progress:{broadcast.id}:{lang}",
                )
        self.fanout.launch(broadcast.id)

    async def progress_posted(self, ref: str, result: SendResult, address: Address) -> None:
        """The staff member's progress message went out: keep where, to edit it as it goes."""
        broadcast_id, _, lang = ref.partition(":")
        if result.ok and result.message_id:
            await self.repo.set_progress_to(
                int(broadcast_id),
                {
                    "transport": address.transport,
                    "chat_id": address.chat_id,
                    "message_id": result.message_id,
                    "lang": lang,
                },
            )

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

    async def publish(
        self, author: Person, data: dict, due: datetime | None, lang: str, via: str
    ) -> Broadcast:
        """Store a composed announcement (draft data as the chat keeps it); send now or when due."""
        button = tuple(data["button"]) if data.get("button") else None
        broadcast = await self.repo.create(
            author.id,
            data.get("kind", "news"),
            data["texts"],
            data["audience"],
            button=button,
            due_at=due,
            file_id=(data.get("file") or {}).get("id"),
            replies=bool(data.get("replies")),
        )
        await self._audit(
            author, "broadcast.created", broadcast.id, scheduled=due is not None, via=via
        )
        if due is None:
            await self.begin(broadcast, lang)
        else:
            await self.app.scheduler.add("broadcast", str(broadcast.id), due)
        return broadcast

    async def cancel(self, actor: Person, broadcast_id: int, via: str) -> bool:
        """Cancel a scheduled broadcast, or what is still unsent of one being sent (or paused)."""
        if not await self.repo.cancel(broadcast_id):
            return False
        await self.app.scheduler.cancel_for("broadcast", str(broadcast_id))
        self.fanout.cancelled(broadcast_id)
        await self._audit(actor, "broadcast.cancelled", broadcast_id, via=via)
        return True

    async def pause(self, actor: Person, broadcast_id: int, via: str) -> bool:
        """Hold a broadcast being sent; False when it is not being sent (or already paused)."""
        if not await self.repo.pause(broadcast_id):
            return False
        self.fanout.paused(broadcast_id)
        await self._audit(actor, "broadcast.paused", broadcast_id, via=via)
        return True

    async def resume(self, actor: Person, broadcast_id: int, via: str) -> bool:
        """Go on sending a paused broadcast; False when it is not paused."""
        if not await self.repo.resume(broadcast_id):
            return False
        self.fanout.resumed(broadcast_id)
        await self._audit(actor, "broadcast.resumed", broadcast_id, via=via)
        return True

    async def _audit(self, actor: Person, action: str, broadcast_id: int, **detail: object) -> None:
        await self.app.db.repo(AuditRepo).record(
            action, actor_id=actor.id, subject=str(broadcast_id), **detail
        )

    async def start_draft(self, ctx: Ctx, text: str) -> None:
        """Start composing with a ready text (good practices → announcement)."""
        await ctx.set_step(Step.OPTIONS, {"texts": {"en": text[:TEXT_MAX]}, "kind": "news"})
        await show_options(ctx)
