"""Signal through a signal-cli daemon in HTTP mode: JSON-RPC to send, Server-Sent Events to receive.

`signal-cli -a +NUMBER daemon --http 127.0.0.1:8080` answers JSON-RPC 2.0 at POST /api/v1/rpc, streams
incoming messages at GET /api/v1/events and says it is up at GET /api/v1/check (signal-cli-jsonrpc(5)).
Signal has no buttons, so choices are sent as a numbered list and a reply of a number (or of a label)
picks the choice pending in that chat (bot/transports/numbered.py).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import aconnect_sse

from bot.messages import Address, Attachment, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.numbered import ChoiceMemory, interpret, remember_offer, render
from bot.transports.split import split_text, utf8_size

log = logging.getLogger(__name__)

# JSON-RPC error codes of signal-cli (SignalJsonRpcCommandHandler); -5 came with rate-limit errors.
USER_ERROR, IO_ERROR, UNTRUSTED_KEY_ERROR, RATE_LIMIT_ERROR = -1, -3, -4, -5
SEEN_LIMIT = 4096  # (sender, timestamp) pairs remembered so a replayed event is handled once
# signal-cli clips a message body at 2,000 bytes and Signal's apps drop bodies over 2 KiB
# (signal-cli issue #1598; Signal-Android's MAX_INLINE_BODY_SIZE_BYTES), so longer texts are split.
TEXT_LIMIT_BYTES = 2000
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class Received:
    """The parts of one incoming text message the bot uses."""

    address: Address
    sender_id: str
    number: str | None
    name: str
    text: str
    timestamp: int
    quote_id: int | None
    is_private: bool


class SignalTransport:
    """The Signal adapter: envelopes from the event stream in as Incoming, Outgoing out as text."""

    name = "signal"

    def __init__(
        self,
        url: str,
        account: str,
        memory: ChoiceMemory,
        *,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        stream_read_timeout: float = 60.0,  # the daemon sends a keep-alive every 15 s
        rpc_timeout: float = 60.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.account = account
        self.memory = memory
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._stream_timeout = httpx.Timeout(10.0, read=stream_read_timeout)
        self._rpc_timeout = httpx.Timeout(rpc_timeout, connect=10.0)
        self._client: httpx.AsyncClient | None = None
        self._on_incoming: IncomingHandler | None = None
        self._reader: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[Address, asyncio.Lock] = {}
        self._queued: dict[Address, int] = {}
        self._seen: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._last_event_id: str | None = None
        self._ids = itertools.count(1)

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
        """Send text with the choices as a numbered list (and a file as a data URI).

        A text over TEXT_LIMIT_BYTES goes as several messages; the file comes with the first,
        the numbered choices end the last.
        """
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
        """Follow the event stream; on a drop, reconnect with backoff and resume after the last id."""
        delay = self.min_backoff
        while True:
            try:
                headers = {"Last-Event-ID": self._last_event_id} if self._last_event_id else {}
                params = {"account": self.account} if self.account else None
                async with aconnect_sse(
                    self._http(),
                    "GET",
                    f"{self.url}/api/v1/events",
                    params=params,
                    headers=headers,
                    timeout=self._stream_timeout,
                ) as source:
                    source.response.raise_for_status()
                    log.info("signal: connected to the event stream")
                    delay = self.min_backoff
                    async for event in source.aiter_sse():
                        if event.id:
                            self._last_event_id = event.id
                        if event.event == "receive":
                            self._on_event(event.data)
                log.warning("signal: the event stream ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: wait, then connect again
                log.warning("signal: event stream failed (%s)", type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    def _on_event(self, data: str) -> None:
        """Parse one `receive` event and hand a new text message to its chat's queue."""
        try:
            received = parse_event(json.loads(data))
        except ValueError:
            log.warning("signal: an event that is not JSON")
            return
        if received is None:
            return
        key = (received.sender_id, received.timestamp)
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
        """A received text as an Incoming: a number or a label picks a pending choice."""
        pending = await self.memory.recall(received.address)
        picked = interpret(received.text, pending.choices, pending.numbered)
        extra: dict[str, Any] = {"number": received.number}
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
            kind="choice" if choice else "text",
            extra=extra,
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
        return outcome_of(reply)


def parse_event(payload: Any) -> Received | None:
    """The text message in a `receive` event, or None (receipts, typing, sync, no text ...)."""
    if not isinstance(payload, dict):
        return None
    params = payload.get("params", payload)  # a JSON-RPC notification, or its params as such
    if isinstance(params, dict) and "envelope" not in params:
        params = params.get("result")  # the form of a `subscribeReceive` subscription
    envelope = params.get("envelope") if isinstance(params, dict) else None
    if not isinstance(envelope, dict):
        return None
    data = envelope.get("dataMessage")
    if not isinstance(data, dict):
        return None
    text = data.get("message")
    sender = envelope.get("sourceUuid") or envelope.get("sourceNumber")
    timestamp = envelope.get("timestamp") or data.get("timestamp")
    if not isinstance(text, str) or not text or not sender or not isinstance(timestamp, int):
        return None
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
    )


def is_group(chat_id: str) -> bool:
    """A Signal group id (base64), as opposed to a phone number or a UUID."""
    return not (chat_id.startswith("+") or _UUID.fullmatch(chat_id) or chat_id.startswith("PNI:"))


def data_uri(attachment: Attachment) -> str:
    """A file as signal-cli takes it: data:<mime>;filename=<name>;base64,<data> (RFC 2397)."""
    encoded = base64.b64encode(attachment.data).decode("ascii")
    return f"data:{attachment.mime};filename={quote(attachment.filename, safe='')};base64,{encoded}"


def outcome_of(reply: dict) -> SendResult:
    """Map signal-cli's JSON-RPC reply to `send` to a delivery outcome."""
    error = reply.get("error")
    if not isinstance(error, dict):
        result = reply.get("result") or {}
        results = result.get("results") or []
        if not results or any(r.get("type") == "SUCCESS" for r in results):
            timestamp = result.get("timestamp")
            return SendResult(
                DeliveryStatus.SENT, message_id=str(timestamp) if timestamp is not None else None
            )
        return _failed(results, "")
    code = error.get("code")
    message = str(error.get("message") or "")
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    results = (data.get("response") or {}).get("results") or []
    if code == RATE_LIMIT_ERROR:
        return _rate_limited(results)
    if results:
        return _failed(results, message)
    if code == UNTRUSTED_KEY_ERROR:  # the safety number changed: `trust` it on the daemon
        return SendResult(DeliveryStatus.FAILED, error=message or "untrusted identity")
    return SendResult(DeliveryStatus.FAILED, error=f"signal-cli error {code}: {message}")


def _failed(results: list[dict], message: str) -> SendResult:
    """The outcome of per-recipient results without a success."""
    types = {r.get("type") for r in results}
    if "RATE_LIMIT_FAILURE" in types:
        return _rate_limited(results)
    if "UNREGISTERED_FAILURE" in types:
        return SendResult(DeliveryStatus.BLOCKED, error=message or "unregistered")
    if "IDENTITY_FAILURE" in types:
        return SendResult(DeliveryStatus.FAILED, error=message or "untrusted identity")
    return SendResult(DeliveryStatus.FAILED, error=message or ", ".join(sorted(map(str, types))))


def _rate_limited(results: list[dict]) -> SendResult:
    waits = [r["retryAfterSeconds"] for r in results if r.get("retryAfterSeconds") is not None]
    return SendResult(
        DeliveryStatus.RETRY,
        retry_after=float(max(waits)) if waits else None,
        error="rate limited",
    )
