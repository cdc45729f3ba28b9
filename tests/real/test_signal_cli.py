"""Against the real signal-cli 0.13.19 daemon (no registered account: it never reaches Signal).

What it answers must still be what tests/fakes/fixtures/signal_cli/captured/ says (the fake is built
on those), the transport must read it right, and `doctor`/`run` must explain a missing account.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.messages import Address, DeliveryStatus, Outgoing
from bot.transports.signal import AccountStatus, SignalTransport, check_account, outcome_of
from tests.fakes.signal_cli import fixture
from tests.real.daemon import ACCOUNT, VERSION, free_port, unregistered_config
from tests.real.record import RPC_CASES, http_cases, rpc

REPO = Path(__file__).resolve().parents[2]
PEER = "+358401000001"


def test_the_installed_version(signal_cli_version):
    assert signal_cli_version == f"signal-cli {VERSION}"


def test_the_daemon_answers_as_recorded(daemon):
    recorded = fixture("captured/rpc")
    assert set(recorded) == set(RPC_CASES)
    for name, (body, content_type) in RPC_CASES.items():
        live = _batch_in_id_order(rpc(daemon.url, body, content_type))
        expected = {k: recorded[name][k] for k in ("http_status", "content_type", "response")}
        assert live == _batch_in_id_order(expected), name
    recorded_http = fixture("captured/http")
    for name, live in http_cases(daemon.url).items():
        assert live == recorded_http[name], name


def _batch_in_id_order(answer: dict) -> dict:
    """The answer with a batch's responses sorted by id: the daemon answers the calls of a batch
    side by side, so their order varies from run to run (JSON-RPC 2.0 allows any order)."""
    response = answer.get("response")
    if isinstance(response, list):
        return {**answer, "response": sorted(response, key=lambda r: str(r.get("id")))}
    return answer


def test_the_event_stream_has_no_ids_and_keeps_alive(daemon):
    start = time.monotonic()
    with httpx.stream("GET", f"{daemon.url}/api/v1/events", timeout=30) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == "text/event-stream"
        first = next(stream.iter_raw())
    waited = time.monotonic() - start
    assert first == b":\n", "a comment line as keep-alive, never an id"
    # 15 s in the source; sooner when another stream of this daemon ends (they share one monitor)
    assert waited < 25, f"the keep-alive came after {waited:.1f} s"
    refused = httpx.get(f"{daemon.url}/api/v1/events", params={"account": ACCOUNT}, timeout=10)
    assert refused.status_code == 400 and refused.content == b""


async def test_the_transport_reads_the_real_errors(daemon, caplog):
    caplog.set_level(logging.INFO, logger="bot.transports.signal")
    for name, case in fixture("captured/rpc").items():
        if isinstance(case["response"], dict) and "error" in case["response"]:
            assert outcome_of(case["response"]).status is DeliveryStatus.FAILED, name
    transport = SignalTransport(daemon.url, ACCOUNT, _NoMemory())
    try:
        for _ in range(2):
            result = await transport.send(Address("signal", PEER), Outgoing("Hello there"))
            assert result.status is DeliveryStatus.FAILED
            assert result.error == "signal-cli error -32602 Specified account does not exist"
    finally:
        await transport.stop()
    refusals = [r for r in caplog.records if "refuses the account" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelname == "ERROR", "told once, not per send"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "+358" not in logged and "Hello there" not in logged


async def test_the_account_check_against_the_real_daemon(daemon, new_daemon, tmp_path):
    found = await check_account(daemon.url, ACCOUNT)
    assert found.status is AccountStatus.NOT_SERVED

    # An account listed in the data directory but not registered: skipped, and said in its log.
    listed = new_daemon(unregistered_config(tmp_path / "unregistered")).start()
    found = await check_account(listed.url, ACCOUNT)
    assert found.status is AccountStatus.NOT_SERVED and "not registered" in found.detail
    assert "Ignoring +358400000000: User is not registered." in listed.log()

    # The single-account form exits at once: the bot sees nobody at the address.
    single = new_daemon(account=ACCOUNT)
    assert await asyncio.to_thread(single.run_to_exit) == 1
    assert "User +358400000000 is not registered." in single.log()
    found = await check_account(single.url, ACCOUNT)
    assert found.status is AccountStatus.UNREACHABLE and "is not registered" in found.detail
    assert "+358" not in found.detail


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "telegram:\n  enabled: false\n"
        f'signal:\n  enabled: true\n  url: {url}\n  account: "{ACCOUNT}"\n'
        f"database:\n  path: {tmp_path / 'bot.db'}\n",
        encoding="utf-8",
    )
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_doctor_and_run_explain_the_missing_account(daemon, tmp_path):
    config = _config(tmp_path, daemon.url)
    doctor = _cli("doctor", "--config", str(config))
    assert doctor.returncode == 1
    lines = doctor.stdout.splitlines()
    assert "ok   signal-cli daemon: HTTP 200" in lines
    [account] = [line for line in lines if line.startswith("FAIL signal account:")]
    assert "does not serve the number in signal.account" in account and "register" in account

    run = _cli("run", "--config", str(config))
    assert run.returncode == 2, run.stderr
    assert "does not serve the number in signal.account" in run.stderr
    assert "+358" not in run.stderr + run.stdout
    assert not (tmp_path / "bot.db").exists(), "run stopped before starting anything"

    nobody = _config(tmp_path, f"http://127.0.0.1:{free_port()}")
    doctor = _cli("doctor", "--config", str(nobody))
    assert "FAIL signal account: The signal-cli daemon at signal.url does not answer" in (
        doctor.stdout
    )


async def test_the_event_stream_reconnects_after_a_daemon_restart(new_daemon, caplog):
    caplog.set_level(logging.INFO, logger="bot.transports.signal")
    running = new_daemon().start()
    # No account: the stream of every account the daemon serves (none), so it is accepted.
    transport = SignalTransport(running.url, "", _NoMemory(), max_backoff=1.0)

    async def connected(count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while _count(caplog, "connected to the event stream") < count:
            assert time.monotonic() < deadline, f"not connected {count} time(s): {caplog.text}"
            await asyncio.sleep(0.1)

    await transport.start(_ignore)
    try:
        await connected(1, 30)
        await asyncio.to_thread(running.restart)
        await connected(2, 60)
    finally:
        await transport.stop()
    failures = [r.getMessage() for r in caplog.records if "event stream failed" in r.getMessage()]
    assert failures, "each failure is logged"
    assert any("the daemon closed the stream" in f or "ConnectError" in f for f in failures)
    assert "after" in [r.getMessage() for r in caplog.records if "connected" in r.getMessage()][-1]

    # With the account, a daemon that does not serve it refuses the stream: the log says why.
    caplog.clear()
    transport = SignalTransport(running.url, ACCOUNT, _NoMemory(), max_backoff=0.5)
    await transport.start(_ignore)
    try:
        deadline = time.monotonic() + 30
        while _count(caplog, "HTTP 400: the daemon does not serve signal.account") < 2:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.1)
    finally:
        await transport.stop()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "+358" not in ours and "%2B" not in ours  # (httpx logs URLs; bot/logsafe quiets it)


def _count(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records)


async def _ignore(incoming) -> None:
    raise AssertionError("the daemon has no account: nothing can arrive")


class _NoMemory:
    """The transport's ChoiceMemory, for sends that never succeed."""

    async def remember(self, address, choices, numbered) -> None:
        raise AssertionError("nothing is sent")

    async def recall(self, address):
        raise AssertionError("nothing arrives")
