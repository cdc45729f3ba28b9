"""The alarm clock: APScheduler jobs rebuilt from the `jobs` table, which is the truth."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
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


class Scheduler:
    """Runs due jobs (at least once: a crash mid-job runs it again at start); with `alarm=False` (tests) only `run_due()` runs them."""

    def __init__(self, app: App, *, alarm: bool = True) -> None:
        self.app = app
        self.handlers: dict[str, JobHandler] = {}
        self._aps: AsyncIOScheduler | None = None
        self._alarm = alarm
        self._running: set[int] = set()

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
        """Rebuild alarms from every pending row; overdue ones fire at once. Returns the count."""
        if not self._alarm:
            return 0
        # misfire_grace_time=None: a job is run however late (storage says it is still owed);
        # coalesce: several missed fire times of one job become one run.
        self._aps = AsyncIOScheduler(
            timezone="UTC", job_defaults={"misfire_grace_time": None, "coalesce": True}
        )
        pending = await self.jobs.pending()
        for job in pending:
            self._arm(job.id, job.due_at)
        self._aps.start()
        return len(pending)

    async def stop(self) -> None:
        """Stop the alarms (rows stay)."""
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None

    async def add(self, kind: str, ref: str, due_at: datetime, payload: dict | None = None) -> Job:
        """Store a job and arm its alarm."""
        job = await self.jobs.add(kind, ref, due_at, payload)
        self._arm(job.id, job.due_at)
        return job

    async def cancel(self, job_id: int) -> bool:
        """Cancel a pending job and its alarm."""
        self._disarm(job_id)
        return await self.jobs.cancel(job_id)

    async def cancel_for(self, kind: str, ref: str) -> int:
        """Cancel every pending job of a kind for one ref."""
        for job in await self.jobs.pending_for(kind, ref):
            self._disarm(job.id)
        return await self.jobs.cancel_for(kind, ref)

    async def run_due(self) -> int:
        """Run every job due now (by the app's clock); returns how many ran."""
        ran = 0
        for job in await self.jobs.due(self.app.clock.now()):
            if await self.fire(job.id):
                ran += 1
        return ran

    async def fire(self, job_id: int) -> bool:
        """Run one job if it is still pending; False when there was nothing to do."""
        if job_id in self._running:
            return False
        self._running.add(job_id)
        try:
            job = await self.jobs.get(job_id)
            if job is None or job.status != "pending":
                return False
            handler = self.handlers.get(job.kind)
            if handler is None:
                log.error("no handler for job kind %s; job %s left pending", job.kind, job.id)
                return False
            try:
                again = await handler(self.app, job)
            except Exception:
                log.exception("job %s (%s) failed", job.id, job.kind)
                if job.attempts + 1 >= MAX_ATTEMPTS:
                    await self.jobs.claim(job.id)
                    return True
                again = self.app.clock.now() + timedelta(minutes=2 ** (job.attempts + 1))
                await self.jobs.reschedule(job.id, again, attempt=True)
                self._arm(job.id, again)
                return True
            if again is not None:
                await self.jobs.reschedule(job.id, again)
                self._arm(job.id, again)
            else:
                await self.jobs.claim(job.id)
            return True
        finally:
            self._running.discard(job_id)

    def _arm(self, job_id: int, due_at: datetime) -> None:
        if self._aps is None:
            return
        self._aps.add_job(
            self._on_alarm,
            trigger=DateTrigger(run_date=due_at),
            args=[job_id],
            id=f"job-{job_id}",
            replace_existing=True,
        )

    def _disarm(self, job_id: int) -> None:
        if self._aps is None:
            return
        try:
            self._aps.remove_job(f"job-{job_id}")
        except Exception:  # noqa: BLE001 - already fired or never armed
            pass

    async def _on_alarm(self, job_id: int) -> None:
        await asyncio.shield(self.fire(job_id))
