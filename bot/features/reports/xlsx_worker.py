"""The Excel file of an export written by a short-lived process of its own
(`python -m bot.features.reports.xlsx_worker PATH`): pages of rows as JSON lines on stdin, the
workbook written to PATH at the end of the input, exit 0 when it is complete.

openpyxl (with numpy and Pillow, which it imports) takes about 25 MB once imported and never
gives it back; writing here keeps it out of the bot's memory (bench/memory.py). The bot side is
`XlsxProcess`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import date

from bot.features.reports.exports import Value, XlsxWriter

log = logging.getLogger(__name__)

FINISH_TIMEOUT = 60.0  # seconds to save the workbook once every row was sent


def _encode(value: Value) -> object:
    return {"date": value.isoformat()} if isinstance(value, date) else value


def _decode(value: Value | dict) -> Value:
    return date.fromisoformat(value["date"]) if isinstance(value, dict) else value


def page_line(rows: list[list[Value]]) -> bytes:
    """One page of rows as the worker reads it: a JSON line."""
    return json.dumps([[_encode(v) for v in row] for row in rows], ensure_ascii=False).encode()


class XlsxProcess:
    """The bot's side of one worker: rows sent page by page; `finish` says whether it worked."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._process: asyncio.subprocess.Process | None = None
        self._failed = False

    async def _start(self) -> asyncio.subprocess.Process | None:
        if self._process is None and not self._failed:
            try:
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    __name__,
                    self.path,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            except OSError as exc:
                log.warning("the Excel worker did not start: %s", exc)
                self._failed = True
        return self._process

    async def add(self, rows: list[list[Value]]) -> None:
        """Send a page of rows (a worker that died is noticed in `finish`)."""
        process = await self._start()
        if process is None or self._failed:
            return
        try:
            process.stdin.write(page_line(rows) + b"\n")
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._failed = True

    async def finish(self, seconds: float = FINISH_TIMEOUT) -> bool:
        """End the input and wait for the workbook; True when it was written."""
        process = await self._start()
        if process is None:
            return False
        try:
            process.stdin.close()
            _, err = await asyncio.wait_for(process.communicate(), seconds)
        except TimeoutError:
            await self.kill()
            log.warning("the Excel worker took longer than %.0f s", seconds)
            return False
        except (BrokenPipeError, ConnectionResetError):
            err = b""
            await process.wait()
        if process.returncode != 0 or self._failed:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            log.warning("the Excel worker failed (exit %s): %s", process.returncode, tail[0])
            return False
        return True

    async def kill(self) -> None:
        """Stop the worker if it still runs."""
        process = self._process
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()


def main() -> None:
    """Read pages of rows from stdin until it ends, then save the workbook to argv[1]."""
    # openpyxl imports numpy, when it can, only to accept numpy numbers in cells; rows here come
    # from JSON. Without it the worker starts faster and is about 19 MB smaller (measured).
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
    writer = XlsxWriter()
    for line in sys.stdin.buffer:
        if line.strip():
            writer.add_rows([_decode(v) for v in row] for row in json.loads(line))
    writer.save(sys.argv[1])


if __name__ == "__main__":
    main()
