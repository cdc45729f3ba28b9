"""Broadcast fan-out against a rate-limited, faulty fake Bot API: rate, losses and duplicates.

The bot runs as a child process (`python -m bot run`, the real app and Telegram transport) against
a fake Bot API server in this process that allows `--rate` messages a second (more get a 429 with
retry_after), answers a share of sends with 5xx errors and lets a share time out. The broadcast to
`--recipients` people is put in the database before the bot starts, so the bot resumes it at start.

    .venv/bin/python bench/broadcast.py [--recipients 10000] [--rate 300] [--uncapped]
                                        [--crash-at N] [--errors 0.01] [--timeouts 0.002]

`--crash-at N` kills the bot with SIGKILL after N deliveries, starts it again and lets it finish.
Prints one JSON line: recipients, seconds, achieved and allowed rate, their ratio, 429s, lost
(recipients with no message), duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

    def __init__(self, rate: float | None, errors: float, timeouts: float, seed: int = 7) -> None:
        self.rate = rate
        self.errors = errors
        self.timeouts = timeouts
        self.random = random.Random(seed)
        self.window: deque[float] = deque()
        self.delivered: Counter[int] = Counter()
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
        self.first = self.first or now
        self.last = now
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


def broadcast_done(db_path: Path) -> bool:
    """True when the broadcast row says done (read-only look into the bot's database)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT status FROM broadcasts WHERE id = 1").fetchone()
    return bool(row and row[0] == "done")


async def run(args: argparse.Namespace) -> dict:
    """One measured broadcast; returns the JSON figures."""
    rate = None if args.uncapped else args.rate
    api = FakeApi(rate, args.errors, args.timeouts)
    await api.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    await seed(folder / "bench.db", args.recipients)
    config = write_config(folder, api.port, rate, args.workers, args.batch, args.read_timeout)
    bot = start_bot(config, args.profile)
    crashed = False
    deadline = time.monotonic() + args.max_seconds
    try:
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            delivered = sum(1 for c in api.delivered.values() if c)
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
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
    seconds = (api.last or 0) - (api.first or 0)
    reached = sum(1 for i in range(args.recipients) if api.delivered[FIRST_CHAT + i])
    achieved = reached / seconds if seconds > 0 else 0.0
    return {
        "bench": "broadcast",
        "recipients": args.recipients,
        "delivered": reached,
        "seconds": round(seconds, 2),
        "achieved_rate": round(achieved, 1),
        "allowed_rate": rate,
        "ratio": round(achieved / rate, 3) if rate else None,
        "429s": api.too_many,
        "5xx": api.server_errors,
        "timeouts": api.timed_out,
        "lost": args.recipients - reached,
        "duplicates": sum(c - 1 for c in api.delivered.values() if c > 1),
        "workers": args.workers,
        "read_timeout": args.read_timeout,
        "crashed_at": args.crash_at if crashed else None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def main() -> None:
    """Parse the flags, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="messages/s the fake allows")
    parser.add_argument("--uncapped", action="store_true", help="no limit: the bot's own ceiling")
    parser.add_argument("--crash-at", type=int, default=0, help="SIGKILL after N deliveries")
    parser.add_argument("--errors", type=float, default=0.01, help="share of sends answered 5xx")
    parser.add_argument("--timeouts", type=float, default=0.002, help="share of sends timing out")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--batch", type=int, default=10, help="rows a worker claims at once")
    parser.add_argument(
        "--read-timeout", type=float, default=5.0, help="the bot's telegram.read_timeout"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--profile", metavar="FILE", help="run the bot under cProfile into FILE")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
