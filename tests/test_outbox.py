"""The outbox: what the bot decides to send survives a messenger outage and a restart, and arrives
once, in order. Real HTTP against the fake signal-cli daemon and the fake Bot API, both stopped and
started again on the same port as a real daemon or a network outage would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.cli.run import build_transports
from bot.messages import Address, Attachment, DeliveryStatus, Outgoing, SendResult
from bot.messenger import delivery
from bot.messenger.payload import _dump
from bot.roles import Role
from bot.transports.telegram import TelegramTransport
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import BroadcastsRepo
from storage.db import Database
from storage.outbox import OutboxRepo, Queued
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo
from tests.fakes.faults import FaultProxy
from tests.fakes.signal_cli import FakeSignalCli
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import make_config
from tests.test_e2e_signal import ACCOUNT, AMINA, EERO, ask_expert, onboard, signal_world

WAITING = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"


async def _until(check, within: float = 20.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_signal_daemon_outage_loses_nothing_and_sends_nothing_twice(tmp_path):
    fake = await FakeSignalCli(ACCOUNT).start()
    world = await signal_world(tmp_path / "outbox.db", fake)
    app = world.app
    try:
        amina = await onboard(world, AMINA, "Amina")
        await onboard(world, EERO, "Eero", Role.EXPERT)
        await ask_expert(amina, "Where do I find the handouts?")
        [ticket] = await app.db.repo(TicketsRepo).not_closed()
        people = app.db.repo(PeopleRepo)
        mentor = await people.by_identity("signal", amina.uuid)
        expert = (await people.with_role(Role.EXPERT))[0]
        before = len(amina.inbox)

        await fake.stop()  # the daemon is down (killed, restarting, upgraded ...)
        # Meanwhile the expert answers (from Telegram or the web) and the team sends a note.
        said = await app.services.escalations.answer(expert, ticket.id, "In the shared folder.")
        assert said == "esc.answer_queued", "the expert is told it waits, not that it arrived"
        await app.messenger.send_to_person(mentor.id, Outgoing("Training moved to Friday."))
        assert await app.db.scalar(WAITING) == 2, "both wait in the outbox"
        await asyncio.sleep(1.5)  # tries fail meanwhile (connection refused): they stay
        assert await app.db.scalar(WAITING) == 2

        await fake.start()  # the daemon is back on its port; the transport reconnects
        await _until(lambda: _zero(app, WAITING), what="the outbox to empty")
        await fake.wait_connected()
        new = [s.message for s in amina.inbox[before:]]
        assert len(new) == 2, new
        assert "In the shared folder." in new[0], "in the order the bot decided them"
        assert new[1] == "Training moved to Friday."
        await asyncio.sleep(0.5)
        assert len(amina.inbox) == before + 2, "nothing twice"
        # And the conversation simply goes on.
        [thanks] = await amina.say("Thank you!")
        assert thanks.message
    finally:
        await app.stop()
        await fake.stop()


async def test_a_telegram_outage_and_a_restart_lose_nothing(tmp_path, monkeypatch):
    fake = await FakeTelegram().start()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    config = make_config(
        tmp_path / "outbox.db", f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n"
    )

    async def running() -> App:
        app = App(config)
        build_transports(app, config)
        await app.start()
        return app

    app = await running()
    user = 7101
    try:
        from storage.invites import InvitesRepo

        code = await app.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
        await fake.message(user, f"/start {code}")
        await fake.wait_sent(user, 1)
        await fake.tap(user, "onb:lang:en")
        await fake.wait_sent(user, 2)
        await fake.tap(user, "onb:consent:yes")
        await fake.wait_sent(user, 3)
        await fake.message(user, "Anna")
        await fake.wait_sent(user, 4)
        person = await app.db.repo(PeopleRepo).by_identity("telegram", str(user))
        sent_before = len(fake.sent(user, "sendMessage"))

        await fake.stop()  # the network is gone
        for n in range(3):
            await app.messenger.send_to_person(person.id, Outgoing(f"News {n}"))
        assert await app.db.scalar(WAITING) == 3
        await app.stop()  # and the bot is restarted meanwhile: the outbox is in the database

        await fake.start()
        app = await running()
        await _until(lambda: _zero(app, WAITING), what="the outbox to empty after the restart")
        texts = [c.text for c in fake.sent(user, "sendMessage")[sent_before:]]
        assert texts == ["News 0", "News 1", "News 2"], "each once, in order"
    finally:
        await app.stop()
        await fake.stop()


async def test_blocked_people_are_marked_and_staff_can_see_who_is_unreachable(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    mentor = await h.onboard(Role.MENTOR, "Mina")
    person = await h.person(mentor)
    h.transport.blocked.add(mentor.sender_id)
    result = await h.app.messenger.send_to_person(person.id, Outgoing("Hello"))
    assert result.status is DeliveryStatus.BLOCKED
    [row] = await h.app.db.fetchall("SELECT status, payload FROM outbox")
    assert row["status"] == "blocked" and row["payload"] is None, "who and when, not the text"
    await h.say("/undelivered", staff)
    text = h.last(staff).text
    assert "Mina" in text and "blocked" in text.lower()


async def test_a_message_the_messenger_refuses_does_not_hold_up_the_next(h):
    mentor = await h.onboard(Role.MENTOR, "Mina")
    person = await h.person(mentor)
    h.transport.fail_next.append(SendResult(DeliveryStatus.REJECTED, error="BadRequest"))
    await h.app.messenger.send_to_person(person.id, Outgoing("Too odd to send"))
    await h.app.messenger.send_to_person(person.id, Outgoing("Next one"))
    assert h.last(mentor).text == "Next one"
    assert await h.app.db.scalar(WAITING) == 0


async def test_a_failing_message_waits_and_keeps_its_place(h):
    mentor = await h.onboard(Role.MENTOR, "Mina")
    person = await h.person(mentor)
    h.transport.fail_for[mentor.sender_id] = [SendResult(DeliveryStatus.FAILED, error="down")]
    await h.app.messenger.send_to_person(person.id, Outgoing("First"))
    await h.app.messenger.send_to_person(person.id, Outgoing("Second"))
    assert [s.text for s in h.sent_to(mentor)][-1] != "Second", "not before the first"
    await h.advance(timedelta(seconds=2))
    assert [s.text for s in h.sent_to(mentor)][-2:] == ["First", "Second"]
    assert await h.app.db.repo(OutboxRepo).waiting() == 0


async def test_a_file_on_disk_waits_by_its_path_and_is_deleted_once_sent(h, tmp_path):
    mentor = await h.onboard(Role.MENTOR, "Mina")
    person = await h.person(mentor)
    path = tmp_path / "export.csv"
    path.write_bytes(b"id\n1\n")
    file = Attachment("workshops.csv", b"", "text/csv", "document", path=str(path))
    h.transport.fail_for[mentor.sender_id] = [SendResult(DeliveryStatus.FAILED, error="down")]
    await h.app.messenger.send_to_person(person.id, Outgoing("Your file", attachment=file))
    payload = await h.app.db.scalar("SELECT payload FROM outbox WHERE status = 'pending'")
    assert str(path) in payload and "aWQKMQo" not in payload, "the path, not the bytes"
    assert path.exists()
    await h.advance(timedelta(seconds=2))
    sent = h.last(mentor).out.attachment
    assert sent.data == b"id\n1\n" and sent.filename == "workshops.csv"
    assert not path.exists(), "deleted once sent"
    assert await h.app.db.repo(OutboxRepo).waiting() == 0

    path.write_bytes(b"gone")  # a file deleted while its message waited: given up, not sent
    h.transport.fail_for[mentor.sender_id] = [SendResult(DeliveryStatus.FAILED, error="down")]
    await h.app.messenger.send_to_person(person.id, Outgoing("Again", attachment=file))
    path.unlink()
    await h.advance(timedelta(seconds=2))
    assert h.last(mentor).text == "Your file"
    [row] = await h.app.db.fetchall("SELECT status, error FROM outbox")
    assert (row["status"], row["error"]) == ("failed", "unreadable")


async def test_a_group_chat_post_goes_through_the_outbox_too(h):
    chat = Address("telegram", "-100777")
    h.transport.fail_for["-100777"] = [SendResult(DeliveryStatus.FAILED, error="down")]
    await h.app.messenger.post(chat, Outgoing("For the team"))
    assert await h.app.db.scalar(WAITING) == 1
    await h.advance(timedelta(seconds=2))
    assert [s.text for s in h.transport.sent if s.to == chat] == ["For the team"]


async def _counted(app: App, broadcast_id: int) -> bool:
    counts = await app.db.repo(DeliveriesRepo).counts(broadcast_id)
    return (counts.sent, counts.failed, counts.pending) == (7, 0, 0)


async def _zero(app: App, sql: str) -> bool:
    return await app.db.scalar(sql) == 0


async def test_a_daemon_outage_while_people_talk_and_a_broadcast_runs_loses_nothing(tmp_path):
    """The issue's case: the daemon goes away mid-broadcast while an expert answers; all arrives once."""
    fake = await FakeSignalCli(ACCOUNT).start()
    # Few, quick tries: the outage below outlasts them, as a minute-long one outlasts the defaults.
    # The pause after failures in a row grows to backoff x 2^10 at most: 1 s here, not 10 s of
    # waiting once the daemon is back.
    world = await signal_world(
        tmp_path / "outage.db",
        fake,
        "features:\n  broadcasts:\n    rate_per_second: 0\n    backoff_seconds: 0.001\n"
        "    max_attempts: 2\n    progress_seconds: 0.1\n",
    )
    app = world.app
    try:
        amina = await onboard(world, AMINA, "Amina")
        await onboard(world, EERO, "Eero", Role.EXPERT)
        others = [await onboard(world, f"+35840100010{i}", f"Mentor {i}") for i in range(4)]
        sari = await onboard(world, "+358401000050", "Sari", Role.STAFF)
        await ask_expert(amina, "Where do I find the handouts?")
        [ticket] = await app.db.repo(TicketsRepo).not_closed()
        expert = (await app.db.repo(PeopleRepo).with_role(Role.EXPERT))[0]
        mentors = [amina, *others]
        before = {m.number: len(m.inbox) for m in mentors}

        await sari.say("/broadcast")
        await sari.say("The spring training moves to room 4.")
        await sari.pick("Choose who gets it")
        await sari.pick("Everyone")
        await sari.pick("Send now")
        await fake.stop()  # the daemon dies while the broadcast runs
        said = await app.services.escalations.answer(expert, ticket.id, "In the shared folder.")
        assert said == "esc.answer_queued"
        await asyncio.sleep(2.0)  # every first try and retry fails meanwhile
        await fake.start()

        async def all_delivered() -> bool:
            got = [sum("room 4" in s.message for s in m.inbox) for m in mentors]
            return all(n >= 1 for n in got) and await _zero(app, WAITING)

        await _until(all_delivered, within=30, what="the broadcast and the answer after the outage")
        await asyncio.sleep(0.5)
        for m in mentors:
            news = [s.message for s in m.inbox[before[m.number] :] if "room 4" in s.message]
            assert len(news) == 1, (m.number, news)
        answers = [s.message for s in amina.inbox if "In the shared folder." in s.message]
        assert len(answers) == 1, "the expert's answer arrives once"
        [cast] = await app.db.repo(BroadcastsRepo).recent()
        await _until(lambda: _counted(app, cast.id), what="the broadcast to be counted")
    finally:
        await app.stop()
        await fake.stop()


async def test_a_chat_whose_send_hangs_does_not_hold_up_the_other_chats(tmp_path, monkeypatch):
    """Messages wait for several chats when the bot starts (the outbox after a restart; retries
    go the same way). Telegram does not answer the first chat's send until after the read
    timeout: the other chats' messages go out meanwhile, not one after another behind it. The
    hung chat's messages arrive after it is tried again: in order, each once."""
    monkeypatch.setattr(delivery, "FIRST_WAIT", 0.1)  # the hung send is due again at once
    fake = await FakeTelegram().start()
    # Only the proxy's "timeout" fault: no answer for 3 s, then the connection closed unanswered
    # (the fake never gets it), against the transport's read timeout of 1 s.
    proxy = await FaultProxy(fake.base_url, methods={"sendMessage"}, delay=3.0).start()
    hung, others = "5401", ["5402", "5403", "5404"]
    proxy.force("timeout", "sendMessage", chat_id=hung)
    db_path = tmp_path / "hung.db"
    db = Database(db_path)
    await db.open()
    outbox = db.repo(OutboxRepo)
    for text in ("first to the hung chat", "second to the hung chat"):  # the oldest rows
        await outbox.add(Address("telegram", hung), _dump(Outgoing(text)))
    for chat in others:
        await outbox.add(Address("telegram", chat), _dump(Outgoing(f"to {chat}")))
    await db.close()

    app = App(make_config(db_path))
    transport = TelegramTransport(
        fake.token, base_url=proxy.base_url, poll_timeout=1, read_timeout=1.0, overall_max_rate=0
    )
    events: list[tuple[str, str, str]] = []  # (chat, text, "ok" / "failed"), as sends end
    send = transport.send

    async def recording(to: Address, out: Outgoing) -> SendResult:
        result = await send(to, out)
        events.append((to.chat_id, out.text, "ok" if result.ok else "failed"))
        return result

    transport.send = recording  # type: ignore[method-assign]
    app.add_transport(transport)
    await app.start()  # the background sender delivers what waits
    try:
        await _until(lambda: _zero(app, WAITING), what="the outbox to empty")
    finally:
        await app.stop()
        await proxy.stop()
        await fake.stop()
    hung_try = events.index((hung, "first to the hung chat", "failed"))
    for chat in others:
        assert events.index((chat, f"to {chat}", "ok")) < hung_try, (
            f"{chat} waited for the hung chat's send to time out: {events}"
        )
        assert [c.text for c in fake.sent(chat, "sendMessage")] == [f"to {chat}"]
    texts = [c.text for c in fake.sent(hung, "sendMessage")]
    assert texts == ["first to the hung chat", "second to the hung chat"], "in order, once each"
    assert [a.outcome for a in proxy.attempts_to(hung)] == ["timeout", "ok", "ok"]


async def test_a_batch_the_background_sender_delivered_first_is_not_sent_again(h):
    """A batch's messages (timed jobs: check-ins, nudges) can be read from the outbox as soon as
    they are stored, so the background sender may deliver them before the batch's own delivery
    takes their chats' locks (seen at start-up with overdue check-ins: each arrived twice). The
    batch's delivery then sends only what still waits: each message once."""
    messenger = h.app.messenger
    since = await messenger.know_backlog()
    chats = [Address("telegram", str(6100 + n)) for n in range(3)]
    outs = [Outgoing(f"Check-in {n}") for n in range(3)]
    rows = [(to, _dump(out), None, None, None) for to, out in zip(chats, outs, strict=True)]
    ids = await messenger.outbox.add_many(rows)
    now = h.clock.now()
    items = [
        (Queued(outbox_id, to, None, "", None, 0, now, now), out)
        for outbox_id, to, out in zip(ids, chats, outs, strict=True)
    ]
    assert await messenger.deliver_due() == 3  # the background sender got there first
    await messenger.deliver_queued(items, 8, since)
    assert sorted(s.text for s in h.transport.sent) == [o.text for o in outs], "each once"
    assert await h.app.db.scalar(WAITING) == 0


async def test_a_batch_is_not_held_back_by_a_chat_whose_send_hangs(h):
    """A timed jobs' batch (check-ins for many mentors) while a send to one of its chats hangs
    (the messenger not answering until its read timeout): the other chats' messages go out
    meanwhile; the hung chat's arrive after it answers, in order."""
    messenger = h.app.messenger
    hung, other = Address("telegram", "6201"), Address("telegram", "6202")
    asked, answer = asyncio.Event(), asyncio.Event()
    record = h.transport.send

    async def send(to: Address, out: Outgoing) -> SendResult:
        if to.chat_id == hung.chat_id and not answer.is_set():
            asked.set()
            await answer.wait()  # no answer yet
        return await record(to, out)

    h.transport.send = send  # type: ignore[method-assign]
    first = asyncio.create_task(messenger.post(hung, Outgoing("Reply before")))
    await asyncio.wait_for(asked.wait(), 10)  # on its way, holding the chat's turn
    since = await messenger.know_backlog()
    outs = [Outgoing("Check-in to the hung chat"), Outgoing("Check-in to the other chat")]
    rows = [(to, _dump(out), None, None, None) for to, out in zip([hung, other], outs, strict=True)]
    ids = await messenger.outbox.add_many(rows)
    now = h.clock.now()
    items = [
        (Queued(outbox_id, to, None, "", None, 0, now, now), out)
        for outbox_id, to, out in zip(ids, [hung, other], outs, strict=True)
    ]
    batch = asyncio.create_task(messenger.deliver_queued(items, 8, since))
    try:
        await _until(lambda: _true([s.text for s in h.transport.sent] == [outs[1].text]))
        assert not first.done(), "the hung send is still waiting for its answer"
    finally:
        answer.set()
        await asyncio.gather(first, batch)
    texts = [s.text for s in h.transport.sent if s.to.chat_id == hung.chat_id]
    assert texts == ["Reply before", "Check-in to the hung chat"], "in order, each once"
    assert await h.app.db.scalar(WAITING) == 0


async def _true(value: bool) -> bool:
    return value
