"""The report chart drawn in a short-lived process of its own: a Chart as JSON on stdin, the PNG on
stdout (`python -m bot.features.reports.chart_worker`).

matplotlib takes about 56 MB once imported and never gives it back; drawing here keeps it out of
the bot's memory (bench/memory.py). The bot calls `draw`, which returns None when the worker fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import weakref
from dataclasses import asdict

from bot.features.reports.figures import Chart, render_chart

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 30.0  # seconds for one chart, the interpreter's start and matplotlib's import included
MAX_WORKERS = 2  # charts drawn at once (each worker is about 70 MB while it runs)
_limits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> Semaphore


def chart_json(chart: Chart) -> bytes:
    """A chart as the worker reads it."""
    return json.dumps(asdict(chart), ensure_ascii=False).encode()


def chart_from_json(data: bytes) -> Chart:
    """The chart `chart_json` wrote."""
    fields = json.loads(data)
    fields["months"] = [tuple(m) for m in fields["months"]]
    fields["themes"] = [tuple(t) for t in fields["themes"]]
    return Chart(**fields)


def _limit() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    limit = _limits.get(loop)
    if limit is None:
        limit = _limits[loop] = asyncio.Semaphore(MAX_WORKERS)
    return limit


async def draw(chart: Chart, seconds: float = TIMEOUT) -> bytes | None:
    """The chart as PNG from a worker process; None (logged) when it fails or takes too long."""
    async with _limit():
        return await _run_worker(chart_json(chart), seconds)


async def _run_worker(payload: bytes, seconds: float) -> bytes | None:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        log.warning("the chart worker did not start: %s", exc)
        return None
    try:
        png, err = await asyncio.wait_for(process.communicate(payload), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        log.warning("the chart worker took longer than %.0f s", seconds)
        return None
    if process.returncode != 0 or not png.startswith(PNG_SIGNATURE):
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        log.warning("the chart worker failed (exit %s): %s", process.returncode, tail[0])
        return None
    return png


def main() -> None:
    """Read one chart from stdin, write its PNG to stdout."""
    chart = chart_from_json(sys.stdin.buffer.read())
    sys.stdout.buffer.write(render_chart(chart))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
