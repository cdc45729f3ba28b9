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
import base64
import itertools
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import aconnect_sse

from bot.messages import Address, Attachment, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.numbered import ChoiceMemory, interpret, remember_offer, render
from bot.transports.split import split_text, utf8_size

log = logging.getLogger(__name__)

# JSON-RPC error codes of signal-cli 0.13.19: JsonRpcResponse.Error and SignalJsonRpcCommandHandler.
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND = -32700, -32600, -32601
INVALID_PARAMS, INTERNAL_ERROR = -32602, -32603  # -32603: e.g. an IOException while sending
USER_ERROR, IO_ERROR, UNTRUSTED_KEY_ERROR, RATE_LIMIT_ERROR = -1, -3, -4, -5
SEEN_LIMIT = (
    4096  # (sender, timestamp) pairs remembered so a message delivered twice is handled once
)
# signal-cli clips a message body at 2,000 bytes and Signal's apps drop bodies over 2 KiB
# (signal-cli issue #1598; Signal-Android's MAX_INLINE_BODY_SIZE_BYTES), so longer texts are split.
TEXT_LIMIT_BYTES = 2000
DOCS = "docs/signal-cli.md"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_NUMBERS = re.compile(r"(\+|%2B)\d{5,}", re.IGNORECASE)
# -1 errors that mean this chat can never be reached as it is (SendCommand, lib/manager/api/*Exception)
_PERMANENT = (
    (re.compile(r"^The user .* is not registered\.$"), "the recipient is not registered on Signal"),
    (re.compile(r"^Group not found: "), "the group is unknown to the bot's account"),
    (re.compile(r"^User is not a member in group: "), "the bot's account is not in the group"),
    (re.compile(r"^User is not allowed to send message to group: "), "the group is admin-only"),
)


@dataclass(frozen=True)
class Received:
    """The parts of one incoming message the bot uses."""

    address: Address
    sender_id: str
    number: str | None
    name: str
    text: str | None
    timestamp: int
    quote_id: int | None
    is_private: bool
    kind: str = "text"  # text | edited | other (attachments only, sticker, undecryptable ...)


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


def _cause(exc: BaseException) -> str:
    """An exception as 'Type: message', without phone numbers, at most 160 characters."""
    text = _NUMBERS.sub("***", str(exc)).strip()
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _error_text(error: Any) -> str:
    """A JSON-RPC error as 'code message' without phone numbers or group names."""
    if not isinstance(error, dict):
        return "no error"
    message = str(error.get("message") or "")
    message = re.sub(r"group: .*$", "group: ***", _NUMBERS.sub("***", message))
    return f"{error.get('code')} {message}"[:160]


def _exception_type(payload: Any) -> str | None:
    """The type of the exception signal-cli attached to an event (an undecryptable message)."""
    if not isinstance(payload, dict):
        return None
    params = payload.get("params", payload)
    exception = params.get("exception") if isinstance(params, dict) else None
    if not isinstance(exception, dict):
        return None
    name = str(exception.get("type") or "unknown error")
    return name if re.fullmatch(r"[A-Za-z0-9_.$]{1,80}", name) else "unknown error"


def parse_event(payload: Any) -> Received | None:
    """The message in a `receive` event, or None (receipts, typing, sync, reactions ...).

    Texts come as kind "text", edits as "edited" (with the new text), and attachments, stickers or
    shared contacts without text, as well as messages signal-cli could not decrypt from a known
    sender, as "other".
    """
    if not isinstance(payload, dict):
        return None
    params = payload.get("params", payload)  # a JSON-RPC notification, or its params as such
    if isinstance(params, dict) and "envelope" not in params and "exception" not in params:
        params = params.get("result")  # the form of a `subscribeReceive` subscription
    if not isinstance(params, dict):
        return None
    envelope = params.get("envelope")
    if not isinstance(envelope, dict):
        return None
    sender = envelope.get("sourceUuid") or envelope.get("sourceNumber")
    timestamp = envelope.get("timestamp")
    if not isinstance(sender, str) or not sender or not isinstance(timestamp, int):
        return None
    kind = "text"
    data = envelope.get("dataMessage")
    edit = envelope.get("editMessage")
    if isinstance(edit, dict) and isinstance(edit.get("dataMessage"), dict):
        data, kind = edit["dataMessage"], "edited"
    if not isinstance(data, dict):
        if isinstance(params.get("exception"), dict):  # undecryptable: no content to read
            return _received(envelope, sender, timestamp, {}, None, "other")
        return None
    text = data.get("message") if isinstance(data.get("message"), str) else None
    if not text and kind == "text":
        if not (data.get("attachments") or data.get("sticker") or data.get("contacts")):
            return None  # a reaction, a remote delete, a group update, a timer change ...
        kind = "other"
    elif data.get("attachments") and kind == "text":
        kind = "other"  # a caption: the text is answered, the file is not read
    return _received(envelope, sender, timestamp, data, text or None, kind)


def _received(
    envelope: dict, sender: str, timestamp: int, data: dict, text: str | None, kind: str
) -> Received:
    group = (data.get("groupInfo") or {}).get("groupId")
    quote = (data.get("quote") or {}).get("id")
    return Received(
        address=Address("signal", group or sender),
        sender_id=sender,
        number=envelope.get("sourceNumber"),
        name=envelope.get("sourceName") or "",
        text=text,
        timestamp=timestamp,
        quote_id=quote if isinstance(quote, int) else None,
        is_private=not group,
        kind=kind,
    )


def is_group(chat_id: str) -> bool:
    """A Signal group id (base64), as opposed to a phone number or a UUID."""
    return not (chat_id.startswith("+") or _UUID.fullmatch(chat_id) or chat_id.startswith("PNI:"))


def data_uri(attachment: Attachment) -> str:
    """A file as signal-cli takes it: data:<mime>;filename=<name>;base64,<data> (RFC 2397)."""
    encoded = base64.b64encode(attachment.data).decode("ascii")
    return f"data:{attachment.mime};filename={quote(attachment.filename, safe='')};base64,{encoded}"


def outcome_of(reply: dict) -> SendResult:
    """Map signal-cli's JSON-RPC reply to `send` to a delivery outcome.

    signal-cli answers a result when at least one recipient got the message (or there was nobody
    to send to), else an error: -4 when only untrusted identities failed, -5 when only rate limits,
    -1 otherwise, each with the per-recipient results in `data.response`. A rate limit with a
    captcha challenge ("proof required") is a RATE_LIMIT_FAILURE with `token` and
    `retryAfterSeconds`; a plain one names no time (RETRY without retry_after: the transport
    fills in a growing wait). IOExceptions outside the per-recipient results are -32603.
    """
    error = reply.get("error")
    if not isinstance(error, dict):
        result = reply.get("result") if isinstance(reply.get("result"), dict) else {}
        timestamp = result.get("timestamp")
        return SendResult(
            DeliveryStatus.SENT, message_id=str(timestamp) if timestamp is not None else None
        )
    code = error.get("code")
    message = str(error.get("message") or "")
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    results = [r for r in response.get("results") or [] if isinstance(r, dict)]
    if results:
        return _failed(results)
    if code == RATE_LIMIT_ERROR:
        return _rate_limited([])
    if code == UNTRUSTED_KEY_ERROR:
        return SendResult(DeliveryStatus.FAILED, error=_UNTRUSTED)
    if code == USER_ERROR:
        for pattern, meaning in _PERMANENT:
            if pattern.match(message):
                return SendResult(DeliveryStatus.BLOCKED, error=meaning)
    if code == INTERNAL_ERROR and message.endswith("(RateLimitException)"):
        return _rate_limited([])
    if code == INTERNAL_ERROR and message.endswith("(ProofRequiredException)"):
        return _rate_limited([])
    return SendResult(DeliveryStatus.FAILED, error=f"signal-cli error {_error_text(error)}")


_UNTRUSTED = "untrusted identity: the person's safety number changed (see docs/signal-cli.md)"


def _failed(results: list[dict]) -> SendResult:
    """The outcome of per-recipient results without a success."""
    types = {r.get("type") for r in results}
    if "RATE_LIMIT_FAILURE" in types:
        return _rate_limited(results)
    if types == {"UNREGISTERED_FAILURE"}:
        return SendResult(DeliveryStatus.BLOCKED, error="the recipient is no longer on Signal")
    if "NETWORK_FAILURE" in types:
        return SendResult(DeliveryStatus.FAILED, error="signal-cli: network failure")
    if "IDENTITY_FAILURE" in types:
        return SendResult(DeliveryStatus.FAILED, error=_UNTRUSTED)
    if "INVALID_PRE_KEY_FAILURE" in types:
        # The recipient's device offered keys that do not verify; its app replaces them in time.
        return SendResult(DeliveryStatus.FAILED, error="the recipient's keys are invalid")
    return SendResult(DeliveryStatus.FAILED, error=", ".join(sorted(map(str, types))))


def _rate_limited(results: list[dict]) -> SendResult:
    waits = [r["retryAfterSeconds"] for r in results if isinstance(r.get("retryAfterSeconds"), int)]
    return SendResult(
        DeliveryStatus.RETRY,
        retry_after=float(max(waits)) if waits else None,
        error="rate limited" + (" (captcha required)" if waits else ""),
    )


def proof_required(reply: dict) -> tuple[str | None, int | None]:
    """(challenge token, seconds to wait) when Signal asks for a captcha, else (None, None).

    The token is "" when signal-cli reported the challenge only as a -32603 error: it is then in
    the daemon's own log.
    """
    error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    for result in response.get("results") or []:
        if isinstance(result, dict) and result.get("token"):
            seconds = result.get("retryAfterSeconds")
            return str(result["token"]), int(seconds) if isinstance(seconds, int) else None
    if error.get("code") == INTERNAL_ERROR and str(error.get("message")).endswith(
        "(ProofRequiredException)"
    ):
        return "", None
    return None, None
