"""Scheduler: rebuilding 20,000 pending alarms at start, and the lag of a burst of due jobs.

The database holds 10,000 active mentors, each with a daily nudge (nudge_settings + a pending
`nudge` job) and a scheduled check-in (a `checkins` row + a pending `checkin` job), all due within
the next week. A fresh process then starts the real App with `alarm=True`:

* `rebuild_s`: how long `Scheduler.start` took (read every pending row, arm an APScheduler alarm);
* `process_start_to_started_s`: from spawning the process (interpreter start, imports, content,
  migrations, features, rebuild) to `await app.start()` returning.

Then two bursts of 1,000 jobs each, all due at the same instant one second ahead:

* `burst_bench`: a job kind registered by this benchmark; lag = due time -> handler start
  (the scheduler's own overhead: alarm, row read, dispatch);
* `burst_real`: 500 real nudges + 500 real check-ins through their feature handlers;
  lag = due time -> the message reaching the (recording) transport.

Quiet hours are switched off in the config (start = end) so the real handlers send whatever the
clock says. Targets (issue 19): `burst_real` p99 < 1 s for 1,000 jobs at 20,000 pending and
<= 3 SQL statements per fired job; rebuild < 1 s and peak RSS < 150 MB at 50,000 mentors. A target
is judged in full at its size or larger; a smaller run (the default 10,000 people for rebuild and
RSS, `--quick` for all but statements per job) judges it as a bound: a miss there is a miss, a
pass does not show the target (`target_scope` in the JSON says which). Exits 1 on a miss.

    .venv/bin/python bench/scheduler.py [--people 10000] [--burst 1000] [--quick]
    .venv/bin/python bench/scheduler.py --people 50000    # every target at its size (~15 s)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(SCRIPT.parent) not in sys.path:
    sys.path.insert(0, str(SCRIPT.parent))

from throughput import (  # noqa: E402
    FIRST_USER_ID,
    count_statements,
    machine_info,
    percentile,
)

BURST_TIMEOUT = 60.0  # seconds to wait for a burst to finish
TARGET_P99_MS = 1000.0
TARGET_STATEMENTS = 3.0
TARGET_REBUILD_S = 1.0
TARGET_RSS_MB = 150.0
BURST_SIZE, BURST_PENDING = 1000, 20_000  # the size the burst targets are set at
SCALE_PEOPLE = 50_000  # the size the rebuild and RSS targets are set at


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def migrate(db_path: Path) -> None:
    """Create the schema with the bot's own migrations."""
    from storage.db import Database

    async def go() -> None:
        db = Database(db_path)
        await db.open()
        await db.close()

    asyncio.run(go())


def seed_population(db_path: Path, people: int, *, first_user_id: int = FIRST_USER_ID) -> int:
    """Active mentors with Telegram identities, a daily nudge and a scheduled check-in each.

    Inserted directly (sqlite3, one transaction); the schema must exist. Returns pending jobs.
    """
    rnd = random.Random(11)
    now = datetime.now(UTC)
    con = sqlite3.connect(db_path)
    created = _iso(now - timedelta(days=90))
    con.executemany(
        "INSERT INTO people (id, display_name, role, cohort, language, status, consent_version, "
        "consented_at, created_at) VALUES (?, ?, 'mentor', ?, ?, 'active', 1, ?, ?)",
        [
            (
                i,
                f"Mentor {i}",
                f"2025-{1 + i % 12:02d}",
                ("en", "fi", "sv")[i % 3],
                created,
                created,
            )
            for i in range(1, people + 1)
        ],
    )
    con.executemany(
        "INSERT INTO identities (transport, external_id, person_id, chat_id, created_at) "
        "VALUES ('telegram', ?, ?, ?, ?)",
        [
            (str(first_user_id + i - 1), i, str(first_user_id + i - 1), created)
            for i in range(1, people + 1)
        ],
    )
    con.executemany(
        "INSERT INTO nudge_settings (person_id, rhythm, at_time, unanswered) "
        "VALUES (?, 'daily', ?, 0)",
        [(i, f"{8 + i % 12:02d}:{(i * 7) % 60:02d}") for i in range(1, people + 1)],
    )

    def later() -> str:
        return _iso(now + timedelta(seconds=rnd.uniform(3600, 7 * 86400)))

    con.executemany(
        "INSERT INTO jobs (kind, ref, due_at, payload, created_at) VALUES ('nudge', ?, ?, '{}', ?)",
        [(str(i), later(), created) for i in range(1, people + 1)],
    )
    con.executemany(
        "INSERT INTO checkins (id, mentor_id, themes, due_at, status, created_at) "
        "VALUES (?, ?, 's1', ?, 'scheduled', ?)",
        [(i, i, later(), created) for i in range(1, people + 1)],
    )
    con.execute(
        "INSERT INTO jobs (kind, ref, due_at, payload, created_at) "
        "SELECT 'checkin', CAST(id AS TEXT), due_at, '{}', created_at FROM checkins"
    )
    con.commit()
    pending = con.execute("SELECT COUNT(*) FROM jobs WHERE status = 'pending'").fetchone()[0]
    con.close()
    return pending


def write_config(directory: Path) -> Path:
    """No quiet hours (start = end): the real handlers send at any hour of the run."""
    path = directory / "bench-config.yaml"
    path.write_text(
        "bot:\n"
        "  quiet_hours:\n"
        "    start: '00:00'\n"
        "    end: '00:00'\n"
        "  rate_limit:\n"
        "    messages: 1000000\n"
        "telegram:\n"
        "  enabled: false\n"
        "logging:\n"
        "  level: WARNING\n",
        encoding="utf-8",
    )
    return path


# --- the child process ----------------------------------------------------------------------------


class Recorder:
    """A transport that only notes when each chat got a message."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.count = 0

    async def start(self, on_incoming: Any) -> None:
        """Nothing to receive."""

    async def stop(self) -> None:
        """Nothing to stop."""

    async def send(self, to: Any, out: Any) -> Any:
        """Note the time of the first message to a chat."""
        from bot.messages import DeliveryStatus, SendResult

        self.count += 1
        self.sent_at.setdefault(to.chat_id, time.time())
        return SendResult(DeliveryStatus.SENT, message_id=str(self.count))

    async def edit(self, to: Any, message_id: str, out: Any) -> Any:
        """Edits count as sends."""
        return await self.send(to, out)

    async def set_commands(self, to: Any, commands: Any, language: Any) -> None:
        """Not needed."""


def lag_figures(lags: list[float], expected: int) -> dict[str, Any]:
    """Percentiles of lags in milliseconds."""
    ms = [x * 1000 for x in lags]
    return {
        "jobs": expected,
        "ran": len(lags),
        "p50_ms": _r(percentile(ms, 50)),
        "p95_ms": _r(percentile(ms, 95)),
        "p99_ms": _r(percentile(ms, 99)),
        "max_ms": _r(max(ms) if ms else None),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def _wait_until(done: Any, within: float) -> bool:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def child_main(args: argparse.Namespace) -> dict[str, Any]:
    """Start the app on the seeded database; time the rebuild; run the two bursts."""
    from bot.app import App
    from bot.config import load_config
    from storage.checkins import CheckinsRepo

    config = load_config(args.config, args.db)
    recorder = Recorder()
    app = App(config, transports=[recorder], alarm=True)
    timing: dict[str, Any] = {}
    original_start = app.scheduler.start

    async def timed_start() -> int:
        began = time.perf_counter()
        count = await original_start()
        timing["rebuild_s"] = round(time.perf_counter() - began, 3)
        timing["rebuilt_jobs"] = count
        return count

    app.scheduler.start = timed_start  # type: ignore[method-assign]
    began = time.perf_counter()
    await app.start()
    statements = await count_statements(app.db)
    result: dict[str, Any] = {
        "process_start_to_started_s": round(time.time() - args.t0, 3),
        "app_start_s": round(time.perf_counter() - began, 3),
        **timing,
        # APScheduler jobs armed: the one timer, whatever the number of pending jobs.
        "armed_alarms": len(timer.get_jobs())
        if (timer := getattr(app.scheduler, "_timer", None))
        else 0,
    }
    try:
        result["burst_bench"] = await _bench_burst(app, args.burst)
        result["burst_real"] = await _real_burst(
            app, recorder, args.burst, CheckinsRepo, statements
        )
    finally:
        await app.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


async def _bench_burst(app: Any, size: int) -> dict[str, Any]:
    """`size` jobs of a kind of our own, due together; lag = due -> handler start."""
    started: dict[str, float] = {}

    async def handler(_app: Any, job: Any) -> None:
        started[job.ref] = time.time()

    app.scheduler.on("bench.burst", handler)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    before = time.perf_counter()
    for n in range(size):
        await app.scheduler.add("bench.burst", str(n), due)
    add_s = time.perf_counter() - before
    armed_in_time = time.time() < due.timestamp()
    complete = await _wait_until(lambda: len(started) >= size, BURST_TIMEOUT + 2)
    lags = [at - due.timestamp() for at in started.values()]
    return {
        **lag_figures(lags, size),
        "complete": complete,
        "add_s": round(add_s, 3),
        "armed_before_due": armed_in_time,
    }


async def _real_burst(
    app: Any, recorder: Recorder, size: int, repo: Any, statements: list[int]
) -> dict[str, Any]:
    """size/2 nudges and size/2 check-ins through the real handlers; lag = due -> sent.

    Also counts the SQL statements the firing took (after the jobs were added), per job.
    """
    nudges = size // 2
    checkins = size - nudges
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    chats: list[str] = []
    recorder.sent_at.clear()
    before = time.perf_counter()
    # People 1.. get a nudge, the next ones a check-in (everyone else keeps their pending jobs).
    for person_id in range(1, nudges + 1):
        await app.scheduler.add("nudge", str(person_id), due)
        chats.append(str(FIRST_USER_ID + person_id - 1))
    checkin_repo = app.db.repo(repo)
    for person_id in range(nudges + 1, nudges + checkins + 1):
        checkin = await checkin_repo.add(person_id, None, due, themes=("s1",))
        await app.scheduler.add("checkin", str(checkin.id), due)
        chats.append(str(FIRST_USER_ID + person_id - 1))
    add_s = time.perf_counter() - before
    armed_in_time = time.time() < due.timestamp()
    statements[0] = statements[1] = 0
    complete = await _wait_until(
        lambda: all(c in recorder.sent_at for c in chats), BURST_TIMEOUT + 3
    )
    await _wait_until(lambda: not app.scheduler._running, 10)  # the last jobs are marked done
    fired_statements, fired_trips = statements
    lags = [recorder.sent_at[c] - due.timestamp() for c in chats if c in recorder.sent_at]
    return {
        **lag_figures(lags, size),
        "complete": complete,
        "add_s": round(add_s, 3),
        "armed_before_due": armed_in_time,
        "db_statements_per_job": round(fired_statements / size, 1),
        "db_thread_trips_per_job": round(fired_trips / size, 1),
    }


# --- the parent -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, then measure in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.db"
        migrate(db_path)
        seeded = time.perf_counter()
        pending = seed_population(db_path, args.people)
        seed_s = time.perf_counter() - seeded
        config = write_config(workdir)
        t0 = time.time()
        proc = subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--child",
                "--db",
                str(db_path),
                "--config",
                str(config),
                "--burst",
                str(args.burst),
                "--t0",
                repr(t0),
                *(["--profile", str(Path(args.profile).resolve())] if args.profile else []),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=str(ROOT),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise SystemExit(f"scheduler child failed:\n{proc.stderr[-3000:]}")
        child = json.loads(lines[-1])
    targets, scope, missed = judge(args.people, args.burst, pending, child)
    return {
        "bench": "scheduler",
        "targets": targets,
        "target_scope": scope,
        "passed": not missed,
        "missed": missed,
        "quick": args.quick,
        "people": args.people,
        "pending_jobs": pending,
        "seed_s": round(seed_s, 2),
        **child,
        "machine": machine_info(),
    }


def judge(
    people: int, burst: int, pending: int, child: dict[str, Any]
) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """Issue 19's targets, whether each is judged at its size ("full") or as a bound, the misses."""
    at_burst = burst >= BURST_SIZE and pending >= BURST_PENDING
    at_scale = people >= SCALE_PEOPLE
    bound = "bound (smaller run: a miss counts, a pass does not show the target)"
    targets = {
        "burst_real_p99_ms_max": TARGET_P99_MS,
        "db_statements_per_job_max": TARGET_STATEMENTS,
        "rebuild_s_max": TARGET_REBUILD_S,
        "peak_rss_mb_max": TARGET_RSS_MB,
    }
    scope = {
        "burst_real_p99_ms_max": "full" if at_burst else bound,
        "db_statements_per_job_max": "full (a count per job, comparable at any size)",
        "rebuild_s_max": "full" if at_scale else bound,
        "peak_rss_mb_max": "full" if at_scale else bound,
    }
    real = child["burst_real"]
    figures = {
        "burst_real_p99_ms_max": real["p99_ms"],
        "db_statements_per_job_max": real["db_statements_per_job"],
        "rebuild_s_max": child.get("rebuild_s"),
        "peak_rss_mb_max": child["peak_rss_mb"],
    }
    missed = []
    for name, limit in targets.items():
        value = figures[name]
        # "<= 3 statements" allows the limit itself; the others are "< limit".
        allowed = name == "db_statements_per_job_max"
        if value is None or value > limit or (value == limit and not allowed):
            missed.append(f"{name}: {value} against {limit}")
    for kind in ("burst_bench", "burst_real"):
        if not child[kind]["complete"]:
            missed.append(f"{kind}: {child[kind]['ran']} of {child[kind]['jobs']} jobs ran")
    return targets, scope, missed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="mentors in the database")
    parser.add_argument("--burst", type=int, default=1000, help="jobs due at the same instant")
    parser.add_argument("--quick", action="store_true", help="a small run (1000 people, 200 jobs)")
    parser.add_argument("--profile", help="write a cProfile of the measured process to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.burst = 1000, 200
    if not 2 <= args.burst <= args.people:
        parser.error("need 2 <= --burst <= --people")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark (or, internally, the measured process)."""
    args = parse_args(argv)
    if args.child:
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        result = asyncio.run(child_main(args))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        print(json.dumps(result), flush=True)
        return
    result = run(args)
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
