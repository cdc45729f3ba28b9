"""The alarm clock for the `jobs` table, which is the truth.

One timer for the soonest pending job, not an alarm per job: the scheduler asks storage when the
next job is due (one indexed read), sleeps until then (or until `add` stores an earlier one, and at
most REFRESH, so jobs stored by another process are seen), then claims the due jobs in batches
and runs them, FIRE_AT_ONCE at a time. Start-up time and memory do not grow with the number of
pending jobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

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


class Scheduler:
    """Runs due jobs (at least once: a crash mid-job runs it again at start); with `alarm=False`
    (tests) only `run_due()` runs them."""

    def __init__(self, app: App, *, alarm: bool = True) -> None:
        self.app = app
        self.handlers: dict[str, JobHandler] = {}
        self._alarm = alarm
        self._running: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._wake_at: datetime | None = None  # when the sleeping loop means to look again

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
            self._loop = asyncio.create_task(self._run(), name="scheduler")
        return released

    async def stop(self) -> None:
        """Stop the timer; running jobs get STOP_WAIT seconds (rows stay)."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
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
        if self._loop is not None and (self._wake_at is None or due_at < self._wake_at):
            self._wake.set()

    async def _run(self) -> None:
        slots = asyncio.Semaphore(FIRE_AT_ONCE)
        while True:
            self._wake.clear()  # an add() from here on wakes the wait below
            try:
                claimed = await self._claim(slots)
                if claimed == BATCH:
                    continue  # more may be due
                nxt = await self.jobs.next_due()
            except Exception:  # noqa: BLE001 - keep the timer alive (e.g. the disk was full)
                log.exception("the scheduler failed; trying again shortly")
                nxt = None
            now = self.app.clock.now()
            wait = REFRESH
            if nxt is not None:
                wait = min(max((nxt - now).total_seconds(), 0.0), REFRESH)
            self._wake_at = now + timedelta(seconds=wait)
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass
            self._wake_at = None

    async def _claim(self, slots: asyncio.Semaphore) -> int:
        """Claim a batch of due jobs and start each as a slot frees up; returns how many."""
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
