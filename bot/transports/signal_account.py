"""Diagnosing the signal-cli daemon: whether it serves the account, why its event stream failed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from bot.transports.signal_rpc import METHOD_NOT_FOUND, _cause, _error_text

DOCS = "docs/signal-cli.md"


class AccountStatus(StrEnum):
    """What `check_account` found."""

    OK = "ok"
    NO_ACCOUNT = "no account configured"
    UNREACHABLE = "daemon unreachable"
    NOT_SERVED = "account missing or not registered"


@dataclass(frozen=True)
class AccountCheck:
    """The outcome of `check_account`: a status and one paragraph for the operator."""

    status: AccountStatus
    detail: str

    @property
    def ok(self) -> bool:
        """True when the daemon serves the account (or serves one account and cannot say which)."""
        return self.status is AccountStatus.OK


async def check_account(url: str, account: str | None, *, wait: float = 10.0) -> AccountCheck:
    """Ask the daemon whether it serves `account`: `listAccounts` (multi-account daemon) or not.

    A multi-account daemon lists only registered accounts it could load: it skips an unregistered one
    (logging "Ignoring +...: User is not registered"), so "missing" and "not registered" look the same
    from here. A single-account daemon (`-a NUMBER daemon`) has no `listAccounts` and does not start
    at all unless its account is registered. The paragraphs name no phone number.
    """
    if not account:
        return AccountCheck(
            AccountStatus.NO_ACCOUNT,
            "Signal is enabled but signal.account is not set. Set signal.account to the bot's own "
            'Signal number in quotes (e.g. "+358401234567"): the number registered or linked in '
            f"signal-cli ({DOCS}, section 2). Without it the daemon cannot tell which account "
            "sends, and every message fails.",
        )
    body = {"jsonrpc": "2.0", "method": "listAccounts", "id": "mentorbot-check"}
    try:
        async with httpx.AsyncClient(timeout=wait) as client:
            response = await client.post(url.rstrip("/") + "/api/v1/rpc", json=body)
    except httpx.HTTPError as exc:
        return AccountCheck(
            AccountStatus.UNREACHABLE,
            f"The signal-cli daemon at signal.url does not answer ({_cause(exc)}). Start it "
            "(systemctl start signal-cli) and check that signal.url matches its --http address. "
            "A daemon started for one account (-a NUMBER daemon) exits at once when that "
            "account is not registered: its log (journalctl -u signal-cli) then says 'is not "
            f"registered'; register or link the number as in {DOCS}, section 2.",
        )
    reply: Any = None
    if response.status_code == 200:
        try:
            reply = response.json()
        except ValueError:
            reply = None
    if not isinstance(reply, dict):
        return AccountCheck(
            AccountStatus.UNREACHABLE,
            f"signal.url answers, but not as a signal-cli daemon in HTTP mode does (HTTP "
            f"{response.status_code} to POST /api/v1/rpc). Point signal.url at the address given "
            f"to 'daemon --http' ({DOCS}, section 3).",
        )
    error = reply.get("error")
    if isinstance(error, dict) and error.get("code") == METHOD_NOT_FOUND:
        # A single-account daemon: it runs only while its one account is registered.
        return AccountCheck(
            AccountStatus.OK,
            "single-account daemon (it runs only with a registered account; make sure its -a "
            "is the number in signal.account)",
        )
    accounts = reply.get("result")
    if not isinstance(accounts, list):
        return AccountCheck(
            AccountStatus.UNREACHABLE,
            f"The signal-cli daemon gave an unexpected answer to listAccounts "
            f"({_error_text(error)}). Check that signal.url points at signal-cli 0.13 or newer.",
        )
    numbers = {a.get("number") for a in accounts if isinstance(a, dict)}
    if account in numbers:
        return AccountCheck(
            AccountStatus.OK, f"the daemon serves the number in signal.account (of {len(numbers)})"
        )
    return AccountCheck(
        AccountStatus.NOT_SERVED,
        f"The signal-cli daemon runs but does not serve the number in signal.account (it serves "
        f"{len(numbers)} account(s)). Either that number was never registered or linked in this "
        "daemon's data directory, or it is no longer registered (signal-cli then logs 'Ignoring "
        "+...: User is not registered' at start-up). Register or link it as in "
        f"{DOCS}, section 2 (with the same --config directory as the daemon), restart the "
        "daemon, and check signal.account for typos.",
    )


class _StreamRefused(Exception):
    """The daemon answered the event stream with an HTTP error."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _StreamEnded(Exception):
    """The daemon closed the event stream (it stops, or restarts)."""


def _stream_cause(exc: Exception) -> str:
    """Why the stream failed, for the log: never a URL (it holds the account) or a number."""
    if isinstance(exc, _StreamRefused):
        if exc.status == 400:
            return (
                "HTTP 400: the daemon does not serve signal.account; run `mentorbot doctor` and "
                f"see {DOCS}, section 2"
            )
        return f"HTTP {exc.status}"
    if isinstance(exc, _StreamEnded):
        return "the daemon closed the stream"
    if isinstance(exc, httpx.ConnectError):
        return (
            f"{_cause(exc)}: is the daemon running? A single-account daemon exits when its "
            "account is not registered"
        )
    return _cause(exc)
