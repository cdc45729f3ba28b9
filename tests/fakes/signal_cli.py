"""A fake signal-cli 0.13.19 daemon in HTTP mode on 127.0.0.1, for end-to-end tests.

It does what the real daemon does (recorded in tests/fakes/fixtures/signal_cli/: `captured/` from the
real daemon, `from_source/` from signal-cli's source for what needs a registered account):

- POST /api/v1/rpc: JSON-RPC 2.0, single or batch. Content-Type must be application/json (else 415),
  other HTTP methods get 405. A notification (no id) gets 201 without a body. Errors: -32700 (not
  JSON), -32600 (no method, jsonrpc not "2.0", empty batch), -32601 (unknown method; also
  `listAccounts` on a single-account daemon), -32602 ("Method requires valid account parameter",
  "Specified account does not exist"). In multi-account mode a request without `account` uses the
  only account when there is exactly one.
- `send` answers `{"timestamp", "results": [...]}` when at least one recipient got it (or a group had
  nobody else); otherwise an error with the results in `data.response`: -4 when only
  IDENTITY_FAILURE, -5 when only RATE_LIMIT_FAILURE, else -1 "Failed to send message". A plain rate
  limit names no time; a captcha challenge adds `token` and `retryAfterSeconds`. A phone number that
  is not on Signal is -1 "The user +X is not registered." (no data); an unknown group -1 "Group not
  found: ID"; a bad attachment -32603.
- GET /api/v1/events: Server-Sent Events `event:receive` / `data:{"account", "envelope"[, "exception"]}`
  with NO `id:` line, and a ":" keep-alive every `keepalive` seconds. Nothing is replayed. With
  `?account=` naming an account the daemon does not serve: HTTP 400.
- GET /api/v1/check: 200 with an empty body.

Receiving follows `--receive-mode`: messages people send wait on "Signal's server" (`pending`) until
the daemon fetches them. In "on-connection" mode (what docs/signal-cli.md configures) it fetches only
while a client follows the event stream, so messages sent while the bot is away arrive when it
reconnects. In "on-start" mode (signal-cli's default) it fetches from start-up on and a message that
arrives while no client listens is consumed and lost (`lost`), as with the real daemon.

One difference, on purpose: the fake forgets a client the moment it disconnects. The real daemon
notices only when a write to the dead connection fails (its SSE handler does not read), which takes
one or two writes (keep-alives every 15 s, or messages): a message it fetched for that vanished
client alone in that window is lost (HttpServerHandler, ManagerImpl.removeReceiveHandler).

Tests make people act (`message`, `edit`, `attachment`, `undecryptable`, `receipt`, `typing`, `sync`,
`reaction`), make sends fail (`fail_next`, `leave_signal`), lose or delay answers
(`lose_next_answer`, `slow_next_answer`), drop streams (`drop_stream`) and stop the daemon for a
while (`restart(down_for=...)`); they read what the bot sent (`sent`, `wait_sent`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

ACCOUNT = "+358400000000"
VERSION = "0.13.19"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "signal_cli"
_DATA_URI = re.compile(
    r"\Adata:(?P<type>.+?/.+?)?(?P<parameters>;.+?=.+?)?(?P<base64>;base64)?,(?P<data>.+)\Z",
    re.IGNORECASE | re.DOTALL,
)
_NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def fixture(name: str) -> dict[str, Any]:
    """One fixture file's cases, e.g. fixture("captured/rpc")."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["cases"]


def _error_message(case: str) -> str:
    return fixture("from_source/send")[case]["error"]["message"]


_RPC = fixture("captured/rpc")
ERROR_TEXTS = {
    -1: _error_message("network_failure"),
    -3: "Failed to send message: Connection reset (IOException)",
    -4: _error_message("identity_failure"),
    -5: _error_message("rate_limit_failure"),
    -32603: _error_message("internal_io_error"),
}
NO_ACCOUNT = _RPC["send_without_account"]["response"]["error"]["message"]
UNKNOWN_ACCOUNT = _RPC["send_unknown_account"]["response"]["error"]["message"]
NO_METHOD = _RPC["no_method"]["response"]["error"]["message"]
NOT_IMPLEMENTED = _RPC["unknown_method"]["response"]["error"]["message"]
WRONG_VERSION = _RPC["wrong_jsonrpc_version"]["response"]["error"]["message"]
INVALID_REQUEST = _RPC["empty_batch"]["response"]["error"]["message"]
PARSE_ERROR = _RPC["not_json"]["response"]["error"]["message"]


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
    retry_after: int | None = None  # with RATE_LIMIT_FAILURE: a captcha challenge (proof required)
    http_status: int | None = None
    recipient: str | None = None
    times: int = 1
    token: str = field(default_factory=lambda: str(uuidlib.uuid4()))  # one challenge, one token


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
        receive_mode: str = "on-connection",
        serves_account: bool = True,
    ) -> None:
        if receive_mode not in ("on-connection", "on-start"):
            raise ValueError("receive_mode: on-connection or on-start")
        self.account = account
        self.account_uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"signal:{account}"))
        self.multi_account = multi_account
        self.keepalive = keepalive
        self.receive_mode = receive_mode
        # False: the account is not registered in the daemon's data directory (it skips it)
        self.serves_account = serves_account
        self.requests: list[RpcRequest] = []
        self.sent: list[Sent] = []
        self.failures: list[Failure] = []
        self.stream_requests: list[dict[str, str | None]] = []  # account query, Last-Event-ID
        self.connections = 0
        self.pending: list[str] = []  # events waiting on Signal's server for the daemon to fetch
        self.delivered = 0  # events written to at least one client
        self.lost = 0  # events the daemon fetched while nobody listened (on-start mode)
        self.unregistered: set[str] = set()  # numbers and UUIDs of people who left Signal
        self.check_status = 200
        self._lose_answers = 0
        self._slow_answers: list[float] = []
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

    @property
    def running(self) -> bool:
        """True while the daemon listens."""
        return self._runner is not None

    async def start(self) -> FakeSignalCli:
        """Listen on a free port of 127.0.0.1 (the same port again after stop(): a restart)."""
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_route("*", "/api/v1/rpc", self._rpc)
        app.router.add_route("*", "/api/v1/events", self._stream)
        app.router.add_route("*", "/api/v1/check", self._check)
        # handler_cancellation: a stream ends as soon as its client goes (see the module notes)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with self._changed:
            self._pump()  # on-start mode fetches at once, with or without a listener
        return self

    async def stop(self) -> None:
        """Close the event streams and stop listening (the port stays known for a restart)."""
        if self._runner is not None:
            await self.drop_stream()
            await self._runner.cleanup()
            self._runner = None

    async def restart(self, down_for: float = 0.0) -> None:
        """Stop, stay down `down_for` seconds (an outage), start on the same port."""
        await self.stop()
        await asyncio.sleep(down_for)
        await self.start()

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
        name: str | None = "Test",
        group_id: str | None = None,
        quote_id: int | None = None,
        timestamp: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
        hide_number: bool = False,
    ) -> int:
        """Someone sends a message (in a group when `group_id` is given); returns its timestamp.

        `uuid=""`: a sender known by number only; `hide_number`: by UUID only (sourceNumber null).
        """
        ts = timestamp or self._now()
        uuid = self.uuid_of(number) if uuid is None else uuid
        data = self._data(ts, text, group_id, uuid or number, number, quote_id, attachments)
        await self.emit({**self._source(number, uuid, name, ts, hide_number), "dataMessage": data})
        return ts

    async def attachment(self, number: str, *, caption: str | None = None, **kw: Any) -> int:
        """Someone sends a photo (with a caption, or without any text)."""
        photo = {
            "contentType": "image/jpeg",
            "filename": None,
            "id": f"{uuidlib.uuid4().hex[:16]}.jpg",
            "size": 48213,
            "width": 960,
            "height": 1280,
            "caption": None,
            "uploadTimestamp": self._now(),
        }
        return await self.message(number, caption, attachments=[photo], **kw)

    async def edit(
        self,
        number: str,
        target: int,
        text: str,
        *,
        name: str | None = "Test",
        group_id: str | None = None,
        hide_number: bool = False,
    ) -> int:
        """Someone edits the message they sent at `target`; returns the edit's timestamp."""
        ts = self._now()
        uuid = self.uuid_of(number)
        data = self._data(ts, text, group_id, uuid, number, None, None)
        edit = {"targetSentTimestamp": target, "dataMessage": data}
        await self.emit({**self._source(number, uuid, name, ts, hide_number), "editMessage": edit})
        return ts

    async def undecryptable(
        self, number: str | None, *, kind: str = "ProtocolInvalidMessageException"
    ) -> int:
        """A message signal-cli could not decrypt: an `exception` and an envelope without content.

        The sender is known for protocol exceptions (`number`), unknown with `number=None`.
        """
        ts = self._now()
        if number is None:
            envelope = {
                "source": None,
                "sourceNumber": None,
                "sourceUuid": None,
                "sourceName": None,
                "sourceDevice": None,
                "timestamp": ts,
                "serverReceivedTimestamp": ts + 40,
                "serverDeliveredTimestamp": ts + 90,
            }
        else:
            envelope = self._source(number, self.uuid_of(number), None, ts, hide_number=True)
        exception = {"message": f"decryption failed for {number}", "type": kind}
        await self.emit(envelope, exception=exception)
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
        data = {
            "timestamp": ts,
            "message": None,
            "expiresInSeconds": 0,
            "viewOnce": False,
            "reaction": reaction,
        }
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

    async def emit(self, envelope: dict[str, Any], exception: dict | None = None) -> None:
        """Put one envelope on Signal's server for the account; the daemon fetches it as it does."""
        payload: dict[str, Any] = {"account": self.account, "envelope": envelope}
        if exception is not None:
            payload["exception"] = exception
        async with self._changed:
            self.pending.append(json.dumps(payload, ensure_ascii=False))
            self._pump()
            self._changed.notify_all()

    def leave_signal(self, number: str) -> None:
        """The person deletes their Signal account: sends to them fail as unregistered."""
        self.unregistered.update({number, self.uuid_of(number)})

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

    def lose_next_answer(self, times: int = 1) -> None:
        """The next send(s) go out, but the connection closes before the answer (request applied)."""
        self._lose_answers += times

    def slow_next_answer(self, seconds: float) -> None:
        """The next send goes out, but its answer comes only after `seconds` (the bot times out)."""
        self._slow_answers.append(seconds)

    async def drop_stream(self) -> int:
        """Close every event stream (as a daemon restart or a network drop does)."""
        async with self._changed:
            dropped = list(self._clients)
            for client in dropped:
                client.put_nowait(None)
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

    # --- receiving ---------------------------------------------------------------------------

    def _receiving(self) -> bool:
        if not self.running or not self.serves_account:
            return False
        return self.receive_mode == "on-start" or bool(self._clients)

    def _pump(self) -> None:
        """Fetch what waits on the server and pass it to every listener (call under _changed)."""
        if not self._receiving():
            return
        while self.pending:
            event = self.pending.pop(0)
            if not self._clients:
                self.lost += 1  # fetched, acknowledged to Signal, and handed to nobody
                continue
            self.delivered += 1
            for client in self._clients:
                client.put_nowait(event)

    # --- the HTTP side -----------------------------------------------------------------------

    async def _check(self, request: web.Request) -> web.Response:
        if request.method != "GET":
            return web.Response(status=405)
        return web.Response(status=self.check_status)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if request.method != "GET":
            return web.Response(status=405)
        account = request.query.get("account")
        self.stream_requests.append(
            {"account": account, "last_event_id": request.headers.get("Last-Event-ID")}
        )
        if self.multi_account and account and not (account == self.account and self.serves_account):
            return web.Response(status=400)
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        queue: asyncio.Queue = asyncio.Queue()
        async with self._changed:
            self._clients.append(queue)
            self.connections += 1
            self._pump()
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
                await response.write(f"event:receive\ndata:{item}\n\n".encode())
        except (ConnectionError, RuntimeError):
            pass  # the client went away; what was queued for it is lost, as in the real daemon
        finally:
            async with self._changed:
                self._clients.remove(queue)
                self._changed.notify_all()
        return response

    async def _rpc(self, request: web.Request) -> web.StreamResponse:
        if request.method != "POST":
            return web.Response(status=405)
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return web.Response(status=415)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response(_error(None, -32700, PARSE_ERROR))
        if isinstance(body, list):
            if not body:
                return web.json_response(_error(None, -32600, INVALID_REQUEST))
            answers = [a for a in [await self._answer(one) for one in body] if a is not None]
            return web.json_response(answers) if answers else web.Response(status=201)
        status = self._http_failure(body)
        if status is not None:
            return web.Response(status=status, text="Internal Server Error")
        answer = await self._answer(body)
        if isinstance(body, dict) and body.get("method") == "send":
            if self._lose_answers:
                self._lose_answers -= 1
                request.transport.close()  # type: ignore[union-attr]
                return web.Response(status=200)  # written to nowhere: the client sees a drop
            if self._slow_answers:
                await asyncio.sleep(self._slow_answers.pop(0))
        if answer is None:
            return web.Response(status=201)
        return web.json_response(answer)

    def _http_failure(self, body: Any) -> int | None:
        if not isinstance(body, dict) or body.get("method") != "send":
            return None
        params = body.get("params") if isinstance(body.get("params"), dict) else {}
        failure = self._peek_failure([*_targets(params), *_groups(params)])
        if failure is None or failure.http_status is None:
            return None
        self._use(failure)
        return failure.http_status

    async def _answer(self, body: Any) -> dict | None:
        if not isinstance(body, dict):
            return _error(None, -32600, INVALID_REQUEST)
        method, request_id = body.get("method"), body.get("id")
        params = body.get("params") if body.get("params") is not None else {}
        self.requests.append(
            RpcRequest(method, params if isinstance(params, dict) else {}, request_id)
        )
        if body.get("jsonrpc") != "2.0":
            return _error(request_id, -32600, WRONG_VERSION)
        if not method:
            return _error(request_id, -32600, NO_METHOD)
        answer = await self._call(method, params, request_id)
        return answer if request_id is not None else None

    async def _call(self, method: str, params: Any, request_id: Any) -> dict:
        if method == "version":
            return _result(request_id, {"version": VERSION})
        if method == "listAccounts":
            if not self.multi_account:
                return _error(request_id, -32601, NOT_IMPLEMENTED)
            served = [{"number": self.account}] if self.serves_account else []
            return _result(request_id, served)
        if method not in ("send", "submitRateLimitChallenge"):
            return _error(request_id, -32601, NOT_IMPLEMENTED)
        if self.multi_account:
            given = params.get("account") if isinstance(params, dict) else None
            if given is not None and not (given == self.account and self.serves_account):
                return _error(request_id, -32602, UNKNOWN_ACCOUNT)
            if given is None and not self.serves_account:
                return _error(request_id, -32602, NO_ACCOUNT)
        if not isinstance(params, dict):
            return _error(request_id, -32600, "Cannot deserialize value of type `java.util.Map`")
        if method == "submitRateLimitChallenge":
            return _result(request_id, {})
        return await self._send(request_id, params)

    async def _send(self, request_id: Any, params: dict[str, Any]) -> dict:
        groups = _groups(params)
        recipients = _targets(params)
        attachments = params.get("attachments") or params.get("attachment") or []
        if isinstance(attachments, str):
            attachments = [attachments]
        if not groups and not recipients:
            return _error(request_id, -1, "No recipients given")
        if not params.get("message") and not attachments:
            return _error(
                request_id,
                -1,
                "Sending empty message is not allowed, either a message, attachment or sticker "
                "must be given.",
            )
        for attachment in attachments:
            try:
                decode_data_uri(attachment)
            except ValueError:
                return _error(
                    request_id,
                    -32603,
                    "Failed to send message: Invalid data URI (AttachmentInvalidException)",
                )
        for group in groups:
            if group not in self._groups:
                return _error(request_id, -1, f"Group not found: {group}")
        for recipient in recipients:
            if recipient.startswith("+") and recipient in self.unregistered:
                return _error(request_id, -1, f"The user {recipient} is not registered.")
        failure = self._peek_failure([*groups, *recipients])
        if failure is not None:
            self._use(failure)
            if failure.type is None:
                code = failure.code or -1
                return _error(request_id, code, failure.message or ERROR_TEXTS.get(code, "Failed"))
        ts = self._now()
        results = [self._result(*self._address(r), failure) for r in recipients]
        for group in groups:
            results += [
                {**self._result(uuid, number, failure), "groupId": group}
                for uuid, number in self._groups[group].items()
            ]
        response = {"timestamp": ts, "results": results}
        if results and not any(r["type"] == "SUCCESS" for r in results):
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
            for to in recipients:
                self.sent.append(
                    Sent(to, None, params.get("message") or "", list(attachments), ts, params)
                )
            for group in groups:
                self.sent.append(
                    Sent(None, group, params.get("message") or "", list(attachments), ts, params)
                )
            self._changed.notify_all()
        return _result(request_id, response)

    def _result(self, uuid: str | None, number: str | None, failure: Failure | None) -> dict:
        kind = failure.type if failure is not None and failure.type else "SUCCESS"
        if kind == "SUCCESS" and (uuid in self.unregistered or number in self.unregistered):
            kind = "UNREGISTERED_FAILURE"
        result: dict[str, Any] = {
            "recipientAddress": {"uuid": uuid, "number": number, "username": None},
            "type": kind,
        }
        if kind == "RATE_LIMIT_FAILURE" and failure.retry_after is not None:
            result["token"] = failure.token
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

    def _data(
        self,
        ts: int,
        text: str | None,
        group_id: str | None,
        member: str,
        number: str,
        quote_id: int | None,
        attachments: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "timestamp": ts,
            "message": text,
            "expiresInSeconds": 0,
            "viewOnce": False,
        }
        if quote_id is not None:
            data["quote"] = {
                "id": quote_id,
                "author": self.account,
                "authorNumber": self.account,
                "authorUuid": self.account_uuid,
                "text": "…",
                "attachments": [],
            }
        if attachments:
            data["attachments"] = attachments
        if group_id is not None:
            self._groups.setdefault(group_id, {})[member] = number
            data["groupInfo"] = {
                "groupId": group_id,
                "groupName": "Group",
                "revision": 1,
                "type": "DELIVER",
            }
        return data

    def _source(
        self, number: str, uuid: str, name: str | None, ts: int, hide_number: bool = False
    ) -> dict[str, Any]:
        if uuid:
            self._numbers[uuid] = number
        shown = None if hide_number and uuid else number
        return {
            "source": shown or uuid,
            "sourceNumber": shown,
            "sourceUuid": uuid or None,
            "sourceName": name,
            "sourceDevice": 1,
            "timestamp": ts,
            "serverReceivedTimestamp": ts + 5,
            "serverDeliveredTimestamp": ts + 9,
        }

    def _now(self) -> int:
        self._last_ts = max(int(time.time() * 1000), self._last_ts + 1)
        return self._last_ts


def _targets(params: dict[str, Any]) -> list[str]:
    recipient = params.get("recipient") or params.get("recipients") or []
    return [recipient] if isinstance(recipient, str) else list(recipient)


def _groups(params: dict[str, Any]) -> list[str]:
    group = params.get("groupId") or params.get("groupIds") or []
    return [group] if isinstance(group, str) else list(group)


def _result(request_id: Any, result: Any) -> dict:
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def _error(request_id: Any, code: int, message: str) -> dict:
    return {
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message, "data": None},
        "id": request_id,
    }
