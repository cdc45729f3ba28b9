"""Test harness: the real app with a temp SQLite file, a fake clock and a recording transport."""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.messages import Address, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.roles import Role
from storage.db import Database
from storage.invites import InvitesRepo
from storage.people import PeopleRepo, Person

REPO = Path(__file__).resolve().parent.parent

_template: Path | None = None  # this process's freshly migrated, empty database


async def fresh_database(path: Path) -> None:
    """Create `path` as a freshly migrated, empty database (a copy of one migrated per process)."""
    global _template
    if _template is None:
        directory = Path(tempfile.mkdtemp(prefix="mentorbot-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        db = Database(directory / "template.db")
        await db.open()  # the real migrations, once
        await db.close()  # the last connection checkpoints the log: one self-contained file
        _template = directory / "template.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, path)


@dataclass
class Sent:
    """One message the bot sent through the recording transport."""

    to: Address
    out: Outgoing
    message_id: str
    edited: bool = False

    @property
    def text(self) -> str:
        """The message text."""
        return self.out.text

    @property
    def choice_ids(self) -> list[str]:
        """Ids of the tappable buttons."""
        return [c.id for c in self.out.all_choices() if not c.url]

    @property
    def labels(self) -> list[str]:
        """Labels of every button."""
        return [c.label for c in self.out.all_choices()]


@dataclass
class RecordingTransport:
    """A transport that records what the bot sends and can be told to fail."""

    name: str = "telegram"
    sent: list[Sent] = field(default_factory=list)
    commands: list[tuple] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    fail_next: list[SendResult] = field(default_factory=list)
    fail_for: dict[str, list[SendResult]] = field(default_factory=dict)  # per chat id
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def title(self) -> str:
        """The messenger's name as people know it."""
        return self.name.capitalize()

    async def start(self, on_incoming) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Record a message (or fail as told)."""
        if self.fail_next:
            return self.fail_next.pop(0)
        if self.fail_for.get(to.chat_id):
            return self.fail_for[to.chat_id].pop(0)
        if to.chat_id in self.blocked:
            return SendResult(DeliveryStatus.BLOCKED, error="blocked")
        message_id = str(next(self._ids))
        if out.attachment is not None and out.attachment.path is not None:
            # Read now, as a real transport does: the file is deleted once it was sent.
            out = replace(out, attachment=replace(out.attachment, data=out.attachment.read()))
        self.sent.append(Sent(to, out, message_id))
        return SendResult(DeliveryStatus.SENT, message_id=message_id)

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Record an edit."""
        self.sent.append(Sent(to, out, message_id, edited=True))
        return SendResult(DeliveryStatus.SENT, message_id=message_id)

    async def set_commands(self, to, commands, language) -> None:
        """Record a command list."""
        self.commands.append((to, list(commands), language))


@dataclass(frozen=True)
class User:
    """A simulated messenger account."""

    sender_id: str
    name: str = "Test"
    language_code: str | None = "en"
    transport: str = "telegram"

    @property
    def address(self) -> Address:
        """The user's private chat."""
        return Address(self.transport, self.sender_id)


def make_config(db_path: Path, extra_yaml: str = "") -> Config:
    """Defaults for tests: a generous flood limit (tests type fast), plus any extra YAML."""
    path = db_path.parent / "test-config.yaml"
    path.write_text("bot:\n  rate_limit:\n    messages: 100000\n" + extra_yaml, encoding="utf-8")
    return load_config(path, db_path)


class Harness:
    """Drive the app as users would: say text, tap buttons, move the clock, restart."""

    def __init__(self, db_path: Path, config: Config | None = None) -> None:
        self.db_path = db_path
        self.config = config or make_config(db_path)
        self.clock = FakeClock(datetime.fromisoformat("2026-11-24T10:00:00+00:00"))
        self.transport = RecordingTransport()
        self.app: App | None = None
        self._users = itertools.count(1000)

    async def start(self) -> Harness:
        """Build and start the app (alarms off: the fake clock drives timed work)."""
        if not self.db_path.exists():
            await fresh_database(self.db_path)
        self.app = App(self.config, clock=self.clock, transports=[self.transport], alarm=False)
        await self.app.start()
        return self

    async def stop(self) -> None:
        """Stop the app."""
        if self.app is not None:
            await self.app.stop()
            self.app = None

    async def restart(self) -> None:
        """Stop and start again on the same database, as after a crash or deploy."""
        await self.stop()
        await self.start()

    def user(self, name: str = "Test", language_code: str | None = "en") -> User:
        """A new simulated account."""
        return User(str(next(self._users)), name, language_code)

    async def send(self, incoming: Incoming) -> list[Sent]:
        """Feed one raw update; returns what the bot sent while handling it."""
        before = len(self.transport.sent)
        await self.app.handle(incoming)
        return self.transport.sent[before:]

    async def say(self, text: str, as_: User) -> list[Sent]:
        """A user types `text` in their private chat."""
        return await self.send(
            Incoming(
                address=as_.address,
                sender_id=as_.sender_id,
                text=text,
                sender_name=as_.name,
                language_code=as_.language_code,
            )
        )

    async def tap(self, choice_id: str, as_: User) -> list[Sent]:
        """A user taps a button."""
        return await self.send(
            Incoming(
                address=as_.address,
                sender_id=as_.sender_id,
                choice_id=choice_id,
                kind="choice",
                sender_name=as_.name,
                language_code=as_.language_code,
            )
        )

    def sent_to(self, user: User) -> list[Sent]:
        """Everything sent to a user's chat."""
        return [s for s in self.transport.sent if s.to.chat_id == user.sender_id]

    def last(self, user: User) -> Sent:
        """The last message sent to a user."""
        return self.sent_to(user)[-1]

    async def person(self, user: User) -> Person | None:
        """The stored person behind a user."""
        return await self.app.db.repo(PeopleRepo).by_identity(user.transport, user.sender_id)

    async def invite(
        self, role: Role = Role.MENTOR, cohort: str = "2025-02", uses: int = 1, **kw
    ) -> str:
        """Create an invite code."""
        return await self.app.db.repo(InvitesRepo).create(
            role=role, cohort=cohort, max_uses=uses, **kw
        )

    async def onboard(
        self,
        role: Role = Role.MENTOR,
        name: str = "Anna",
        lang: str = "en",
        cohort: str = "2025-02",
        user: User | None = None,
    ) -> User:
        """A user (a new account unless given) who has completed onboarding with a fresh invite."""
        user = user or self.user(name)
        code = await self.invite(role, cohort)
        await self.say(f"/start {code}", user)
        await self.tap(f"onb:lang:{lang}", user)
        await self.tap("onb:consent:yes", user)
        await self.say(name, user)
        person = await self.person(user)
        assert person is not None and person.active, "onboarding did not complete"
        return user

    async def advance(self, delta: timedelta) -> int:
        """Move the fake clock and run every job that fell due; returns how many ran."""
        self.clock.advance(delta)
        ran = await self.app.scheduler.run_due()
        await self.app.messenger.deliver_due()  # messages waiting in the outbox, now due
        return ran
