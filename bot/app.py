"""Wiring and lifecycle: config, storage, content, router, scheduler, transports."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import i18n
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import Ctx
from bot.dispatch import FloodGuard, dispatch
from bot.events import Events
from bot.messages import Choice, Incoming, Outgoing
from bot.messenger import KeyedLocks, Messenger
from bot.router import Router
from bot.scheduler import Scheduler
from bot.transports.base import Transport
from storage.db import Database
from storage.people import Person

if TYPE_CHECKING:
    from bot.crisis_detect import CrisisDetector
    from bot.features.admin.service import PeopleAdmin
    from bot.features.broadcasts.service import Broadcasts
    from bot.features.escalations.service import Escalations
    from bot.features.learning.service import LearningService
    from bot.features.menu.inbox import Inbox
    from bot.features.nudges.service import NudgeService

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Helpers features offer each other (None when the feature is not set up)."""

    learning: LearningService | None = None
    nudges: NudgeService | None = None
    escalations: Escalations | None = None
    broadcasts: Broadcasts | None = None
    crisis: CrisisDetector | None = None
    people_admin: PeopleAdmin | None = None
    inbox: Inbox | None = None  # prompts held while a person is in a form (features/menu)
    linking: bool = False  # /link is available (people may join a second messenger)


class App:
    """One running bot: build it, `await start()`, feed it updates, `await stop()`."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        transports: list[Transport] | None = None,
        alarm: bool = True,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.db = Database(config.database.path, self.clock)
        self.router = Router()
        self.scheduler = Scheduler(self, alarm=alarm)
        self._alarm = alarm
        self.messenger = Messenger(self.db)
        self.content: Any = None
        self.services = Services()
        self.events = Events()  # e.g. "workshop.logged", "section.completed"
        # Features' own lifecycle work: after everything started (resume a broadcast), before stop.
        self.on_started: list[Callable[[], Awaitable[None]]] = []
        self.on_stopping: list[Callable[[], Awaitable[None]]] = []
        self._transports = list(transports or [])
        self._locks = KeyedLocks()  # one chat's updates in order
        self.person_locks = KeyedLocks()  # one person's updates one at a time, across messengers
        limit = config.bot.rate_limit
        self.flood = FloodGuard(limit.messages, limit.per_seconds)
        self._started = False

    def add_transport(self, transport: Transport) -> None:
        """Add a transport before start()."""
        self._transports.append(transport)

    async def start(self) -> None:
        """Open storage, load content, set up features, rebuild alarms, start transports."""
        from bot.content import load_content  # content raises ContentError on invalid files
        from bot.features import setup_features

        i18n.load(self.config.content_dir / "locales")
        self.content = load_content(self.config.content_dir)
        await self.db.open()
        setup_features(self)
        for transport in self._transports:
            self.messenger.add(transport)
        await self.scheduler.start()
        for transport in self._transports:
            await transport.start(self.handle)
        if self._alarm:  # tests deliver what waits in the outbox themselves (deliver_due)
            await self.messenger.start_sender()
        for hook in self.on_started:
            await hook()
        self._started = True
        log.info("bot started with transports: %s", ", ".join(self.messenger.transports) or "-")

    async def stop(self) -> None:
        """Stop transports and alarms, close storage."""
        await self.messenger.stop_sender()
        for hook in self.on_stopping:
            try:
                await hook()
            except Exception:  # noqa: BLE001 - keep shutting the rest down
                log.exception("a stop hook failed")
        for transport in reversed(self._transports):
            try:
                await transport.stop()
            except Exception:  # noqa: BLE001 - keep shutting the rest down
                log.exception("stopping %s failed", transport.name)
        await self.scheduler.stop()
        await self.db.close()
        self._started = False

    def reload_content(self) -> None:
        """Load content and UI strings again (authors previewing in the console)."""
        from bot.content import load_content

        i18n.load(self.config.content_dir / "locales")
        self.content = load_content(self.config.content_dir)

    async def handle(self, incoming: Incoming) -> None:
        """Handle one update; updates from one sender are handled one at a time, in order."""
        key = (incoming.address.transport, incoming.sender_id)
        verdict = self.flood.check(key, time.monotonic()) if incoming.is_private else "ok"
        if verdict != "ok":
            if verdict == "warn":
                await self.messenger.send(
                    incoming.address, Outgoing(i18n.t(incoming.language_code, "common.slow_down"))
                )
            return
        async with self._locks.hold(key):
            await dispatch(self, incoming)

    async def show_menu(
        self, ctx: Ctx, intro_key: str = "menu.title", *, lead: str | None = None
    ) -> None:
        """Send the main menu for the person's role (`lead`: a line above it, same message)."""
        lines = [[line] for provider in self.router.menu_lines for line in await provider(ctx)]
        builder = self.router.menu_builder
        rows = await builder(ctx) if builder is not None else None
        if rows is None:
            items = self.router.menu_for(ctx.role)
            rows = [[Choice(item.choice_id, ctx.t(item.label_key))] for item in items]
        rows = lines + rows
        text = ctx.t(intro_key) if lead is None else f"{lead}\n\n{ctx.t(intro_key)}"
        await ctx.reply(Outgoing.with_buttons(text, *rows))

    async def publish_commands(self, person: Person) -> None:
        """Set the messenger's command list for a person's role and language."""
        commands = [
            (name, i18n.t(person.language, key))
            for name, key in self.router.commands_for(person.role)
        ]
        await self.messenger.set_commands(person.id, commands, person.language)


def freeze_start_up() -> None:
    """Load what would otherwise load on first use (plural rules), then keep what start-up built
    (modules, content, the crisis detector, the config) out of the garbage collector's full
    passes: a full pass over them takes tens of milliseconds, which a person waiting for a reply
    would feel. Called once by a long-running process after start."""
    i18n.warm_plurals()
    gc.collect()
    gc.freeze()
