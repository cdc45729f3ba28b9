"""A small fake signal-cli daemon in HTTP mode on 127.0.0.1 for end-to-end tests.

It speaks what `signal-cli daemon --http` speaks (signal-cli-jsonrpc(5) and signal-cli's sources):

- POST /api/v1/rpc: JSON-RPC 2.0 (single or batch; Content-Type application/json, else 415). The request
  id is echoed; a notification (no id) gets 201 without a body. In multi-account mode (the default here)
  single-account methods need an `account` param. `send` answers `{"timestamp", "results": [...]}` with a
  result per recipient (`recipientAddress`, `type`: SUCCESS, NETWORK_FAILURE, UNREGISTERED_FAILURE,
  IDENTITY_FAILURE, RATE_LIMIT_FAILURE (+ `token`, `retryAfterSeconds`) ...). A send to people that reached
  nobody is an error, as in SendMessageResultUtils: -4 when only untrusted identities failed, -5 when only
  rate limits, else -1; its `data.response` holds the results. Group sends always answer results.
- GET /api/v1/events: Server-Sent Events `id:<start>-<n>` / `event:receive` / `data:{"envelope": ...,
  "account": ...}` and a `:` keep-alive line every `keepalive` seconds. The last 1000 events are kept; a
  client reconnecting with `Last-Event-ID` first gets the events after it, or all kept ones when the id
  is unknown (as after a daemon restart).
- GET /api/v1/check: 200 while the daemon runs.

Tests inject what people do (`message`, `receipt`, `typing`, `sync`, `reaction`) and read what the bot
sent (`sent`, `wait_sent`); `fail_next` makes sends fail; `drop_stream` closes the event streams.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import time
import uuid as uuidlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

ACCOUNT = "+358400000000"
KEPT_EVENTS = 1000
_DATA_URI = re.compile(
    r"\Adata:(?P<type>.+?/.+?)?(?P<parameters>;.+?=.+?)?(?P<base64>;base64)?,(?P<data>.+)\Z",
    re.IGNORECASE | re.DOTALL,
)
_NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)
ERROR_TEXTS = {
    -1: "Failed to send message",
    -3: "Failed to send message: Connection reset (IOException)",
    -4: "Failed to send message due to untrusted identities",
    -5: "Failed to send message due to rate limiting",
    -32603: "An internal server error has occurred.",
}


@dataclass
class RpcRequest:
    """One JSON-RPC request the bot made."""

    method: str | None
    params: dict[str, Any]
    id: Any


@dataclass
class Sent:
    """One message the daemon sent for the bot."""

    recipient: str | None
    group_id: str | None
    message: str
    attachments: list[str]
    timestamp: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def to(self) -> str:
        """The recipient, or the group id."""
        return self.group_id or self.recipient or ""

    @property
    def files(self) -> list[tuple[str, str, bytes]]:
        """The attachments decoded: (mime type, file name, bytes)."""
        return [decode_data_uri(a) for a in self.attachments]

    @property
    def choices(self) -> dict[str, str]:
        """The numbered choices in the text: label -> number."""
        return {label.strip(): number for number, label in _NUMBERED.findall(self.message)}


@dataclass
class Failure:
    """What the next send(s) get: a per-recipient result type, a JSON-RPC error or an HTTP status."""

    type: str | None = None
    code: int | None = None
    message: str | None = None
    retry_after: int | None = None
    http_status: int | None = None
    recipient: str | None = None
    times: int = 1


def decode_data_uri(uri: str) -> tuple[str, str, bytes]:
    """Parse data:<mime>;filename=<name>;base64,<data> as signal-cli's DataURI does."""
    match = _DATA_URI.match(uri)
    if match is None:
        raise ValueError("not a data URI")
    params = dict(
        part.split("=", 1) for part in (match["parameters"] or "").split(";") if "=" in part
    )
    data = match["data"]
    raw = base64.b64decode(data, validate=True) if match["base64"] else unquote(data).encode()
    return match["type"] or "text/plain", unquote(params.get("filename", "")), raw


class FakeSignalCli:
    """The fake daemon: start(), use `.url` as signal.url, stop()."""

    def __init__(
        self,
        account: str = ACCOUNT,
        *,
        multi_account: bool = True,
        keepalive: float = 15.0,
        notification_events: bool = False,
    ) -> None:
        self.account = account
        self.account_uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"signal:{account}"))
        self.multi_account = multi_account
        self.keepalive = keepalive
        # False: data is {"envelope", "account"} as signal-cli writes it; True: a JSON-RPC notification
        self.notification_events = notification_events
        self.requests: list[RpcRequest] = []
        self.sent: list[Sent] = []
        self.failures: list[Failure] = []
        self.stream_requests: list[dict[str, str | None]] = []  # account query, Last-Event-ID
        self.connections = 0
        self.replayed = 0  # kept events sent again to clients that reconnected with Last-Event-ID
        self.check_status = 200
        self._events: deque[tuple[int, str]] = deque(maxlen=KEPT_EVENTS)
        self._seq = 0
        self._prefix = f"{time.time_ns()}-"
        self._clients: list[asyncio.Queue] = []
        self._numbers: dict[str, str] = {}  # uuid -> number
        self._groups: dict[str, dict[str, str]] = {}  # group id -> {uuid: number}
        self._last_ts = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """What to set as signal.url."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeSignalCli:
        """Listen on a free port of 127.0.0.1 (the same port again after stop(): a restart)."""
        self._prefix = f"{time.time_ns()}-"  # event ids of an earlier run are unknown now
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_post("/api/v1/rpc", self._rpc)
        app.router.add_get("/api/v1/events", self._stream)
        app.router.add_get("/api/v1/check", self._check)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close the event streams and stop listening (the port stays known for a restart)."""
        if self._runner is not None:
            await self.drop_stream()
            await self._runner.cleanup()
            self._runner = None

    # --- what people do ----------------------------------------------------------------------

    def uuid_of(self, number: str) -> str:
        """The ACI (UUID) the fake gives a phone number."""
        return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"signal:{number}"))

    @staticmethod
    def group_id(name: str) -> str:
        """A group id shaped like a real one (base64 of 32 bytes)."""
        return base64.b64encode(hashlib.sha256(name.encode()).digest()).decode()

    async def message(
        self,
        number: str,
        text: str | None,
        *,
        uuid: str | None = None,
        name: str = "Test",
        group_id: str | None = None,
        quote_id: int | None = None,
        timestamp: int | None = None,
    ) -> int:
        """Someone sends a text (in a group when `group_id` is given); returns its timestamp."""
        ts = timestamp or self._now()
        uuid = self.uuid_of(number) if uuid is None else uuid  # "": a sender without a UUID
        data: dict[str, Any] = {
            "timestamp": ts,
            "message": text,
            "expiresInSeconds": 0,
            "viewOnce": False,
        }
        if group_id is not None:
            self._groups.setdefault(group_id, {})[uuid or number] = number
            data["groupInfo"] = {"groupId": group_id, "revision": 1, "type": "DELIVER"}
        if quote_id is not None:
            data["quote"] = {
                "id": quote_id,
                "author": self.account,
                "authorNumber": self.account,
                "authorUuid": self.account_uuid,
                "text": "…",
                "attachments": [],
            }
        await self.emit({**self._source(number, uuid, name, ts), "dataMessage": data})
        return ts

    async def reaction(self, number: str, emoji: str, target: int, *, name: str = "Test") -> int:
        """A reaction: a data message without text."""
        ts = self._now()
        reaction = {
            "emoji": emoji,
            "targetAuthor": self.account,
            "targetAuthorNumber": self.account,
            "targetAuthorUuid": self.account_uuid,
            "targetSentTimestamp": target,
            "isRemove": False,
        }
        data = {"timestamp": ts, "message": None, "expiresInSeconds": 0, "reaction": reaction}
        await self.emit(
            {**self._source(number, self.uuid_of(number), name, ts), "dataMessage": data}
        )
        return ts

    async def receipt(self, number: str, timestamps: list[int], *, name: str = "Test") -> None:
        """A delivery receipt for messages the bot sent."""
        ts = self._now()
        receipt = {
            "when": ts,
            "isDelivery": True,
            "isRead": False,
            "isViewed": False,
            "timestamps": timestamps,
        }
        await self.emit(
            {**self._source(number, self.uuid_of(number), name, ts), "receiptMessage": receipt}
        )

    async def typing(self, number: str, *, name: str = "Test") -> None:
        """Someone starts typing."""
        ts = self._now()
        typing = {"action": "STARTED", "timestamp": ts}
        await self.emit(
            {**self._source(number, self.uuid_of(number), name, ts), "typingMessage": typing}
        )

    async def sync(self, destination: str, text: str) -> None:
        """A message the account itself sent from another device (a sync message)."""
        ts = self._now()
        sent = {
            "destination": destination,
            "destinationNumber": destination,
            "destinationUuid": self.uuid_of(destination),
            "timestamp": ts,
            "message": text,
            "expiresInSeconds": 0,
            "viewOnce": False,
        }
        source = self._source(self.account, self.account_uuid, "Bot", ts)
        await self.emit({**source, "sourceDevice": 2, "syncMessage": {"sentMessage": sent}})

    async def emit(self, envelope: dict[str, Any]) -> None:
        """Put one envelope on the event stream (kept for clients that reconnect)."""
        params = {"envelope": envelope, "account": self.account}
        payload: dict[str, Any] = params
        if self.notification_events:
            payload = {"jsonrpc": "2.0", "method": "receive", "params": params}
        async with self._changed:
            self._seq += 1
            event = (self._seq, json.dumps(payload, ensure_ascii=False))
            self._events.append(event)
            for client in self._clients:
                client.put_nowait(event)
            self._changed.notify_all()

    def fail_next(
        self,
        type: str | None = None,  # noqa: A002 - the name signal-cli uses
        *,
        code: int | None = None,
        message: str | None = None,
        retry_after: int | None = None,
        http_status: int | None = None,
        recipient: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next send(s) (to `recipient`, or any) fail in one of the ways signal-cli does."""
        self.failures.append(
            Failure(type, code, message, retry_after, http_status, recipient, times)
        )

    async def drop_stream(self, *, forget_event_ids: bool = False) -> int:
        """Close every event stream; with `forget_event_ids`, old ids become unknown (a restart)."""
        async with self._changed:
            dropped = list(self._clients)
            for client in dropped:
                client.put_nowait(None)
            if forget_event_ids:
                self._prefix = f"{time.time_ns()}-"
        await self.wait_for(lambda f: not any(c in f._clients for c in dropped))
        return len(dropped)

    # --- what the bot did --------------------------------------------------------------------

    def sent_to(self, to: str) -> list[Sent]:
        """Messages sent to a recipient (number or UUID) or a group."""
        return [s for s in self.sent if s.to == to]

    def last_to(self, to: str) -> Sent:
        """The last message sent to a recipient or group."""
        sent = self.sent_to(to)
        if not sent:
            raise AssertionError(f"nothing was sent to {to}")
        return sent[-1]

    async def wait_for(
        self, predicate: Callable[[FakeSignalCli], Any], within: float = 10.0
    ) -> Any:
        """Wait until `predicate(self)` is truthy; returns its value (AssertionError on timeout)."""
        deadline = time.monotonic() + within
        async with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting for the bot")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    async def wait_sent(self, to: str, count: int, within: float = 10.0) -> list[Sent]:
        """Wait until at least `count` messages were sent to `to`; returns them."""
        return await self.wait_for(
            lambda f: f.sent_to(to) if len(f.sent_to(to)) >= count else None, within
        )

    async def wait_connected(self, connections: int = 1, within: float = 10.0) -> None:
        """Wait until a client follows the event stream, after `connections` connects in all."""
        await self.wait_for(lambda f: f._clients and f.connections >= connections, within)

    # --- the HTTP side -----------------------------------------------------------------------

    async def _check(self, request: web.Request) -> web.Response:
        return web.Response(status=self.check_status)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        account = request.query.get("account")
        self.stream_requests.append(
            {"account": account, "last_event_id": request.headers.get("Last-Event-ID")}
        )
        if account and account != self.account:
            return web.Response(status=400)
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        queue: asyncio.Queue = asyncio.Queue()
        async with self._changed:
            last = request.headers.get("Last-Event-ID")
            if last is not None:
                after = self._sequence_of(last)
                for event in self._events:
                    if event[0] > after:
                        queue.put_nowait(event)
                        self.replayed += 1
            self._clients.append(queue)
            self.connections += 1
            self._changed.notify_all()
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self.keepalive)
                except TimeoutError:
                    await response.write(b":\n")
                    continue
                if item is None:
                    break
                seq, data = item
                await response.write(
                    f"id:{self._prefix}{seq}\nevent:receive\ndata:{data}\n\n".encode()
                )
        except ConnectionError:
            pass
        finally:
            async with self._changed:
                self._clients.remove(queue)
                self._changed.notify_all()
        return response

    async def _rpc(self, request: web.Request) -> web.Response:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return web.Response(status=415)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response(_error(None, -32700, "Parse error"))
        if isinstance(body, list):
            answers = [a for a in [await self._answer(one) for one in body] if a is not None]
            return web.json_response(answers) if answers else web.Response(status=201)
        status = self._http_failure(body)
        if status is not None:
            return web.Response(status=status, text="Internal Server Error")
        answer = await self._answer(body)
        if answer is None:
            return web.Response(status=201)
        return web.json_response(answer)

    def _http_failure(self, body: Any) -> int | None:
        if not isinstance(body, dict) or body.get("method") != "send":
            return None
        params = body.get("params") or {}
        failure = self._peek_failure([*_targets(params), params.get("groupId")])
        if failure is None or failure.http_status is None:
            return None
        self._use(failure)
        return failure.http_status

    async def _answer(self, body: Any) -> dict | None:
        if not isinstance(body, dict):
            return _error(None, -32600, "request must be an object")
        method, request_id = body.get("method"), body.get("id")
        params = body.get("params") or {}
        self.requests.append(RpcRequest(method, params, request_id))
        if not method:
            return _error(None, -32600, "method field must be set")
        answer: dict
        if method == "version":
            answer = {"jsonrpc": "2.0", "result": {"version": "0.13.22"}, "id": request_id}
        elif method != "send":
            answer = _error(request_id, -32601, "Method not implemented")
        elif self.multi_account and params.get("account") is None:
            answer = _error(request_id, -32602, "Method requires valid account parameter")
        elif params.get("account") not in (None, self.account):
            answer = _error(request_id, -32602, "Specified account does not exist")
        else:
            answer = await self._send(request_id, params)
        return answer if request_id is not None else None

    async def _send(self, request_id: Any, params: dict[str, Any]) -> dict:
        group = params.get("groupId")
        recipients = _targets(params) if group is None else []
        attachments = params.get("attachments") or params.get("attachment") or []
        if isinstance(attachments, str):
            attachments = [attachments]
        if not group and not recipients:
            return _error(request_id, -1, "No recipients given")
        for attachment in attachments:
            try:
                decode_data_uri(attachment)
            except ValueError:
                return _error(request_id, -1, "Failed to send message: invalid attachment")
        failure = self._peek_failure([group] if group else recipients)
        if failure is not None:
            self._use(failure)
            if failure.type is None:
                text = failure.message or ERROR_TEXTS.get(failure.code, "Failed")
                return _error(request_id, failure.code or -1, text)
        ts = self._now()
        if group:
            members = self._groups.get(group, {})
            results = [
                {**self._result(uuid, number, failure), "groupId": group}
                for uuid, number in members.items()
            ]
        else:
            results = [self._result(*self._address(r), failure) for r in recipients]
        response = {"timestamp": ts, "results": results}
        if not group and not any(r["type"] == "SUCCESS" for r in results):
            types = {r["type"] for r in results}
            code = (
                -4
                if types == {"IDENTITY_FAILURE"}
                else -5
                if types == {"RATE_LIMIT_FAILURE"}
                else -1
            )
            error = _error(request_id, code, ERROR_TEXTS[code])
            error["error"]["data"] = {"response": response}
            return error
        async with self._changed:
            for to in [None] if group else recipients:
                sent = Sent(to, group, params.get("message") or "", list(attachments), ts, params)
                self.sent.append(sent)
            self._changed.notify_all()
        return {"jsonrpc": "2.0", "result": response, "id": request_id}

    def _result(self, uuid: str | None, number: str | None, failure: Failure | None) -> dict:
        kind = failure.type if failure is not None and failure.type else "SUCCESS"
        result: dict[str, Any] = {
            "recipientAddress": {"uuid": uuid, "number": number},
            "type": kind,
        }
        if kind == "RATE_LIMIT_FAILURE" and failure.retry_after is not None:
            result["token"] = str(uuidlib.uuid4())
            result["retryAfterSeconds"] = failure.retry_after
        return result

    def _address(self, recipient: str) -> tuple[str | None, str | None]:
        if recipient.startswith("+"):
            return self.uuid_of(recipient), recipient
        return recipient, self._numbers.get(recipient)

    def _peek_failure(self, targets: list[str]) -> Failure | None:
        for failure in self.failures:
            if failure.recipient is None or failure.recipient in targets:
                return failure
        return None

    def _use(self, failure: Failure) -> None:
        failure.times -= 1
        if failure.times <= 0:
            self.failures.remove(failure)

    def _source(self, number: str, uuid: str, name: str, ts: int) -> dict[str, Any]:
        if uuid:
            self._numbers[uuid] = number
        return {
            "source": number,
            "sourceNumber": number,
            "sourceUuid": uuid or None,
            "sourceName": name,
            "sourceDevice": 1,
            "timestamp": ts,
            "serverReceivedTimestamp": ts + 5,
            "serverDeliveredTimestamp": ts + 9,
        }

    def _sequence_of(self, event_id: str) -> int:
        if event_id.startswith(self._prefix):
            try:
                return int(event_id[len(self._prefix) :])
            except ValueError:
                pass
        return 0

    def _now(self) -> int:
        self._last_ts = max(int(time.time() * 1000), self._last_ts + 1)
        return self._last_ts


def _targets(params: dict[str, Any]) -> list[str]:
    recipient = params.get("recipient") or []
    return [recipient] if isinstance(recipient, str) else list(recipient)


def _error(request_id: Any, code: int, message: str) -> dict:
    return {
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message, "data": None},
        "id": request_id,
    }
