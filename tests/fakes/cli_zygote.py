"""`python -m bot ...` for the tests, each run a process of its own forked from a warm one.

A fresh interpreter spends about 0.3 s of CPU importing the bot before `mentorbot invite` does
anything, and 0.6 s before `mentorbot console` or `run` does (pydantic models, 183 typed button
ids, every feature, python-telegram-bot, aiohttp). The tests start the CLI some fifty times, so
the zygote imports every module of bot/ and storage/ once per test process and forks for each
command: the child takes the command's working directory, environment, argv, stdin, stdout and
stderr, runs `bot/__main__.py` as `python -m bot` does, and exits through the interpreter's
normal shutdown with the command's exit code (a signal ends it as it ends any process). What it
does not repeat is the interpreter's start and the imports; the tests that start `python -m bot`
directly (test_web.py, test_e2e_signal.py, test_core.py and the first console test) keep that
covered.

`run` takes the arguments of `subprocess.run` that the tests use and returns its
CompletedProcess (or raises TimeoutExpired); `spawn` starts a command in the background and
returns a Popen-like `Process` (pid, poll, wait, send_signal, kill).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import itertools
import json
import locale
import os
import pkgutil
import random
import runpy
import select
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
    """The test process's side: one zygote, started at the first command, and a thread that reads
    what it tells (a command's pid when it started, its exit code when it ended)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # one request written at a time
        self._told = threading.Condition()
        self._pids: dict[int, int] = {}  # request number -> pid
        self._exits: dict[int, int] = {}  # pid -> exit code
        self._requests = itertools.count()
        atexit.register(self.stop)

    def spawn(self, request: dict) -> int:
        """Start a command; its pid."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", __name__],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=REPO,
                )
                threading.Thread(target=self._read, args=(self._process,), daemon=True).start()
            number = next(self._requests)
            _send(self._process.stdin.fileno(), {**request, "number": number})
        with self._told:
            self._told.wait_for(lambda: number in self._pids or self._process is None)
            if number not in self._pids:
                raise RuntimeError("the CLI zygote ended")
            return self._pids.pop(number)

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The command's exit code once it ended (None while it runs after `timeout` seconds)."""
        with self._told:
            self._told.wait_for(lambda: pid in self._exits or self._process is None, timeout)
            if pid not in self._exits and self._process is None:
                raise RuntimeError("the CLI zygote ended")
            return self._exits.get(pid)

    def _read(self, process: subprocess.Popen) -> None:
        while (message := _receive(process.stdout.fileno())) is not None:
            with self._told:
                if "number" in message:
                    self._pids[message["number"]] = message["pid"]
                else:
                    self._exits[message["pid"]] = message["returncode"]
                self._told.notify_all()
        with self._told:
            if self._process is process:
                self._process = None
            self._told.notify_all()

    def stop(self) -> None:
        """Close the zygote's input: it ends its commands still running and exits."""
        end_child(self._process)


def end_child(process: subprocess.Popen | None) -> None:
    """Close a child's input (it exits at the end of it); killed if still there after 10 s."""
    if process is not None and process.poll() is None:
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_ZYGOTE = _Zygote()


class Process:
    """A command started by `spawn`: the part of subprocess.Popen the tests use."""

    def __init__(self, args: list[str], pid: int) -> None:
        self.args = args
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code, or None while it runs."""
        if self.returncode is None:
            self.returncode = _ZYGOTE.exit_code(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end (TimeoutExpired after `timeout` seconds)."""
        if self.returncode is None:
            self.returncode = _ZYGOTE.exit_code(self.pid, timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """Signal it, unless it already ended."""
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


def _request(args: list[str], cwd, env) -> dict:
    if list(args[:3]) != [sys.executable, "-m", "bot"]:
        raise ValueError(f"only `python -m bot ...` runs through the zygote, not {args!r}")
    return {
        "argv": [str(a) for a in args[3:]],
        "cwd": str(cwd or os.getcwd()),
        "env": dict(os.environ if env is None else env),
    }


def spawn(
    args: list[str],
    *,
    stdout: Path | str,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
) -> Process:
    """`subprocess.Popen(args, stdout=open(stdout, "wb"), stderr=STDOUT, stdin=DEVNULL)` through
    the zygote."""
    request = {**_request(args, cwd, env), "stdin": os.devnull, "stdout": str(stdout)}
    return Process(list(args), _ZYGOTE.spawn({**request, "stderr": "stdout"}))


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
    """`subprocess.run([sys.executable, "-m", "bot", ...], ...)` through the zygote."""
    encoding = locale.getpreferredencoding(False)
    folder = Path(tempfile.mkdtemp(prefix="cli-"))
    try:
        stdin = folder / "stdin"
        stdin.write_bytes(input.encode(encoding) if isinstance(input, str) else (input or b""))
        request = {
            **_request(args, cwd, env),
            "stdin": str(stdin) if input is not None else os.devnull,
            "stdout": str(folder / "stdout") if capture_output else None,
            "stderr": str(folder / "stderr") if capture_output else None,
        }
        process = Process(list(args), _ZYGOTE.spawn(request))
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        out = err = None
        if capture_output:
            out, err = (folder / "stdout").read_bytes(), (folder / "stderr").read_bytes()
            if text:  # as subprocess.run(text=True) decodes
                out, err = (
                    b.decode(encoding).replace("\r\n", "\n").replace("\r", "\n") for b in (out, err)
                )
        return subprocess.CompletedProcess(list(args), process.returncode, out, err)
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


def _child(request: dict, keep_out: list[int]) -> None:
    """In the forked process: become `python -m bot ARGV` and run it (exits, never returns)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in keep_out:
        os.close(fd)
    stdout = request["stdout"] or os.devnull
    for fd, path, flags in (
        (0, request["stdin"], os.O_RDONLY),
        (1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        if fd == 2 and request["stderr"] == "stdout":
            os.dup2(1, 2)
            continue
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
    """Start commands until the test process closes the pipe; tell each one's pid and exit code."""
    requests, answers = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)
    os.dup2(quiet, 1)
    os.close(quiet)
    _preload()
    # What the imports built stays out of the collector's passes: a pass over it in a child would
    # touch, and so copy, every page the child shares with the zygote.
    gc.freeze()
    wake_out, wake_in = os.pipe()
    os.set_blocking(wake_in, False)
    signal.set_wakeup_fd(wake_in)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD wakes select
    running: set[int] = set()
    while True:
        ready, _, _ = select.select([requests, wake_out], [], [])
        if wake_out in ready:
            os.read(wake_out, 4096)
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            running.discard(pid)
            _send(answers, {"pid": pid, "returncode": os.waitstatus_to_exitcode(status)})
        if requests not in ready:
            continue
        request = _receive(requests)
        if request is None:
            break
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request, [requests, answers, wake_out, wake_in])
        running.add(pid)
        _send(answers, {"number": request["number"], "pid": pid})
    for pid in running:  # the tests are over: what still runs is ended
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
