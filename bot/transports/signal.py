"""Signal through a signal-cli daemon in HTTP mode: JSON-RPC to send, Server-Sent Events to receive.

`signal-cli daemon --http 127.0.0.1:8080 --receive-mode on-connection --no-receive-stdout` answers
JSON-RPC 2.0 at POST /api/v1/rpc, streams incoming messages at GET /api/v1/events and says it is up
at GET /api/v1/check (signal-cli-jsonrpc(5); what 0.13.19 really does is in docs/signal-cli.md and
tests/fakes/fixtures/signal_cli/). Its events carry no ids and nothing is replayed: with
`--receive-mode on-connection` the daemon fetches messages from Signal only while a client follows
the stream, so what arrives while the bot is away waits on Signal's server until it reconnects.
Signal has no buttons, so choices are sent as a numbered list and a reply of a number (or of a
label) picks the choice pending in that chat (bot/transports/numbered.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from bot.messages import Address, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.numbered import ChoiceMemory, interpret, remember_offer, render
from bot.transports.signal_account import (
    AccountStatus,
    _stream_cause,
    _StreamEnded,
    _StreamRefused,
    check_account,
)
from bot.transports.signal_events import Received, _exception_type, parse_event
from bot.transports.signal_rpc import (
    INVALID_PARAMS,
    _error_text,
    data_uri,
    is_group,
    outcome_of,
    proof_required,
)
from bot.transports.split import split_text, utf8_size

# Imported from here by bot/cli and the tests, wherever they are defined.
__all__ = [
    "TEXT_LIMIT_BYTES",
    "AccountStatus",
    "SignalTransport",
    "check_account",
    "outcome_of",
    "parse_event",
]

log = logging.getLogger(__name__)

SEEN_LIMIT = (
    4096  # (sender, timestamp) pairs remembered so a message delivered twice is handled once
)
# signal-cli clips a message body at 2,000 bytes and Signal's apps drop bodies over 2 KiB
# (signal-cli issue #1598; Signal-Android's MAX_INLINE_BODY_SIZE_BYTES), so longer texts are split.
TEXT_LIMIT_BYTES = 2000


class SignalTransport:
    """The Signal adapter: envelopes from the event stream in as Incoming, Outgoing out as text."""

    name = "signal"
    title = "Signal"

    def __init__(
        self,
        url: str,
        account: str,
        memory: ChoiceMemory,
        *,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        stream_read_timeout: float = 60.0,  # the daemon writes a ':' keep-alive every 15 s
        rpc_timeout: float = 30.0,
        rate_limit_wait: float = 30.0,  # first wait after a rate limit that names no time
        max_rate_limit_wait: float = 3600.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.account = account
        self.memory = memory
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.rate_limit_wait = rate_limit_wait
        self.max_rate_limit_wait = max_rate_limit_wait
        self._stream_timeout = httpx.Timeout(10.0, read=stream_read_timeout)
        self._rpc_timeout = httpx.Timeout(rpc_timeout, connect=10.0)
        self._client: httpx.AsyncClient | None = None
        self._on_incoming: IncomingHandler | None = None
        self._reader: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[Address, asyncio.Lock] = {}
        self._queued: dict[Address, int] = {}
        self._seen: OrderedDict[tuple[str, int, bool], None] = OrderedDict()
        self._ids = itertools.count(1)
        self.on_back: Callable[[], Awaitable[None]] | None = None  # set by the messenger
        self._rate_limits = 0  # rate limits without a time since the last successful send
        self._challenges: set[str] = set()  # captcha tokens already logged
        self._account_refused = False  # the daemon said it does not serve the account (logged)

    async def start(self, on_incoming: IncomingHandler) -> None:
        """Read the event stream in the background (reconnecting as needed)."""
        self._on_incoming = on_incoming
        self._reader = asyncio.create_task(self._listen(), name="signal-events")

    async def stop(self) -> None:
        """Stop reading, let messages being handled finish, close the connections."""
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=10)
            for task in pending:
                task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Send text with the choices as a numbered list (and a file as a data URI); never raises.

        A text over TEXT_LIMIT_BYTES goes as several messages; the file comes with the first,
        the numbered choices end the last.
        """
        try:
            text = render(out)
            parts = split_text(text, TEXT_LIMIT_BYTES, utf8_size) if text else [""]
            for index, part in enumerate(parts):
                params: dict[str, Any] = {"message": part}
                if is_group(to.chat_id):
                    params["groupId"] = to.chat_id
                else:
                    params["recipient"] = [to.chat_id]
                if index == 0 and out.attachment is not None:
                    params["attachments"] = [data_uri(out.attachment)]
                result = await self._send_rpc(params)
                if not result.ok:
                    return result
            await remember_offer(self.memory, to, out)
            return result
        except Exception as exc:  # noqa: BLE001 - a send has an outcome, never an exception
            log.exception("signal: sending failed unexpectedly")
            return SendResult(DeliveryStatus.FAILED, error=f"signal: {type(exc).__name__}")

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Send the new version as a new message: Signal has no buttons to replace."""
        return await self.send(to, out)

    async def set_commands(
        self, to: Address | None, commands: list[tuple[str, str]], language: str | None
    ) -> None:
        """Signal has no command list."""

    async def healthy(self) -> bool:
        """True when the daemon answers GET /api/v1/check."""
        try:
            response = await self._http().get(f"{self.url}/api/v1/check", timeout=5.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # --- receiving ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        """Follow the event stream; on a failure, log its cause and reconnect with backoff.

        The daemon sends no event ids and replays nothing. In on-connection mode it fetches from
        Signal only while a client listens, so messages sent meanwhile come after reconnecting.
        """
        delay = self.min_backoff
        failures = 0
        while True:
            try:
                params = {"account": self.account} if self.account else None
                async with aconnect_sse(
                    self._http(),
                    "GET",
                    f"{self.url}/api/v1/events",
                    params=params,
                    timeout=self._stream_timeout,
                ) as source:
                    status = source.response.status_code
                    if status != 200:
                        raise _StreamRefused(status)
                    log.info(
                        "signal: connected to the event stream%s",
                        f" after {failures} failed attempt(s)" if failures else "",
                    )
                    if failures and self.on_back is not None:
                        await self.on_back()  # the daemon is back: what waits goes out now
                    failures, delay = 0, self.min_backoff
                    async for event in source.aiter_sse():
                        if event.event == "receive":
                            self._on_event(event.data)
                raise _StreamEnded()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: log the cause, then reconnect
                failures += 1
                log.warning(
                    "signal: event stream failed (%s); reconnecting in %.1f s (attempt %d)",
                    _stream_cause(exc),
                    delay,
                    failures,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    def _on_event(self, data: str) -> None:
        """Parse one `receive` event and hand a new message to its chat's queue."""
        try:
            payload = json.loads(data)
        except ValueError:
            log.warning("signal: an event that is not JSON")
            return
        failure = _exception_type(payload)
        if failure is not None:
            # Never the exception's message: it can name the sender.
            log.warning("signal: a message could not be read by signal-cli (%s)", failure)
        received = parse_event(payload)
        if received is None:
            return
        # signal-cli tries an undecryptable message again later (e.g. after `trust`): when it can
        # read it then, it comes with the same timestamp and must not count as seen.
        key = (received.sender_id, received.timestamp, failure is not None)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        self._queued[received.address] = self._queued.get(received.address, 0) + 1
        task = asyncio.create_task(self._deliver(received))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, received: Received) -> None:
        """Handle messages of one chat one at a time, in order (a number depends on the last offer)."""
        address = received.address
        lock = self._locks.setdefault(address, asyncio.Lock())
        try:
            async with lock:
                incoming = await self.to_incoming(received)
                if self._on_incoming is not None:
                    await self._on_incoming(incoming)
        except Exception:  # noqa: BLE001 - one bad message must not stop the others
            log.exception("signal: handling a message failed")
        finally:
            self._queued[address] -= 1
            if not self._queued[address]:
                del self._queued[address]
                self._locks.pop(address, None)

    async def to_incoming(self, received: Received) -> Incoming:
        """A received message as an Incoming: a number or a label in a text picks a pending choice."""
        extra: dict[str, Any] = {"number": received.number}
        choice = None
        if received.kind == "text" and received.text:
            pending = await self.memory.recall(received.address)
            picked = interpret(received.text, pending.choices, pending.numbered)
            if isinstance(picked, int):
                extra["out_of_range"] = picked
            choice = None if picked is None or isinstance(picked, int) else picked
        return Incoming(
            address=received.address,
            sender_id=received.sender_id,
            text=received.text,
            choice_id=choice.id if choice else None,
            message_id=str(received.timestamp),
            reply_to_message_id=str(received.quote_id) if received.quote_id else None,
            is_private=received.is_private,
            sender_name=received.name,
            kind="choice" if choice else received.kind,
            extra=extra,
            update_id=f"{received.sender_id}:{received.timestamp}:{received.kind}",
        )

    # --- sending -----------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._rpc_timeout)
        return self._client

    async def _send_rpc(self, params: dict[str, Any]) -> SendResult:
        """Call `send`; every problem becomes a SendResult."""
        request_id = next(self._ids)
        if self.account:
            params = {**params, "account": self.account}
        body = {"jsonrpc": "2.0", "method": "send", "params": params, "id": request_id}
        try:
            response = await self._http().post(f"{self.url}/api/v1/rpc", json=body)
        except httpx.TimeoutException as exc:
            # The daemon may have sent it and only the answer is lost: the caller decides.
            return SendResult(
                DeliveryStatus.FAILED,
                error=f"signal-cli: no answer in time ({type(exc).__name__}; may have been sent)",
            )
        except httpx.HTTPError as exc:
            return SendResult(DeliveryStatus.FAILED, error=f"signal-cli: {type(exc).__name__}")
        if response.status_code != 200:
            return SendResult(
                DeliveryStatus.FAILED, error=f"signal-cli: HTTP {response.status_code}"
            )
        try:
            reply = response.json()
        except ValueError:
            return SendResult(DeliveryStatus.FAILED, error="signal-cli: a reply that is not JSON")
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            return SendResult(DeliveryStatus.FAILED, error="signal-cli: an unexpected reply")
        return self._after_send(reply, outcome_of(reply))

    def _after_send(self, reply: dict, result: SendResult) -> SendResult:
        """Grow the wait of repeated plain rate limits; tell the operator what only they can fix."""
        if result.ok:
            self._rate_limits = 0
            self._account_refused = False
            return result
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        if error.get("code") == INVALID_PARAMS and not self._account_refused:
            self._account_refused = True
            log.error(
                "signal: the daemon refuses the account (%s: %s). %s",
                INVALID_PARAMS,
                _error_text(error),
                "Run `mentorbot doctor` and see docs/signal-cli.md, section 2.",
            )
        if result.status is not DeliveryStatus.RETRY:
            return result
        token, seconds = proof_required(reply)
        if token is not None and token not in self._challenges:
            self._challenges.add(token)
            log.error(
                "signal: Signal wants a captcha before the bot may send more (proof required; "
                "sends are retried after %s s). Solve one at "
                "https://signalcaptchas.org/challenge/generate.html, copy the 'Open Signal' link "
                "and submit it with the daemon's submitRateLimitChallenge, challenge %s "
                "(docs/signal-cli.md, 'Rate limits and captchas').",
                seconds if seconds is not None else "?",
                token if token else "(in the daemon's log)",
            )
        # A plain rate limit names no time: wait longer each time until a send gets through.
        growing = min(self.rate_limit_wait * 2**self._rate_limits, self.max_rate_limit_wait)
        self._rate_limits += 1
        wait = max(result.retry_after or 0.0, growing)
        log.warning(
            "signal: rate limited by Signal (%d in a row); next try in %.0f s",
            self._rate_limits,
            wait,
        )
        return replace(result, retry_after=wait)
