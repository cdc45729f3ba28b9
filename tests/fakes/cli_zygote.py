"""`python -m bot ...` for the tests, each run a process of its own forked from a warm one.

A fresh interpreter spends about 0.3 s of CPU importing the bot before `mentorbot invite` does
anything, and 0.6 s before `mentorbot console` or `run` does (pydantic models, 183 typed button
ids, every feature, python-telegram-bot, aiohttp). The tests start the CLI some forty times, so
the zygote imports every module of bot/ and storage/ once per test process, and `run` forks it
for each command: the child takes the command's working directory, environment, argv, stdin,
stdout and stderr, runs `bot/__main__.py` as `python -m bot` does, and exits through the
interpreter's normal shutdown with the command's exit code (a signal ends it as it ends any
process). What it does not repeat is the interpreter's start and the imports; the tests that
start `python -m bot` directly (test_faults.py, test_web.py, test_e2e_signal.py, test_core.py and
the first console test) keep that covered.

`run` takes the arguments of `subprocess.run` that the tests use and returns its
CompletedProcess (or raises TimeoutExpired).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import locale
import os
import pkgutil
import random
import runpy
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_LENGTH = struct.Struct(">I")


def _send(fd: int, message: dict) -> None:
    data = json.dumps(message).encode()
    data = _LENGTH.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int) -> dict | None:
    def exactly(n: int) -> bytes | None:
        chunks = b""
        while len(chunks) < n:
            chunk = os.read(fd, n - len(chunks))
            if not chunk:
                return None
            chunks += chunk
        return chunks

    head = exactly(_LENGTH.size)
    body = exactly(_LENGTH.unpack(head)[0]) if head else None
    return json.loads(body) if body is not None else None


class _Zygote:
    """The test process's side: one zygote, started at the first command."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def run(self, request: dict, timeout: float | None) -> int:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", __name__],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=REPO,
                )
            to_zygote, from_zygote = self._process.stdin.fileno(), self._process.stdout.fileno()
            _send(to_zygote, request)
            started = _receive(from_zygote)
            if started is None:
                raise RuntimeError("the CLI zygote ended")
            done: list[dict | None] = []
            reader = threading.Thread(target=lambda: done.append(_receive(from_zygote)))
            reader.start()
            reader.join(timeout)
            timed_out = reader.is_alive()
            if timed_out:
                os.kill(started["pid"], signal.SIGKILL)  # the zygote then reports its end
                reader.join()
            if not done or done[0] is None:
                raise RuntimeError("the CLI zygote ended")
            if timed_out:
                raise subprocess.TimeoutExpired(request["argv"], timeout)
            return done[0]["returncode"]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.stdin.close()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


_ZYGOTE = _Zygote()


def run(
    args: list[str],
    *,
    input: str | bytes | None = None,  # noqa: A002 - subprocess.run's name
    capture_output: bool = False,
    text: bool = False,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """`subprocess.run([sys.executable, "-m", "bot", *args[3:]], ...)` through the zygote."""
    if list(args[:3]) != [sys.executable, "-m", "bot"]:
        raise ValueError(f"only `python -m bot ...` runs through the zygote, not {args!r}")
    encoding = locale.getpreferredencoding(False)
    folder = Path(tempfile.mkdtemp(prefix="cli-"))
    try:
        stdin = folder / "stdin"
        data = input.encode(encoding) if isinstance(input, str) else (input or b"")
        stdin.write_bytes(data)
        request = {
            "argv": [str(a) for a in args[3:]],
            "cwd": str(cwd or os.getcwd()),
            "env": dict(os.environ if env is None else env),
            "stdin": str(stdin) if input is not None else os.devnull,
            "stdout": str(folder / "stdout") if capture_output else None,
            "stderr": str(folder / "stderr") if capture_output else None,
        }
        returncode = _ZYGOTE.run(request, timeout)
        out = err = None
        if capture_output:
            out, err = (folder / "stdout").read_bytes(), (folder / "stderr").read_bytes()
            if text:  # as subprocess.run(text=True) decodes
                out, err = (
                    b.decode(encoding).replace("\r\n", "\n").replace("\r", "\n") for b in (out, err)
                )
        return subprocess.CompletedProcess(list(args), returncode, out, err)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the zygote ----------------------------------------------------------------------------------


def _preload() -> None:
    import bot
    import storage

    for package in (bot, storage):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def _child(request: dict, requests: int, answers: int) -> None:
    """In the forked process: become `python -m bot ARGV` and run it (exits, never returns)."""
    os.close(requests)
    os.close(answers)
    for fd, path, flags in (
        (0, request["stdin"], os.O_RDONLY),
        (1, request["stdout"] or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        if fd == 2 and path is None:
            continue  # stderr not captured: the test process's own, as subprocess.run leaves it
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()  # a fresh interpreter seeds from the system, not from its parent
    sys.path[0] = request["cwd"]
    sys.argv = ["-m", *request["argv"]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)  # raises SystemExit
    sys.exit(0)


def main() -> None:
    """Serve commands until the test process closes the pipe."""
    requests, answers = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)
    os.dup2(quiet, 1)
    os.close(quiet)
    _preload()
    # What the imports built stays out of the collector's passes: a pass over it in a child would
    # touch, and so copy, every page the child shares with the zygote.
    gc.freeze()
    while (request := _receive(requests)) is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request, requests, answers)
        _send(answers, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send(answers, {"returncode": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    main()
