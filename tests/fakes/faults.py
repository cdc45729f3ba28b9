"""A fault-injecting HTTP proxy between the bot and FakeTelegram, for robustness tests.

Point the bot's `telegram.base_url` at `proxy.base_url`; the proxy forwards `/bot<token>/<method>`
(and `/file/bot<token>/...`) to the fake and, by configuration, answers some calls itself:

- "error":       HTTP 5xx, `{"ok": false, "error_code": 502, "description": "Bad Gateway"}`
- "retry_after": HTTP 429 with `parameters.retry_after`
- "drop":        the connection is closed without an answer
- "timeout":     no answer for longer than the client waits, then the connection is closed
- "lost_answer": the call IS forwarded (the fake records it), then the connection is closed
                 without the answer: the message arrived but the bot saw an error. The only kind
                 that may legitimately cause a duplicate (when the sender retries); counted apart.

Every kind but "lost_answer" is decided BEFORE forwarding, so the fake never records a message the
bot was told failed. Random faults come from a seeded `random.Random` (the same order of calls gets
the same faults); `force()` scripts exact ones. Only the methods in `methods` are faulted:
getUpdates never, unless listed. `attempts` records every call of a faultable method with its
outcome, so a test can tell delivered, lost and duplicated messages apart.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web

KINDS = ("error", "retry_after", "drop", "timeout", "lost_answer")
SEND_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})
# Kinds after which the message did arrive at the fake although the bot saw an error.
ARRIVED_ANYWAY = frozenset({"lost_answer", "client_gone"})


@dataclass
class Attempt:
    """One call of a faultable method as the proxy saw it."""

    seq: int
    method: str
    chat_id: str
    text: str
    # "ok", a fault kind, "client_gone" (forwarded, but nobody was waiting any more), or "held"
    # (waiting at the proxy, or never forwarded because the proxy stopped first)
    outcome: str
    at: float
    updates: int = 0  # getUpdates: how many updates the fake's answer carried

    @property
    def arrived(self) -> bool:
        """True when the fake received (and recorded) this call."""
        return self.outcome == "ok" or self.outcome in ARRIVED_ANYWAY


@dataclass
class _Forced:
    kind: str
    method: str | None
    chat_id: str | None
    times: int


class FaultProxy:
    """start(), use `.base_url` as telegram.base_url, stop(). See the module docstring."""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        rate: float = 0.0,
        weights: dict[str, float] | None = None,
        methods: Iterable[str] = SEND_METHODS,
        retry_after: int = 1,
        delay: float = 1.5,
        error_code: int = 502,
    ) -> None:
        """`upstream`: the fake's base_url (`http://127.0.0.1:PORT/bot`) or origin."""
        self.upstream = upstream.rstrip("/").removesuffix("/bot")
        self.rng = random.Random(seed)
        self.rate = rate
        self.weights = dict(weights or {k: 1.0 for k in KINDS if k != "lost_answer"})
        unknown = set(self.weights) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.methods = set(methods)
        self.retry_after = retry_after
        self.delay = delay
        self.error_code = error_code
        self.faults: Counter[str] = Counter()  # kind -> how many calls got it
        self.forwarded: Counter[str] = Counter()  # method -> calls that reached the fake
        self.attempts: list[Attempt] = []
        self.port = 0
        self._forced: list[_Forced] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._stopping = asyncio.Event()
        self._polls_open = asyncio.Event()
        self._polls_open.set()
        self._hold_after_update = False
        self._sends_open = asyncio.Event()
        self._sends_open.set()
        self._sends_before_hold: int | None = None
        self.held = 0  # faultable calls waiting at the proxy right now
        self._tasks: set[asyncio.Task] = set()

    @property
    def base_url(self) -> str:
        """What to set as telegram.base_url."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5)
        )
        return self

    async def stop(self) -> None:
        """Stop listening; held and delayed calls end without being forwarded."""
        self._stopping.set()
        self._polls_open.set()
        self._sends_open.set()
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- configuration ---------------------------------------------------------------------

    def force(
        self, kind: str, method: str | None = None, *, chat_id: Any = None, times: int = 1
    ) -> None:
        """Give the next `times` matching calls the fault `kind` (before any random fault)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        chat = None if chat_id is None else str(chat_id)
        self._forced.append(_Forced(kind, method, chat, times))

    def hold_polls_after_next_update(self) -> None:
        """Relay getUpdates until one answer carries updates, then hold every later poll.

        The poll that would confirm those updates (its offset) never reaches the fake, as when the
        bot dies before its next poll: the fake offers the same updates again to the next poller.
        """
        self._hold_after_update = True

    def hold_sends(self, after: int = 0) -> None:
        """Forward `after` more faultable calls, then hold the rest (not forwarded) until
        `release_sends()` or `stop()`: messages the bot has started sending that have not arrived.
        """
        self._sends_before_hold = after
        if after <= 0:
            self._sends_open.clear()

    def release_sends(self) -> None:
        """Forward held calls (those whose client is still waiting)."""
        self._sends_before_hold = None
        self._sends_open.set()

    def release_polls(self) -> None:
        """Let held polls through again."""
        self._hold_after_update = False
        self._polls_open.set()

    # --- what happened ---------------------------------------------------------------------

    def attempts_to(self, chat_id: Any) -> list[Attempt]:
        """Every faultable call to one chat, in order."""
        return [a for a in self.attempts if a.chat_id == str(chat_id)]

    @property
    def arrived_anyway(self) -> int:
        """Calls that reached the fake although the bot saw an error: the only allowed duplicates
        (when the sender tries again)."""
        return sum(1 for a in self.attempts if a.outcome in ARRIVED_ANYWAY)

    # --- the HTTP side ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await self._proxy(request)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _proxy(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await request.read()
        if method == "getUpdates":
            await self._polls_open.wait()
            if self._stopping.is_set() or _client_gone(request):
                return _drop(request)
        if method not in self.methods:
            return await self._relay(request, body)
        params = _params(request.content_type, body)
        self._seq += 1
        attempt = Attempt(
            self._seq,
            method,
            str(params.get("chat_id", "")),
            str(params.get("text") or params.get("caption") or ""),
            "ok",
            time.monotonic(),
        )
        self.attempts.append(attempt)
        if method == "getUpdates":
            pass
        elif not self._sends_open.is_set():
            attempt.outcome = "held"
            self.held += 1
            try:
                await self._sends_open.wait()
            finally:
                self.held -= 1
            if self._stopping.is_set() or _client_gone(request):
                return _drop(request)  # never arrived
            attempt.outcome = "ok"
        elif self._sends_before_hold is not None:
            self._sends_before_hold -= 1
            if self._sends_before_hold <= 0:
                self._sends_open.clear()
        kind = self._decide(method, attempt.chat_id)
        if kind is not None:
            self.faults[kind] += 1
            attempt.outcome = kind
        if kind == "error":
            return web.json_response(
                {"ok": False, "error_code": self.error_code, "description": "Bad Gateway"},
                status=self.error_code,
            )
        if kind == "retry_after":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.retry_after}",
                    "parameters": {"retry_after": self.retry_after},
                },
                status=429,
            )
        if kind == "drop":
            return _drop(request)
        if kind == "timeout":
            try:
                await asyncio.wait_for(self._stopping.wait(), self.delay)
            except TimeoutError:
                pass
            return _drop(request)
        response = await self._relay(request, body, attempt)
        if kind == "lost_answer":
            return _drop(request)
        if _client_gone(request):
            attempt.outcome = "client_gone"  # it arrived, but the bot had stopped waiting
        return response

    def _decide(self, method: str, chat_id: str) -> str | None:
        for forced in self._forced:
            if (forced.method is None or forced.method == method) and (
                forced.chat_id is None or forced.chat_id == chat_id
            ):
                forced.times -= 1
                if forced.times <= 0:
                    self._forced.remove(forced)
                return forced.kind
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kinds = [k for k, w in self.weights.items() if w > 0]
        return self.rng.choices(kinds, [self.weights[k] for k in kinds])[0]

    async def _relay(
        self, request: web.Request, body: bytes, attempt: Attempt | None = None
    ) -> web.Response:
        response = await self._forward(request, body)
        if request.match_info.get("method") == "getUpdates":
            carried = (response.body or b"").count(b'"update_id"')
            if attempt is not None:
                attempt.updates = carried
            if carried and self._hold_after_update:
                self._polls_open.clear()  # this answer goes through; the next poll waits
        return response

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self._session is not None
        headers = {}
        if "Content-Type" in request.headers:
            headers["Content-Type"] = request.headers["Content-Type"]
        url = self.upstream + request.rel_url.path_qs
        async with self._session.request(request.method, url, data=body, headers=headers) as up:
            payload = await up.read()
            self.forwarded[request.match_info.get("method", "file")] += 1
            return web.Response(
                body=payload,
                status=up.status,
                content_type=up.content_type,
            )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        return await self._forward(request, await request.read())


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer (the client sees a protocol error)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


_MULTIPART_FIELD = re.compile(
    rb'name="(chat_id|text|caption)"\r\n(?:[^\r\n]*\r\n)*\r\n(.*?)\r\n--', re.S
)


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    """chat_id, text and caption of a Bot API call (form, JSON or multipart)."""
    if content_type == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    if content_type == "multipart/form-data":
        return {
            m.group(1).decode(): m.group(2).decode("utf-8", "replace")
            for m in _MULTIPART_FIELD.finditer(body)
        }
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
