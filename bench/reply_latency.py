"""Reply latency while a broadcast runs: do people talking to the bot wait behind the fan-out?

The bot runs as a child process (`python -m bot run`: the real app, the Telegram transport and its
PriorityGate, `telegram.max_rate`) against a fake Bot API server in this process
(tests/fakes/telegram_api.py) that allows `--rate` messages a second over all chats, as Telegram
does (a call with a chat_id beyond that, in any sliding second, gets a 429 with retry_after 1).
A broadcast to `--recipients` people is put in the database before the bot starts, so the bot
resumes it at start (as bench/broadcast.py). Once it delivers, `--mentors` other mentors (not
recipients) go through bench/throughput.py's mix (menu, learning bites, a reflection, a workshop
form step, /cancel), each acting about every `--interval` seconds, paced (open loop: a mentor
still waiting for an answer skips its slot, counted) for `--seconds`.

Reply latency, per measured update: from the moment the fake hands the update out in getUpdates
to the first user-visible reply to that chat received by the fake (sendMessage, editMessageText,
sendPhoto or sendDocument; answerCallbackQuery only stops the button's spinner and is not gated).
The latency from the moment the update was queued at the fake is reported as well.

    .venv/bin/python bench/reply_latency.py [--recipients 10000] [--mentors 20] [--rate 30]
                                            [--seconds 60] [--interval 1.0] [--quick]
                                            [--bot-rate R] [--broadcast-rate R]

`--bot-rate` and `--broadcast-rate` set the bot's telegram.max_rate and
features.broadcasts.rate_per_second (default: the bot's own defaults, 30 and 25).

Prints one JSON line with its targets; exits 1 when one is missed (reply p95 >= 200 ms, a reply
never came, or the broadcast was not running through the whole window).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
for folder in (ROOT, SCRIPT.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from broadcast import FIRST_CHAT, TOKEN, seed  # noqa: E402 - bench/broadcast.py
from throughput import (  # noqa: E402 - bench/throughput.py
    SENT_METHODS,
    Mentor,
    Stats,
    content_ids,
    machine_info,
    mentor_mix,
    percentile,
    route_replies,
    run_paced,
    seed_mentors,
)

from bot.config import TelegramSettings  # noqa: E402
from tests.fakes.telegram_api import Call, Failure, FakeTelegram  # noqa: E402

TARGET_P95_MS = 200.0


class CappedFake(FakeTelegram):
    """The test fake with Telegram's overall cap, and the clock of each update and its reply."""

    def __init__(self, rate: float, recipients: int) -> None:
        super().__init__(token=TOKEN)
        self.rate = rate
        self.broadcast_chats = range(FIRST_CHAT, FIRST_CHAT + recipients)
        self.window: deque[float] = deque()  # times of the capped calls in the last second
        self.too_many = {"replies": 0, "broadcast": 0}
        self.broadcast_at: list[float] = []  # every broadcast message delivered
        self.broadcast_reached: set[int] = set()
        self.measuring = False
        # chat -> (update_id, queued at, measured) of the update the mentor waits an answer to
        self.pending: dict[str, tuple[int, float, bool]] = {}
        self.handed_at: dict[int, float] = {}
        self.latencies: list[tuple[float, float]] = []  # (from hand-out, from queued), seconds
        self.reply_calls = 0  # gated user-visible replies to the mentors during the window
        self.mentor_chats: set[str] = set()

    def _take_failure(self, method: str, params: dict) -> Failure | None:
        failure = super()._take_failure(method, params)
        if failure is not None or params.get("chat_id") is None or not self.rate:
            return failure
        now = time.perf_counter()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.rate:
            bulk = int(params["chat_id"]) in self.broadcast_chats
            self.too_many["broadcast" if bulk else "replies"] += 1
            return Failure(method, 429, "Too Many Requests: retry after 1", retry_after=1)
        self.window.append(now)
        return None

    async def _offer(self, update: dict) -> int:
        body = update.get("message") or update["callback_query"]["message"]
        update_id = await super()._offer(update)
        self.pending[str(body["chat"]["id"])] = (
            update_id,
            self.offered_at[update_id],
            self.measuring,
        )
        return update_id

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        batch = await super()._api_getUpdates(params)
        now = time.perf_counter()
        for update in batch:
            self.handed_at.setdefault(update["update_id"], now)
        return batch

    def on_reply(self, call: Call) -> None:
        """Every successful call (before the simulated mentors see it): clock the replies."""
        if call.method not in SENT_METHODS:
            return
        chat = call.chat_id
        if chat in self.mentor_chats:
            self.reply_calls += self.measuring
            pending = self.pending.pop(chat, None)
            if pending is not None and pending[2]:
                update_id, queued, _ = pending
                handed = self.handed_at.get(update_id, queued)
                self.latencies.append((call.at - handed, call.at - queued))
        elif call.method == "sendMessage" and int(chat) in self.broadcast_chats:
            self.broadcast_at.append(call.at)
            self.broadcast_reached.add(int(chat))


def write_config(folder: Path, port: int, args: argparse.Namespace) -> Path:
    """The bot's config: the fake as base_url, the overall cap, the flood guard lifted."""
    broadcasts = (
        f"features:\n  broadcasts:\n    rate_per_second: {args.broadcast_rate}\n"
        if args.broadcast_rate is not None
        else ""
    )
    max_rate = f"  max_rate: {args.bot_rate}\n" if args.bot_rate is not None else ""
    config = folder / "config.yaml"
    config.write_text(
        f"database:\n  path: {folder / 'bench.db'}\n"
        f"content_dir: {ROOT / 'content'}\n"
        "logging:\n  level: WARNING\n"
        # a mentor acting every second would meet the per-person flood guard (30 a minute)
        "bot:\n  rate_limit:\n    messages: 1000000\n"
        f"telegram:\n  base_url: http://127.0.0.1:{port}/bot\n  poll_timeout: 1\n"
        f"  bot_username: remap_bench_bot\n{max_rate}{broadcasts}",
        encoding="utf-8",
    )
    return config


def start_bot(config: Path, log: Path) -> subprocess.Popen:
    """`python -m bot run` as a child process, its stderr into `log` (a pipe could fill up)."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def stop_bot(bot: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s (this bench's own child only)."""
    if bot.poll() is None:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()


def tail(log: Path, lines: int = 30) -> str:
    """The end of the bot's log."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def wait_until(condition: Any, bot: subprocess.Popen, log: Path, within: float) -> None:
    """Poll `condition()` until true; RuntimeError when the bot died or time ran out."""
    deadline = time.monotonic() + within
    while not condition():
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not get going in {within} s:\n{tail(log)}")
        await asyncio.sleep(0.05)


def _ms(values: list[float]) -> dict[str, float | None]:
    ms = [v * 1000 for v in values]
    return {
        key: None if (x := percentile(ms, pct)) is None else round(x, 1)
        for key, pct in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """One measured window; returns the JSON figures."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    fake = await CappedFake(args.rate, args.recipients).start()
    fake.record_calls = False
    folder = Path(tempfile.mkdtemp(prefix="bench-reply-latency-"))
    db_path = folder / "bench.db"
    await seed(db_path, args.recipients)
    user_ids = await seed_mentors(db_path, args.mentors)
    sections, first_bite = content_ids()
    fake.mentor_chats = {str(u) for u in user_ids}
    config = write_config(folder, fake.port, args)
    log = folder / "bot.stderr.log"
    stats = Stats()
    mentors = {str(u): Mentor(fake, u, stats, wait_for_buttons=True) for u in user_ids}
    route = route_replies(mentors, stats)

    def on_call(call: Call) -> None:
        fake.on_reply(call)
        route(call)

    fake.on_call = on_call
    bot = start_bot(config, log)
    try:
        await wait_until(lambda: len(fake.broadcast_at) >= 10, bot, log, 60)
        # Warm-up, not measured: each mentor opens the menu once.
        await asyncio.gather(
            *(m.act(("tap", "menu:home"), measured=False) for m in mentors.values())
        )
        for i, mentor in enumerate(mentors.values()):
            mentor.give_script(mentor_mix(sections, first_bite, i))
        fake.measuring = True
        window_start = time.perf_counter()
        pace = args.mentors / args.interval
        offered, skipped = await run_paced(
            list(mentors.values()), int(pace * args.seconds), pace, window_start + args.seconds
        )
        window_end = time.perf_counter()
        fake.measuring = False
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited:\n{tail(log)}")
    finally:
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the bot's cut-off poll
        stop_bot(bot)
        await fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
    window = window_end - window_start
    in_window = sum(1 for t in fake.broadcast_at if window_start <= t <= window_end)
    last_second = sum(1 for t in fake.broadcast_at if window_end - 1.0 <= t <= window_end)
    finished = len(fake.broadcast_reached) >= args.recipients and not last_second
    handed = _ms([x for x, _ in fake.latencies])
    queued = _ms([y for _, y in fake.latencies])
    unanswered = offered - len(fake.latencies)
    missed = []
    if handed["p95"] is None or handed["p95"] >= TARGET_P95_MS:
        missed.append(f"reply p95 {handed['p95']} ms >= {TARGET_P95_MS} ms")
    if unanswered:
        missed.append(f"{unanswered} updates got no reply")
    if finished or not last_second:
        missed.append("the broadcast was not delivering through the whole window")
    return {
        "bench": "reply_latency",
        "targets": {"reply_p95_ms_max": TARGET_P95_MS},
        "passed": not missed,
        "missed": missed,
        "reply_latency_ms": handed,  # from getUpdates hand-out to the first visible reply
        "reply_latency_from_queued_ms": queued,
        "replies_measured": len(fake.latencies),
        "updates_offered": offered,
        "skipped_slots": skipped,
        "unanswered": unanswered,
        "reply_timeouts": stats.timeouts,  # a mentor waited 30 s in vain
        "reply_messages_per_s": round(fake.reply_calls / window, 1),
        "broadcast": {
            "recipients": args.recipients,
            "delivered_in_window": in_window,
            "rate_in_window": round(in_window / window, 1),
            "delivered_in_last_second": last_second,
            "reached_by_end": len(fake.broadcast_reached),
        },
        "429s": fake.too_many,
        "window_s": round(window, 1),
        "mentors": args.mentors,
        "interval_s": args.interval,
        "allowed_rate": args.rate,
        "bot_max_rate": args.bot_rate or TelegramSettings.model_fields["max_rate"].default,
        "bot_broadcast_rate": args.broadcast_rate or "default",
        "wall_s": round(time.perf_counter() - started, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine_info(),
    }


def main() -> None:
    """Parse the flags, run, print one JSON line; exit 1 on a missed target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=20, help="mentors talking to the bot")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a mentor's")
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s the fake allows")
    parser.add_argument(
        "--bot-rate", type=float, help="the bot's telegram.max_rate (default: the bot's default)"
    )
    parser.add_argument(
        "--broadcast-rate",
        type=float,
        help="the bot's features.broadcasts.rate_per_second (default: the bot's default)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 recipients, a 20 s window (under a minute)"
    )
    args = parser.parse_args()
    if args.quick:
        args.recipients, args.seconds = 1_000, 20.0
    result = asyncio.run(run(args))
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
