"""Broadcasts through the router: compose, audience, preview, delivery, schedule, cancel, resume."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from bot.messages import DeliveryStatus, SendResult
from bot.roles import Role
from storage.broadcast_deliveries import DeliveriesRepo
from storage.broadcasts import BroadcastsRepo
from storage.progress import ProgressRepo
from storage.workshops import WorkshopsRepo
from tests.harness import Harness, make_config

FAST = (
    "features:\n  broadcasts:\n    rate_per_second: 0\n    workers: 2\n"
    "    progress_seconds: 0.05\n    backoff_seconds: 0.01\n    max_attempts: 3\n    retry_seconds: 0\n"
)


@pytest.fixture
async def b(tmp_path):
    """A harness with fast broadcast settings."""
    harness = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", FAST))
    await harness.start()
    yield harness
    await harness.stop()


def _service(h):
    return h.app.services.broadcasts


async def _compose(
    h, staff, text="Training on 5 December in Helsinki.", fi=None, audience=("all",)
):
    await h.say("/broadcast", staff)
    await h.say(text, staff)
    if fi:
        await h.tap("bc:lang:fi", staff)
        await h.say(fi, staff)
    await h.tap("bc:aud", staff)
    await h.tap(f"bc:a:{audience[0]}", staff)
    if len(audience) > 1:
        await h.tap(f"bc:av:{audience[0]}:{audience[1]}", staff)


def _got(h, user, text: str) -> int:
    return sum(1 for s in h.sent_to(user) if text in s.text)


async def test_compose_preview_and_send_to_a_cohort_in_their_languages(b):
    staff = await b.onboard(Role.STAFF, "Sari", cohort="staff")
    anna = await b.onboard(Role.MENTOR, "Anna", cohort="2025-02")
    aino = await b.onboard(Role.MENTOR, "Aino", lang="fi", cohort="2025-02")
    sven = await b.onboard(Role.MENTOR, "Sven", lang="sv", cohort="2025-02")
    other = await b.onboard(Role.MENTOR, "Other", cohort="2024-09")
    expert = await b.onboard(Role.EXPERT, "Eero", cohort="2025-02")  # looks after the cohort

    await b.say("/broadcast Training on 5 December in Helsinki.", staff)  # text with the command
    assert "Training on 5 December in Helsinki." in b.last(staff).text  # the draft, with options
    assert "bc:lang:fi" in b.last(staff).choice_ids
    await b.tap("bc:lang:fi", staff)
    await b.say("Koulutus 5. joulukuuta Helsingissä.", staff)
    await b.tap("bc:link", staff)
    await b.say("no link here", staff)
    assert "must start with https://" in b.last(staff).text
    await b.say("Register | https://example.org/register", staff)
    await b.tap("bc:kind", staff)
    await b.tap("bc:k:training", staff)
    assert "Kind: Trainings" in b.last(staff).text
    await b.tap("bc:aud", staff)
    await b.tap("bc:a:cohort", staff)
    cohort_choice = next(c.id for c in b.last(staff).out.all_choices() if c.label == "2025-02")
    await b.tap(cohort_choice, staff)
    sent = b.sent_to(staff)
    previews = [s for s in sent if "Koulutus" in s.text or "Training on" in s.text]
    assert {p.text for p in previews[-2:]} == {  # under the team's header, in each language
        "📣 RE-MAP team\n\nTraining on 5 December in Helsinki.",
        "📣 RE-MAP-tiimi\n\nKoulutus 5. joulukuuta Helsingissä.",
    }
    assert previews[-1].out.all_choices()[0].url == "https://example.org/register"
    assert "It goes to 3 people" in b.last(staff).text
    assert b.last(staff).choice_ids[:2] == ["bc:go", "bc:sched"]

    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    assert _got(b, anna, "Training on 5 December") == 1
    assert _got(b, aino, "Koulutus 5. joulukuuta") == 1
    assert _got(b, sven, "Training on 5 December") == 1  # no Swedish version: English
    assert _got(b, other, "Training") == 0
    assert _got(b, expert, "Training") == 0, "a cohort means its mentors"
    assert "Delivered: 3." in b.last(staff).text
    [broadcast] = await b.app.db.repo(BroadcastsRepo).recent()
    counts = await b.app.db.repo(DeliveriesRepo).counts(broadcast.id)
    assert (broadcast.status, counts.sent, counts.pending) == ("done", 3, 0)
    await b.say("/broadcasts", staff)
    assert "3/3 delivered" in b.last(staff).text


async def test_audiences(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    expert = await b.onboard(Role.EXPERT, "Eero")
    done = await b.onboard(Role.MENTOR, "Done", lang="fi")
    busy = await b.onboard(Role.MENTOR, "Busy")
    idle = await b.onboard(Role.MENTOR, "Idle")
    progress = b.app.db.repo(ProgressRepo)
    await progress.complete((await b.person(done)).id, "s1")
    await b.app.db.repo(WorkshopsRepo).add(
        (await b.person(busy)).id,
        "2025-02",
        {
            "held_on": date(2026, 11, 1),
            "community": "x",
            "participants": 3,
            "themes": ("s1",),
            "duration_min": 60,
        },
    )
    service = _service(b)
    cases = {
        ("all", None): {staff, expert, done, busy, idle},
        ("role", "expert"): {expert},
        ("lang", "fi"): {done},
        ("done", "s1"): {done},
        ("notdone", "s1"): {busy, idle},
        ("idle", 30): {done, idle},
    }
    for (kind, value), expected in cases.items():
        send, held = await service.recipients({"type": kind, "value": value}, "news")
        ids = {(await b.person(u)).id for u in expected}
        assert set(send) == ids and held == [], (kind, value)


async def test_muted_and_paused_people_are_counted_not_sent(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    muter = await b.onboard(Role.MENTOR, "Muter")
    pauser = await b.onboard(Role.MENTOR, "Pauser")
    keen = await b.onboard(Role.MENTOR, "Keen")
    await b.say("/settings", muter)
    await b.tap("set:mute:training", muter)
    assert "Trainings: off" in b.last(muter).labels
    await b.say("/pause", pauser)
    assert "Paused" in b.last(pauser).text

    await b.say("/broadcast", staff)
    await b.say("New training dates.", staff)
    await b.tap("bc:kind", staff)
    await b.tap("bc:k:training", staff)
    await b.tap("bc:aud", staff)
    await b.tap("bc:a:role", staff)
    await b.tap("bc:av:role:mentor", staff)
    assert (
        "It goes to 1 person. Held back (paused the bot or turned this kind off; counted but not sent to): 2."
        in b.last(staff).text
    )
    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    assert _got(b, keen, "New training dates.") == 1
    assert (
        _got(b, muter, "New training dates.") == 0 and _got(b, pauser, "New training dates.") == 0
    )
    assert "counted but not sent to: 2." in b.last(staff).text

    # Urgent ones reach the muter, not the paused person; /resume ends the pause.
    await _compose(b, staff, text="Urgent: the venue changed.", audience=("role", "mentor"))
    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    assert _got(b, muter, "Urgent: the venue changed.") == 1  # kind news: not muted
    assert _got(b, pauser, "Urgent") == 0
    await b.say("/resume", pauser)
    person = await b.person(pauser)
    assert not person.paused


async def test_blocked_retry_after_and_network_errors(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    users = [await b.onboard(Role.MENTOR, f"M{i}") for i in range(4)]
    b.transport.blocked.add(users[0].sender_id)
    b.transport.fail_for[users[1].sender_id] = [
        SendResult(DeliveryStatus.RETRY, retry_after=0.05, error="429")
    ]
    b.transport.fail_for[users[2].sender_id] = [SendResult(DeliveryStatus.FAILED, error="Network")]
    await _compose(b, staff, text="Hello mentors", audience=("role", "mentor"))
    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    for user in users[1:]:
        assert _got(b, user, "Hello mentors") == 1
    [broadcast] = await b.app.db.repo(BroadcastsRepo).recent()
    counts = await b.app.db.repo(DeliveriesRepo).counts(broadcast.id)
    assert (counts.sent, counts.blocked, counts.failed) == (3, 1, 0)
    assert _service(b).fanout.retry_afters == 1
    attempts = await b.app.db.fetchall(
        "SELECT person_id, attempts FROM deliveries WHERE broadcast_id = ?", (broadcast.id,)
    )
    blocked_id = (await b.person(users[0])).id
    assert [a["attempts"] for a in attempts if a["person_id"] == blocked_id] == [1]

    # A recipient whose sends keep failing is marked failed after max_attempts.
    expert = await b.onboard(Role.EXPERT, "Eero")
    b.transport.fail_for[expert.sender_id] = [
        SendResult(DeliveryStatus.FAILED, error="Network")
    ] * 3
    await _compose(b, staff, text="Third", audience=("role", "expert"))
    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    assert _got(b, expert, "Third") == 0
    assert "Failed after retries: 1." in b.last(staff).text


async def test_progress_bar_is_an_edited_message(tmp_path):
    slow = FAST.replace("rate_per_second: 0", "rate_per_second: 100").replace(
        "workers: 2", "workers: 1"
    )
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", slow))
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        for i in range(20):
            await h.onboard(Role.MENTOR, f"M{i}")
        await _compose(h, staff, text="Progress please", audience=("role", "mentor"))
        await h.tap("bc:go", staff)
        await _service(h).fanout.idle()
        status = [s for s in h.sent_to(staff) if "sending…" in s.text or "is done" in s.text]
        first = status[0]
        edits = [s for s in status if s.edited and s.message_id == first.message_id]
        assert "sending… 0/20" in first.text and not first.edited
        assert any("sending…" in e.text and "/20" in e.text for e in edits)
        assert "Delivered: 20." in edits[-1].text
    finally:
        await h.stop()


async def test_scheduled_broadcasts_survive_a_restart_and_can_be_cancelled(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    mentor = await b.onboard(Role.MENTOR, "Anna")
    await _compose(b, staff, text="See you tomorrow!", audience=("all",))
    await b.tap("bc:sched", staff)
    await b.say("yesterday", staff)
    assert "couldn't read" in b.last(staff).text
    await b.say("25.11.2026 09:00", staff)
    assert "scheduled for 25.11.2026 09:00" in b.last(staff).text
    await _compose(b, staff, text="Never mind", audience=("all",))
    await b.tap("bc:sched", staff)
    await b.say("25.11.2026 10:00", staff)
    await b.say("/broadcasts", staff)
    cancel = [c for c in b.last(staff).choice_ids if c.startswith("bc:cx:")][0]  # the newest
    await b.tap(cancel, staff)
    assert "is cancelled" in b.last(staff).text

    await b.stop()
    b.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # the bot was down when it fell due
    await b.start()
    assert await b.app.scheduler.run_due() >= 1  # the broadcast (and the nightly clean-up)
    await _service(b).fanout.idle()
    assert _got(b, mentor, "See you tomorrow!") == 1
    assert _got(b, mentor, "Never mind") == 0
    await b.restart()
    assert await b.app.scheduler.run_due() == 0
    await _service(b).fanout.idle()
    assert _got(b, mentor, "See you tomorrow!") == 1


class _Stall:
    """Makes the transport hang on the Nth send, like a process that is about to be killed."""

    def __init__(self, transport, after: int) -> None:
        self.transport = transport
        self.after = after
        self.original = transport.send
        self.count = 0
        self.stalled = asyncio.Event()  # set once a send hangs (the broadcast is mid-way)

    async def send(self, to, out):
        self.count += 1
        if self.count > self.after:
            self.stalled.set()
            await asyncio.Event().wait()  # never returns: the "crash" cancels it
        return await self.original(to, out)


async def test_a_crash_mid_broadcast_resumes_without_skipping_anyone(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    mentors = [await b.onboard(Role.MENTOR, f"M{i}") for i in range(12)]
    await _compose(b, staff, text="Resume me", audience=("role", "mentor"))
    stall = _Stall(b.transport, after=6)  # the staff's status message is send 1
    b.transport.send = stall.send
    await b.tap("bc:go", staff)
    await asyncio.wait_for(stall.stalled.wait(), 10)  # not a wall-clock guess: when it hangs
    assert 0 < sum(_got(b, m, "Resume me") for m in mentors) < 12
    b.transport.send = stall.original
    await b.restart()  # the running broadcast is cut off mid-way
    await _service(b).fanout.idle()
    got = [_got(b, m, "Resume me") for m in mentors]
    assert all(n >= 1 for n in got), "nobody is skipped"
    assert sum(got) - len(mentors) <= _service(b).fanout.workers, "at most one in flight per worker"
    [broadcast] = await b.app.db.repo(BroadcastsRepo).recent()
    assert broadcast.status == "done"


async def test_a_running_broadcast_can_be_cancelled(tmp_path):
    slow = FAST.replace("rate_per_second: 0", "rate_per_second: 40").replace(
        "workers: 2", "workers: 1"
    )
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", slow))
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        for i in range(30):
            await h.onboard(Role.MENTOR, f"M{i}")
        await _compose(h, staff, text="Stop me", audience=("role", "mentor"))
        some = asyncio.Event()
        send = h.transport.send

        async def counting(to, out):
            result = await send(to, out)
            if sum("Stop me" in s.text for s in h.transport.sent) >= 3:
                some.set()  # a few went out: cancel now, mid-way
            return result

        h.transport.send = counting
        await h.tap("bc:go", staff)
        await asyncio.wait_for(some.wait(), 10)
        [broadcast] = await h.app.db.repo(BroadcastsRepo).recent()
        await h.tap(f"bc:cx:{broadcast.id}", staff)
        await _service(h).fanout.idle()
        counts = await h.app.db.repo(DeliveriesRepo).counts(broadcast.id)
        delivered = sum(
            1
            for s in h.transport.sent
            if s.text.endswith("\n\nStop me") and s.to.chat_id != staff.sender_id
        )
        assert 0 < counts.sent < 30 and counts.cancelled > 0
        assert delivered == counts.sent
        assert "stay delivered" in "\n".join(s.text for s in h.sent_to(staff))
    finally:
        await h.stop()


async def test_mentors_cannot_broadcast_and_practices_become_a_draft(b):
    mentor = await b.onboard(Role.MENTOR, "Anna")
    staff = await b.onboard(Role.STAFF, "Sari")
    await b.say("/broadcast", mentor)
    assert "not available for your role" in b.last(mentor).text
    await b.app.db.repo(WorkshopsRepo).add(
        (await b.person(mentor)).id,
        None,
        {
            "held_on": date(2026, 11, 20),
            "community": "x",
            "participants": 3,
            "themes": ("s1",),
            "duration_min": 60,
            "went_well": "We ate together first.",
            "share_practice": True,
        },
    )
    await b.say("/practices", staff)
    await b.tap(b.last(staff).choice_ids[0], staff)
    await b.tap("pr:make", staff)
    assert "We ate together first." in b.last(staff).text
    assert "bc:aud" in b.last(staff).choice_ids


async def test_a_running_broadcast_can_be_paused_and_resumed_even_after_a_restart(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    mentors = [await b.onboard(Role.MENTOR, f"M{i}") for i in range(12)]
    await _compose(b, staff, text="Hold me", audience=("role", "mentor"))
    original, sent = b.transport.send, []
    one_at_a_time = asyncio.Lock()  # the pause lands between two copies, whatever the timing

    async def pause_after_four(to, out):
        if "Hold me" not in out.text or to.chat_id == staff.sender_id:  # a listing, not a copy
            return await original(to, out)
        async with one_at_a_time:
            result = await original(to, out)
            sent.append(to.chat_id)
            if len(sent) == 4:  # staff pauses from /broadcasts while it is being sent
                [cast] = await b.app.db.repo(BroadcastsRepo).recent()
                await b.say("/broadcasts", staff)
                assert f"bc:pause:{cast.id}" in b.last(staff).choice_ids
                await b.tap(f"bc:pause:{cast.id}", staff)
                assert "is paused" in b.last(staff).text
        return result

    b.transport.send = pause_after_four
    await b.tap("bc:go", staff)
    await _service(b).fanout.idle()
    [cast] = await b.app.db.repo(BroadcastsRepo).recent()
    counts = await b.app.db.repo(DeliveriesRepo).counts(cast.id)
    assert cast.status == "sending" and cast.paused_at is not None
    assert counts.pending > 0 and counts.sending == 0 and counts.sent == len(sent) < 12
    await b.say("/broadcasts", staff)
    assert "paused" in b.last(staff).text and f"bc:resume:{cast.id}" in b.last(staff).choice_ids

    b.transport.send = original
    await b.restart()  # a paused broadcast stays paused over a restart
    await _service(b).fanout.idle()
    assert (await b.app.db.repo(DeliveriesRepo).counts(cast.id)).pending == counts.pending
    assert "is not paused" not in (await b.tap(f"bc:resume:{cast.id}", staff))[-1].text
    await _service(b).fanout.idle()
    assert [_got(b, m, "Hold me") for m in mentors] == [1] * 12, "everyone once, nobody twice"
    assert (await b.app.db.repo(BroadcastsRepo).get(cast.id)).status == "done"
    assert "is not paused" in (await b.tap(f"bc:resume:{cast.id}", staff))[-1].text
    assert "nothing to pause" in (await b.tap(f"bc:pause:{cast.id}", staff))[-1].text
