"""A claimed batch of due jobs whose kinds fire in batches (`Scheduler.on_batch`).

Their handlers read what they need from `job.context` (read by the claim itself) and write
nothing themselves: they tell their `Firing` what to store. The batch then stores it all in one
transaction, one statement per kind of write: the guards (a check-in still scheduled?), the
features' own rows, the outbox rows, new jobs, and the claimed jobs done or due again. A crash
before that commit stores nothing (the claims are released at start and the jobs fire again); after
it, the outbox delivers the messages (after a restart too). Then the messages go out, one chat's in
order and the chats side by side, and one statement deletes the delivered ones.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.messages import Address, Outgoing
from bot.messenger.payload import _dump
from storage.jobs import Job, JobsRepo
from storage.outbox import OutboxRepo, Queued
from storage.people import Recipient

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

T = TypeVar("T")

# A write of many rows with one statement (e.g. NudgesRepo.record_sent_many).
WriteMany = Callable[[list[Any]], Awaitable[None]]
# A conditional write of many keys with one statement; returns the keys it changed.
GuardMany = Callable[[list[Any]], Awaitable[set[Any]]]


@dataclass
class _Send:
    to: Address
    out: Outgoing
    person_id: int
    purpose: str | None
    dedupe_key: str | None


@dataclass
class Firing:
    """What one job of the batch stores when its handler returns (nothing if it raises)."""

    job: Job
    batch: Batch
    guard: tuple[GuardMany, Any] | None = None
    writes: list[tuple[WriteMany, Any]] = field(default_factory=list)
    sends: list[_Send] = field(default_factory=list)
    jobs: list[tuple[str, str, datetime, dict | None]] = field(default_factory=list)

    def only_if(self, guard: GuardMany, key: Any) -> None:
        """Store this job's writes, messages and jobs only if `guard` changes `key` (checked in
        the batch's transaction, e.g. CheckinsRepo.mark_sent_many: still scheduled)."""
        self.guard = (guard, key)

    def write(self, many: WriteMany, row: Any) -> None:
        """A row for `many`, which stores the rows of the whole batch with one statement."""
        self.writes.append((many, row))

    def add(self, kind: str, ref: str, due_at: datetime, payload: dict | None = None) -> None:
        """A new job (as Scheduler.add)."""
        self.jobs.append((kind, ref, due_at, payload))

    def send(
        self,
        recipient: Recipient,
        out: Outgoing,
        *,
        purpose: str | None = None,
        dedupe_key: str | None = None,
    ) -> bool:
        """Queue a message for the person (as Messenger.send_to_person: their preferred running
        messenger, their language, nothing to a deactivated person); False when it cannot go."""
        person = recipient.person
        if person.status == "deactivated":
            return False
        running = [c for c in recipient.chats if c[0] in self.batch.app.messenger.transports]
        if not running:
            return False
        transport, chat_id = next(
            (c for c in running if c[0] == person.preferred_transport), running[0]
        )
        if out.lang is None:
            out = replace(out, lang=person.language)
        self.sends.append(_Send(Address(transport, chat_id), out, person.id, purpose, dedupe_key))
        return True

    def shared(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, made once per batch for `key` (e.g. the same bite in the same language for
        many mentors); `key` must name everything `make` depends on."""
        memo = self.batch.memo
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def first(self, key: Hashable) -> bool:
        """True the first time any job of the batch asks about `key` (e.g. one check-in per
        mentor per batch where the calm rule applies)."""
        if key in self.batch.seen:
            return False
        self.batch.seen.add(key)
        return True


@dataclass
class Outcome:
    """How a job of the batch ended: done (`again` None) or due again, counted as a failed
    attempt or not; `firing` is None when its handler raised."""

    firing: Firing | None
    again: datetime | None
    attempt: bool = False


@dataclass
class Batch:
    """The due jobs of one claim whose kinds fire in batches."""

    app: App
    seen: set[Hashable] = field(default_factory=set)
    memo: dict[Hashable, Any] = field(default_factory=dict)

    def firing(self, job: Job) -> Firing:
        """A job's Firing."""
        return Firing(job, self)

    async def store(self, outcomes: list[tuple[Job, Outcome]]) -> list[tuple[Queued, Outgoing]]:
        """Store everything the jobs asked for and finish them, in one transaction; returns the
        queued messages to deliver."""
        db = self.app.db
        kept = [o.firing for _, o in outcomes if o.firing is not None]
        async with db.transaction():
            guards: dict[GuardMany, list[Firing]] = {}
            for firing in kept:
                if firing.guard is not None:
                    guards.setdefault(firing.guard[0], []).append(firing)
            for guard, firings in guards.items():
                changed = await guard([f.guard[1] for f in firings])  # type: ignore[index]
                dropped = {id(f) for f in firings if f.guard[1] not in changed}  # type: ignore[index]
                kept = [f for f in kept if id(f) not in dropped]
            writes: dict[WriteMany, list[Any]] = {}
            for firing in kept:
                for many, row in firing.writes:
                    writes.setdefault(many, []).append(row)
            for many, rows in writes.items():
                await many(rows)
            sends = [s for f in kept for s in f.sends]
            ids = await db.repo(OutboxRepo).add_many(
                [(s.to, _dump(s.out), s.person_id, s.purpose, s.dedupe_key) for s in sends]
            )
            jobs = db.repo(JobsRepo)
            await jobs.add_many([row for f in kept for row in f.jobs])
            await jobs.finish_many([(job.id, o.again, o.attempt) for job, o in outcomes])
        now = self.app.clock.now()
        return [
            (Queued(outbox_id, s.to, s.person_id, "", s.purpose, 0, now, now), s.out)
            for s, outbox_id in zip(sends, ids, strict=True)
            if outbox_id is not None
        ]

    @staticmethod
    def due_times(outcomes: list[tuple[Job, Outcome]]) -> list[datetime]:
        """When the batch's jobs (again) and the jobs it added are due."""
        times = [o.again for _, o in outcomes if o.again is not None]
        for _, o in outcomes:
            if o.firing is not None:
                times += [due for _, _, due, _ in o.firing.jobs]
        return times


def retry_after_failure(app: App, job: Job, max_attempts: int) -> Outcome:
    """A handler raised: done after `max_attempts`, else again with a growing wait."""
    if job.attempts + 1 >= max_attempts:
        return Outcome(None, None)
    return Outcome(None, app.clock.now() + timedelta(minutes=2 ** (job.attempts + 1)), True)
