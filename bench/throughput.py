"""Throughput and reply latency of the real bot over the Telegram transport, against a bare echo bot.

Two processes per measurement, all traffic on 127.0.0.1:

* this process: the fake Bot API server (tests/fakes/telegram_api.py) and N simulated mentors;
* a child process: the bot (the real App + TelegramTransport, polling the fake over HTTP), or a
  bare python-telegram-bot echo bot built with the same client settings that does what a correct
  bot must (a tap is answered with answerCallbackQuery as well as the reply).

For each number of mentors (`--sizes`, default 20, 50 and 200) the rounds alternate bot, echo,
bot, echo (`--pairs`), so drift in the machine's load hits both; the ratio is the bot's summed
rate over the echo's. The run exits 1 when a ratio is below 0.8, the paced p95 is 20 ms or more,
or a mentor waited in vain for a reply.

Every simulated mentor sends its next update only after the bot answered the previous one: for the
bot, after the reply that carries the buttons the mentor taps next (every step of the mix ends
with one); for the echo bot, after its one reply. Latency is measured on the fake server's clock:
from the moment an update is offered to the bot to the first reply call to that chat received.

These closed-loop rounds run the bot flat out, so their latency is mostly queueing (Little's law:
mentors / throughput). Two paced rounds follow (bot, then echo): updates offered at a fixed rate
(`--paced-rate`, default 100/s) by mentors not waiting for an answer, the latency a mentor sees
on a busy but not saturated bot.

    .venv/bin/python bench/throughput.py [--sizes 20,50,200] [--updates 6000] [--pairs 2] [--quick]

Prints one JSON line. `--profile DIR` runs the bot process (largest size) under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST_USER_ID = 500_000_001
REPLY_TIMEOUT = 30.0  # seconds one simulated mentor waits for an answer before moving on
TARGET_RATIO = 0.8  # bot / echo updates per second, at every size
TARGET_PACED_P95 = 20.0  # ms, bot at --paced-rate
SENT_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
REFLECTION = "Today I listened more than I talked, and the group opened up."


# --- machine --------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(terse=True),
    }
    try:
        import telegram

        info["python_telegram_bot"] = telegram.__version__
    except ImportError:
        pass
    return info


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def current_rss_mb() -> float | None:
    """This process's resident set size now (Linux /proc), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a (child) process so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


async def count_statements(db: Any) -> list[int]:
    """Count [SQL statements run, trips to aiosqlite's thread] on the app's connection (settable).

    Statements come from SQLite's trace callback (BEGIN and COMMIT count too); trips wrap
    aiosqlite's private `_execute`, the one door every call goes through (benchmark only).
    """
    counter = [0, 0]
    conn = db.conn

    def traced(_sql: str) -> None:
        counter[0] += 1

    await conn.set_trace_callback(traced)
    execute = conn._execute

    async def counting_execute(fn: Any, *args: Any, **kwargs: Any) -> Any:
        counter[1] += 1
        return await execute(fn, *args, **kwargs)

    conn._execute = counting_execute
    return counter


# --- seeding --------------------------------------------------------------------------------------


def write_config(directory: Path, base_url: str, extra: str = "") -> Path:
    """The bot's config for a benchmark: no flood guard, short polls, the fake's URL."""
    path = directory / "bench-config.yaml"
    path.write_text(
        "bot:\n"
        "  rate_limit:\n"
        "    messages: 1000000\n"
        f"{extra}"
        "telegram:\n"
        f"  base_url: {base_url}\n"
        "  poll_timeout: 1\n"
        "  bot_username: remap_bench_bot\n"
        "logging:\n"
        "  level: INFO\n",
        encoding="utf-8",
    )
    return path


async def seed_mentors(db_path: Path, count: int, first_user_id: int = FIRST_USER_ID) -> list[int]:
    """Active mentors with a Telegram identity each, inserted directly; returns their user ids."""
    from bot.roles import Role
    from storage.db import Database
    from storage.people import PeopleRepo

    db = Database(db_path)
    await db.open()
    people = db.repo(PeopleRepo)
    user_ids = [first_user_id + i for i in range(count)]
    try:
        async with db.transaction():
            for index, user_id in enumerate(user_ids):
                person = await people.create(
                    role=Role.MENTOR,
                    cohort="bench",
                    language="en",
                    display_name=f"Mentor {index}",
                    status="active",
                )
                await people.update(person.id, consent_version=1, consented_at=db.now_iso())
                await people.add_identity(person.id, "telegram", str(user_id), str(user_id))
    finally:
        await db.close()
    return user_ids


def content_ids() -> tuple[list[str], str]:
    """Section ids in order, and the first bite id (for fallbacks)."""
    from bot.content import load_content
    from bot.i18n import load

    content_dir = ROOT / "content"
    load(content_dir / "locales")
    content = load_content(content_dir)
    return [s.id for s in content.sections], content.sections[0].bites[0].id


# --- the simulated mentors ------------------------------------------------------------------------

Action = tuple[str, str]  # ("tap", callback_data) | ("say", text)


def _button(call: Any, prefix: str) -> str | None:
    """The argument of the first button whose callback data starts with `prefix`."""
    if call is None:
        return None
    for data in call.callback_data:
        if data.startswith(prefix):
            return data[len(prefix) :]
    return None


def mentor_mix(sections: list[str], fallback_bite: str, index: int) -> Generator[Action, Any, None]:
    """The mix one mentor goes through, again and again; `send()` it the reply it got.

    menu, a learning bite (continue a section, then Next), a reflection (start, one text, done),
    a workshop form step (new, date today, a community) and /cancel: ten updates a round.
    """
    section = 0
    bite = fallback_bite
    for round_no in itertools.count():
        yield ("tap", "menu:home")
        reply = yield ("tap", f"learn:go:{sections[section]}")
        shown = _button(reply, "learn:next:")
        if shown is None:  # section finished (the check or feedback comes instead): next section
            section = min(section + 1, len(sections) - 1)
            reply = yield ("tap", f"learn:go:{sections[section]}")
        else:
            reply = yield ("tap", f"learn:next:{shown}")
        bite = _button(reply, "learn:reflect:") or bite
        yield ("tap", f"learn:reflect:{bite}")
        yield ("say", REFLECTION)
        yield ("tap", "learn:rdone")
        yield ("tap", "ws:new")
        yield ("tap", "ws:date:today")
        yield ("say", f"Youth centre {index % 50} round {round_no}")
        yield ("say", "/cancel")


@dataclass
class Stats:
    """What one round of simulated mentors saw."""

    latencies: list[float] = field(default_factory=list)  # seconds, first reply after offer
    sent: int = 0
    timeouts: int = 0
    stray_replies: int = 0
    api_calls: int = 0
    incomplete_users: int = 0


class Mentor:
    """One simulated person: sends an update, waits for the answer, reads it, goes on."""

    def __init__(self, fake: Any, user_id: int, stats: Stats, wait_for_buttons: bool) -> None:
        self.fake = fake
        self.user_id = user_id
        self.stats = stats
        self.wait_for_buttons = wait_for_buttons
        self._waiter: asyncio.Future | None = None
        self._first_at: float | None = None
        self._message_id = 1

    def on_reply(self, call: Any) -> None:
        """A message to this mentor's chat arrived at the fake server."""
        waiter = self._waiter
        if waiter is None or waiter.done():
            self.stats.stray_replies += 1
            return
        if self._first_at is None:
            self._first_at = call.at
        if not self.wait_for_buttons or call.callback_data:
            waiter.set_result(call)

    async def act(self, action: Action, *, measured: bool = True) -> Any:
        """Send one update and wait for the answer; returns the reply call (None on timeout)."""
        kind, value = action
        self._waiter = asyncio.get_running_loop().create_future()
        self._first_at = None
        try:
            if kind == "tap":
                update_id = await self.fake.tap(self.user_id, value, message_id=self._message_id)
            else:
                update_id = await self.fake.message(self.user_id, value)
            try:
                reply = await asyncio.wait_for(self._waiter, REPLY_TIMEOUT)
            except TimeoutError:
                reply = None
                self.stats.timeouts += 1
        finally:
            self._waiter = None
        offered = self.fake.offered_at.pop(update_id, None)
        if measured:
            self.stats.sent += 1
            if self._first_at is not None and offered is not None:
                self.stats.latencies.append(self._first_at - offered)
        if reply is not None:
            self._message_id = getattr(reply, "result_id", self._message_id)
        return reply

    async def step(self) -> None:
        """One step of the mentor's own script (for the paced round)."""
        reply = await self.act(self.action)
        self.action = self.script.send(reply)

    def give_script(self, script: Generator[Action, Any, None]) -> None:
        """The mix this mentor follows in the paced round."""
        self.script = script
        self.action = next(script)

    async def run(
        self, script: Generator[Action, Any, None], updates: int, deadline: float
    ) -> bool:
        """Go through `updates` steps of the script (False when the deadline came first)."""
        action = next(script)
        for _ in range(updates):
            if time.perf_counter() > deadline:
                return False
            reply = await self.act(action)
            action = script.send(reply)
        return True


async def run_paced(
    mentors: list[Mentor], updates: int, rate: float, deadline: float
) -> tuple[int, int]:
    """Offer `updates` updates at `rate` per second, each from a mentor not waiting for an answer.

    Open loop: the next update is due 1/rate after the previous one whatever the bot does, so
    the latency is that of a bot under this load, not of one the mentors wait on. Returns
    (offered, skipped): a slot is skipped when every mentor is still waiting for an answer.
    """
    idle = deque(mentors)
    tasks: set[asyncio.Task] = set()
    offered = skipped = 0
    interval = 1.0 / rate
    due = time.perf_counter()

    async def one(mentor: Mentor) -> None:
        try:
            await mentor.step()
        finally:
            idle.append(mentor)

    for _ in range(updates):
        if time.perf_counter() > deadline:
            break
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        due += interval
        if not idle:
            skipped += 1
            continue
        task = asyncio.create_task(one(idle.popleft()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        offered += 1
    await asyncio.gather(*list(tasks))
    return offered, skipped


def route_replies(mentors: dict[str, Mentor], stats: Stats) -> Callable[[Any], None]:
    """The fake server's on_call hook: hand every message to the mentor whose chat it is."""

    def on_call(call: Any) -> None:
        stats.api_calls += 1
        if call.method in SENT_METHODS:
            mentor = mentors.get(call.chat_id)
            if mentor is not None:
                mentor.on_reply(call)

    return on_call


# --- one measured round against a bot process ----------------------------------------------------


def _log_file(path: Path) -> BinaryIO:
    """Where a child process's stderr goes."""
    return path.open("wb")


class BotProcess:
    """A child process running the bot (or the echo bot); stop() returns its own figures."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.proc = proc
        self.stderr_path = stderr_path
        self.ready: dict[str, Any] = {}  # the child's first line: pid, RSS after start

    @classmethod
    async def spawn(
        cls, mode: str, base_url: str, token: str, workdir: Path, extra_args: list[str]
    ) -> BotProcess:
        """Start `bench/throughput.py --serve MODE ...` and wait until it polls."""
        stderr_path = workdir / f"{mode}.stderr.log"
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": token, "PYTHONUNBUFFERED": "1"}
        with _log_file(stderr_path) as stderr:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(SCRIPT),
                "--serve",
                mode,
                "--base-url",
                base_url,
                *extra_args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=str(ROOT),
            )
        child = cls(proc, stderr_path)
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
        except TimeoutError:
            line = b""
        if not line.startswith(b"{"):
            await child.kill()
            raise RuntimeError(f"{mode} process did not start:\n{child.stderr_tail()}")
        child.ready = json.loads(line)
        return child

    def stderr_tail(self, lines: int = 30) -> str:
        """The end of the child's log."""
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU time the child used so far."""
        return process_cpu_seconds(self.proc.pid)

    async def stop(self) -> dict:
        """Ask the child to stop cleanly; its final JSON line (peak RSS, CPU)."""
        try:
            self.proc.stdin.write(b"stop\n")
            await self.proc.stdin.drain()
            self.proc.stdin.close()
            out = await asyncio.wait_for(self.proc.stdout.read(), 60)
            await asyncio.wait_for(self.proc.wait(), 30)
        except (TimeoutError, ConnectionError):
            await self.kill()
            return {}
        lines = [x for x in out.decode(errors="replace").splitlines() if x.startswith("{")]
        return json.loads(lines[-1]) if lines else {}

    async def kill(self) -> None:
        """Last resort: kill this child (by its own pid)."""
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


_next_update_id = 1  # the first update id of the next round's fake


async def measure(
    mode: str,
    *,
    users: int,
    updates: int,
    workdir: Path,
    max_seconds: float,
    profile: Path | None = None,
    db_path: Path | None = None,
    user_ids: list[int] | None = None,
    pace: float | None = None,
    pool: int = 0,
) -> dict[str, Any]:
    """One round: start the fake server and a bot process, warm up, run the mix, stop.

    With `pace`, updates are offered at that rate (open loop) instead of as fast as answered.
    """
    from tests.fakes.telegram_api import FakeTelegram

    global _next_update_id
    # The bot's database outlives a round: update ids go on from the last round's.
    fake = await FakeTelegram(first_update_id=_next_update_id).start()
    fake.record_calls = False
    sections, first_bite = content_ids()
    extra: list[str] = []
    if mode == "bot":
        assert db_path is not None
        config = write_config(workdir, fake.base_url)
        extra += ["--config", str(config), "--db", str(db_path)]
    if profile is not None:
        extra += ["--profile", str(profile / f"{mode}.prof")]
    if pool:
        extra += ["--pool", str(pool)]
    if user_ids is None:
        user_ids = [FIRST_USER_ID + i for i in range(users)]
    warmup_stats, stats = Stats(), Stats()
    wait_for_buttons = mode == "bot"
    mentors = {str(u): Mentor(fake, u, warmup_stats, wait_for_buttons) for u in user_ids[:users]}
    fake.on_call = route_replies(mentors, warmup_stats)
    child = await BotProcess.spawn(mode, fake.base_url, fake.token, workdir, extra)
    try:
        # Warm-up, not measured: every mentor opens the menu once (connections, caches, JIT-free
        # but lazily imported code paths).
        await asyncio.gather(
            *(m.act(("tap", "menu:home"), measured=False) for m in mentors.values())
        )
        await asyncio.sleep(0.2)
        for mentor in mentors.values():
            mentor.stats = stats
        fake.on_call = route_replies(mentors, stats)
        share, rest = divmod(updates, len(mentors))
        budgets = [share + (1 if i < rest else 0) for i in range(len(mentors))]
        polls_before, polled_before = fake.polls, fake.polled_updates
        cpu_before = child.cpu_seconds()
        own_before = os.times()
        started = time.perf_counter()
        deadline = started + max_seconds
        skipped = 0
        if pace is None:
            done = await asyncio.gather(
                *(
                    m.run(mentor_mix(sections, first_bite, i), budget, deadline)
                    for i, (m, budget) in enumerate(zip(mentors.values(), budgets, strict=True))
                )
            )
            stats.incomplete_users = done.count(False)
        else:
            for i, mentor in enumerate(mentors.values()):
                mentor.give_script(mentor_mix(sections, first_bite, i))
            _, skipped = await run_paced(list(mentors.values()), updates, pace, deadline)
        elapsed = time.perf_counter() - started
        cpu_after = child.cpu_seconds()
        own_after = os.times()
        polls, polled = fake.polls - polls_before, fake.polled_updates - polled_before
    finally:
        final = await child.stop()
        await fake.stop()
        _next_update_id += len(fake.sent_updates) + 1
    own_cpu = (own_after.user - own_before.user) + (own_after.system - own_before.system)
    ms = [x * 1000 for x in stats.latencies]
    return {
        "updates": stats.sent,
        "elapsed_s": round(elapsed, 3),
        "updates_per_s": round(stats.sent / elapsed, 1) if elapsed else None,
        "p50_ms": _round(percentile(ms, 50)),
        "p95_ms": _round(percentile(ms, 95)),
        "p99_ms": _round(percentile(ms, 99)),
        "max_ms": _round(max(ms) if ms else None),
        "api_calls_per_update": round(stats.api_calls / stats.sent, 2) if stats.sent else None,
        "polls_per_update": round(polls / stats.sent, 2) if stats.sent else None,
        "updates_per_poll": round(polled / polls, 2) if polls else None,
        "bot_cpu_s": round(cpu_after - cpu_before, 2),
        "bot_cpu_ms_per_update": round(1000 * (cpu_after - cpu_before) / stats.sent, 3)
        if stats.sent
        else None,
        "driver_cpu_s": round(own_cpu, 2),
        **(
            {  # the warm-up tap of each mentor is in these counts too
                "db_statements_per_update": round(final["db_statements"] / (stats.sent + users), 2),
                "db_trips_per_update": round(final["db_trips"] / (stats.sent + users), 2),
            }
            if final and "db_statements" in final
            else {}
        ),
        "bot_rss_after_start_mb": child.ready.get("rss_mb"),
        "bot_peak_rss_mb": round(final.get("maxrss_kb", 0) / 1024, 1) if final else None,
        "timeouts": stats.timeouts,
        "stray_replies": stats.stray_replies,
        "incomplete_users": stats.incomplete_users,
        **({"offered_per_s": pace, "skipped_slots": skipped} if pace is not None else {}),
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


async def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Per number of mentors: closed-loop rounds alternating bot and echo; then the paced rounds."""
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.db"
        user_ids = await seed_mentors(db_path, max(args.sizes))
        profile = args.profile  # a resolved, existing directory (main() made it)
        db_of = {"bot": db_path, "echo": None}
        sizes: dict[str, Any] = {}
        for users in args.sizes:
            common = {"users": users, "workdir": workdir, "max_seconds": args.max_seconds,
                      "user_ids": user_ids, "pool": args.pool}  # fmt: skip
            rounds: dict[str, list[dict[str, Any]]] = {"bot": [], "echo": []}
            for _ in range(args.pairs):  # bot, echo, bot, echo: drift of the machine hits both
                for mode in ("bot", "echo"):
                    rounds[mode].append(
                        await measure(
                            mode,
                            updates=args.updates,
                            profile=profile if users == max(args.sizes) else None,
                            db_path=db_of[mode],
                            **common,
                        )
                    )
            sizes[str(users)] = _size_figures(rounds)
        paced: dict[str, Any] = {}
        if args.paced_rate > 0:
            common = {"users": max(args.sizes), "workdir": workdir,
                      "max_seconds": args.max_seconds, "user_ids": user_ids, "pool": args.pool}  # fmt: skip
            for mode in ("bot", "echo"):
                paced[mode] = await measure(
                    mode,
                    updates=args.paced_updates,
                    db_path=db_of[mode],
                    pace=args.paced_rate,
                    **common,
                )
    targets = {"ratio_bot_echo_min": TARGET_RATIO, "paced_p95_ms_max": TARGET_PACED_P95}
    missed = [
        f"ratio at {users} mentors {fig['ratio_bot_echo']} < {TARGET_RATIO}"
        for users, fig in sizes.items()
        if fig["ratio_bot_echo"] is None or fig["ratio_bot_echo"] < TARGET_RATIO
    ]
    paced_p95 = paced.get("bot", {}).get("p95_ms")
    if paced and (paced_p95 is None or paced_p95 >= TARGET_PACED_P95):
        missed.append(f"paced p95 {paced_p95} ms >= {TARGET_PACED_P95} ms")
    for users, fig in sizes.items():
        if fig["timeouts"]:
            missed.append(f"{fig['timeouts']} replies timed out at {users} mentors")
    return {
        "bench": "throughput",
        "targets": targets,
        "passed": not missed,
        "missed": missed,
        "ratio_bot_echo": {users: fig["ratio_bot_echo"] for users, fig in sizes.items()},
        "updates_per_round": args.updates,
        "pairs": args.pairs,
        "connection_pool_size": args.pool or _telegram_default("connection_pool_size"),
        "poll_interval_s": _telegram_default("poll_interval"),
        **(
            {
                "paced_rate_per_s": args.paced_rate,
                "paced_latency_ms": {
                    mode: {"p50": r["p50_ms"], "p95": r["p95_ms"], "p99": r["p99_ms"]}
                    for mode, r in paced.items()
                },
            }
            if paced
            else {}
        ),
        "sizes": sizes,
        **({"paced": paced} if paced else {}),
        "load_average": os.getloadavg(),
        "machine": machine_info(),
    }


def _size_figures(rounds: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One number of mentors: each round's rate, the ratio of the summed rates, the rest of the
    bot's figures from its rounds."""
    bot_rates = [r["updates_per_s"] or 0.0 for r in rounds["bot"]]
    echo_rates = [r["updates_per_s"] or 0.0 for r in rounds["echo"]]
    ratio = round(sum(bot_rates) / sum(echo_rates), 3) if sum(echo_rates) else None
    last = rounds["bot"][-1]
    return {
        "ratio_bot_echo": ratio,
        "bot_updates_per_s": bot_rates,
        "round_seconds": [r["elapsed_s"] for r in rounds["bot"] + rounds["echo"]],
        "echo_updates_per_s": echo_rates,
        "bot_latency_ms": {"p50": last["p50_ms"], "p95": last["p95_ms"], "p99": last["p99_ms"]},
        "echo_latency_ms": {
            "p50": rounds["echo"][-1]["p50_ms"],
            "p95": rounds["echo"][-1]["p95_ms"],
            "p99": rounds["echo"][-1]["p99_ms"],
        },
        "bot_cpu_ms_per_update": [r["bot_cpu_ms_per_update"] for r in rounds["bot"]],
        "echo_cpu_ms_per_update": [r["bot_cpu_ms_per_update"] for r in rounds["echo"]],
        "api_calls_per_update": {
            "bot": last["api_calls_per_update"],
            "echo": rounds["echo"][-1]["api_calls_per_update"],
        },
        "polls_per_update": {
            "bot": last["polls_per_update"],
            "echo": rounds["echo"][-1]["polls_per_update"],
        },
        "db_statements_per_update": last.get("db_statements_per_update"),
        "db_trips_per_update": last.get("db_trips_per_update"),
        "bot_peak_rss_mb": last["bot_peak_rss_mb"],
        "timeouts": sum(r["timeouts"] for r in rounds["bot"] + rounds["echo"]),
        "stray_replies": sum(r["stray_replies"] for r in rounds["bot"] + rounds["echo"]),
    }


# --- the child processes --------------------------------------------------------------------------


async def _wait_for_stop() -> None:
    """Block until the parent writes a line (or closes stdin)."""
    await asyncio.to_thread(sys.stdin.readline)


_DB_COUNTERS: list[list[int]] = []  # the bot process: its live [statements, thread trips]


def _final_line() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    final: dict[str, Any] = {
        "maxrss_kb": usage.ru_maxrss,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
    }
    if _DB_COUNTERS:
        final["db_statements"], final["db_trips"] = _DB_COUNTERS[0]
    print(json.dumps(final), flush=True)


async def serve_bot(args: argparse.Namespace) -> None:
    """The real bot: App + TelegramTransport (no send rate cap: the fake has no rate limit)."""
    from bot.app import App, freeze_start_up
    from bot.cli.common import setup_logging
    from bot.config import load_config
    from bot.transports.telegram import TelegramTransport

    config = load_config(args.config, args.db)
    setup_logging(config.logging.level)
    app = App(config)
    app.add_transport(
        TelegramTransport(
            config.telegram_token(),
            base_url=config.telegram.base_url,
            mode="polling",
            poll_timeout=config.telegram.poll_timeout,
            overall_max_rate=0,  # AIORateLimiter: 0 = no overall limit
            poll_interval=config.telegram.poll_interval,
            connection_pool_size=args.pool or config.telegram.connection_pool_size,
        )
    )
    await app.start()
    freeze_start_up()  # as `mentorbot run` does after start
    _DB_COUNTERS.append(await count_statements(app.db))  # from here on: warm-up and mix
    print(json.dumps({"ready": True, "pid": os.getpid(), "rss_mb": current_rss_mb()}), flush=True)
    try:
        await _wait_for_stop()
    finally:
        await app.stop()


def _telegram_default(key: str) -> Any:
    """A default of the bot's `telegram` settings (the echo bot gets the same)."""
    from bot.config import TelegramSettings

    return TelegramSettings.model_fields[key].default


async def serve_echo(args: argparse.Namespace) -> None:
    """A bare python-telegram-bot echo bot with TelegramTransport's client settings."""
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(chat_id=update.effective_chat.id, text=update.message.text)

    async def on_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # What a correct bot must do for a tap: answer the callback query (Telegram shows a
        # spinner until then) alongside the reply, as TelegramTransport does.
        query = update.callback_query
        await asyncio.gather(
            query.answer(),
            context.bot.send_message(chat_id=query.message.chat.id, text=query.data or "…"),
        )

    root = args.base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .concurrent_updates(256)  # as TelegramTransport
        .connection_pool_size(args.pool or _telegram_default("connection_pool_size"))
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=2))
        .base_url(root)
        .base_file_url(root.replace("/bot", "/file/bot"))
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, on_message))
    application.add_handler(CallbackQueryHandler(on_query))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(
        timeout=1,
        allowed_updates=Update.ALL_TYPES,
        bootstrap_retries=-1,
        poll_interval=_telegram_default("poll_interval"),  # as the bot
    )
    print(json.dumps({"ready": True, "pid": os.getpid(), "rss_mb": current_rss_mb()}), flush=True)
    try:
        await _wait_for_stop()
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def serve(args: argparse.Namespace) -> None:
    """Child process entry: run the bot or the echo bot until told to stop."""
    runner = serve_bot if args.serve == "bot" else serve_echo
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        asyncio.run(runner(args))
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        _final_line()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="20,50,200", help="numbers of simulated mentors, comma-separated"
    )
    parser.add_argument("--updates", type=int, default=6000, help="updates in each round")
    parser.add_argument("--pairs", type=int, default=2, help="bot/echo round pairs per size")
    parser.add_argument(
        "--quick", action="store_true", help="under a minute: 400 updates a round, one pair"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=900, help="stop a round after this long"
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=100,
        help="then offer updates at this rate (open loop) for the latency a mentor sees; 0: skip",
    )
    parser.add_argument(
        "--paced-updates", type=int, default=3000, help="updates in each paced round"
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="Bot API connections of both bots (default: the bot's telegram.connection_pool_size)",
    )
    parser.add_argument("--profile", help="directory for cProfile output of the bot processes")
    # internal: the child processes
    parser.add_argument("--serve", choices=("bot", "echo"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.updates, args.pairs, args.paced_updates = 400, 1, 300
    args.sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    if not args.sizes or args.sizes[0] < 1 or args.updates < args.sizes[-1]:
        parser.error("need sizes >= 1 and --updates >= the largest size")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark (or, internally, one of its bot processes)."""
    args = parse_args(argv)
    if args.serve:
        serve(args)
        return
    if args.profile:
        args.profile = Path(args.profile).resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run_benchmark(args))
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
