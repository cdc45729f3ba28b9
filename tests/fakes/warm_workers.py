"""Warm report workers for the tests: one chart process and one Excel process per test process,
instead of a new interpreter (and matplotlib's or openpyxl's import, about 1 s and 0.3 s of CPU)
for every chart and every export the bot makes.

The bot starts a short-lived worker per chart and per export (bot/features/reports/chart_worker.py
and xlsx_worker.py, so that matplotlib and openpyxl never stay in its memory). That path, the
process start, its timeout and its failures included, is what the tests marked `real_workers` run.
Every other test gets these stand-ins (conftest.py): the same work done by the same functions
(`chart_from_json` and `render_chart`; `XlsxWriter` fed decoded pages, numpy kept out) in a
process of its own, so that the test process never imports matplotlib or openpyxl either, which
`test_report_draws_outside_the_bot_and_falls_back_to_words` relies on.

`python -m tests.fakes.warm_workers chart|xlsx` is the worker: requests on stdin, answers on stdout,
each one kind byte and a 4-byte length before its data.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

from bot.features.reports import chart_worker, xlsx_worker
from tests.fakes.cli_zygote import end_child

log = logging.getLogger("bot.features.reports")
REPO = Path(__file__).resolve().parents[2]
_LENGTH = struct.Struct(">I")


def _write(stream, kind: bytes, data: bytes) -> None:
    stream.write(kind + _LENGTH.pack(len(data)) + data)
    stream.flush()


def _read(stream) -> tuple[bytes, bytes] | None:
    head = stream.read(1 + _LENGTH.size)
    if len(head) < 1 + _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head[1:])
    data = stream.read(length)
    if len(data) < length:
        return None
    return head[:1], data


class WarmProcess:
    """One worker process, started at its first request and kept until the tests end."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # one request at a time (the bot may ask from two tasks)
        atexit.register(self.stop)

    def request(self, data: bytes) -> bytes:
        """The worker's answer to `data`; RuntimeError with its message when it failed."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                env = {**os.environ, "MPLBACKEND": "Agg"}
                self._process = subprocess.Popen(
                    [sys.executable, "-m", __name__, self.kind],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=REPO,
                    env=env,
                )
            _write(self._process.stdin, b"q", data)
            answer = _read(self._process.stdout)
        if answer is None:
            raise RuntimeError(f"the warm {self.kind} worker ended")
        status, body = answer
        if status != b"k":
            raise RuntimeError(body.decode(errors="replace"))
        return body

    def stop(self) -> None:
        """End the worker (its input closed: it exits at the end of it)."""
        process, self._process = self._process, None
        end_child(process)


CHARTS = WarmProcess("chart")
WORKBOOKS = WarmProcess("xlsx")


async def _ask(worker: WarmProcess, name: str, request: bytes, seconds: float) -> bytes | None:
    """The warm worker's answer, or None logged as the bot's own worker logs a timeout or a
    failure."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(worker.request, request), seconds)
    except TimeoutError:
        log.warning("the %s worker took longer than %.0f s", name, seconds)
    except RuntimeError as exc:
        log.warning("the %s worker failed (exit 1): %s", name, exc)
    return None


async def run_chart_worker(payload: bytes, seconds: float) -> bytes | None:
    """Stands in for chart_worker._run_worker: the PNG, or None (logged) as there."""
    png = await _ask(CHARTS, "chart", payload, seconds)
    if png is None:
        return None
    if not png.startswith(chart_worker.PNG_SIGNATURE):
        log.warning("the chart worker failed (exit 0): no PNG")
        return None
    return png


class WarmXlsxProcess:
    """Stands in for xlsx_worker.XlsxProcess: the pages kept until `finish`, then the workbook
    written by the warm Excel worker."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lines: list[str] = []

    async def add(self, rows) -> None:
        """Keep a page of rows, as the worker reads it."""
        self._lines.append(xlsx_worker.page_line(rows).decode())

    async def finish(self, seconds: float = xlsx_worker.FINISH_TIMEOUT) -> bool:
        """Write the workbook; True when it was written."""
        request = json.dumps({"path": self.path, "pages": self._lines}).encode()
        return await _ask(WORKBOOKS, "Excel", request, seconds) is not None

    async def kill(self) -> None:
        """Nothing runs for this export until `finish`."""
        self._lines = []


def _chart(data: bytes) -> bytes:
    from bot.features.reports.figures import render_chart

    return render_chart(chart_worker.chart_from_json(data))


def _workbook(data: bytes) -> bytes:
    from bot.features.reports.exports import XlsxWriter

    request = json.loads(data)
    writer = XlsxWriter()
    for line in request["pages"]:
        writer.add_rows([xlsx_worker._decode(v) for v in row] for row in json.loads(line))
    writer.save(request["path"])
    return b""


def main() -> None:
    """Answer requests until stdin ends."""
    kind = sys.argv[1]
    if kind == "xlsx":  # as xlsx_worker.main does: rows come from JSON, never numpy numbers
        sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
    work = _chart if kind == "chart" else _workbook
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (request := _read(stdin)) is not None:
        try:
            answer = (b"k", work(request[1]))
        except Exception as exc:  # noqa: BLE001 - told to the test process, which logs it
            answer = (b"e", f"{type(exc).__name__}: {exc}".encode())
        _write(stdout, *answer)


if __name__ == "__main__":
    main()
