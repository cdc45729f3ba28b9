"""The broadcast send path: Telegram's lean bulk sends (real HTTP against the fake Bot API), the
pacing of copies, the shared queue of claimed rows and outcomes stored together."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import TelegramError

from bot.features.broadcasts.pacing import Claimed, OutcomeWriter, RateLimiter
from bot.messages import Address, Attachment, Choice, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from bot.transports.telegram import TelegramTransport, outcome_of
from bot.transports.telegram_bulk import ANSWERS_KEPT, HUNG_LEAST, BulkSender
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import BroadcastsRepo
from tests.fakes.faults import FaultProxy
from tests.harness import Harness, make_config

CHAT = 5151


async def _transport(base_url: str, token: str, **kw) -> TelegramTransport:
    transport = TelegramTransport(token, base_url=base_url, poll_timeout=1, **kw)

    async def ignore(_incoming) -> None:
        return None

    await transport.start(ignore)
    return transport


@pytest.fixture
async def telegram(fake):
    transport = await _transport(fake.base_url, fake.token)
    yield transport
    await transport.stop()


ANNOUNCEMENT = Outgoing(
    "📣 RE-MAP team\n\nTraining on 5 December & a café: all welcome.",
    choices=(
        (Choice("bc:l:1", "Programme", url="https://example.org/a?b=1&c=2"),),
        (Choice("bc:r:1", "Reply"),),
    ),
)


async def test_a_bulk_copy_is_the_same_request_as_a_normal_send(fake, telegram):
    plain = await telegram.send(Address("telegram", str(CHAT)), ANNOUNCEMENT)
    bulk = await telegram.send_bulk(Address("telegram", str(CHAT + 1)), ANNOUNCEMENT)
    again = await telegram.send_bulk(Address("telegram", str(CHAT + 2)), ANNOUNCEMENT)
    assert plain.ok and bulk.ok and again.ok
    first, second, third = fake.sent()
    assert second.params == {**first.params, "chat_id": str(CHAT + 1)}
    assert third.params == {**first.params, "chat_id": str(CHAT + 2)}
    assert [bulk.message_id, again.message_id] == [str(second.result_id), str(third.result_id)]


@pytest.mark.parametrize(
    ("code", "description", "status"),
    [
        (403, "Forbidden: bot was blocked by the user", DeliveryStatus.BLOCKED),
        (400, "Bad Request: chat not found", DeliveryStatus.BLOCKED),
        (400, "Bad Request: message text is empty", DeliveryStatus.REJECTED),
        (502, "Bad Gateway", DeliveryStatus.FAILED),
        (500, "Internal Server Error", DeliveryStatus.FAILED),
    ],
)
async def test_bulk_errors_map_like_python_telegram_bots(fake, telegram, code, description, status):
    """A broadcast copy, a reply (telegram_direct.py) and python-telegram-bot's own send_message
    meet the same error: the same outcome."""
    to = Address("telegram", str(CHAT))
    fake.fail("sendMessage", code, description)
    bulk = await telegram.send_bulk(to, ANNOUNCEMENT)
    fake.fail("sendMessage", code, description)
    plain = await telegram.send(to, ANNOUNCEMENT)
    fake.fail("sendMessage", code, description)
    with pytest.raises(TelegramError) as raised:
        await telegram.application.bot.send_message(chat_id=CHAT, text=ANNOUNCEMENT.text)
    ptb = outcome_of(raised.value)
    assert bulk.status is status and plain.status is status and ptb.status is status
    assert bulk.error == plain.error == ptb.error
    assert fake.sent() == []


async def test_a_429_on_a_bulk_copy_holds_every_send_of_the_bot(fake, telegram):
    gate = telegram._limiter.gate
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    result = await telegram.send_bulk(Address("telegram", str(CHAT)), ANNOUNCEMENT)
    assert result.status is DeliveryStatus.RETRY and result.retry_after == 7
    assert gate._next - time.monotonic() > 5, "replies wait for the retry_after too"


async def test_a_429_on_a_reply_holds_bulk_copies_too(fake, telegram):
    paused: list[float] = []
    gate = telegram._limiter.gate
    gate.pause = paused.append  # type: ignore[method-assign]
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    result = await telegram.send(Address("telegram", str(CHAT)), Outgoing("Hello"))
    assert result.ok, "python-telegram-bot waits and tries the reply again"
    assert paused == [1.0]


async def test_a_hung_bulk_copy_gives_up_when_asked(fake):
    proxy = await FaultProxy(fake.base_url, delay=30).start()
    transport = await _transport(proxy.base_url, fake.token)
    try:
        proxy.force("timeout", "sendMessage", chat_id=str(CHAT))
        result = await transport.send_bulk(
            Address("telegram", str(CHAT)), ANNOUNCEMENT, answer_within=0.2
        )
        assert result.status is DeliveryStatus.FAILED and result.error == "TimedOut"
        assert fake.sent() == []
    finally:
        await transport.stop()
        await proxy.stop()


def test_how_long_a_bulk_copy_may_take_follows_the_answers():
    sender = BulkSender("http://127.0.0.1:1/botX", read_timeout=5.0, pool_size=4)
    assert sender.answer_within() == 5.0, "no answers yet: the read timeout"
    sender._answers.extend([0.01] * ANSWERS_KEPT)
    assert sender.answer_within() == HUNG_LEAST, "fast answers: at least HUNG_LEAST"
    sender._answers.append(0.3)
    assert sender.answer_within() == pytest.approx(3.0), "ten times the slowest recent answer"
    sender._answers.append(2.0)
    assert sender.answer_within() == 5.0, "never more than the read timeout"
    assert sender.answer_within(0.5) == 0.5 and sender.answer_within(9) == 5.0


async def test_long_texts_and_files_go_through_python_telegram_bot_until_they_can_be_prebuilt(
    fake, telegram
):
    long = Outgoing("x" * 5000)
    assert (await telegram.send_bulk(Address("telegram", str(CHAT)), long)).ok
    assert [len(c.text) for c in fake.sent(CHAT)] == [4096, 904]

    photo = Outgoing(
        "See the poster", attachment=Attachment("p.png", b"\x89PNG", "image/png", "photo")
    )
    first = await telegram.send_bulk(Address("telegram", str(CHAT + 1)), photo)
    second = await telegram.send_bulk(Address("telegram", str(CHAT + 2)), photo)
    assert first.ok and second.ok
    upload, by_id = fake.sent(CHAT + 1)[0], fake.sent(CHAT + 2)[0]
    assert upload.files and upload.method == by_id.method == "sendPhoto"
    assert by_id.params["photo"] == "photo-1" and by_id.params["caption"] == "See the poster"
    assert not by_id.files, "the second copy re-sends Telegram's file id"


# --- pacing ----------------------------------------------------------------------------------


async def test_the_rate_limiter_lets_waiters_go_in_order_and_holds_them_for_a_pause():
    limiter = RateLimiter(40)  # a slot every 25 ms: only the first goes at once
    order: list[int] = []

    async def take(n: int) -> None:
        await limiter.wait()
        order.append(n)

    tasks = [asyncio.create_task(take(n)) for n in range(8)]
    await asyncio.sleep(0)
    assert order == [0]
    tasks[3].cancel()  # gives its place up
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [0, 1, 2, 4, 5, 6, 7]

    limiter.pause(30)
    late = asyncio.create_task(take(99))
    await asyncio.sleep(0.05)
    assert not late.done(), "a pause holds every sender"
    late.cancel()


async def test_outcomes_that_come_in_during_a_write_share_the_next_statement():
    written: list[list[tuple]] = []
    gate = asyncio.Event()

    async def write(rows: list[tuple]) -> None:
        written.append(rows)
        if len(written) == 1:
            await gate.wait()

    writer = OutcomeWriter(write)
    first = asyncio.create_task(writer.put((1,)))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(writer.put((n,))) for n in range(2, 6)]
    await asyncio.sleep(0)
    assert not first.done(), "a worker waits until its outcome is stored"
    gate.set()
    await asyncio.gather(first, *rest)
    assert written == [[(1,)], [(2,), (3,), (4,), (5,)]]
    assert writer.writes == 2


async def test_a_failed_write_reaches_the_workers_waiting_for_it():
    async def write(rows: list[tuple]) -> None:
        raise RuntimeError("disk full")

    writer = OutcomeWriter(write)
    with pytest.raises(RuntimeError, match="disk full"):
        await writer.put((1,))


async def test_outcomes_are_one_statement_for_many_rows(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    people = [await h.onboard(Role.MENTOR, f"M{i}") for i in range(3)]
    ids = [(await h.person(p)).id for p in people]
    repo = h.app.db.repo(BroadcastsRepo)
    cast = await repo.create((await h.person(staff)).id, "news", {"en": "Hi"}, {"type": "all"})
    await repo.start(cast.id, ids, [])
    deliveries = h.app.db.repo(DeliveriesRepo)
    await deliveries.claim(cast.id, 10)
    await deliveries.outcomes(
        [
            (cast.id, ids[0], "sent", 1, "11", None),
            (cast.id, ids[1], "blocked", 1, None, "Forbidden"),
        ]
    )
    rows = await h.app.db.fetchall(
        "SELECT person_id, status, message_id, error FROM deliveries WHERE broadcast_id = ? "
        "ORDER BY person_id",
        (cast.id,),
    )
    assert [tuple(r) for r in rows] == [
        (ids[0], "sent", "11", None),
        (ids[1], "blocked", None, "Forbidden"),
        (ids[2], "sending", None, None),
    ]


# --- the fan-out -----------------------------------------------------------------------------

FANOUT = (
    "features:\n  broadcasts:\n    rate_per_second: 0\n    workers: 2\n    batch: 10\n"
    "    progress_seconds: 30\n    backoff_seconds: 0.01\n"
)


async def _broadcast(h: Harness, staff, text: str) -> None:
    await h.say("/broadcast", staff)
    await h.say(text, staff)
    await h.tap("bc:aud", staff)
    await h.tap("bc:a:role", staff)
    await h.tap("bc:av:role:mentor", staff)
    await h.tap("bc:go", staff)


async def test_a_hung_send_holds_only_its_own_recipient(tmp_path):
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", FANOUT))
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        mentors = [await h.onboard(Role.MENTOR, f"M{i}") for i in range(8)]
        hung = mentors[0].sender_id
        release = asyncio.Event()
        send = h.transport.send

        async def hanging(to, out):
            if to.chat_id == hung and "Hold on" in out.text:
                await release.wait()
            return await send(to, out)

        h.transport.send = hanging
        await _broadcast(h, staff, "Hold on")

        def others() -> int:
            return sum(1 for m in mentors[1:] for s in h.sent_to(m) if "Hold on" in s.text)

        for _ in range(500):  # every other recipient while the first send hangs (two workers)
            if others() == 7:
                break
            await asyncio.sleep(0.01)
        assert others() == 7, "the rows claimed with the hung one went to the other worker"
        release.set()
        await asyncio.wait_for(h.app.services.broadcasts.fanout.idle(), 10)
        assert sum("Hold on" in s.text for s in h.sent_to(mentors[0])) == 1
    finally:
        await h.stop()


def _claimed(person_id: int = 1) -> Claimed:
    return Claimed(person_id, 1, Address("telegram", "1"), "en", False)


async def test_a_send_that_hung_while_others_went_through_is_no_outage(h):
    fanout = h.app.services.broadcasts.fanout
    long_ago = time.monotonic() - 10
    fanout._ok_started = long_ago + 1  # a send that started after the hung ones went through
    for n in range(5):
        fanout._transient(99, _claimed(n), long_ago)
    assert fanout._failures == 0
    assert fanout.limiter._paused_until < time.monotonic(), "nobody is held back"
    assert fanout._retries.due(99) is not None, "its wait counts from the try's start: due now"

    started = time.monotonic()
    for n in range(3):  # failures of sends started after the last success: an outage
        fanout._transient(98, _claimed(n), started)
    assert fanout._failures == 3
    assert fanout.limiter._paused_until > time.monotonic()


async def test_a_messenger_without_a_bulk_path_gets_broadcasts_through_send(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    mentor = await h.onboard(Role.MENTOR, "Anna")
    assert not hasattr(h.transport, "send_bulk")
    await _broadcast(h, staff, "Through send")
    await h.app.services.broadcasts.fanout.idle()
    assert sum("Through send" in s.text for s in h.sent_to(mentor)) == 1
    assert SendResult(DeliveryStatus.SENT).ok
