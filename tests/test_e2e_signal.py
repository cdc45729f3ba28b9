"""End to end: the real app and Signal transport over real HTTP against the fake signal-cli daemon."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bot.app import App
from bot.cli.run import build_transports
from bot.messages import Address, Attachment, Choice, DeliveryStatus, Incoming, Outgoing
from bot.roles import Role
from bot.transports.signal import TEXT_LIMIT_BYTES
from storage.choices import PendingChoicesRepo
from storage.invites import InvitesRepo
from storage.journal import JournalRepo
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo
from storage.workshops import WorkshopsRepo
from tests.fakes.signal_cli import ERROR_TEXTS, FakeSignalCli, Sent
from tests.harness import make_config

ACCOUNT = "+358400000000"
AMINA = "+358401000001"
EERO = "+358401000002"
ADMIN = "+358401000099"


@dataclass
class World:
    """The running app, the fake daemon, and every Incoming the app finished handling."""

    app: App
    fake: FakeSignalCli
    handled: list[Incoming] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def track(self, handle):
        """Wrap App.handle to record each update once it is handled."""

        async def tracked(incoming: Incoming) -> None:
            try:
                await handle(incoming)
            finally:
                async with self.changed:
                    self.handled.append(incoming)
                    self.changed.notify_all()

        return tracked

    async def wait_handled(self, timestamp: int, within: float = 10.0) -> Incoming:
        """Wait until the message with this timestamp was handled."""

        def done() -> Incoming | None:
            return next((i for i in self.handled if i.message_id == str(timestamp)), None)

        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(done), within)
        return done()


class Phone:
    """A Signal user: sends texts, reads what the bot sent, answers numbered choices."""

    def __init__(self, world: World, number: str, name: str) -> None:
        self.world = world
        self.number = number
        self.name = name
        self.uuid = world.fake.uuid_of(number)

    @property
    def inbox(self) -> list[Sent]:
        """Everything the bot sent to this user."""
        return self.world.fake.sent_to(self.uuid)

    @property
    def last(self) -> Sent:
        """The last message to this user."""
        return self.inbox[-1]

    def offer(self) -> Sent:
        """The last message with numbered choices."""
        return next(s for s in reversed(self.inbox) if s.choices)

    async def say(self, text: str, **kw) -> list[Sent]:
        """Send a text and wait until it is handled; returns the replies."""
        before = len(self.inbox)
        ts = await self.world.fake.message(self.number, text, uuid=self.uuid, name=self.name, **kw)
        await self.world.wait_handled(ts)
        return self.inbox[before:]

    async def pick(self, label: str) -> list[Sent]:
        """Reply with the number of the choice whose label is (or starts with) `label`."""
        choices = self.offer().choices
        number = choices.get(label) or next(n for t, n in choices.items() if t.startswith(label))
        return await self.say(number)


@pytest.fixture
async def fake():
    server = await FakeSignalCli(ACCOUNT).start()
    yield server
    await server.stop()


@pytest.fixture
async def world(fake, tmp_path):
    config = make_config(
        tmp_path / "e2e.db",
        "telegram:\n  enabled: false\n"
        f'signal:\n  enabled: true\n  url: {fake.url}\n  account: "{ACCOUNT}"\n'
        f'admins:\n  signal: ["{ADMIN}"]\n',
    )
    app = App(config)
    build_transports(app, config)
    world = World(app, fake)
    app.handle = world.track(app.handle)
    await app.start()
    await fake.wait_connected()
    yield world
    await app.stop()


async def onboard(world: World, number: str, name: str, role: Role = Role.MENTOR) -> Phone:
    """Join with an invite code, answering by numbers."""
    code = await world.app.db.repo(InvitesRepo).create(role=role, cohort="x", max_uses=1)
    phone = Phone(world, number, name)
    await phone.say(f"/start {code}")
    await phone.pick("I agree")
    await phone.pick("English")
    await phone.say(name)
    return phone


def _transport(world: World):
    return world.app.messenger.transports["signal"]


async def test_onboarding_with_an_invite_code_by_numbers(world):
    fake = world.fake
    code = await world.app.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
    amina = Phone(world, AMINA, "Amina")
    [consent] = await amina.say(f"/start {code}")
    assert "Do you agree?" in consent.message
    assert "1. I agree" in consent.message and "Reply with a number from 1 to 3." in consent.message

    [language] = await amina.pick("I agree")
    assert list(language.choices) == ["English", "suomi", "svenska"]
    await amina.say(language.choices["suomi"])
    await amina.say("Amina 🌿")
    assert "Amina" in amina.inbox[-1].message, "the welcome heads the main menu"
    assert len(amina.last.choices) >= 5, "the main menu comes as a numbered list"

    people = world.app.db.repo(PeopleRepo)
    person = await people.by_identity("signal", amina.uuid)
    assert person is not None and person.active and person.language == "fi"
    assert person.display_name == "Amina 🌿" and person.cohort == "x"

    # A number listed in admins.signal is an admin from the first message, without an invite.
    boss = Phone(world, ADMIN, "Boss")
    await boss.say("/start")
    admin = await people.by_identity("signal", boss.uuid)
    assert admin is not None and admin.role == Role.ADMIN

    # Multi-account daemon: every request and the event stream name the bot's account.
    assert fake.requests and all(r.params.get("account") == ACCOUNT for r in fake.requests)
    assert fake.stream_requests[0]["account"] == ACCOUNT
    assert all(s.recipient in (amina.uuid, boss.uuid) for s in fake.sent)


async def test_a_learning_bite_with_a_reflection(world):
    amina = await onboard(world, AMINA, "Amina")
    [sections] = await amina.pick("Learn")
    assert "four sections" in sections.message
    await amina.pick("Mental health and resilience")
    bite = (await amina.pick("Start"))[-1]
    assert "Reflect on this" in bite.choices
    await amina.pick("Reflect on this")
    [got] = await amina.say("People here call stress tiredness; I will ask what gives energy.")
    assert "1 part(s)" in got.message
    await amina.pick("Done")
    assert "private journal" in amina.last.message
    replies = await amina.pick("Share with the experts")
    assert any("Shared with the project experts" in s.message for s in replies)

    person = await world.app.db.repo(PeopleRepo).by_identity("signal", amina.uuid)
    [entry] = await world.app.db.repo(JournalRepo).page(person.id, 0, 10)
    assert entry.shared and entry.text.startswith("People here call stress tiredness")


async def test_a_workshop_log_through_the_form(world):
    amina = await onboard(world, AMINA, "Amina")
    await amina.pick("Log a workshop")
    await amina.pick("Yesterday")
    await amina.say("Youth club Kontula")
    # The participants question wants a typed number: "12" is the answer, not choice 12.
    await amina.say("12")
    await amina.pick("Mental health and resilience")
    assert "✓ Mental health and resilience" in amina.last.choices
    await amina.pick("Done")
    await amina.pick("2 h")
    await amina.pick("No")
    await amina.pick("Skip")
    await amina.pick("Skip")
    await amina.pick("No, all good")
    summary = amina.last.message
    assert "Community: Youth club Kontula" in summary and "Participants: 12" in summary
    await amina.pick("Save")
    assert any("Saved" in s.message for s in amina.inbox[-3:])

    person = await world.app.db.repo(PeopleRepo).by_identity("signal", amina.uuid)
    [workshop] = await world.app.db.repo(WorkshopsRepo).page(person.id, 0, 10)
    assert (workshop.community, workshop.participants, workshop.themes) == (
        "Youth club Kontula",
        12,
        ("s1",),
    )
    assert workshop.duration_min == 120


async def test_an_expert_question_reaches_the_expert(world):
    eero = await onboard(world, EERO, "Eero", Role.EXPERT)
    amina = await onboard(world, AMINA, "Amina")
    await amina.pick("Ask an expert")
    await amina.pick("Prevention of radicalisation")
    await amina.say("How do I talk about rumours after the attack?")
    await amina.pick("Send")
    await amina.pick("With my name")
    receipt = next(s for s in reversed(amina.inbox) if "ticket #" in s.message)
    number = int(receipt.message.split("#")[1].split(".")[0])
    post = eero.last
    assert f"Question #{number}" in post.message and "How do I talk about rumours" in post.message
    assert post.choices, "the expert's buttons come as numbered choices"
    ticket = await world.app.db.repo(TicketsRepo).get(number)
    assert ticket is not None and ticket.status == "open"


async def test_numbered_choice_edge_cases(world):
    amina = await onboard(world, AMINA, "Amina")
    menu = amina.offer()
    size = len(menu.choices)

    [reply] = await amina.say("99")
    assert reply.message == f"Please reply with a number from 1 to {size}, or send /menu."

    [sections] = await amina.say(f"{menu.choices['Learn']}.")  # "2." picks choice 2
    assert "four sections" in sections.message
    first = next(n for t, n in sections.choices.items() if t.startswith("Mental health"))
    [section] = await amina.say(f" {first} ")  # " 2 " too
    assert "Start" in section.choices
    [again] = await amina.say("back to SECTIONS")  # a label's text, in any case
    assert "four sections" in again.message

    # A number from the old, longer menu is stale now: out of range of what is pending.
    current = len(again.choices)
    assert size > current
    [stale] = await amina.say(str(size))
    assert stale.message == f"Please reply with a number from 1 to {current}, or send /menu."
    incoming = world.handled[-1]
    assert incoming.choice_id is None and incoming.extra["out_of_range"] == current

    # "Learn" is a label of the main menu only, which is no longer pending: not understood.
    replies = await amina.say("learn")
    assert "not sure what to do" in replies[0].message and "Learn" in replies[-1].choices


async def test_what_arrives_becomes_incoming(world):
    fake = world.fake
    group = fake.group_id("mentors")
    eero = Phone(world, EERO, "Eero")
    fake.keepalive = 0.05  # ":" keep-alive lines between the events
    for notification in (False, True):  # signal-cli's own shape, and as a JSON-RPC notification
        fake.notification_events = notification
        await fake.receipt(EERO, [1])
        await fake.typing(EERO)
        await fake.sync(EERO, "sent from the phone")
        await fake.reaction(EERO, "👍", 1)
        before = len(world.handled)
        ts = await fake.message(EERO, "hello all", name="Eero", group_id=group, quote_id=1234)
        incoming = await world.wait_handled(ts)
        assert len(world.handled) == before + 1, "receipts, typing, sync and reactions are ignored"
        assert incoming.address == Address("signal", group) and not incoming.is_private
        assert incoming.sender_id == eero.uuid and incoming.sender_name == "Eero"
        assert incoming.extra["number"] == EERO
        assert incoming.reply_to_message_id == "1234" and incoming.text == "hello all"

    # Without a UUID the number is the sender id and the chat.
    ts = await fake.message(EERO, "/help", uuid="", name="Eero")
    incoming = await world.wait_handled(ts)
    assert incoming.address == Address("signal", EERO) and incoming.is_private


async def test_the_stream_reconnects_and_nothing_is_handled_twice(world):
    fake = world.fake
    amina = await onboard(world, AMINA, "Amina")

    assert await fake.drop_stream() == 1
    ts = await fake.message(AMINA, "/menu", uuid=amina.uuid, name="Amina")
    await world.wait_handled(ts)
    assert fake.stream_requests[1]["last_event_id"], "the stream resumes after the last event"

    # The daemon restarts: the old event ids are unknown, so every kept event comes again.
    replayed = fake.replayed
    await fake.stop()
    await fake.start()
    await fake.wait_connected(connections=3)
    assert fake.replayed - replayed >= 5, "the whole onboarding came again"
    replies = await amina.say("/help")
    assert replies, "a message after the restart is handled"
    counts = Counter(i.message_id for i in world.handled)
    assert counts and max(counts.values()) == 1, "a replayed message is never handled twice"


async def test_delivery_failures_are_outcomes_not_errors(world):
    fake = world.fake
    uuid = fake.uuid_of(AMINA)
    to = Address("signal", uuid)
    send = world.app.messenger.send
    memory = world.app.db.repo(PendingChoicesRepo)
    question = Outgoing.with_buttons("Ready?", Choice("x:yes", "Yes"), Choice("x:no", "No"))

    fake.fail_next("UNREGISTERED_FAILURE")
    result = await send(to, question)
    assert result.status is DeliveryStatus.BLOCKED
    assert (await memory.recall(to)).choices == (), "a failed send offers nothing"

    fake.fail_next("RATE_LIMIT_FAILURE", retry_after=3600)
    result = await send(to, question)
    assert result.status is DeliveryStatus.RETRY and result.retry_after == 3600

    fake.fail_next(code=-5)
    assert (await send(to, question)).status is DeliveryStatus.RETRY

    fake.fail_next(code=-4)
    result = await send(to, question)
    assert result.status is DeliveryStatus.FAILED and result.error == ERROR_TEXTS[-4]

    for failure in ("NETWORK_FAILURE", "IDENTITY_FAILURE"):
        fake.fail_next(failure)
        assert (await send(to, question)).status is DeliveryStatus.FAILED
    for code in (-1, -3, -32603):
        fake.fail_next(code=code)
        assert (await send(to, question)).status is DeliveryStatus.FAILED
    fake.fail_next(http_status=500)
    assert (await send(to, question)).status is DeliveryStatus.FAILED
    assert not fake.sent

    result = await send(to, question)
    assert result.ok and result.message_id == str(fake.last_to(uuid).timestamp)
    assert [c.id for c in (await memory.recall(to)).choices] == ["x:yes", "x:no"]

    edited = await world.app.messenger.edit(to, result.message_id, Outgoing("Thanks!"))
    assert edited.ok and edited.message_id != result.message_id
    assert fake.last_to(uuid).message == "Thanks!", "an edit arrives as a new message"

    # A group: one member failing does not fail the message to the group.
    group = fake.group_id("experts")
    ts = await fake.message(EERO, "hi", name="Eero", group_id=group)
    await world.wait_handled(ts)
    assert (await send(Address("signal", group), Outgoing("Hello group"))).ok
    assert fake.last_to(group).message == "Hello group"

    transport = _transport(world)
    assert await transport.healthy()
    await fake.stop()
    assert not await transport.healthy()
    result = await send(to, Outgoing("anyone there?"))
    assert result.status is DeliveryStatus.FAILED


async def test_an_attachment_is_sent_as_a_data_uri(world):
    fake = world.fake
    uuid = fake.uuid_of(AMINA)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    out = Outgoing(
        "Workshops per month",
        attachment=Attachment("chart 2026.png", png, mime="image/png", kind="photo"),
    )
    result = await world.app.messenger.send(Address("signal", uuid), out)
    assert result.ok
    sent = fake.last_to(uuid)
    assert sent.message == "Workshops per month"
    assert sent.attachments[0].startswith("data:image/png;filename=chart%202026.png;base64,")
    assert sent.files == [("image/png", "chart 2026.png", png)]


async def test_a_long_text_arrives_whole_in_parts_under_signals_limit(world):
    fake = world.fake
    uuid = fake.uuid_of(AMINA)
    paragraph = "Yhteisön voimavarat näkyvät, kun jokainen ääni kuullaan työpajassa. " * 12
    text = "\n\n".join(f"{n}. {paragraph}" for n in range(1, 6))  # ~4,500 characters, many ä/ö
    out = Outgoing.with_buttons(text, [Choice("menu:home", "Päävalikko")])
    result = await world.app.messenger.send(Address("signal", uuid), out)
    assert result.ok
    parts = [s.message for s in fake.sent_to(uuid)]
    assert len(parts) >= 3
    assert all(len(p.encode("utf-8")) <= TEXT_LIMIT_BYTES for p in parts)
    assert " ".join(" ".join(parts).split()).startswith(" ".join(text.split()))
    assert "1. Päävalikko" in parts[-1] and "1. Päävalikko" not in parts[0]
    pending = await world.app.db.repo(PendingChoicesRepo).recall(Address("signal", uuid))
    assert [c.id for c in pending.choices] == ["menu:home"], "a number picks it, as usual"
