"""The alarm clock for the `jobs` table, which is the truth.

One timer for the soonest pending job, not an alarm per job: the timer is a single APScheduler
job (DateTrigger, re-armed with `replace_existing`) due when the soonest pending job is (one
indexed read), at the latest REFRESH from now so jobs stored by another process are seen, and
sooner when `add` stores an earlier one. When it rings, the due jobs are claimed in batches and
run, FIRE_AT_ONCE at a time. Start-up time and memory do not grow with the number of pending
jobs. Kinds registered with `on_batch` (nudges, check-ins) read what they need with the claim and
store what they do once per batch (bot/scheduler_batch.py): a few statements per batch, not per job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.scheduler_batch import Batch, Firing, Outcome, retry_after_failure
from storage.jobs import Job, JobsRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# A handler does the work of a due job. It returns None when done, or a new due time to run
# again later (quiet hours, snooze, retry).
JobHandler = Callable[["App", Job], Awaitable[datetime | None]]
# A handler of a kind that fires in batches: reads `job.context`, tells `firing` what to store.
BatchHandler = Callable[["App", Job, Firing], Awaitable[datetime | None]]

MAX_ATTEMPTS = 5
BATCH = 100  # due jobs claimed with one statement
FIRE_AT_ONCE = 64  # jobs running at the same time (their sends overlap)
RUN_DUE_MOST = 10_000  # jobs one run_due claims at most (a job due again at once waits a call)
REFRESH = 60.0  # seconds at most between two looks at the table
STOP_WAIT = 5.0  # seconds running jobs get to finish at stop (the rest run again at start)
TIMER_ID = "due-jobs"  # the one APScheduler job


class Scheduler:
    """Runs due jobs (at least once: a crash mid-job runs it again at start); with `alarm=False`
    (tests) only `run_due()` runs them."""

    def __init__(self, app: App, *, alarm: bool = True) -> None:
        self.app = app
        self.handlers: dict[str, JobHandler] = {}
        self.batch_handlers: dict[str, BatchHandler] = {}
        self._contexts: dict[str, str] = {}  # kind -> SQL of what its handler reads
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
        if kind in self.handlers or kind in self.batch_handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self.handlers[kind] = handler

    def on_batch(self, kind: str, handler: BatchHandler, context: str) -> None:
        """Register the handler for jobs of `kind`, fired in batches: `context` is the SQL
        expression (on `jobs.ref`, giving JSON) of what it needs, read with the claim."""
        if kind in self.handlers or kind in self.batch_handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self.batch_handlers[kind] = handler
        self._contexts[kind] = context

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
        """Run every job due now (by the app's clock), in order (a batch's messages delivered
        before the next job); returns how many ran."""
        ran = claimed = 0
        now = self.app.clock.now()
        while True:
            jobs = await self.jobs.claim_due(now, BATCH, self._contexts)
            claimed += len(jobs)
            batch: list[Job] = []
            for job in jobs:
                if job.kind in self.batch_handlers:
                    batch.append(job)
                    continue
                ran += await self._run_batch(batch, deliver_now=True)
                batch = []
                if await self.fire(job):
                    ran += 1
            ran += await self._run_batch(batch, deliver_now=True)
            if len(jobs) < BATCH or claimed >= RUN_DUE_MOST:
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

    async def _run_batch(self, jobs: list[Job], *, deliver_now: bool = False) -> int:
        """Fire claimed jobs of batch kinds and store what they did together; the messages go
        out after (in the background unless `deliver_now`). Returns how many ran."""
        if not jobs:
            return 0
        batch = Batch(self.app)
        ids = {job.id for job in jobs}
        self._running |= ids
        try:
            ended = await asyncio.gather(*(self._fire_one(batch, job) for job in jobs))
            outcomes = list(zip(jobs, ended, strict=True))
            since = await self.app.messenger.know_backlog()
            queued = await batch.store(outcomes)
        except Exception:  # noqa: BLE001 - storage failed: the jobs stay claimed, run at start
            log.exception("a batch of %d jobs could not be stored", len(jobs))
            return 0
        finally:
            self._running -= ids
        for due in Batch.due_times(outcomes):
            self._due_soon(due)
        if queued:
            delivery = self.app.messenger.deliver_queued(queued, FIRE_AT_ONCE, since)
            if deliver_now:
                await delivery
            else:
                task = asyncio.create_task(delivery)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return len(jobs)

    async def _fire_one(self, batch: Batch, job: Job) -> Outcome:
        firing = batch.firing(job)
        try:
            again = await self.batch_handlers[job.kind](self.app, job, firing)
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            return retry_after_failure(self.app, job, MAX_ATTEMPTS)
        return Outcome(firing, again)

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
        jobs = await self.jobs.claim_due(self.app.clock.now(), BATCH, self._contexts)
        for job in jobs:
            if job.kind in self.batch_handlers:
                continue
            await slots.acquire()
            task = asyncio.create_task(self._fire_in_slot(job, slots))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self._run_batch([job for job in jobs if job.kind in self.batch_handlers])
        return len(jobs)

    async def _fire_in_slot(self, job: Job, slots: asyncio.Semaphore) -> None:
        try:
            await self.fire(job)
        except Exception:  # noqa: BLE001 - storage failed around the job: it runs again at start
            log.exception("job %s (%s) could not be finished", job.id, job.kind)
        finally:
            slots.release()
