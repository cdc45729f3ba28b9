"""End to end: the real app and Signal transport over real HTTP against the fake signal-cli daemon."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import App
from bot.cli.run import build_transports
from bot.config import ConfigError
from bot.i18n import t
from bot.messages import Address, Attachment, Choice, DeliveryStatus, Incoming, Outgoing
from bot.roles import Role
from bot.transports.signal import (
    TEXT_LIMIT_BYTES,
    AccountStatus,
    SignalTransport,
    check_account,
    parse_event,
)
from storage.choices import PendingChoicesRepo
from storage.invites import InvitesRepo
from storage.journal import JournalRepo
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo
from storage.workshops import WorkshopsRepo
from tests.fakes.signal_cli import FakeSignalCli, Sent, fixture
from tests.harness import make_config

REPO = Path(__file__).resolve().parent.parent
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


async def signal_world(db_path: Path, fake: FakeSignalCli, extra_yaml: str = "") -> World:
    """The app on Signal only, against the fake daemon, started and following its event stream."""
    config = make_config(
        db_path,
        "telegram:\n  enabled: false\n"
        f'signal:\n  enabled: true\n  url: {fake.url}\n  account: "{ACCOUNT}"\n' + extra_yaml,
    )
    app = App(config)
    build_transports(app, config)
    world = World(app, fake)
    app.handle = world.track(app.handle)
    await app.start()
    await fake.wait_connected()
    return world


async def ask_expert(phone: Phone, question: str) -> None:
    """A mentor asks the experts a practical question, with their name."""
    await phone.pick("Ask an expert")
    await phone.pick("Practical matters")
    await phone.say(question)
    await phone.pick("Send")
    await phone.pick("With my name")


@pytest.fixture
async def world(fake, tmp_path):
    world = await signal_world(tmp_path / "e2e.db", fake, f'admins:\n  signal: ["{ADMIN}"]\n')
    yield world
    await world.app.stop()


async def onboard(world: World, number: str, name: str, role: Role = Role.MENTOR) -> Phone:
    """Join with an invite code, answering by numbers."""
    code = await world.app.db.repo(InvitesRepo).create(role=role, cohort="x", max_uses=1)
    phone = Phone(world, number, name)
    await phone.say(f"/start {code}")
    await phone.pick("✓ English")  # the language first, the messenger's guess ticked
    await phone.pick("I agree")
    await phone.say(name)
    return phone


def _transport(world: World):
    return world.app.messenger.transports["signal"]


async def test_onboarding_with_an_invite_code_by_numbers(world):
    fake = world.fake
    code = await world.app.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
    amina = Phone(world, AMINA, "Amina")
    [language] = await amina.say(f"/start {code}")
    assert list(language.choices) == ["✓ English", "suomi", "svenska"]
    [consent] = await amina.say(language.choices["suomi"])
    assert "Hyväksytkö" in consent.message, "consent comes in the language chosen"
    assert "1. Hyväksyn" in consent.message and "Vastaa numerolla 1–3." in consent.message
    await amina.pick("Hyväksyn")
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
    assert "1 part so far" in got.message
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
    # The duration's choices are bullets (a typed "2" would be two hours): the label is typed.
    await amina.say("2 h")
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

    # "Learn" is a label of the main menu only, which is no longer pending: the bot is not sure,
    # suggests the menu item it names, and offers to send the text to the experts.
    replies = await amina.say("learn")
    assert "not sure where this message belongs" in replies[0].message
    assert "Learn" in replies[-1].choices and "Send it to the experts" in replies[-1].choices


async def test_what_arrives_becomes_incoming(world):
    fake = world.fake
    group = fake.group_id("mentors")
    eero = Phone(world, EERO, "Eero")
    fake.keepalive = 0.05  # ":" keep-alive lines between the events
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

    # sourceNumber null (a sender known by UUID only) and sourceName null.
    ts = await fake.message(EERO, "/help", name=None, hide_number=True)
    incoming = await world.wait_handled(ts)
    assert incoming.address == Address("signal", eero.uuid) and incoming.extra["number"] is None
    assert incoming.sender_name == ""


async def test_edits_files_and_unreadable_messages_are_answered(world, caplog):
    fake = world.fake
    amina = await onboard(world, AMINA, "Amina")
    caplog.set_level(logging.INFO, logger="bot.transports.signal")

    sent = await fake.message(AMINA, "My workshop was great", name="Amina")
    await world.wait_handled(sent)
    before = len(amina.inbox)
    ts = await fake.edit(AMINA, sent, "My workshop was great!!", name="Amina")
    edited = await world.wait_handled(ts)
    assert edited.kind == "edited" and edited.text == "My workshop was great!!"
    await fake.wait_sent(amina.uuid, before + 1)
    assert amina.last.message == t("en", "common.edit_ignored"), "the core answers an edit"

    before = len(amina.inbox)
    ts = await fake.attachment(AMINA, name="Amina")
    photo = await world.wait_handled(ts)
    assert photo.kind == "other" and photo.text is None
    await fake.wait_sent(amina.uuid, before + 1)
    assert amina.last.message == t("en", "common.text_only"), "a file without text"

    ts = await fake.attachment(AMINA, caption="/help", name="Amina")
    captioned = await world.wait_handled(ts)
    assert captioned.kind == "other" and captioned.text == "/help"

    before = len(amina.inbox)
    ts = await fake.undecryptable(AMINA)
    unreadable = await world.wait_handled(ts)
    assert unreadable.kind == "other" and unreadable.text is None
    assert unreadable.sender_id == amina.uuid
    await fake.wait_sent(amina.uuid, before + 1)

    handled = len(world.handled)
    await fake.undecryptable(None)  # nobody to answer: logged only
    ts = await fake.message(AMINA, "/help", name="Amina")
    await world.wait_handled(ts)
    assert len(world.handled) == handled + 1
    unreadable_lines = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(unreadable_lines) == 2
    assert all("ProtocolInvalidMessageException" in r.getMessage() for r in unreadable_lines)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "+358" not in logged and "workshop" not in logged and "decryption" not in logged


async def test_the_real_daemons_envelopes_parse_as_expected():
    cases = fixture("from_source/envelopes")
    kinds = {name: getattr(parse_event(event), "kind", None) for name, event in cases.items()}
    assert kinds == {
        "text": "text",
        "text_without_number": "text",
        "text_in_group": "text",
        "reply_with_quote": "text",
        "attachment_only": "other",
        "attachment_with_caption": "other",
        "sticker": "other",
        "reaction": None,
        "edit": "edited",
        "receipt": None,
        "typing": None,
        "sync_sent": None,
        "undecryptable_known_sender": "other",
        "undecryptable_unknown_sender": None,
    }
    no_number = parse_event(cases["text_without_number"])
    assert no_number.number is None and no_number.sender_id == no_number.address.chat_id


async def test_a_reconnect_brings_what_was_sent_meanwhile(world, caplog):
    fake = world.fake
    amina = await onboard(world, AMINA, "Amina")
    caplog.set_level(logging.INFO, logger="bot.transports.signal")

    assert await fake.drop_stream() == 1
    ts = await fake.message(AMINA, "/menu", uuid=amina.uuid, name="Amina")
    await world.wait_handled(ts)
    assert all(r["last_event_id"] is None for r in fake.stream_requests), "no event ids exist"

    # The daemon is down for a while; what Amina sends meanwhile waits on Signal's server and
    # comes when the bot follows the stream again (--receive-mode on-connection).
    await fake.stop()
    waiting = [
        await fake.message(AMINA, text, uuid=amina.uuid, name="Amina") for text in ("/help", "99")
    ]
    await asyncio.sleep(1.0)  # the transport fails to reconnect meanwhile
    assert len(fake.pending) == 2 and fake.lost == 0
    await fake.start()
    for ts in waiting:
        await world.wait_handled(ts, within=20)
    assert [i.message_id for i in world.handled[-2:]] == [str(t) for t in waiting], "in order"

    # A message Signal delivers twice (the daemon died before acknowledging it) is handled once.
    again = await fake.message(AMINA, "/help", uuid=amina.uuid, name="Amina", timestamp=waiting[0])
    ts = await fake.message(AMINA, "/help", uuid=amina.uuid, name="Amina")
    await world.wait_handled(ts)
    assert again == waiting[0]
    counts = Counter(i.message_id for i in world.handled)
    assert counts and max(counts.values()) == 1, "a message is never handled twice"

    failures = [r.getMessage() for r in caplog.records if "event stream failed" in r.getMessage()]
    assert failures and any("ConnectError" in f for f in failures), "each failure names its cause"
    assert any("closed the stream" in f for f in failures)
    assert not any("+358" in f or "%2B" in f for f in failures)


async def test_the_default_receive_mode_loses_what_arrives_while_the_bot_is_away(tmp_path):
    # Why the unit says --receive-mode on-connection: signal-cli's default (on-start) keeps
    # fetching from Signal with nobody listening, and those messages are gone.
    fake = await FakeSignalCli(ACCOUNT, receive_mode="on-start").start()
    try:
        world = await _world(fake, tmp_path)
        ts = await fake.message(AMINA, "/start", name="Amina")
        await world.wait_handled(ts)
        await world.app.stop()
        lost = await fake.message(AMINA, "/help", name="Amina")
        assert fake.lost == 1 and not fake.pending
        world = await _world(fake, tmp_path)
        later = await fake.message(AMINA, "/help", name="Amina")
        await world.wait_handled(later)
        assert str(lost) not in {i.message_id for i in world.handled}
        await world.app.stop()
    finally:
        await fake.stop()


async def _world(fake: FakeSignalCli, tmp_path) -> World:
    config = make_config(
        tmp_path / "e2e.db",
        f"telegram:\n  enabled: false\nsignal:\n  enabled: true\n  url: {fake.url}\n"
        f'  account: "{ACCOUNT}"\n',
    )
    app = App(config)
    build_transports(app, config)
    world = World(app, fake)
    app.handle = world.track(app.handle)
    connections = fake.connections
    await app.start()
    await fake.wait_connected(connections + 1)
    return world


async def test_delivery_failures_are_outcomes_not_errors(world, caplog):
    fake = world.fake
    uuid = fake.uuid_of(AMINA)
    to = Address("signal", uuid)
    send = world.app.messenger.send
    memory = world.app.db.repo(PendingChoicesRepo)
    question = Outgoing.with_buttons("Ready?", Choice("x:yes", "Yes"), Choice("x:no", "No"))
    caplog.set_level(logging.INFO, logger="bot.transports.signal")

    fake.fail_next("UNREGISTERED_FAILURE")
    result = await send(to, question)
    assert result.status is DeliveryStatus.BLOCKED
    assert (await memory.recall(to)).choices == (), "a failed send offers nothing"

    # A number that left Signal fails before sending: -1 "The user +X is not registered."
    fake.leave_signal(EERO)
    result = await send(Address("signal", EERO), Outgoing("Hello"))
    assert result.status is DeliveryStatus.BLOCKED and "+358" not in result.error
    assert (await send(Address("signal", fake.uuid_of(EERO)), Outgoing("Hi"))).status is (
        DeliveryStatus.BLOCKED
    )

    # A captcha challenge names its wait; the operator is told once what to do.
    fake.fail_next("RATE_LIMIT_FAILURE", retry_after=3600, times=2)
    for _ in range(2):
        result = await send(to, question)
        assert result.status is DeliveryStatus.RETRY and result.retry_after == 3600
    captcha = [r for r in caplog.records if "captcha" in r.getMessage()]
    assert len(captcha) == 1 and captcha[0].levelname == "ERROR", "once per challenge token"
    assert "submitRateLimitChallenge" in captcha[0].getMessage()

    # A plain rate limit names no time: the wait grows instead of staying at one second.
    fake.fail_next("RATE_LIMIT_FAILURE", times=3)
    waits = [(await send(to, question)).retry_after for _ in range(3)]
    assert waits[0] >= 30 and waits[0] < waits[1] < waits[2]
    fake.fail_next(
        code=-32603, message="Failed to send message: Rate limit exceeded: 429 (RateLimitException)"
    )
    result = await send(to, question)
    assert result.status is DeliveryStatus.RETRY and result.retry_after > waits[2]

    fake.fail_next(code=-4)
    result = await send(to, question)
    assert result.status is DeliveryStatus.FAILED and "safety number" in result.error

    for failure in ("NETWORK_FAILURE", "IDENTITY_FAILURE", "INVALID_PRE_KEY_FAILURE"):
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
    fake.fail_next("RATE_LIMIT_FAILURE")
    assert (await send(to, question)).retry_after == 30, "a success resets the wait"

    edited = await world.app.messenger.edit(to, result.message_id, Outgoing("Thanks!"))
    assert edited.ok and edited.message_id != result.message_id
    assert fake.last_to(uuid).message == "Thanks!", "an edit arrives as a new message"

    # A group: one member failing (Eero left Signal) does not fail the message to the group.
    group = fake.group_id("experts")
    for number in (EERO, AMINA):
        ts = await fake.message(number, "hi", name="Someone", group_id=group)
        await world.wait_handled(ts)
    assert (await send(Address("signal", group), Outgoing("Hello group"))).ok
    assert fake.last_to(group).message == "Hello group"
    unknown = await send(Address("signal", fake.group_id("gone")), Outgoing("Hello?"))
    assert unknown.status is DeliveryStatus.BLOCKED, "a group the bot is not in"

    # The answer is lost after the daemon sent it: FAILED, and the message did go out.
    fake.lose_next_answer()
    count = len(fake.sent)
    assert (await send(to, Outgoing("Lost answer"))).status is DeliveryStatus.FAILED
    assert len(fake.sent) == count + 1

    transport = _transport(world)
    assert await transport.healthy()
    await fake.stop()
    assert not await transport.healthy()
    result = await send(to, Outgoing("anyone there?"))
    assert result.status is DeliveryStatus.FAILED

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "+358" not in logged and "Ready?" not in logged and "Hello" not in logged


async def test_a_slow_answer_times_out_quickly(fake, tmp_path):
    memory = _MemoryStub()
    transport = SignalTransport(fake.url, ACCOUNT, memory, rpc_timeout=0.3)
    try:
        fake.slow_next_answer(1.0)
        result = await transport.send(Address("signal", fake.uuid_of(AMINA)), Outgoing("Hi"))
        assert result.status is DeliveryStatus.FAILED and "may have been sent" in result.error
        await fake.wait_sent(fake.uuid_of(AMINA), 1)
    finally:
        await transport.stop()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _MemoryStub:
    """Pending choices kept in memory (the transport's ChoiceMemory)."""

    def __init__(self) -> None:
        self.kept: dict = {}

    async def remember(self, address, choices, numbered):  # pragma: no cover - not reached
        self.kept[address] = (choices, numbered)

    async def recall(self, address):  # pragma: no cover - not reached
        raise AssertionError("not used")


async def test_the_account_check_tells_what_is_wrong():
    unused_port = free_port()
    served = await FakeSignalCli(ACCOUNT).start()
    missing = await FakeSignalCli(ACCOUNT, serves_account=False).start()
    single = await FakeSignalCli(ACCOUNT, multi_account=False).start()
    try:
        assert (await check_account(served.url, ACCOUNT)).ok
        found = await check_account(missing.url, ACCOUNT)
        assert found.status is AccountStatus.NOT_SERVED and "register" in found.detail.lower()
        found = await check_account(single.url, ACCOUNT)
        assert found.ok and "single-account" in found.detail
        found = await check_account(served.url, None)
        assert found.status is AccountStatus.NO_ACCOUNT
        found = await check_account(f"http://127.0.0.1:{unused_port}", ACCOUNT)
        assert found.status is AccountStatus.UNREACHABLE and "ConnectError" in found.detail
        for check in [found, await check_account(missing.url, ACCOUNT)]:
            assert "+358" not in check.detail
    finally:
        for fake in (served, missing, single):
            await fake.stop()


async def test_run_stops_with_exit_code_2_when_the_daemon_lacks_the_account(tmp_path):
    fake = await FakeSignalCli(ACCOUNT, serves_account=False).start()
    try:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"telegram:\n  enabled: false\nsignal:\n  enabled: true\n  url: {fake.url}\n"
            f'  account: "{ACCOUNT}"\ndatabase:\n  path: {tmp_path / "bot.db"}\n'
        )
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--config", str(config)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=REPO,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 2, err.decode()
        assert "does not serve the number in signal.account" in err.decode()
        assert "+358" not in err.decode() + out.decode()
        assert not (tmp_path / "bot.db").exists(), "nothing started"
    finally:
        await fake.stop()


def test_signal_needs_its_account_in_the_config(tmp_path):
    with pytest.raises(ConfigError, match="signal.account: required"):
        make_config(tmp_path / "x.db", "signal:\n  enabled: true\n")
    with pytest.raises(ConfigError, match="country code"):
        make_config(tmp_path / "x.db", 'signal:\n  enabled: true\n  account: "0401234567"\n')


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


async def test_an_answer_mid_form_never_takes_the_forms_numbers(world):
    """On Signal, choices are numbered replies: an expert's answer with Reply / Solved arriving in
    the middle of the workshop form would turn the "2" typed for the form into "Mark as solved".
    It comes without choices and waits in the menu instead ("1 new answer")."""
    amina = await onboard(world, AMINA, "Amina")
    eero = await onboard(world, EERO, "Eero", Role.EXPERT)
    await amina.pick("Ask an expert")
    await amina.pick("Practical matters")
    await amina.say("Where do I find the handouts?")
    await amina.pick("Send")
    await amina.pick("With my name")
    number = int(amina.last.message.split("#")[1].split(".")[0])
    await amina.pick("Log a workshop")
    await amina.pick("Yesterday")
    await amina.say("Youth club Kontula")
    await eero.say(f"/answer {number} In the shared folder.")
    await eero.pick("Send")  # answers are previewed before they go
    note = amina.last
    assert "In the shared folder." in note.message and not note.choices
    [themes] = await amina.say("2")  # the participants, not choice 2 of the answer
    assert "Which themes" in themes.message
    await amina.say("/menu")
    assert "📬 1 new answer from the experts" in amina.last.choices
    [answer] = await amina.pick("📬 1 new answer")
    assert list(answer.choices) == ["Reply", "Mark as solved"]
