"""Memory: peak RSS of the running bot with 10,000 people and 100,000 stored rows, under real work.

The database holds 10,000 active mentors (Telegram identities, nudge settings, a pending nudge
and a scheduled check-in each: 20,000 alarms armed at start), one staff member (a Telegram
identity too) and 100,000 rows of stored work: reflections, bite progress, workshops (10,000),
section feedback, ticket messages and audit entries. The real bot then runs in its own process
(App + TelegramTransport against the fake Bot API on 127.0.0.1, as in bench/throughput.py) and,
all through that fake, in this order:

1. a few hundred updates of throughput.py's mentor mix from 100 of the mentors;
2. the staff member asks /report (period "all", all cohorts: the chart as a photo and the totals)
   and /export (the same: a CSV and an XLSX of every workshop, then the care note);
3. `--mydata` mentors (5) ask /mydata at once (the JSON file);
4. the staff member composes an announcement (/broadcast, a text, audience: everyone) and taps
   "send now"; the fan-out runs until the bot reports it done or `--broadcast-seconds` (20) pass.
   `--broadcast-rate` sets features.broadcasts.rate_per_second (default 0: as fast as the fake
   answers, so the window covers as many deliveries as the machine allows; the bot's default is 25).

Each step waits for the bot's whole answer (e.g. the photo and the totals after it) up to
`--step-timeout` s; its answer time runs from the update being offered to the last message of
the answer, on the fake's clock. The figure is the bot process's peak RSS (getrusage ru_maxrss at
the end), with the RSS right after start and VmRSS/VmHWM after each phase (`memory_by_phase`).
Target (issue 19): < 150 MB at 50,000 mentors. A smaller run (the default 10,000, `--quick`
1,000) judges it as a bound: RSS grows with the people, so a miss there is a miss, but a pass
does not show the target (`target_scope`). A mix reply that timed out, an unanswered step, or a
step (report, export, /mydata, broadcast with no delivery) that did not run is a miss too.
Exits 1 on a miss. The broadcast not finishing within its window is not a miss (`finished`).

    .venv/bin/python bench/memory.py [--people 10000] [--rows 100000] [--updates 500] [--quick]
                                     [--mydata 5] [--broadcast-seconds 20] [--broadcast-rate 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
if str(SCRIPT.parent) not in sys.path:
    sys.path.insert(0, str(SCRIPT.parent))

from scheduler import migrate, seed_population  # noqa: E402
from throughput import (  # noqa: E402
    FIRST_USER_ID,
    SENT_METHODS,
    BotProcess,
    Mentor,
    Stats,
    content_ids,
    machine_info,
    mentor_mix,
    write_config,
)

from tests.fakes.telegram_api import Call  # noqa: E402

TARGET_MB = 150
SCALE_PEOPLE = 50_000  # the size the target is set at
STAFF_USER_ID = 400_000_001  # Telegram user id of the seeded staff member
BROADCAST_TEXT = "Reminder: the spring training day is on 14 March in Tampere. Tea from 9.30."
# Share of the stored rows per table (sums to 1).
ROW_MIX = {
    "reflections": 0.30,
    "bite_progress": 0.30,
    "workshops": 0.10,
    "section_feedback": 0.05,
    "ticket_messages": 0.05,
    "audit_log": 0.20,
}
TEXT = (
    "Today the group talked about what keeps them strong. Two of the young people said that "
    "football and their cousins help most; one said nothing helps. I listened and asked what a "
    "good day looks like. Next time I will start with the battery picture and a short walk. "
)


def seed_rows(db_path: Path, people: int, rows: int) -> dict[str, int]:
    """`rows` stored rows spread over the tables of ROW_MIX; returns the count per table."""
    rnd = random.Random(5)
    now = datetime.now(UTC)

    def ago(max_days: float) -> str:
        return (now - timedelta(days=rnd.uniform(0, max_days))).isoformat(timespec="seconds")

    counts = {table: int(rows * share) for table, share in ROW_MIX.items()}
    counts["audit_log"] += rows - sum(counts.values())
    sections = ["s1", "s2", "s3", "s4"]
    bites = [f"{s}-{n:02d}" for s in sections for n in range(1, 11)]
    con = sqlite3.connect(db_path)
    con.executemany(
        "INSERT INTO reflections (person_id, prompt_id, bite_id, section_id, text, shared, "
        "created_at) VALUES (?, 's1-p1', ?, ?, ?, ?, ?)",
        [
            (
                rnd.randint(1, people),
                b := rnd.choice(bites),
                b[:2],
                TEXT,
                int(n % 10 == 0),
                ago(365),
            )
            for n in range(counts["reflections"])
        ],
    )
    # bite_progress has one row per (person, bite): walk people and bites in order.
    pairs = ((1 + n // len(bites), bites[n % len(bites)]) for n in range(counts["bite_progress"]))
    con.executemany(
        "INSERT INTO bite_progress (person_id, bite_id, section_id, seen_at) VALUES (?, ?, ?, ?)",
        [(p, b, b[:2], ago(300)) for p, b in pairs],
    )
    today = date.today()
    con.executemany(
        "INSERT INTO workshops (mentor_id, cohort, held_on, community, participants, themes, "
        "duration_min, went_well, was_hard, share_practice, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 90, ?, ?, ?, ?, ?)",
        [
            (
                rnd.randint(1, people),
                f"2025-{rnd.randint(1, 12):02d}",
                (today - timedelta(days=rnd.randint(0, 500))).isoformat(),
                f"Youth centre {rnd.randint(1, 400)}",
                rnd.randint(3, 40),
                ",".join(rnd.sample(sections, 2)),
                TEXT[:150],
                TEXT[150:],
                int(rnd.random() < 0.2),
                ago(500),
                ago(500),
            )
            for _ in range(counts["workshops"])
        ],
    )
    con.executemany(
        "INSERT INTO section_feedback (person_id, section_id, cohort, score, comment, answered_at) "
        "VALUES (?, ?, '2025-03', ?, ?, ?)",
        [
            (1 + n // 4, sections[n % 4], rnd.randint(1, 5), TEXT[:80], ago(300))
            for n in range(counts["section_feedback"])
        ],
    )
    tickets = max(1, counts["ticket_messages"] // 3)
    con.executemany(
        "INSERT INTO tickets (id, mentor_id, topic, status, created_at, updated_at) "
        "VALUES (?, ?, 's1', 'closed', ?, ?)",
        [(t, rnd.randint(1, people), ago(400), ago(400)) for t in range(1, tickets + 1)],
    )
    con.executemany(
        "INSERT INTO ticket_messages (ticket_id, author, author_id, text, created_at) "
        "VALUES (?, 'mentor', ?, ?, ?)",
        [
            (rnd.randint(1, tickets), rnd.randint(1, people), TEXT, ago(400))
            for _ in range(counts["ticket_messages"])
        ],
    )
    con.executemany(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, '{}')",
        [
            (ago(400), rnd.randint(1, people), "journal.added", str(n))
            for n in range(counts["audit_log"])
        ],
    )
    con.commit()
    con.close()
    return counts


def table_rows(db_path: Path) -> int:
    """Rows in every table of the database."""
    con = sqlite3.connect(db_path)
    names = [
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    total = sum(con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in names)
    con.close()
    return total


def seed_staff(db_path: Path, people: int) -> int:
    """One active staff member with a Telegram identity, as the mentors are seeded; their user id."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    con = sqlite3.connect(db_path)
    con.execute(
        "INSERT INTO people (id, display_name, role, cohort, language, status, consent_version, "
        "consented_at, created_at) VALUES (?, 'Staff bench', 'staff', 'staff', 'en', 'active', 1, "
        "?, ?)",
        (people + 1, created, created),
    )
    con.execute(
        "INSERT INTO identities (transport, external_id, person_id, chat_id, created_at) "
        "VALUES ('telegram', ?, ?, ?, ?)",
        (str(STAFF_USER_ID), people + 1, str(STAFF_USER_ID), created),
    )
    con.commit()
    con.close()
    return STAFF_USER_ID


def process_memory_mb(pid: int) -> dict[str, float | None]:
    """A process's resident set now (VmRSS) and its peak so far (VmHWM), in MB (Linux /proc)."""
    found: dict[str, float | None] = {"rss_mb": None, "peak_mb": None}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmHWM:"):
                found["peak_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return found


Done = Callable[[list[Call]], bool]


def buttons(prefix: str) -> Done:
    """The answer is complete once a message carries a button whose data starts with `prefix`."""
    return lambda calls: any(d.startswith(prefix) for c in calls for d in c.callback_data)


class Actor:
    """One person driven step by step: sends an update, waits until the bot's answer is complete."""

    def __init__(self, fake: Any, user_id: int, timeout: float, log: list[dict[str, Any]]) -> None:
        self.fake = fake
        self.log = log  # every actor's steps, in the order they ended
        self.user_id = user_id
        self.timeout = timeout
        self.calls: list[Call] = []  # every message the bot sent to this chat
        self.steps: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._message_id = 1  # the last message with buttons (what a tap presses on)

    def on_call(self, call: Call) -> None:
        """A message to this chat arrived at the fake server."""
        self.calls.append(call)
        if call.callback_data:
            self._message_id = getattr(call, "result_id", self._message_id)
        self._changed.set()

    async def wait(self, since: int, done: Done, within: float) -> list[Call] | None:
        """The calls since index `since` once `done` holds for them (None after `within` s)."""
        deadline = time.perf_counter() + within
        while True:
            self._changed.clear()
            calls = self.calls[since:]
            if done(calls):
                return calls
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def act(self, name: str, kind: str, value: str, done: Done) -> list[Call] | None:
        """Send a message ("say") or tap a button ("tap"); wait for the whole answer; log the step.

        The answer time runs from the moment the update is offered to the bot to the last call
        of the answer (e.g. the summary after the chart), on the fake server's clock.
        """
        since = len(self.calls)
        if kind == "tap":
            update_id = await self.fake.tap(self.user_id, value, message_id=self._message_id)
        else:
            update_id = await self.fake.message(self.user_id, value)
        calls = await self.wait(since, done, self.timeout)
        offered = self.fake.offered_at.pop(update_id, None)
        step: dict[str, Any] = {"step": name, "answered": calls is not None}
        if calls is not None and offered is not None:
            step["answer_s"] = round(calls[-1].at - offered, 3)
        self.steps.append(step)
        self.log.append(step)
        return calls

    async def flow(self, steps: list[tuple[str, str, str, Done]]) -> list[Call] | None:
        """Each step in turn; the last step's calls, or None as soon as one goes unanswered."""
        calls: list[Call] | None = None
        for name, kind, value, done in steps:
            calls = await self.act(name, kind, value, done)
            if calls is None:
                return None
        return calls


async def report(staff: Actor) -> dict[str, Any]:
    """/report, period all, all cohorts: the chart (a PNG) and the totals."""
    out: dict[str, Any] = {"ran": False}
    flow: list[tuple[str, str, str, Done]] = [
        ("/report", "say", "/report", buttons("rep:r:all")),
        ("report period", "tap", "rep:r:all", buttons("rep:r:all:a")),
    ]
    if await staff.flow(flow) is None:
        return out
    chart = await staff.act(
        "report chart",
        "tap",
        "rep:r:all:a",
        lambda calls: any(c.method == "sendPhoto" for c in calls) and buttons("rep:home")(calls),
    )
    if chart is not None:
        out["ran"] = True
        out["chart_bytes"] = sum(len(b) for c in chart for b in c.files.values())
    return out


async def export(staff: Actor) -> dict[str, Any]:
    """/export, period all, all cohorts: a CSV and an XLSX file, then the care note."""
    out: dict[str, Any] = {"ran": False}
    flow: list[tuple[str, str, str, Done]] = [
        ("/export", "say", "/export", buttons("rep:x:all")),
        ("export period", "tap", "rep:x:all", buttons("rep:x:all:a")),
    ]
    if await staff.flow(flow) is None:
        return out

    def files_and_care(calls: list[Call]) -> bool:
        documents = [i for i, c in enumerate(calls) if c.method == "sendDocument"]
        return len(documents) >= 2 and any(c.callback_data for c in calls[documents[1] :])

    files = await staff.act("export files", "tap", "rep:x:all:a", files_and_care)
    if files is not None:
        out["ran"] = True
        out["files_bytes"] = {name: len(data) for c in files for name, data in c.files.items()}
    return out


async def my_data(actors: list[Actor]) -> dict[str, Any]:
    """A few mentors ask /mydata at once; each answer is complete with the JSON file."""
    done: Done = lambda calls: any(c.method == "sendDocument" for c in calls)  # noqa: E731
    answers = await asyncio.gather(*(a.act("/mydata", "say", "/mydata", done) for a in actors))
    sizes = [sum(len(b) for c in calls for b in c.files.values()) for calls in answers if calls]
    return {
        "asked": len(actors),
        "answered": sum(1 for calls in answers if calls is not None),
        "answer_s": [a.steps[-1].get("answer_s") for a in actors],
        "json_bytes_max": max(sizes, default=None),
    }


async def broadcast(staff: Actor, reached: set[str], seconds: float) -> dict[str, Any]:
    """Compose an announcement to everyone, send it now, and let it run for up to `seconds`."""
    out: dict[str, Any] = {"sent_now": False}
    flow: list[tuple[str, str, str, Done]] = [
        ("/broadcast", "say", "/broadcast", lambda calls: bool(calls)),
        ("broadcast text", "say", BROADCAST_TEXT, buttons("bc:aud")),
        ("audience", "tap", "bc:aud", buttons("bc:a:all")),
        ("audience everyone", "tap", "bc:a:all", buttons("bc:go")),
    ]
    preview = await staff.flow(flow)
    if preview is None:
        return out
    assert preview is not None
    goes_to = next(
        (int(m.group(1)) for c in preview if (m := re.search(r"It goes to (\d+) p", c.text))),
        None,
    )
    out["recipients"] = goes_to
    since = len(staff.calls)
    reached.clear()
    started = time.perf_counter()
    if await staff.act("send now", "tap", "bc:go", lambda calls: bool(calls)) is None:
        return out
    out["sent_now"] = True
    summary = await staff.wait(
        since, lambda calls: any("is done (" in c.text for c in calls), seconds
    )
    elapsed = time.perf_counter() - started
    out["finished"] = summary is not None
    out["delivered"] = len(reached)
    out["seconds"] = round(elapsed, 2)
    out["per_s"] = round(len(reached) / elapsed, 1) if elapsed else None
    return out


async def drive(
    args: argparse.Namespace, db_path: Path, workdir: Path, users: int, staff_id: int
) -> dict[str, Any]:
    """The bot process against the fake: the mentor mix, then staff and mentor steps; its RSS."""
    from tests.fakes.telegram_api import FakeTelegram

    fake = await FakeTelegram().start()
    fake.record_calls = False
    sections, first_bite = content_ids()
    extra = f"features:\n  broadcasts:\n    rate_per_second: {args.broadcast_rate}\n"
    config = write_config(workdir, fake.base_url, extra)
    stats = Stats()
    user_ids = [FIRST_USER_ID + i for i in range(users)]
    mentors = {str(u): Mentor(fake, u, stats, True) for u in user_ids}
    routes: dict[str, Callable[[Call], None]] = {k: m.on_reply for k, m in mentors.items()}
    reached: set[str] = set()  # chats other than the staff's that got a message (the broadcast)
    counting = [False]

    def on_call(call: Call) -> None:
        if call.method not in SENT_METHODS:
            return
        if counting[0] and call.chat_id != str(staff_id) and call.method != "editMessageText":
            reached.add(call.chat_id)
        handler = routes.get(call.chat_id)
        if handler is not None:
            handler(call)

    fake.on_call = on_call
    child = await BotProcess.spawn(
        "bot", fake.base_url, fake.token, workdir, ["--config", str(config), "--db", str(db_path)]
    )
    memory: dict[str, Any] = {"after_start": {"rss_mb": child.ready.get("rss_mb")}}
    out: dict[str, Any] = {}
    try:
        await asyncio.gather(
            *(m.act(("tap", "menu:home"), measured=False) for m in mentors.values())
        )
        share, rest = divmod(args.updates, users)
        deadline = time.perf_counter() + 300
        started = time.perf_counter()
        await asyncio.gather(
            *(
                m.run(mentor_mix(sections, first_bite, i), share + (i < rest), deadline)
                for i, m in enumerate(mentors.values())
            )
        )
        out["mix"] = {
            "updates": stats.sent,
            "seconds": round(time.perf_counter() - started, 2),
            "timeouts": stats.timeouts,
        }
        memory["after_mix"] = process_memory_mb(child.proc.pid)
        routes.clear()  # from here on: only the actors below hear their answers

        log: list[dict[str, Any]] = []
        staff = Actor(fake, staff_id, args.step_timeout, log)
        routes[str(staff_id)] = staff.on_call
        out["report"] = await report(staff)
        memory["after_report"] = process_memory_mb(child.proc.pid)
        out["export"] = await export(staff)
        memory["after_export"] = process_memory_mb(child.proc.pid)

        askers = [Actor(fake, u, args.step_timeout, log) for u in user_ids[: args.mydata]]
        routes.update({str(a.user_id): a.on_call for a in askers})
        out["mydata"] = await my_data(askers)
        memory["after_mydata"] = process_memory_mb(child.proc.pid)
        for asker in askers:
            del routes[str(asker.user_id)]

        counting[0] = True
        out["broadcast"] = await broadcast(staff, reached, args.broadcast_seconds)
        counting[0] = False
        memory["after_broadcast"] = process_memory_mb(child.proc.pid)
        out["steps"] = log
    finally:
        final = await child.stop()
        await fake.stop()
    out["memory"] = memory
    out["peak_rss_mb"] = round(final.get("maxrss_kb", 0) / 1024, 1) if final else None
    out["rss_after_start_mb"] = child.ready.get("rss_mb")
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, drive the bot process through the mix and the staff and mentor steps, read its RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.db"
        await asyncio.to_thread(migrate, db_path)
        pending = await asyncio.to_thread(seed_population, db_path, args.people)
        counts = await asyncio.to_thread(seed_rows, db_path, args.people, args.rows)
        staff_id = await asyncio.to_thread(seed_staff, db_path, args.people)
        total = await asyncio.to_thread(table_rows, db_path)
        db_mb = db_path.stat().st_size / 2**20
        users = min(args.users, args.people)
        figures = await drive(args, db_path, workdir, users, staff_id)
    peak = figures["peak_rss_mb"]
    missed = []
    if peak is None or peak >= TARGET_MB:
        missed.append(f"peak_rss_mb {peak} >= {TARGET_MB}")
    mix = figures.get("mix", {})
    if mix.get("timeouts"):
        missed.append(f"{mix['timeouts']} replies of the mix timed out")
    unanswered = [s["step"] for s in figures.get("steps", []) if not s["answered"]]
    if unanswered:
        missed.append(f"unanswered within {args.step_timeout} s: {', '.join(unanswered)}")
    chart, files, mydata, cast = (
        figures.get(k, {}) for k in ("report", "export", "mydata", "broadcast")
    )
    ran = {
        "report": bool(chart.get("ran")),
        "export": bool(files.get("ran")),
        "mydata": mydata.get("answered", 0) == mydata.get("asked", -1),
        "broadcast": bool(cast.get("delivered")),
    }
    missed += [f"{name} did not run to its answer" for name, ok in ran.items() if not ok]
    return {
        "bench": "memory",
        "targets": {"peak_rss_mb_max": TARGET_MB},
        "target_scope": {
            "peak_rss_mb_max": "full"
            if args.people >= SCALE_PEOPLE
            else "bound (smaller run: a miss counts, a pass does not show the target)"
        },
        "passed": not missed,
        "missed": missed,
        "quick": args.quick,
        "people": args.people,
        "stored_rows": sum(counts.values()),
        "rows_by_table": counts,
        "all_rows": total,
        "pending_jobs": pending,
        "db_mb": round(db_mb, 1),
        "users": users,
        "peak_rss_mb": peak,
        "rss_after_start_mb": figures["rss_after_start_mb"],
        "ran": ran,
        "mix": mix,
        "report": chart,
        "export": files,
        "mydata": mydata,
        "broadcast": cast,
        "broadcast_rate_setting": args.broadcast_rate,
        "steps": figures.get("steps", []),
        "memory_by_phase": figures["memory"],
        "load_average": os.getloadavg(),
        "machine": machine_info(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100_000, help="stored rows of work")
    parser.add_argument("--updates", type=int, default=500, help="updates of the mentor mix")
    parser.add_argument("--users", type=int, default=100, help="mentors sending them")
    parser.add_argument("--mydata", type=int, default=5, help="mentors asking /mydata at once")
    parser.add_argument(
        "--broadcast-seconds", type=float, default=20, help="let the broadcast run this long"
    )
    parser.add_argument(
        "--broadcast-rate",
        type=float,
        default=0,
        help="features.broadcasts.rate_per_second (0: as fast as the fake answers)",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=30, help="seconds to wait for each answer"
    )
    parser.add_argument("--quick", action="store_true", help="1000 people, 10,000 rows")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.rows, args.updates, args.users = 1000, 10_000, 200, 20
        args.broadcast_seconds, args.step_timeout = min(args.broadcast_seconds, 10), 10
    if args.updates < min(args.users, args.people) or args.mydata > min(args.users, args.people):
        parser.error("need --updates >= --users >= --mydata")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; exit 1 when the target is missed."""
    result = asyncio.run(run(parse_args(argv)))
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
