"""The alarm clock for the `jobs` table, which is the truth.

One timer for the soonest pending job, not an alarm per job: the timer is a single APScheduler
job (DateTrigger, re-armed with `replace_existing`) due when the soonest pending job is (one
indexed read), at the latest REFRESH from now so jobs stored by another process are seen, and
sooner when `add` stores an earlier one. When it rings, the due jobs are claimed in batches and
run, FIRE_AT_ONCE at a time. Start-up time and memory do not grow with the number of pending
jobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from storage.jobs import Job, JobsRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# A handler does the work of a due job. It returns None when done, or a new due time to run
# again later (quiet hours, snooze, retry).
JobHandler = Callable[["App", Job], Awaitable[datetime | None]]

MAX_ATTEMPTS = 5
BATCH = 100  # due jobs claimed with one statement
FIRE_AT_ONCE = 64  # jobs running at the same time (their sends overlap)
REFRESH = 60.0  # seconds at most between two looks at the table
STOP_WAIT = 5.0  # seconds running jobs get to finish at stop (the rest run again at start)
TIMER_ID = "due-jobs"  # the one APScheduler job


class Scheduler:
    """Runs due jobs (at least once: a crash mid-job runs it again at start); with `alarm=False`
    (tests) only `run_due()` runs them."""

    def __init__(self, app: App, *, alarm: bool = True) -> None:
        self.app = app
        self.handlers: dict[str, JobHandler] = {}
        self._alarm = alarm
        self._running: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._timer: AsyncIOScheduler | None = None
        self._armed_at: datetime | None = None  # when the timer rings next (app clock)
        self._ticking = False  # the timer rang and its claims are under way
        self._early: datetime | None = None  # the soonest job added while ticking
        self._slots: asyncio.Semaphore | None = None

    @property
    def jobs(self) -> JobsRepo:
        """The jobs repository."""
        return self.app.db.repo(JobsRepo)

    def on(self, kind: str, handler: JobHandler) -> None:
        """Register the handler for jobs of `kind`."""
        if kind in self.handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self.handlers[kind] = handler

    async def start(self) -> int:
        """Release the claims of jobs a stop interrupted and start the timer (overdue jobs run at
        once). Returns how many jobs were released."""
        released = await self.jobs.release_claims()
        if self._alarm:
            self._slots = asyncio.Semaphore(FIRE_AT_ONCE)
            self._timer = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
            self._timer.start()
            self._arm(self.app.clock.now())
        return released

    async def stop(self) -> None:
        """Stop the timer; running jobs get STOP_WAIT seconds (rows stay)."""
        if self._timer is not None:
            self._timer.shutdown(wait=False)  # a tick under way is cancelled; rows stay
            self._timer = None
            await asyncio.sleep(0)  # let the cancellation land before waiting for jobs
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_WAIT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def add(self, kind: str, ref: str, due_at: datetime, payload: dict | None = None) -> Job:
        """Store a job (the timer is told when it is due sooner than it meant to look)."""
        job = await self.jobs.add(kind, ref, due_at, payload)
        self._due_soon(job.due_at)
        return job

    async def cancel(self, job_id: int) -> bool:
        """Cancel a pending job."""
        return await self.jobs.cancel(job_id)

    async def cancel_for(self, kind: str, ref: str) -> int:
        """Cancel every pending job of a kind for one ref."""
        return await self.jobs.cancel_for(kind, ref)

    async def run_due(self) -> int:
        """Run every job due now (by the app's clock), one after another; returns how many ran."""
        ran = 0
        for job in await self.jobs.claim_due(self.app.clock.now(), 10_000):
            if await self.fire(job):
                ran += 1
        return ran

    async def fire(self, job: Job) -> bool:
        """Run one claimed job; False when there was nothing to do."""
        if job.id in self._running:
            return False
        self._running.add(job.id)
        try:
            return await self._fire(job)
        finally:
            self._running.discard(job.id)

    async def _fire(self, job: Job) -> bool:
        handler = self.handlers.get(job.kind)
        if handler is None:
            log.error("no handler for job kind %s; job %s left pending", job.kind, job.id)
            return False
        try:
            again = await handler(self.app, job)
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            if job.attempts + 1 >= MAX_ATTEMPTS:
                await self.jobs.done(job.id)
                return True
            again = self.app.clock.now() + timedelta(minutes=2 ** (job.attempts + 1))
            await self.jobs.reschedule(job.id, again, attempt=True)
            self._due_soon(again)
            return True
        if again is not None:
            await self.jobs.reschedule(job.id, again)
            self._due_soon(again)
        else:
            await self.jobs.done(job.id)
        return True

    def _due_soon(self, due_at: datetime) -> None:
        if self._timer is None:
            return
        if self._ticking:  # the tick re-arms when done: for this one at the latest
            self._early = due_at if self._early is None else min(self._early, due_at)
        elif self._armed_at is None or due_at < self._armed_at:
            self._arm(due_at)

    def _arm(self, when: datetime) -> None:
        """Set the one timer for `when` (by the app's clock), replacing the previous setting."""
        if self._timer is None:
            return
        delay = max((when - self.app.clock.now()).total_seconds(), 0.0)
        self._armed_at = when
        self._timer.add_job(
            self._tick,
            DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=delay)),
            id=TIMER_ID,
            replace_existing=True,
            misfire_grace_time=None,  # however late the loop gets to it, it rings
            coalesce=True,
            # A tick re-arms from its own `finally`, before APScheduler counts it finished: a
            # second instance must be allowed or a timer due at once would be skipped (lost).
            max_instances=2,
        )

    async def _tick(self) -> None:
        """The timer rang: claim and start due jobs batch by batch, then re-arm."""
        self._ticking, self._armed_at = True, None
        nxt: datetime | None = None
        try:
            while await self._claim(self._slots) == BATCH:
                pass  # more may be due
            nxt = await self.jobs.next_due()
        except Exception:  # noqa: BLE001 - keep the timer alive (e.g. the disk was full)
            log.exception("the scheduler failed; trying again shortly")
        finally:
            self._ticking = False
            when = self.app.clock.now() + timedelta(seconds=REFRESH)
            for candidate in (nxt, self._early):
                if candidate is not None and candidate < when:
                    when = candidate
            self._early = None
            self._arm(when)

    async def _claim(self, slots: asyncio.Semaphore | None) -> int:
        """Claim a batch of due jobs and start each as a slot frees up; returns how many."""
        assert slots is not None  # made by start()
        jobs = await self.jobs.claim_due(self.app.clock.now(), BATCH)
        for job in jobs:
            await slots.acquire()
            task = asyncio.create_task(self._fire_in_slot(job, slots))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(jobs)

    async def _fire_in_slot(self, job: Job, slots: asyncio.Semaphore) -> None:
        try:
            await self.fire(job)
        except Exception:  # noqa: BLE001 - storage failed around the job: it runs again at start
            log.exception("job %s (%s) could not be finished", job.id, job.kind)
        finally:
            slots.release()
