"""Query plans: no repository query reads a large table in full.

A database is seeded with a few thousand rows in the large tables and ANALYZEd; every repository
method in storage/*.py is run once while the statements it sends to SQLite are recorded; then
EXPLAIN QUERY PLAN of each statement must not contain a full `SCAN <table>` of a large table
(`SCAN ... USING [COVERING] INDEX` and `SEARCH` are fine). Foreign keys that point into a large
table from a large table must be indexed too: a parent delete (erasing a person, deleting a
workshop) otherwise scans the child table, which EXPLAIN QUERY PLAN does not show.

A new repository method needs a line in `exercise()` (test_every_repository_method_is_checked
says which are missing).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
import pkgutil
import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

import storage
from bot.clock import to_iso
from bot.messages import Address, Choice, Outgoing
from bot.roles import Role
from storage.db import Database

# Tables that grow with people and time.
LARGE_TABLES = frozenset(
    {
        "people",
        "identities",
        "bite_progress",
        "reflections",
        "workshops",
        "jobs",
        "tickets",
        "ticket_messages",
        "checkins",
        "section_feedback",
        "audit_log",
        "deliveries",
    }
)

# (label, table) -> why reading the whole table is intended. Labels are "Repo.method[variant]".
INTENDED_SCANS = {
    # Reports and exports without a filter cover every workshop / every answer by definition
    # (SQLite currently walks an index for their ORDER BY / GROUP BY; a plain scan is fine too).
    ("WorkshopsRepo.matching[all]", "workshops"): "report/export of every workshop",
    ("WorkshopsRepo.pages[all]", "workshops"): "report/export of every workshop, page by page",
    ("ProgressRepo.feedback_totals[all]", "section_feedback"): "report over every answer",
    ("ProgressRepo.feedback_totals[cohort]", "section_feedback"): "report; few rows per cohort",
    # Almost everyone is active: the whole table is the answer, a scan is the best plan.
    ("PeopleRepo.active", "people"): "every active person",
    # A broadcast picks its audience once, from every active person.
    ("audience_of[all]", "people"): "broadcast audience: every active person",
    ("audience_of[lang]", "people"): "broadcast audience: a third of everyone",
    # Used by tests and operators only: newest first by rowid, stops after LIMIT rows.
    ("AuditRepo.entries[all]", "audit_log"): "newest entries by rowid with LIMIT",
    ("AuditRepo.entries[action]", "audit_log"): "tests/operators only; newest first with LIMIT",
}

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
_label: contextvars.ContextVar[str] = contextvars.ContextVar("label", default="?")


@dataclass
class Statement:
    """One statement a repository method sent to SQLite."""

    label: str
    sql: str
    params: tuple


# --- seeding --------------------------------------------------------------------------------------


def _iso(days_ago: float) -> str:
    return to_iso(NOW - timedelta(days=days_ago))


def seed(path: Path) -> None:
    """A few thousand rows in every large table, with realistic spreads; then ANALYZE."""
    rnd = random.Random(7)
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    people = 3000
    cohorts = [f"2025-{m:02d}" for m in range(1, 13)]
    sections = ["s1", "s2", "s3", "s4"]
    roles = ["admin", "staff"] + ["expert"] * 18 + ["mentor"] * (people - 20)
    con.executemany(
        "INSERT INTO people (id, display_name, role, cohort, language, timezone, status, "
        "consent_version, consented_at, paused, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        [
            (
                i,
                f"Person {i}",
                roles[i - 1],
                rnd.choice(cohorts),
                rnd.choice(["en", "fi", "sv"]),
                None,
                "active" if i % 20 else rnd.choice(["onboarding", "deactivated"]),
                _iso(rnd.uniform(0, 400)),
                int(i % 50 == 0),
                _iso(rnd.uniform(0, 400)),
            )
            for i in range(1, people + 1)
        ],
    )
    identities = [
        ("telegram", str(100000 + i), i, str(100000 + i), _iso(1)) for i in range(1, people + 1)
    ] + [("signal", f"+3584000{i:05d}", i, f"+3584000{i:05d}", _iso(1)) for i in range(1, 600)]
    con.executemany(
        "INSERT INTO identities (transport, external_id, person_id, chat_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        identities,
    )
    bites = [f"{s}-{n:02d}" for s in sections for n in range(1, 11)]
    progress = {(rnd.randint(1, people), rnd.choice(bites)) for _ in range(15000)}
    con.executemany(
        "INSERT INTO bite_progress (person_id, bite_id, section_id, seen_at) VALUES (?, ?, ?, ?)",
        [(p, b, b[:2], _iso(rnd.uniform(0, 300))) for p, b in progress],
    )
    done = {(rnd.randint(1, people), rnd.choice(sections)) for _ in range(2500)}
    con.executemany(
        "INSERT INTO section_completions (person_id, section_id, completed_at) VALUES (?, ?, ?)",
        [(p, s, _iso(rnd.uniform(0, 300))) for p, s in done],
    )
    con.executemany(
        "INSERT INTO quiz_answers (person_id, section_id, option_id, correct, answered_at) "
        "VALUES (?, ?, 'a', 1, ?)",
        [(p, s, _iso(3)) for p, s in list(done)[:1500]],
    )
    con.executemany(
        "INSERT INTO reflections (person_id, prompt_id, bite_id, section_id, text, shared, "
        "created_at) VALUES (?, 's1-p1', ?, ?, ?, ?, ?)",
        [
            (
                rnd.randint(1, people),
                b := rnd.choice(bites),
                b[:2],
                "A reflection " * 5,
                int(rnd.random() < 0.1),
                _iso(rnd.uniform(0, 400)),
            )
            for _ in range(6000)
        ],
    )
    con.executemany(
        "INSERT INTO section_feedback (person_id, section_id, cohort, score, comment, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                p,
                s,
                rnd.choice(cohorts),
                rnd.randint(1, 5),
                "fine" if rnd.random() < 0.2 else None,
                _iso(rnd.uniform(0, 300)),
            )
            for p, s in {(rnd.randint(1, people), rnd.choice(sections)) for _ in range(4000)}
        ],
    )
    con.executemany(
        "INSERT INTO nudge_settings (person_id, rhythm, at_time, unanswered) VALUES (?, ?, ?, 0)",
        [(p, rnd.choice(["daily", "3week", "weekly", "off"]), "18:00") for p in range(21, 2000)],
    )
    con.executemany(
        "INSERT INTO workshops (mentor_id, cohort, held_on, community, participants, themes, "
        "duration_min, went_well, share_practice, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 90, ?, ?, ?, ?)",
        [
            (
                rnd.randint(21, people),
                rnd.choice(cohorts),
                (NOW.date() - timedelta(days=rnd.randint(0, 500))).isoformat(),
                f"Community {rnd.randint(1, 300)}",
                rnd.randint(3, 40),
                ",".join(rnd.sample(sections, 2)),
                "went well" if rnd.random() < 0.3 else None,
                int(rnd.random() < 0.2),
                _iso(rnd.uniform(0, 500)),
                _iso(rnd.uniform(0, 500)),
            )
            for _ in range(5000)
        ],
    )
    con.executemany(
        "INSERT INTO jobs (kind, ref, due_at, status, payload, created_at, done_at) "
        "VALUES (?, ?, ?, ?, '{}', ?, ?)",
        [
            (
                kind := rnd.choice(["nudge", "nudge", "checkin", "checkin.followup", "esc.remind"]),
                str(rnd.randint(1, people if kind == "nudge" else 4000)),
                _iso(rnd.uniform(-10, 300)),
                status := rnd.choice(["done"] * 6 + ["pending"] * 3 + ["cancelled"]),
                _iso(400),
                _iso(1) if status == "done" else None,
            )
            for _ in range(8000)
        ],
    )
    statuses = ["closed"] * 7 + ["open", "claimed", "answered"]
    con.executemany(
        "INSERT INTO tickets (id, mentor_id, topic, status, expert_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                t,
                rnd.randint(21, people),
                rnd.choice(["s1", "s2", "wellbeing", "practical"]),
                status := rnd.choice(statuses),
                rnd.randint(3, 20) if status != "open" else None,
                _iso(rnd.uniform(0, 400)),
                _iso(rnd.uniform(0, 400)),
            )
            for t in range(1, 2001)
        ],
    )
    con.executemany(
        "INSERT INTO ticket_messages (ticket_id, author, author_id, text, created_at) "
        "VALUES (?, ?, ?, 'a question', ?)",
        [
            (
                rnd.randint(1, 2000),
                author := rnd.choice(["mentor", "expert"]),
                rnd.randint(21, people) if author == "mentor" else rnd.randint(3, 20),
                _iso(rnd.uniform(0, 400)),
            )
            for _ in range(6000)
        ],
    )
    con.executemany(
        "INSERT INTO ticket_posts (transport, chat_id, message_id, ticket_id) VALUES (?, ?, ?, ?)",
        [("telegram", "-1001", str(m), rnd.randint(1, 2000)) for m in range(1, 2001)],
    )
    con.executemany(
        "INSERT INTO checkins (mentor_id, expert_id, workshop_id, themes, due_at, status, "
        "created_at) VALUES (?, ?, ?, 's1', ?, ?, ?)",
        [
            (
                rnd.randint(21, people),
                rnd.randint(3, 20),
                rnd.randint(1, 5000),
                _iso(rnd.uniform(-30, 300)),
                rnd.choice(["scheduled", "sent", "answered", "answered", "missed"]),
                _iso(rnd.uniform(0, 400)),
            )
            for _ in range(4000)
        ],
    )
    actions = ["journal.added", "workshop.logged", "learn.feedback", "nudge.set", "person.role"]
    con.executemany(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, '{}')",
        [
            (_iso(rnd.uniform(0, 400)), rnd.randint(1, people), rnd.choice(actions), str(n))
            for n in range(10000)
        ],
    )
    con.executemany(
        "INSERT INTO dialogs (person_id, step, data, updated_at) VALUES (?, 'ws.date', '{}', ?)",
        [(p, _iso(1)) for p in range(21, 600)],
    )
    con.executemany(
        "INSERT INTO invites (code_hash, role, cohort, max_uses, created_by, created_at) "
        "VALUES (?, 'mentor', '2025-01', 1, 1, ?)",
        [(f"hash{n}", _iso(1)) for n in range(300)],
    )
    con.executemany(
        "INSERT INTO safety_flags (person_id, category, created_at) VALUES (?, 'self', ?)",
        [(rnd.randint(21, people), _iso(rnd.uniform(0, 300))) for _ in range(500)],
    )
    if "deliveries" in tables:
        con.executemany(
            "INSERT INTO broadcasts (id, author_id, kind, texts, audience, status, total, "
            "created_at) VALUES (?, 2, 'news', '{\"en\": \"hi\"}', '{\"type\": \"all\"}', 'done', "
            "3000, ?)",
            [(b, _iso(b)) for b in range(1, 11)],
        )
        con.executemany(
            "INSERT INTO deliveries (broadcast_id, person_id, status, updated_at) "
            "VALUES (?, ?, ?, ?)",
            [
                (b, p, rnd.choice(["sent"] * 8 + ["pending", "blocked"]), _iso(b))
                for b in range(1, 4)
                for p in range(1, people + 1)
            ],
        )
        con.executemany(
            "INSERT INTO mutes (person_id, kind) VALUES (?, ?)",
            [(p, rnd.choice(["news", "training"])) for p in range(21, 300)],
        )
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


# --- recording ------------------------------------------------------------------------------------

_SKIP = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE|ANALYZE)\b", re.I)


def record_statements(db: Database, into: list[Statement]) -> None:
    """Wrap the connection's execute(_fetchall)/executemany: every statement noted with its label."""
    conn = db.conn
    execute, executemany = conn.execute, conn.executemany
    execute_fetchall = conn.execute_fetchall

    def note(sql: str, params: Any) -> None:
        if not _SKIP.match(sql):
            into.append(Statement(_label.get(), sql, tuple(params or ())))

    def recording_execute(sql: str, parameters: Any = None):  # noqa: ANN202 - aiosqlite Result
        note(sql, parameters)
        return execute(sql, parameters)

    def recording_execute_fetchall(sql: str, parameters: Any = None):  # noqa: ANN202
        note(sql, parameters)
        return execute_fetchall(sql, parameters)

    def recording_executemany(sql: str, parameters: Any):  # noqa: ANN202
        rows = [tuple(r) for r in parameters]
        note(sql, rows[0] if rows else ())
        return executemany(sql, rows)

    conn.execute = recording_execute  # type: ignore[method-assign]
    conn.execute_fetchall = recording_execute_fetchall  # type: ignore[method-assign]
    conn.executemany = recording_executemany  # type: ignore[method-assign]


async def _pages(pages: Any) -> int:
    """Read every page of an async iterator; how many items."""
    return sum([len(page) async for page in pages])


async def run(label: str, awaitable: Any) -> Any:
    """Await one repository call with its label set (statements it runs are filed under it)."""
    token = _label.set(label)
    try:
        return await awaitable
    finally:
        _label.reset(token)


# --- every repository method once ------------------------------------------------------------------


async def exercise(db: Database) -> None:
    """Call every repository method once (twice where a filter changes the query)."""
    from storage.audit import AuditRepo
    from storage.checkins import CheckinsRepo
    from storage.choices import PendingChoicesRepo
    from storage.dialogs import DialogsRepo
    from storage.held import HeldRepo
    from storage.invites import InvitesRepo
    from storage.jobs import JobsRepo
    from storage.journal import JournalRepo
    from storage.nudges import NudgesRepo
    from storage.people import PeopleRepo
    from storage.progress import ProgressRepo
    from storage.safety import SafetyRepo
    from storage.seen import SeenUpdatesRepo
    from storage.tickets import TicketsRepo
    from storage.workshops import DraftsRepo, Filter, WorkshopsRepo

    mentor, other, expert = 150, 151, 5
    audit = db.repo(AuditRepo)
    await run("AuditRepo.record", audit.record("journal.added", actor_id=mentor, subject="1"))
    await run("AuditRepo.entries[all]", audit.entries())
    await run("AuditRepo.entries[action]", audit.entries("workshop.logged", limit=10))

    people = db.repo(PeopleRepo)
    person = await run(
        "PeopleRepo.create", people.create(role=Role.MENTOR, cohort="2025-03", display_name="N")
    )
    await run("PeopleRepo.get", people.get(mentor))
    await run("PeopleRepo.by_identity", people.by_identity("telegram", "100150"))
    await run("PeopleRepo.arrival", people.arrival("telegram", "100150", "u-9"))
    await run("PeopleRepo.with_dialog", people.with_dialog(mentor))
    await run("PeopleRepo.add_identity", people.add_identity(person.id, "telegram", "9", "9"))
    await run("PeopleRepo.identities", people.identities(mentor))
    await run("PeopleRepo.update", people.update(person.id, display_name="Nina", paused=0))
    await run("PeopleRepo.with_role", people.with_role(Role.EXPERT))
    await run("PeopleRepo.with_role[all]", people.with_role(Role.MENTOR, active_only=False))
    await run("PeopleRepo.active", people.active())
    await run("PeopleRepo.listed", people.listed(40, 8))
    await run("PeopleRepo.count_listed", people.count_listed())
    await run("PeopleRepo.search", people.search("son 12", 8))
    await run("PeopleRepo.cohorts", people.cohorts())

    dialogs = db.repo(DialogsRepo)
    await run("DialogsRepo.get", dialogs.get(mentor))
    await run("DialogsRepo.set", dialogs.set(mentor, "ws.community", {"form": {}}))
    await run("DialogsRepo.clear", dialogs.clear(mentor))

    invites = db.repo(InvitesRepo)
    code = await run("InvitesRepo.create", invites.create(role=Role.MENTOR, cohort="2025-03"))
    invite = await run("InvitesRepo.find", invites.find(code))
    await run("InvitesRepo.check", invites.check(code))
    await run("InvitesRepo.consume", invites.consume(invite.id))
    await run("InvitesRepo.give_back", invites.give_back(invite.id))
    await run("InvitesRepo.revoke", invites.revoke(code))
    await run("InvitesRepo.get", invites.get(invite.id))
    await run("InvitesRepo.usable", invites.usable(20))
    await run("InvitesRepo.revoke_id", invites.revoke_id(invite.id))

    jobs = db.repo(JobsRepo)
    job = await run("JobsRepo.add", jobs.add("nudge", str(mentor), NOW + timedelta(days=1)))
    await run("JobsRepo.get", jobs.get(job.id))
    await run("JobsRepo.pending", jobs.pending())
    await run("JobsRepo.claim_due", jobs.claim_due(NOW + timedelta(days=1), 100))
    await run("JobsRepo.next_due", jobs.next_due())
    await run("JobsRepo.release_claims", jobs.release_claims())
    await run("JobsRepo.pending_for", jobs.pending_for("nudge", str(mentor)))
    await run("JobsRepo.reschedule", jobs.reschedule(job.id, NOW + timedelta(days=2)))
    await run("JobsRepo.done", jobs.done(job.id))
    later = NOW + timedelta(days=2)
    await run("JobsRepo.add_many", jobs.add_many([("nudge", str(other), later, None)] * 2))
    await run("JobsRepo.finish_many", jobs.finish_many([(job.id, None, False), (1, later, True)]))
    await run("JobsRepo.cancel", jobs.cancel(job.id))
    await run("JobsRepo.cancel_for", jobs.cancel_for("nudge", str(other)))

    journal = db.repo(JournalRepo)
    rid = await run("JournalRepo.add", journal.add(mentor, "text", bite_id="s1-01"))
    await run("JournalRepo.get", journal.get(mentor, rid))
    await run("JournalRepo.page", journal.page(mentor, 0, 5))
    await run("JournalRepo.count", journal.count(mentor))
    await run("JournalRepo.set_shared", journal.set_shared(mentor, rid, True))
    await run("JournalRepo.shared_page", journal.shared_page(0, 5))
    await run("JournalRepo.shared_one", journal.shared_one(rid))
    await run("JournalRepo.add_comment", journal.add_comment(rid, "expert", expert, "Thanks"))
    await run("JournalRepo.comments", journal.comments(rid))
    await run("JournalRepo.delete", journal.delete(mentor, rid))

    nudges = db.repo(NudgesRepo)
    await run("NudgesRepo.get", nudges.get(mentor))
    await run("NudgesRepo.set", nudges.set(mentor, "daily", time(18, 0)))
    await run("NudgesRepo.record_sent", nudges.record_sent(mentor, NOW))
    await run("NudgesRepo.record_sent_many", nudges.record_sent_many([(mentor, NOW), (other, NOW)]))
    await run("NudgesRepo.answered", nudges.answered(mentor))

    progress = db.repo(ProgressRepo)
    await run("ProgressRepo.mark_seen", progress.mark_seen(mentor, "s1-03", "s1"))
    await run(
        "ProgressRepo.mark_seen_many",
        progress.mark_seen_many([(mentor, "s1-04", "s1"), (other, "s1-01", "s1")]),
    )
    await run("ProgressRepo.seen", progress.seen(mentor))
    await run("ProgressRepo.complete", progress.complete(mentor, "s1"))
    await run("ProgressRepo.completed", progress.completed(mentor))
    await run("ProgressRepo.answer_check", progress.answer_check(mentor, "s1", "a", True))
    await run("ProgressRepo.check_answer", progress.check_answer(mentor, "s1"))
    fid = await run(
        "ProgressRepo.give_feedback", progress.give_feedback(mentor, "s1", "2025-03", 4)
    )
    await run("ProgressRepo.add_feedback_comment", progress.add_feedback_comment(fid, "ok"))
    await run("ProgressRepo.feedback_given", progress.feedback_given(mentor, "s2"))
    await run("ProgressRepo.feedback_totals[all]", progress.feedback_totals())
    await run("ProgressRepo.feedback_totals[cohort]", progress.feedback_totals("2025-03"))
    await run(
        "ProgressRepo.feedback_totals[period]",
        progress.feedback_totals(None, _iso(30), _iso(0)),
    )
    await run("ProgressRepo.feedback_comments", progress.feedback_comments("s1"))
    await run("ProgressRepo.feedback_comments[cohort]", progress.feedback_comments("s1", "2025-03"))

    safety = db.repo(SafetyRepo)
    flag = await run("SafetyRepo.flag", safety.flag(mentor, "self"))
    await run("SafetyRepo.latest", safety.latest(mentor))
    await run("SafetyRepo.set_about", safety.set_about(flag, "me"))
    await run("SafetyRepo.set_ticket", safety.set_ticket(flag, 1))
    await run("SafetyRepo.set_full_help", safety.set_full_help(flag))
    await run("SafetyRepo.full_help_since", safety.full_help_since(mentor, NOW))
    await run("SafetyRepo.take_held", safety.take_held(mentor))
    await run("SafetyRepo.clear_held_before", safety.clear_held_before(NOW))
    from storage.outbox import OutboxRepo

    outbox = db.repo(OutboxRepo)
    chat = Address("telegram", "5550001")
    queued = await run("OutboxRepo.add", outbox.add(chat, "{}", person_id=mentor, dedupe_key="k"))
    await run(
        "OutboxRepo.add_many",
        outbox.add_many([(chat, "{}", mentor, "checkin:1", "k"), (chat, "{}", mentor, None, None)]),
    )
    await run("OutboxRepo.pending_for", outbox.pending_for(chat))
    await run("OutboxRepo.due_chats", outbox.due_chats(NOW))
    await run("OutboxRepo.next_due", outbox.next_due())
    await run("OutboxRepo.retry_at", outbox.retry_at(queued, NOW, "TimedOut"))
    await run("OutboxRepo.waiting", outbox.waiting())
    await run("OutboxRepo.due_now", outbox.due_now("telegram"))
    await run("OutboxRepo.give_up", outbox.give_up(queued, "blocked", "Forbidden"))
    await run("OutboxRepo.problems_since", outbox.problems_since(NOW))
    await run("OutboxRepo.forget_problems_before", outbox.forget_problems_before(NOW))
    await run("OutboxRepo.delivered", outbox.delivered(queued))
    replies = await run(
        "OutboxRepo.add_replies",
        outbox.add_replies([(chat, "{}", mentor), (chat, "{}", mentor)], ("telegram", "u-1")),
    )
    await run("OutboxRepo.pending_chats", outbox.pending_chats())
    await run("OutboxRepo.file_paths", outbox.file_paths())
    await run("OutboxRepo.delivered_many", outbox.delivered_many(replies))
    seen = db.repo(SeenUpdatesRepo)
    await run("SeenUpdatesRepo.record", seen.record("telegram", "12345"))
    await run("SeenUpdatesRepo.seen", seen.seen("telegram", "12345"))
    await run("SeenUpdatesRepo.prune", seen.prune())

    tickets = db.repo(TicketsRepo)
    ticket = await run("TicketsRepo.open", tickets.open(mentor, "s1", "a question"))
    await run("TicketsRepo.get", tickets.get(ticket.id))
    await run("TicketsRepo.add_message", tickets.add_message(ticket.id, "mentor", mentor, "more"))
    await run("TicketsRepo.messages", tickets.messages(ticket.id))
    await run("TicketsRepo.claim", tickets.claim(ticket.id, expert))
    await run("TicketsRepo.set_status", tickets.set_status(ticket.id, "answered"))
    await run("TicketsRepo.touch_claim", tickets.touch_claim(ticket.id))
    await run("TicketsRepo.release", tickets.release(ticket.id))
    await run("TicketsRepo.mark_reminded", tickets.mark_reminded(ticket.id))
    await run("TicketsRepo.not_closed", tickets.not_closed())
    await run("TicketsRepo.queue", tickets.queue(expert))
    await run("TicketsRepo.of_mentor", tickets.of_mentor(mentor))
    await run("TicketsRepo.waiting_for", tickets.waiting_for(expert))
    for kind in ("open", "unclaimed", "urgent", "late"):
        await run(f"TicketsRepo.listing[{kind}]", tickets.listing(kind, NOW, 0, 8))
    await run("TicketsRepo.set_status", tickets.set_status(ticket.id, "closed"))
    await run("TicketsRepo.set_helpful", tickets.set_helpful(ticket.id, "yes"))
    group = Address("telegram", "-1001", 7)
    await run("TicketsRepo.add_post", tickets.add_post(ticket.id, group, "77"))
    await run("TicketsRepo.posts", tickets.posts(ticket.id))
    await run("TicketsRepo.ticket_of_post", tickets.ticket_of_post("telegram", "-1001", "77"))

    checkins = db.repo(CheckinsRepo)
    checkin = await run(
        "CheckinsRepo.add", checkins.add(mentor, expert, NOW + timedelta(days=3), themes=("s1",))
    )
    await run("CheckinsRepo.get", checkins.get(checkin.id))
    # The claim of due nudges and check-ins reads what their handlers need with it.
    from storage.checkins import CHECKIN_JOB_CONTEXT
    from storage.nudges import NUDGE_JOB_CONTEXT

    await jobs.add("checkin", str(checkin.id), NOW)
    await jobs.add("nudge", str(mentor), NOW)
    await run(
        "JobsRepo.claim_due[context]",
        jobs.claim_due(NOW, 100, {"nudge": NUDGE_JOB_CONTEXT, "checkin": CHECKIN_JOB_CONTEXT}),
    )
    await run("CheckinsRepo.mark_sent_many", checkins.mark_sent_many([checkin.id, checkin.id + 1]))
    await run("CheckinsRepo.mark_sent", checkins.mark_sent(checkin.id))
    await run("CheckinsRepo.reschedule", checkins.reschedule(checkin.id, NOW, snooze=True))
    await run("CheckinsRepo.answer", checkins.answer(checkin.id, 4))
    await run("CheckinsRepo.add_words", checkins.add_words(checkin.id, "fine"))
    await run("CheckinsRepo.set_ticket", checkins.set_ticket(checkin.id, ticket.id))
    await run("CheckinsRepo.mark_reminded", checkins.mark_reminded(checkin.id))
    await run("CheckinsRepo.set_status", checkins.set_status(checkin.id, "missed"))
    await run("CheckinsRepo.of_expert", checkins.of_expert(expert))
    await run("CheckinsRepo.of_mentor", checkins.of_mentor(mentor))
    await run("CheckinsRepo.around", checkins.around(mentor, NOW - timedelta(days=7), NOW))
    await run("CheckinsRepo.sent_since", checkins.sent_since(mentor, NOW, checkin.id))
    await run("CheckinsRepo.waiting", checkins.waiting(mentor, NOW - timedelta(days=14)))

    held = db.repo(HeldRepo)
    await run("HeldRepo.keep", held.keep(mentor, "answer", "1", Outgoing("an answer")))
    [kept] = await run("HeldRepo.of_person", held.of_person(mentor, NOW - timedelta(days=30)))
    await run("HeldRepo.take", held.take(mentor, kept.id))
    await run("HeldRepo.drop", held.drop(mentor, "answer", "1"))

    choices = db.repo(PendingChoicesRepo)
    chat = Address("signal", "+358400000150")
    await run("PendingChoicesRepo.remember", choices.remember(chat, [Choice("menu:home", "Menu")]))
    await run("PendingChoicesRepo.recall", choices.recall(chat))
    await run("PendingChoicesRepo.remember[clear]", choices.remember(chat, []))

    workshops = db.repo(WorkshopsRepo)
    form = {
        "held_on": date(2026, 11, 20),
        "community": "Youth centre",
        "participants": 12,
        "themes": ("s1", "s2"),
        "duration_min": 90,
        "went_well": "talk",
        "share_practice": True,
    }
    wid = await run("WorkshopsRepo.add", workshops.add(mentor, "2025-03", form))
    await run("WorkshopsRepo.update", workshops.update(mentor, wid, {**form, "participants": 13}))
    await run("WorkshopsRepo.flag_support", workshops.flag_support(wid))
    await run("WorkshopsRepo.get", workshops.get(wid))
    await run("WorkshopsRepo.get_own", workshops.get_own(mentor, wid))
    await run("WorkshopsRepo.page", workshops.page(mentor, 0, 5))
    await run("WorkshopsRepo.count", workshops.count(mentor))
    await run("WorkshopsRepo.recent_communities", workshops.recent_communities(mentor))
    await run("WorkshopsRepo.matching[all]", workshops.matching(Filter()))
    await run(
        "WorkshopsRepo.matching[period]",
        workshops.matching(Filter(date(2026, 10, 1), date(2026, 10, 31))),
    )
    await run("WorkshopsRepo.matching[cohort]", workshops.matching(Filter(cohort="2025-03")))
    for variant, flt in (
        ("all", Filter()),
        ("period", Filter(date(2026, 10, 1), date(2026, 10, 31))),
        ("cohort", Filter(cohort="2025-03")),
    ):  # pages of 50: the first page's query and the keyset query of the pages after it
        await run(f"WorkshopsRepo.pages[{variant}]", _pages(workshops.pages(flt, size=50)))
    await run("WorkshopsRepo.cohorts", workshops.cohorts())
    await run("WorkshopsRepo.practices", workshops.practices(0, 5))
    await run("WorkshopsRepo.delete", workshops.delete(mentor, wid))

    drafts = db.repo(DraftsRepo)
    await run("DraftsRepo.keep", drafts.keep(mentor, {"form": {"community": "x"}}))
    await run("DraftsRepo.take", drafts.take(mentor))
    await run("DraftsRepo.drop", drafts.drop(mentor))

    await _exercise_optional(db, mentor, other, expert)

    # Last: deletes cascade through every child table.
    await run("PeopleRepo.delete", people.delete(person.id))


async def _exercise_optional(db: Database, mentor: int, other: int, expert: int) -> None:
    """Repositories that newer features brought (only when their module exists)."""
    modules = {m.name for m in pkgutil.iter_modules(storage.__path__)}
    if "links" in modules:
        from storage.links import LinkCodesRepo

        links = db.repo(LinkCodesRepo)
        valid = timedelta(minutes=10)
        code = await run("LinkCodesRepo.create", links.create(mentor, "telegram", NOW, valid))
        claim, _ = await run(
            "LinkCodesRepo.claim",
            links.claim(code, transport="signal", sender_id="u", chat_id="u", now=NOW, valid=valid),
        )
        await run("LinkCodesRepo.take_claim", links.take_claim(claim.id, mentor, NOW))
        await run("LinkCodesRepo.drop", links.drop(claim.id))
        await run("LinkCodesRepo.purge_expired", links.purge_expired(NOW))
    if "guesses" in modules:
        from storage.guesses import GuessesRepo, GuessLimits, sender_key

        guesses = db.repo(GuessesRepo)
        sender, limits = sender_key("signal", "u"), GuessLimits(per_sender_per_hour=1)
        await run("GuessesRepo.wrong", guesses.wrong("link", sender, NOW))
        await run("GuessesRepo.check", guesses.check("link", sender, NOW, limits))
        await run("GuessesRepo.purge", guesses.purge(NOW))
        await run("GuessesRepo.forget_senders", guesses.forget_senders([sender]))
    if "broadcasts" in modules:
        from storage.broadcast_deliveries import DeliveriesRepo
        from storage.broadcasts import BroadcastsRepo, MutesRepo, audience_of

        casts = db.repo(BroadcastsRepo)
        cast = await run(
            "BroadcastsRepo.create",
            casts.create(2, "news", {"en": "Hello"}, {"type": "all"}, button=("Open", "https://x")),
        )
        await run("BroadcastsRepo.get", casts.get(cast.id))
        if hasattr(casts, "add_file"):
            fid = await run(
                "BroadcastsRepo.add_file", casts.add_file("photo", "a.png", "image/png", b"png")
            )
            await run("BroadcastsRepo.file", casts.file(fid))
        await run("BroadcastsRepo.recent", casts.recent())
        await run("BroadcastsRepo.with_status", casts.with_status("sending"))
        await run("BroadcastsRepo.start", casts.start(cast.id, list(range(21, 2021)), [2021]))
        await run("BroadcastsRepo.set_progress_to", casts.set_progress_to(cast.id, {"m": 1}))
        deliveries = db.repo(DeliveriesRepo)
        claimed = await run("DeliveriesRepo.claim", deliveries.claim(cast.id, 25))
        if hasattr(deliveries, "targets"):
            running = {"telegram": object(), "signal": object()}
            ids = [pid for pid, _ in claimed]
            await run("DeliveriesRepo.targets", deliveries.targets(ids, running))
        outcomes = [(pid, "sent", "1", None) for pid, _ in claimed]
        await run("DeliveriesRepo.record", deliveries.record(cast.id, outcomes))
        if hasattr(deliveries, "outcomes"):
            rows = [(cast.id, pid, "sent", 1, "5", None) for pid, _ in claimed[:5]]
            await run("DeliveriesRepo.outcomes", deliveries.outcomes(rows))
        if hasattr(deliveries, "outcome"):
            await run(
                "DeliveriesRepo.outcome", deliveries.outcome(cast.id, 22, "sent", 1, "7", None)
            )
        await run("DeliveriesRepo.retry_later", deliveries.retry_later(cast.id, 21))
        await run("DeliveriesRepo.recover", deliveries.recover(cast.id))
        await run("DeliveriesRepo.counts", deliveries.counts(cast.id))
        if hasattr(casts, "pause"):
            await run("BroadcastsRepo.pause", casts.pause(cast.id))
            await run("BroadcastsRepo.resume", casts.resume(cast.id))
        await run("BroadcastsRepo.finish", casts.finish(cast.id))
        await run("BroadcastsRepo.cancel", casts.cancel(cast.id))
        await run("BroadcastsRepo.status", casts.status(cast.id))
        mutes = db.repo(MutesRepo)
        await run("MutesRepo.kinds", mutes.kinds(mentor))
        await run("MutesRepo.toggle", mutes.toggle(mentor, "news"))
        await run("MutesRepo.muted_people", mutes.muted_people("news"))
        today = NOW.date().isoformat()
        for audience in (
            {"type": "all"},
            {"type": "role", "value": "mentor"},
            {"type": "cohort", "value": "2025-03"},
            {"type": "lang", "value": "fi"},
            {"type": "done", "value": "s1"},
            {"type": "notdone", "value": "s1"},
            {"type": "idle", "value": 30},
        ):
            await run(f"audience_of[{audience['type']}]", audience_of(db, audience, today))
    if "web" in modules:
        await _exercise_web(db, mentor)
    if "privacy" in modules:
        from storage.privacy import PrivacyRepo

        privacy = db.repo(PrivacyRepo)
        await run("PrivacyRepo.export", privacy.export(mentor))
        from bot.features.privacy.settings import RetentionDays

        for kind in RetentionDays.model_fields:
            await run(
                f"PrivacyRepo.purge_older_than[{kind}]", privacy.purge_older_than(kind, 365, NOW)
            )
        await run("PrivacyRepo.person_columns", privacy.person_columns())
        await run("PrivacyRepo.uncovered", privacy.uncovered())
        await run("PrivacyRepo.erase", privacy.erase(other))
        await run("PrivacyRepo.reapply_erasures", privacy.reapply_erasures())


async def _exercise_web(db: Database, mentor: int) -> None:
    """The web console's links, sessions and lists."""
    from storage.web import ConsoleRepo, PeopleFilter, WebLinksRepo, WebSessionsRepo

    links = db.repo(WebLinksRepo)
    token = await run("WebLinksRepo.create", links.create(2, NOW + timedelta(days=3650)))
    await run("WebLinksRepo.state", links.state(token))
    await run("WebLinksRepo.redeem", links.redeem(token))
    await run("WebLinksRepo.purge", links.purge(NOW - timedelta(days=1)))
    sessions = db.repo(WebSessionsRepo)
    cookie = await run("WebSessionsRepo.create", sessions.create(2, NOW + timedelta(days=3650)))
    session = await run("WebSessionsRepo.get", sessions.get(cookie))
    await run("WebSessionsRepo.add_flash", sessions.add_flash(session.id, "ok", "Done."))
    await run("WebSessionsRepo.clear_flash", sessions.clear_flash(session.id))
    await run("WebSessionsRepo.end", sessions.end(session.id))
    await run("WebSessionsRepo.end_for", sessions.end_for(2))
    await run("WebSessionsRepo.purge", sessions.purge(NOW))
    console = db.repo(ConsoleRepo)
    await run("ConsoleRepo.people[all]", console.people(PeopleFilter(), 0, 51))
    await run("ConsoleRepo.people[page]", console.people(PeopleFilter(), 2000, 51))
    await run("ConsoleRepo.people[role]", console.people(PeopleFilter(role=Role.EXPERT), 0, 51))
    await run("ConsoleRepo.people[cohort]", console.people(PeopleFilter(cohort="2025-03"), 0, 51))
    await run("ConsoleRepo.people[name]", console.people(PeopleFilter(name="Person 12"), 0, 51))
    await run(
        "ConsoleRepo.people[status]", console.people(PeopleFilter(status="deactivated"), 0, 51)
    )
    await run("ConsoleRepo.people[person]", console.people(PeopleFilter(person=mentor), 0, 1))
    await run("ConsoleRepo.people_cohorts", console.people_cohorts())
    await run("ConsoleRepo.invites", console.invites(50))
    await run("ConsoleRepo.revoke_invite", console.revoke_invite(1))


# --- the plans ------------------------------------------------------------------------------------

_KEYWORDS = {
    "where",
    "set",
    "join",
    "on",
    "left",
    "inner",
    "cross",
    "natural",
    "order",
    "group",
    "limit",
    "values",
    "using",
    "select",
    "default",
    "as",
}
_TABLE_REF = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.I)
_SCAN = re.compile(r"^SCAN (?:TABLE )?(\S+)(.*)$")


def tables_by_name(sql: str) -> dict[str, str]:
    """Table names and their aliases in a statement -> the table."""
    names: dict[str, str] = {}
    for table, alias in _TABLE_REF.findall(sql):
        names[table] = table
        if alias and alias.lower() not in _KEYWORDS:
            names[alias] = table
    return names


def full_scans(con: sqlite3.Connection, statement: Statement) -> tuple[list[str], list[str]]:
    """Large tables the statement's plan reads in full, and the plan's lines."""
    plan = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.params)]
    names = tables_by_name(statement.sql)
    scanned = []
    for line in plan:
        match = _SCAN.match(line)
        if match is None or "USING INDEX" in match.group(2) or "COVERING INDEX" in match.group(2):
            continue
        table = names.get(match.group(1), match.group(1))
        if table in LARGE_TABLES:
            scanned.append(table)
    return scanned, plan


@dataclass
class Recorded:
    """What the module fixture collected."""

    path: Path
    statements: list[Statement]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Seed, ANALYZE, run every repository method once, keep the statements."""
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    statements: list[Statement] = []

    async def go() -> None:
        db = Database(path)
        await db.open()  # migrate
        await db.close()
        seed(path)
        await db.open()
        try:
            record_statements(db, statements)
            await exercise(db)
        finally:
            await db.close()

    asyncio.run(go())
    return Recorded(path, statements)


def test_no_repository_query_scans_a_large_table(recorded: Recorded) -> None:
    """Every statement finds its rows through an index (or is a listed, intended scan)."""
    con = sqlite3.connect(recorded.path)
    problems = []
    for statement in recorded.statements:
        scanned, plan = full_scans(con, statement)
        for table in scanned:
            if (statement.label, table) in INTENDED_SCANS:
                continue
            problems.append(
                f"{statement.label}: full scan of {table}\n    {statement.sql}\n    plan: "
                + " | ".join(plan)
            )
    con.close()
    assert not problems, "queries that read a large table in full:\n" + "\n".join(problems)


def test_foreign_keys_between_large_tables_are_indexed(recorded: Recorded) -> None:
    """Deleting a parent row finds its children through an index, not by a scan of the child."""
    con = sqlite3.connect(recorded.path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = []
    for child in sorted(LARGE_TABLES & tables):
        leading: set[tuple[str, ...]] = set()
        for index in con.execute(f"PRAGMA index_list({child})").fetchall():
            columns = [r[2] for r in con.execute(f"PRAGMA index_info({index[1]})")]
            leading.update(tuple(columns[:n]) for n in range(1, len(columns) + 1))
        info = sorted(
            (r for r in con.execute(f"PRAGMA table_info({child})") if r[5]), key=lambda r: r[5]
        )
        pk = [r[1] for r in info]  # primary key columns in key order (rowid tables: the alias)
        leading.update(tuple(pk[:n]) for n in range(1, len(pk) + 1))
        fks: dict[int, tuple[str, list[str]]] = {}
        for row in con.execute(f"PRAGMA foreign_key_list({child})"):
            fks.setdefault(row[0], (row[2], []))[1].append(row[3])
        for parent, columns in fks.values():
            if parent in LARGE_TABLES and tuple(columns) not in leading:
                missing.append(f"{child}({', '.join(columns)}) -> {parent}")
    con.close()
    assert not missing, "foreign keys without an index on the child side: " + "; ".join(missing)


def _repository_methods() -> set[str]:
    """Public coroutine methods of every *Repo class (and public module coroutines) in storage."""
    found = set()
    for info in pkgutil.iter_modules(storage.__path__):
        if info.name == "db":
            continue
        module = importlib.import_module(f"storage.{info.name}")
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__ or name.startswith("_"):
                continue
            if inspect.isclass(obj) and name.endswith("Repo"):
                found.update(
                    f"{name}.{attr}"
                    for attr, fn in vars(obj).items()
                    if not attr.startswith("_") and inspect.iscoroutinefunction(fn)
                )
            elif inspect.iscoroutinefunction(obj):
                found.add(name)
    return found


def test_every_repository_method_is_checked(recorded: Recorded) -> None:
    """A repository method added later must be added to exercise() above."""
    labels = {s.label.split("[", 1)[0] for s in recorded.statements}
    missing = sorted(_repository_methods() - labels)
    assert not missing, (
        "repository methods whose queries are not plan-checked (add them to exercise() in "
        f"tests/test_query_plans.py): {missing}"
    )


def test_the_seed_is_large_enough(recorded: Recorded) -> None:
    """The plans are only meaningful with real statistics: thousands of rows, ANALYZEd."""
    con = sqlite3.connect(recorded.path)
    counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("people", "jobs")}
    stats = con.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0]
    con.close()
    assert counts["people"] >= 2000 and counts["jobs"] >= 5000 and stats > 10, (counts, stats)
