"""The scheduler's timer: due jobs claimed in batches and run once each; an earlier job wakes it;
jobs a stop interrupted run again at start."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from bot.clock import SystemClock
from bot.scheduler import BATCH, Scheduler
from storage.db import Database
from storage.jobs import JobsRepo


async def _app(tmp_path):
    db = Database(tmp_path / "jobs.db", SystemClock())
    await db.open()
    return SimpleNamespace(db=db, clock=db.clock)


async def test_a_burst_of_due_jobs_runs_each_once_in_batches(tmp_path):
    app = await _app(tmp_path)
    ran: list[str] = []
    everything = asyncio.Event()
    total = BATCH * 2 + 7

    async def handler(_app, job):
        ran.append(job.ref)
        if len(ran) == total:
            everything.set()

    scheduler = Scheduler(app)
    scheduler.on("t", handler)
    past = app.clock.now() - timedelta(seconds=5)
    for n in range(total):
        await scheduler.jobs.add("t", str(n), past)
    later = await scheduler.jobs.add("t", "later", app.clock.now() + timedelta(days=1))
    try:
        await scheduler.start()
        await asyncio.wait_for(everything.wait(), 30)
        assert sorted(ran) == sorted(str(n) for n in range(total))
        # A job added for soon wakes the sleeping timer (it meant to look again in a minute).
        soon = asyncio.Event()

        async def quick(_app, job):
            soon.set()

        scheduler.on("soon", quick)
        await scheduler.add("soon", "1", app.clock.now() + timedelta(milliseconds=50))
        await asyncio.wait_for(soon.wait(), 30)
    finally:
        await scheduler.stop()
    pending = await scheduler.jobs.pending()
    assert [job.id for job in pending] == [later.id]
    await app.db.close()


async def test_a_job_claimed_when_the_process_stopped_runs_again_at_start(tmp_path):
    app = await _app(tmp_path)
    jobs = app.db.repo(JobsRepo)
    job = await jobs.add("t", "x", app.clock.now() - timedelta(seconds=1))
    assert [j.id for j in await jobs.claim_due(app.clock.now(), 10)] == [job.id]
    assert await jobs.claim_due(app.clock.now(), 10) == []  # claimed: not handed out twice
    ran = asyncio.Event()

    async def handler(_app, _job):
        ran.set()

    scheduler = Scheduler(app)
    scheduler.on("t", handler)
    try:
        assert await scheduler.start() == 1
        await asyncio.wait_for(ran.wait(), 30)
    finally:
        await scheduler.stop()
    assert (await jobs.get(job.id)).status == "done"
    await app.db.close()


async def test_the_timer_rings_when_it_re_arms_for_a_time_already_due(tmp_path, monkeypatch):
    app = await _app(tmp_path)
    looks = 0
    third = asyncio.Event()

    async def next_due(_repo):
        # A job due now each time the tick looks (as when another process stored one): the tick
        # re-arms for a time already past, before APScheduler counts the tick finished.
        nonlocal looks
        looks += 1
        if looks == 3:
            third.set()
        return app.clock.now() if looks < 3 else None

    monkeypatch.setattr(JobsRepo, "next_due", next_due)
    scheduler = Scheduler(app)
    try:
        await scheduler.start()
        await asyncio.wait_for(third.wait(), 10)  # not REFRESH (60 s) later
    finally:
        await scheduler.stop()
    await app.db.close()
