"""Start and stop the real signal-cli daemon (installed by scripts/signal-cli-real.sh) on 127.0.0.1.

It runs with a data directory that holds no registered account, so it never talks to Signal's
servers: what it answers is decided by the daemon alone. Used by tests/real and by
`python -m tests.real.record`, which writes tests/fakes/fixtures/signal_cli/captured/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "signal-cli-real.sh"
VERSION = os.environ.get("SIGNAL_CLI_VERSION", "0.13.19")  # as scripts/signal-cli-real.sh
ACCOUNT = "+358400000000"  # a made-up number; no data directory here holds it registered
INSTALL_TIMEOUT = 900.0


def install() -> str:
    """Install signal-cli and Java into .cache/signal-cli/ (idempotent); returns `--version`."""
    done = subprocess.run(
        ["bash", str(SCRIPT), "install"],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
        env={**os.environ, "PYTHON": os.environ.get("PYTHON", sys.executable)},
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"installing signal-cli failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    return done.stdout.strip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unregistered_config(directory: Path, number: str = ACCOUNT) -> Path:
    """A data directory that lists `number` but holds no account data (as after a failed register)."""
    data = directory / "data"
    data.mkdir(parents=True, exist_ok=True)
    accounts = {
        "accounts": [{"path": "100000", "environment": "LIVE", "number": number, "uuid": None}],
        "version": 2,
    }
    (data / "accounts.json").write_text(json.dumps(accounts, indent=2))
    return directory


class RealDaemon:
    """`signal-cli --config DIR [-a NUMBER] daemon --http 127.0.0.1:PORT ...` as a child process."""

    def __init__(
        self,
        config_dir: Path,
        *,
        port: int | None = None,
        account: str | None = None,
        receive_mode: str = "on-connection",
        log_path: Path | None = None,
    ) -> None:
        self.config_dir = config_dir
        self.port = port or free_port()
        self.account = account
        self.receive_mode = receive_mode
        self.log_path = log_path or config_dir / "daemon.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """What to set as signal.url."""
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        """The command line (after the launcher)."""
        head = ["--config", str(self.config_dir)]
        if self.account:
            head += ["-a", self.account]
        return [
            *head,
            "daemon",
            "--http",
            f"127.0.0.1:{self.port}",
            "--receive-mode",
            self.receive_mode,
            "--no-receive-stdout",
        ]

    def start(self, wait: float = 90.0) -> RealDaemon:
        """Start and wait until GET /api/v1/check answers (RuntimeError if it exits first)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            ["bash", str(SCRIPT), "run", *self.args()],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"signal-cli exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/api/v1/check", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"signal-cli did not answer within {wait:.0f} s: {self.log()}")

    def run_to_exit(self, wait: float = 90.0) -> int:
        """Run a daemon that is expected to exit by itself; returns its exit code."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            done = subprocess.run(
                ["bash", str(SCRIPT), "run", *self.args()],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=wait,
                check=False,
            )
        return done.returncode

    def stop(self) -> None:
        """SIGTERM, as systemd stops it (SIGKILL after 20 s)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    def log(self) -> str:
        """What the daemon wrote so far (its log lines go to stderr)."""
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""
