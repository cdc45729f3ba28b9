"""Bot API calls on Telegram without python-telegram-bot's per-request work.

A broadcast sends the same message to thousands of chats, and every tap on a button needs a reply
and an answerCallbackQuery. Through python-telegram-bot each call builds a request object, goes
through httpx (whose pool looks at every connection on each request) and parses the answer into a
`Message`: measured, 2.3-2.9 ms of CPU per request against 0.2 ms for the same form POST through
aiohttp (32 at a time, 127.0.0.1). The bot needs only ok, the error, retry_after and message_id of
an answer. A broadcast's form body is built once per message (only `chat_id` changes from chat to
chat); replies (`telegram_direct.py`) build theirs per call. Both go through one aiohttp session;
errors become the same python-telegram-bot exceptions its own request code raises for the status
and answer (`telegram_error`), so they map to the same outcomes (`telegram.outcome_of`).
"""

from __future__ import annotations

import json
import time
import warnings
from collections import deque
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from yarl import URL

CONNECT_TIMEOUT = 5.0  # python-telegram-bot's default
ANSWERS_KEPT = 200  # recent answer times that set how long a copy may take
HUNG_FACTOR = 10.0  # a copy taking 10 times the slowest recent answer counts as hung...
HUNG_LEAST = 1.0  # ...but never sooner than after this many seconds
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_tail(params: dict[str, object]) -> bytes:
    """Every parameter but chat_id, form-encoded with a leading '&' (None values left out)."""
    kept = {k: v for k, v in params.items() if v is not None}
    return b"&" + urlencode(kept).encode("ascii") if kept else b""


class BulkSender:
    """Posts pre-built form bodies to the Bot API through one aiohttp session."""

    def __init__(self, bot_url: str, read_timeout: float, pool_size: int) -> None:
        self.bot_url = bot_url.rstrip("/")  # https://api.telegram.org/bot<token>
        self.read_timeout = read_timeout
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._proxy: tuple[object, aiohttp.BasicAuth | None] = (None, None)
        self._answers: deque[float] = deque(maxlen=ANSWERS_KEPT)  # seconds, good answers

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=CONNECT_TIMEOUT, sock_read=self.read_timeout
            )
            self._proxy = env_proxy(self.bot_url)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                timeout=timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self, method: str, chat_id: str, tail: bytes, answer_within: float | None = None
    ) -> str | None:
        """One copy: the new message's id (None when the answer does not say); raises what
        python-telegram-bot raises for a failure (TelegramError: TimedOut, NetworkError, ...).
        `answer_within`: seconds to wait for the answer, at most the read timeout."""
        body = b"chat_id=" + chat_id.encode("ascii") + tail
        result = await self.call(method, body, self.answer_within(answer_within))
        return message_id_of(result)

    async def call(self, method: str, body: bytes, within: float | None = None) -> Any:
        """One Bot API call with a form body: the answer's result (None when the answer cannot
        be read: the call was accepted); raises what python-telegram-bot raises for a failure.
        `within`: seconds to wait for the answer (default and at most: the read timeout)."""
        wait = None
        if within is not None and within < self.read_timeout:
            wait = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=within)
        started = time.monotonic()
        try:
            session = self._open()
            proxy, proxy_auth = self._proxy
            async with session.post(
                f"{self.bot_url}/{method}",
                data=body,
                headers=FORM,
                proxy=proxy,
                proxy_auth=proxy_auth,
                **({"timeout": wait} if wait is not None else {}),
            ) as resp:
                code, payload = resp.status, await resp.read()
        except TimeoutError as exc:
            raise TimedOut() from exc
        except (aiohttp.ClientError, OSError, RuntimeError) as exc:  # RuntimeError: closed
            raise NetworkError(f"{type(exc).__name__}: {exc}") from exc
        if not HTTPStatus.OK <= code <= 299:
            raise telegram_error(code, payload)
        self._answers.append(time.monotonic() - started)
        try:
            return json.loads(payload)["result"]
        except (ValueError, KeyError, TypeError):
            return None  # accepted (it arrived), but the answer says nothing more

    def answer_within(self, asked: float | None = None) -> float:
        """Seconds to wait for an answer: `asked`, else HUNG_FACTOR times the slowest recent
        answer, at least HUNG_LEAST; at most the read timeout. A send that hangs then holds its
        recipient about a second, not the whole read timeout, while a slow network (slow answers)
        gets what it needs. Giving up early risks what any timeout risks: if the message did
        arrive, the next try is a second copy."""
        if asked:
            return min(asked, self.read_timeout)
        if len(self._answers) < ANSWERS_KEPT // 4:
            return self.read_timeout  # too few answers yet to know the messenger's pace
        return min(self.read_timeout, max(HUNG_LEAST, HUNG_FACTOR * max(self._answers)))


def env_proxy(url: str) -> tuple[object, aiohttp.BasicAuth | None]:
    """The proxy (and its login) the environment sets for url, as httpx under PTB uses it; (None,
    None) for none. Looked up once per session: aiohttp's trust_env looks it up (and ~/.netrc)
    in a thread on every request."""
    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:
        return None, None


def retry_seconds(exc: RetryAfter) -> float:
    """The seconds a RetryAfter asks to wait (PTB 22 warns of retry_after's future type)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        after = exc.retry_after
    return after.total_seconds() if isinstance(after, timedelta) else float(after)


def message_id_of(result: Any) -> str | None:
    """The message id in a send's result, as text (None when the result names none)."""
    if isinstance(result, dict) and "message_id" in result:
        return str(result["message_id"])
    return None


def telegram_error(code: int, payload: bytes) -> TelegramError:
    """The exception python-telegram-bot raises for this HTTP status and answer
    (telegram/request/_baserequest.py: `_request_wrapper`)."""
    try:
        message = f"{HTTPStatus(code).phrase} ({code})"
    except ValueError:
        message = f"Unknown HTTPError ({code})"
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        message = answer.get("description") or message
        parameters = answer.get("parameters")
        if isinstance(parameters, dict):
            if parameters.get("migrate_to_chat_id"):
                return ChatMigrated(parameters["migrate_to_chat_id"])
            if parameters.get("retry_after"):
                with warnings.catch_warnings():  # PTB 22 warns of retry_after's future type
                    warnings.simplefilter("ignore")
                    return RetryAfter(parameters["retry_after"])
    if code == HTTPStatus.FORBIDDEN:
        return Forbidden(message)
    if code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(message)
    if code == HTTPStatus.BAD_REQUEST:
        return BadRequest(message)
    if code == HTTPStatus.CONFLICT:
        return Conflict(message)
    return NetworkError(message)
