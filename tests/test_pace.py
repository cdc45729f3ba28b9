"""The messenger's rate gate: replies go before a broadcast's messages; a fan-out rides out an
outage of the messenger."""

from __future__ import annotations

import asyncio

from bot.messages import DeliveryStatus, SendResult
from bot.roles import Role
from bot.transports.pace import PriorityGate, bulk_sending
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import BroadcastsRepo
from tests.harness import Harness, make_config


async def test_a_waiting_reply_goes_before_waiting_bulk_messages():
    gate = PriorityGate(rate=40)  # slots 25 ms apart: more than SLACK
    order: list[str] = []

    async def one(name: str, bulk: bool) -> None:
        await gate.wait(bulk=bulk)
        order.append(name)

    await gate.wait(bulk=True)  # the slot now is taken: everyone below has to wait
    bulk = [asyncio.create_task(one(f"b{i}", True)) for i in range(5)]
    await asyncio.sleep(0)
    reply = asyncio.create_task(one("reply", False))
    await asyncio.gather(*bulk, reply)
    assert order[0] == "reply" and sorted(order[1:]) == [f"b{i}" for i in range(5)]
    assert gate.waited_bulk >= 1


async def test_bulk_is_marked_by_the_context_and_a_cancelled_waiter_gives_its_place_up():
    gate = PriorityGate(rate=40)  # slots 25 ms apart: more than SLACK
    await gate.wait()
    order: list[str] = []

    async def marked(name: str) -> None:
        with bulk_sending():
            await gate.wait()
        order.append(name)

    async def plain(name: str) -> None:
        await gate.wait()
        order.append(name)

    first = asyncio.create_task(marked("bulk"))
    gone = asyncio.create_task(plain("gone"))
    await asyncio.sleep(0)
    gone.cancel()
    reply = asyncio.create_task(plain("reply"))
    await asyncio.gather(first, reply, return_exceptions=False)
    assert order == ["reply", "bulk"]
    assert gone.cancelled()


async def test_a_fanout_keeps_trying_through_an_outage_longer_than_max_attempts(tmp_path):
    config = (
        "features:\n  broadcasts:\n    rate_per_second: 0\n    workers: 2\n"
        "    progress_seconds: 0.05\n    backoff_seconds: 0.001\n    max_attempts: 2\n"
        "    retry_seconds: 3600\n"
    )
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", config))
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        mentors = [await h.onboard(Role.MENTOR, f"M{i}") for i in range(3)]
        down = SendResult(DeliveryStatus.FAILED, error="connection refused")
        for mentor in mentors:  # the messenger's daemon is down for six tries of each
            h.transport.fail_for[mentor.sender_id] = [down] * 6
        await h.say("/broadcast", staff)
        await h.say("Still there?", staff)
        await h.tap("bc:aud", staff)
        await h.tap("bc:a:role", staff)
        await h.tap("bc:av:role:mentor", staff)
        await h.tap("bc:go", staff)
        await asyncio.wait_for(h.app.services.broadcasts.fanout.idle(), 30)
        for mentor in mentors:
            assert sum("Still there?" in s.text for s in h.sent_to(mentor)) == 1
        [cast] = await h.app.db.repo(BroadcastsRepo).recent()
        counts = await h.app.db.repo(DeliveriesRepo).counts(cast.id)
        assert (counts.sent, counts.failed, counts.pending, counts.sending) == (3, 0, 0, 0)
        tries = await h.app.db.fetchall(
            "SELECT attempts FROM deliveries WHERE broadcast_id = ? AND status = 'sent'",
            (cast.id,),
        )
        assert sorted(r["attempts"] for r in tries) == [7, 7, 7]
    finally:
        await h.stop()


async def test_keyed_locks_tell_whether_a_key_was_released_since_a_mark():
    from bot.messenger import KeyedLocks

    locks = KeyedLocks()
    mark = locks.releases
    async with locks.hold("other"):
        pass
    assert not locks.released_since("anna", mark)  # someone else's update: no need to re-read
    async with locks.hold("anna"):
        pass
    assert locks.released_since("anna", mark)
    assert not locks.released_since("anna", locks.releases)
