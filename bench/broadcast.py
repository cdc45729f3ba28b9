"""Broadcast fan-out against a rate-limited, faulty fake Bot API: rate, losses and duplicates.

The bot runs as a child process (`python -m bot run`, the real app and Telegram transport) against
a fake Bot API server in this process that allows `--rate` messages a second (more get a 429 with
retry_after), answers a share of sends with 5xx errors and lets a share time out (neither
delivered), and delivers a share whose answer is then lost (`--lost-answers`: delivered, then a
5xx or a timeout), so a resend is a duplicate the bot could not avoid. The broadcast to
`--recipients` people is put in the database before the bot starts, so the bot resumes it at start.

    .venv/bin/python bench/broadcast.py [--recipients 10000] [--rate 300] [--uncapped] [--quick]
                                        [--crash-at N] [--errors 0.01] [--timeouts 0.002]
                                        [--lost-answers 0.002]

`--crash-at N` kills the bot with SIGKILL after N deliveries, starts it again and lets it finish.
`--quick`: 3,000 recipients (under a minute).
Prints one JSON line: recipients, seconds, achieved and allowed rate, the first-to-last and the
99 %-delivered ratio, 429s, lost (recipients with no message), duplicates (and how many of them
follow a lost answer), the targets that apply to the run, `passed` and `missed`. Exits 1 when a
target is missed. Targets (issue 19): capped with faults, 99 %-delivered ratio >= 0.95 and
first-to-last >= 0.9; capped without faults, both >= 0.95; `--uncapped` >= 1,000 msg/s; always
0 lost and no duplicate except after a lost answer (with `--crash-at`: 0 lost only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "424242:BENCHMARK-TOKEN-abcdefghijklmnop"
FIRST_CHAT = 700_000_000
BOT = {"id": 1, "is_bot": True, "first_name": "RE-MAP", "username": "remap_bench_bot"}


class FakeApi:
    """Just enough Bot API for a broadcast: rate limit, faults, and a count per chat."""

    def __init__(
        self,
        rate: float | None,
        errors: float,
        timeouts: float,
        lost_answers: float = 0.0,
        seed: int = 7,
    ) -> None:
        self.rate = rate
        self.errors = errors
        self.timeouts = timeouts
        self.lost_answers = lost_answers
        self.random = random.Random(seed)
        self.window: deque[float] = deque()
        self.delivered: Counter[int] = Counter()
        self.first_at: dict[int, float] = {}  # chat -> time of its first delivery
        self.answer_lost: Counter[int] = Counter()  # chat -> deliveries whose answer was lost
        self.answers_lost_5xx = 0
        self.answers_lost_timeout = 0
        self.first: float | None = None
        self.last: float | None = None
        self.too_many = 0
        self.server_errors = 0
        self.timed_out = 0
        self.message_ids = 0
        self.port = 0

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def handle(self, request: web.Request) -> web.Response:
        """One Bot API call."""
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        if method == "getUpdates":
            await asyncio.sleep(float(params.get("timeout") or 0))
            return web.json_response({"ok": True, "result": []})
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT})
        if method != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        now = time.perf_counter()
        if self.rate:
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= self.rate:
                self.too_many += 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            self.window.append(now)
        roll = self.random.random()
        if roll < self.errors:
            self.server_errors += 1
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        if roll < self.errors + self.timeouts:
            self.timed_out += 1
            await asyncio.sleep(12)  # longer than the client waits: it gives up, nothing delivered
            return web.json_response({"ok": False, "error_code": 504, "description": "late"})
        chat = int(params["chat_id"])
        self.delivered[chat] += 1
        self.first_at.setdefault(chat, now)
        self.first = self.first or now
        self.last = now
        lost_from = self.errors + self.timeouts
        if roll < lost_from + self.lost_answers:
            # Delivered, but the bot never learns it: a resend is an unavoidable duplicate.
            self.answer_lost[chat] += 1
            if roll < lost_from + self.lost_answers / 2:
                self.answers_lost_5xx += 1
                return web.json_response(
                    {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
                )
            self.answers_lost_timeout += 1
            await asyncio.sleep(12)
            return web.json_response({"ok": False, "error_code": 504, "description": "late"})
        self.message_ids += 1
        message = {
            "message_id": self.message_ids,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT,
            "text": params.get("text", ""),
        }
        return web.json_response({"ok": True, "result": message})


async def seed(db_path: Path, recipients: int) -> None:
    """People with Telegram identities, and a broadcast to all of them, already 'sending'."""
    from bot.clock import SystemClock
    from bot.roles import Role
    from storage.broadcasts import BroadcastsRepo
    from storage.db import Database

    db = Database(db_path, SystemClock())
    await db.open()
    now = db.now_iso()
    await db.executemany(
        "INSERT INTO people (id, display_name, role, cohort, language, status, created_at) "
        "VALUES (?, ?, ?, 'bench', ?, 'active', ?)",
        [
            (i + 1, f"Mentor {i}", Role.MENTOR.label, ("en", "fi", "sv")[i % 3], now)
            for i in range(recipients)
        ],
    )
    await db.executemany(
        "INSERT INTO identities (transport, external_id, person_id, chat_id, created_at) "
        "VALUES ('telegram', ?, ?, ?, ?)",
        [(str(FIRST_CHAT + i), i + 1, str(FIRST_CHAT + i), now) for i in range(recipients)],
    )
    repo = db.repo(BroadcastsRepo)
    texts = {"en": "A new training date is out!", "fi": "Uusi koulutuspäivä!"}
    broadcast = await repo.create(None, "news", texts, {"type": "all"})  # no author to report to
    await repo.start(broadcast.id, list(range(1, recipients + 1)), [])
    await db.close()


def write_config(
    folder: Path, port: int, rate: float | None, workers: int, batch: int, read_timeout: float
) -> Path:
    """The bot's config: the fake as base_url, the broadcast rate just under the allowed one."""
    bot_rate = round(rate * 0.97, 1) if rate else 0
    config = folder / "config.yaml"
    config.write_text(
        f"database:\n  path: {folder / 'bench.db'}\n"
        f"content_dir: {ROOT / 'content'}\n"
        "logging:\n  level: WARNING\n"
        f"telegram:\n  base_url: http://127.0.0.1:{port}/bot\n  poll_timeout: 1\n"
        f"  max_rate: {rate * 2 if rate else 0}\n  read_timeout: {read_timeout}\n"
        f"features:\n  broadcasts:\n    rate_per_second: {bot_rate}\n    workers: {workers}\n"
        f"    backoff_seconds: 0.5\n    progress_seconds: 5\n    max_attempts: 8\n    batch: {batch}\n",
        encoding="utf-8",
    )
    return config


def start_bot(config: Path, profile: str | None = None) -> subprocess.Popen:
    """`python -m bot run` as a child process (under cProfile with `profile`)."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen(
        [sys.executable, *prefix, "-m", "bot", "run", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (Linux); 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broadcast_done(db_path: Path) -> bool:
    """True when the broadcast row says done (read-only look into the bot's database)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT status FROM broadcasts WHERE id = 1").fetchone()
    return bool(row and row[0] == "done")


async def run(args: argparse.Namespace) -> dict:
    """One measured broadcast; returns the JSON figures."""
    rate = None if args.uncapped else args.rate
    api = FakeApi(rate, args.errors, args.timeouts, args.lost_answers)
    await api.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    await seed(folder / "bench.db", args.recipients)
    config = write_config(folder, api.port, rate, args.workers, args.batch, args.read_timeout)
    bot = start_bot(config, args.profile)
    crashed = False
    load_start = os.getloadavg()[0]
    # The bot's CPU from its first delivery seen to the end (start-up and imports left out).
    cpu_from: tuple[float, int] | None = None
    cpu_to: tuple[float, int] | None = None
    deadline = time.monotonic() + args.max_seconds
    try:
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            delivered = sum(1 for c in api.delivered.values() if c)
            if not crashed and delivered:
                sends = sum(api.delivered.values()) + api.server_errors + api.timed_out
                if cpu_from is None:
                    cpu_from = (cpu_seconds(bot.pid), sends)
                cpu_to = (cpu_seconds(bot.pid), sends)
            if args.crash_at and not crashed and delivered >= args.crash_at:
                bot.send_signal(signal.SIGKILL)
                bot.wait()
                crashed = True
                bot = start_bot(config)
            if bot.poll() is not None:
                raise RuntimeError(f"the bot exited: {bot.stderr.read().decode()[-2000:]}")
            if delivered >= args.recipients and broadcast_done(folder / "bench.db"):
                break
    finally:
        load_end = os.getloadavg()[0]
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
    seconds = (api.last or 0) - (api.first or 0)
    reached = sum(1 for i in range(args.recipients) if api.delivered[FIRST_CHAT + i])
    achieved = reached / seconds if seconds > 0 else 0.0
    rate_99 = delivered_99_rate(sorted(api.first_at.values()), args.recipients)
    duplicates = sum(c - 1 for c in api.delivered.values() if c > 1)
    # A chat may get one more message per lost answer; anything beyond is a duplicate of the bot's.
    unexplained = sum(
        max(0, c - 1 - api.answer_lost[chat]) for chat, c in api.delivered.items() if c > 1
    )
    cpu_ms = None
    if cpu_from and cpu_to and cpu_to[1] > cpu_from[1]:
        cpu_ms = 1000 * (cpu_to[0] - cpu_from[0]) / (cpu_to[1] - cpu_from[1])
    figures = {
        "achieved_rate": achieved,
        "ratio": achieved / rate if rate else None,
        "ratio_99": rate_99 / rate if rate and rate_99 is not None else None,
        "lost": args.recipients - reached,
        "unexplained_duplicates": unexplained,
    }
    targets, missed = judge(args, rate, figures, crashed)
    return {
        "bench": "broadcast",
        "targets": targets,
        "passed": not missed,
        "missed": missed,
        "quick": args.quick,
        "recipients": args.recipients,
        "delivered": reached,
        "seconds": round(seconds, 2),
        "achieved_rate": round(achieved, 1),
        "allowed_rate": rate,
        "ratio": round(achieved / rate, 3) if rate else None,
        "rate_99_delivered": None if rate_99 is None else round(rate_99, 1),
        "ratio_99_delivered": (
            round(figures["ratio_99"], 3) if figures["ratio_99"] is not None else None
        ),
        "429s": api.too_many,
        "pauses": pauses(sorted(api.first_at.values())),
        "5xx": api.server_errors,
        "timeouts": api.timed_out,
        "answers_lost_after_delivery": {
            "5xx": api.answers_lost_5xx,
            "timeout": api.answers_lost_timeout,
        },
        "lost": args.recipients - reached,
        "duplicates": duplicates,
        "duplicates_after_lost_answer": duplicates - unexplained,
        "duplicates_unexplained": unexplained,
        "bot_cpu_ms_per_send": None if cpu_ms is None else round(cpu_ms, 3),
        "load_1min": [round(load_start, 2), round(load_end, 2)],
        "workers": args.workers,
        "read_timeout": args.read_timeout,
        "crashed_at": args.crash_at if crashed else None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def pauses(first_times: list[float], least: float = 0.1) -> dict:
    """Gaps of at least `least` seconds between consecutive first deliveries: how many, their
    sum and the longest (where the sending stopped, e.g. a 429's retry_after or a stall)."""
    gaps = [b - a for a, b in zip(first_times, first_times[1:], strict=False) if b - a >= least]
    return {
        "over_s": least,
        "count": len(gaps),
        "seconds": round(sum(gaps), 2),
        "longest": round(max(gaps, default=0.0), 2),
    }


def delivered_99_rate(first_times: list[float], recipients: int) -> float | None:
    """Deliveries up to the 99th percentile of delivery times over the time to reach it (None
    when fewer than 99 % of the recipients got the message)."""
    count = math.ceil(0.99 * recipients)
    if count < 2 or len(first_times) < count:
        return None
    elapsed = first_times[count - 1] - first_times[0]
    return count / elapsed if elapsed > 0 else None


def judge(
    args: argparse.Namespace, rate: float | None, figures: dict, crashed: bool
) -> tuple[dict, list[str]]:
    """The issue's targets that apply to this run, and the ones missed."""
    faults = args.errors > 0 or args.timeouts > 0 or args.lost_answers > 0
    targets: dict[str, float] = {"lost_max": 0}
    if crashed:
        # A kill -9 and a restart: every recipient still reached, and at most one message sent
        # again per worker (each waits for its outcome to be stored before its next send). The
        # rate is not judged: the restart itself takes seconds of the run.
        targets["unexplained_duplicates_max"] = args.workers
        return targets, _missed(targets, figures)
    targets["unexplained_duplicates_max"] = 0
    if rate is None:
        targets["achieved_rate_min"] = 1000.0
    elif faults:
        targets |= {"ratio_99_delivered_min": 0.95, "ratio_first_to_last_min": 0.9}
    else:
        targets |= {"ratio_99_delivered_min": 0.95, "ratio_first_to_last_min": 0.95}
    return targets, _missed(targets, figures)


def _missed(targets: dict[str, float], figures: dict) -> list[str]:
    """The targets missed, each said in words."""
    missed = []
    if figures["lost"] > 0:
        missed.append(f"{figures['lost']} recipients got no message")
    bound = targets["unexplained_duplicates_max"]
    if figures["unexplained_duplicates"] > bound:
        missed.append(f"{figures['unexplained_duplicates']} duplicates not after a lost answer")
    if "achieved_rate_min" in targets and figures["achieved_rate"] < 1000.0:
        missed.append(f"uncapped {figures['achieved_rate']:.1f} msg/s < 1000")
    for key, name in (("ratio_99", "ratio_99_delivered"), ("ratio", "ratio_first_to_last")):
        bound = targets.get(f"{name}_min")
        if bound is not None and (figures[key] is None or figures[key] < bound):
            value = "none" if figures[key] is None else f"{figures[key]:.3f}"
            missed.append(f"{name} {value} < {bound}")
    return missed


def main() -> None:
    """Parse the flags, run, print one JSON line; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="messages/s the fake allows")
    parser.add_argument("--uncapped", action="store_true", help="no limit: the bot's own ceiling")
    parser.add_argument("--crash-at", type=int, default=0, help="SIGKILL after N deliveries")
    parser.add_argument("--errors", type=float, default=0.01, help="share of sends answered 5xx")
    parser.add_argument("--timeouts", type=float, default=0.002, help="share of sends timing out")
    parser.add_argument(
        "--lost-answers",
        type=float,
        default=0.002,
        help="share of sends delivered whose answer is lost (half 5xx, half timeout)",
    )
    parser.add_argument("--quick", action="store_true", help="3,000 recipients")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--batch", type=int, default=10, help="rows a worker claims at once")
    parser.add_argument(
        "--read-timeout", type=float, default=5.0, help="the bot's telegram.read_timeout"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--profile", metavar="FILE", help="run the bot under cProfile into FILE")
    args = parser.parse_args()
    if args.quick:
        args.recipients = 3000
    result = asyncio.run(run(args))
    print(json.dumps(result))
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
