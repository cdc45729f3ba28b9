"""A small fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

Tests inject what a user does (`message`, `tap`) and read what the bot sent (`sent`, `wait_for`).
Speaks the Bot API's HTTP shape: `POST /bot<token>/<method>` with form, multipart or JSON bodies.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "RE-MAP",
    "username": "remap_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def chat_id(self) -> str:
        """The target chat as a string ('' when none)."""
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        """Text or caption."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict]:
        """Inline keyboard buttons, row by row flattened."""
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def callback_data(self) -> list[str]:
        """callback_data of every inline button."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class Failure:
    """An error the fake returns for the next call(s) of a method."""

    method: str
    code: int
    description: str
    retry_after: int | None = None
    chat_id: str | None = None
    times: int = 1


class FakeTelegram:
    """The fake server: start(), use `.base_url` as telegram.base_url, stop()."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, first_update_id: int = 1) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.sent_updates: dict[int, dict] = {}  # every update ever offered, by id
        self._shown: dict[tuple[int, int], dict] = {}  # (chat, message id) -> the message as sent
        self.failures: list[Failure] = []
        self.offered_at: dict[int, float] = {}  # update_id -> time offered to the bot
        self.polls = 0  # getUpdates answered (benchmarks: updates per poll)
        self.polled_updates = 0
        self.uploads: dict[str, bytes] = {}  # file id -> bytes of files users sent
        # A bench reusing one database across fakes starts each after the last one's ids (the bot
        # would take ids seen before for updates delivered again).
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._stopping = False  # stop() ends the long polls still waiting
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.max_updates_per_poll = 100
        # Benchmarks: False keeps `calls` empty (memory stays flat over long runs), and `on_call`
        # sees every successful Bot API call (not getUpdates) as it is received.
        self.record_calls = True
        self.on_call: Callable[[Call], None] | None = None

    @property
    def base_url(self) -> str:
        """What to set as telegram.base_url (the token is appended by the client)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeTelegram:
        """Listen on a free port of 127.0.0.1 (the same port again after stop(): an outage)."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Stop listening.

        A long poll still waiting ends at once, answered as if its timeout had run out: aiohttp
        lets a running handler finish before it stops, and the poll that the bot abandoned when
        it stopped polling would otherwise hold every stop for its timeout (about 1 s a test).
        """
        if self._runner is not None:
            self._stopping = True
            async with self._changed:
                self._changed.notify_all()
            try:
                await self._runner.cleanup()
            finally:
                self._stopping = False
            self._runner = None

    # --- what a user does ------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    async def message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "en",
        chat: dict | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user sends a text message (private chat unless `chat` is given); returns update_id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": first_name},
            "from": self._user(user_id, first_name, language_code),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to_message_id is not None:
            message["reply_to_message"] = {
                "message_id": reply_to_message_id,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": BOT_USER,
                "text": "…",
            }
        return await self._offer({"message": message})

    async def tap(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> int:
        """A user presses an inline button with `data` on message `message_id`."""
        if message_id is None:
            message_id = self.last_to(user_id).result_id
        # As Telegram does, the tapped message comes whole: its text and its keyboard.
        message = self._shown.get((user_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._callback_ids)),
            "from": self._user(user_id, first_name, language_code),
            "chat_instance": f"ci-{user_id}",
            "data": data,
            "message": message,
        }
        return await self._offer({"callback_query": query})

    async def raw(self, update: dict) -> int:
        """Offer any update as given (a malformed one, say); returns its update_id."""
        return await self._offer(dict(update))

    async def offer_again(self, update_id: int) -> None:
        """Offer an update a second time, as Telegram does after a lost confirmation."""
        async with self._changed:
            self.updates.append({**self.sent_updates[update_id], "_again": True})
            self._changed.notify_all()

    async def _offer(self, update: dict) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        self.sent_updates[update_id] = dict(update)
        async with self._changed:
            self.updates.append(update)
            self.offered_at[update_id] = time.perf_counter()
            self._changed.notify_all()
        return update_id

    def fail(self, method: str, code: int, description: str, **kw: Any) -> None:
        """Make the next call(s) of `method` fail (e.g. 429 with retry_after, 403 blocked)."""
        self.failures.append(Failure(method, code, description, **kw))

    # --- what the bot did ------------------------------------------------------------------

    def sent(self, chat_id: int | str | None = None, method: str | None = None) -> list[SentCall]:
        """Messages the bot sent (sendMessage/sendPhoto/sendDocument/edits), optionally to one chat."""
        methods = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
        return [
            c
            for c in self.calls
            if (c.method == method if method else c.method in methods)
            and (chat_id is None or c.chat_id == str(chat_id))
        ]  # type: ignore[return-value]

    def last_to(self, chat_id: int | str) -> SentCall:
        """The last message sent to a chat."""
        sent = self.sent(chat_id)
        if not sent:
            raise AssertionError(f"nothing was sent to {chat_id}")
        return sent[-1]  # type: ignore[return-value]

    def calls_of(self, method: str) -> list[Call]:
        """Every call of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[FakeTelegram], Any], within: float = 10.0) -> Any:
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

    async def wait_sent(self, chat_id: int | str, count: int, within: float = 10.0) -> list[Call]:
        """Wait until at least `count` messages were sent to a chat; returns them."""
        return await self.wait_for(
            lambda f: f.sent(chat_id) if len(f.sent(chat_id)) >= count else None, within
        )

    # --- the HTTP side ---------------------------------------------------------------------

    async def photo(
        self, user_id: int, data: bytes, *, caption: str | None = None, first_name: str = "Test"
    ) -> int:
        """A user sends a photo (with an optional caption); the bot can download its bytes."""
        file_id = f"upload-{len(self.uploads) + 1}"
        self.uploads[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": self._user(user_id, first_name, "en"),
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "width": 640,
                    "height": 480,
                    "file_size": len(data),
                }
            ],
        }
        if caption:
            message["caption"] = caption
        return await self._offer({"message": message})

    def _api_getFile(self, call: Call) -> dict:
        file_id = call.params["file_id"]
        size = len(self.uploads.get(file_id, b""))
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": size,
            "file_path": f"photos/{file_id}.jpg",
        }

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        if request.match_info["token"] != self.token or name not in self.uploads:
            return await self._not_found(request)
        return web.Response(body=self.uploads[name])

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await _read_params(request)
        if method != "getUpdates":
            failure = self._take_failure(method, params)
            if failure is not None:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.code,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                async with self._changed:
                    self.calls.append(Call(f"failed:{method}", params, time.perf_counter()))
                    self._changed.notify_all()
                return web.json_response(body, status=failure.code)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await handler(params)})
        call = Call(method, params, time.perf_counter(), files)
        result = handler(call)
        if isinstance(result, dict) and "message_id" in result:
            call.result_id = result["message_id"]  # type: ignore[attr-defined]
            self._shown[(result["chat"]["id"], result["message_id"])] = result
        if self.on_call is not None:
            self.on_call(call)
        async with self._changed:
            if self.record_calls:
                self.calls.append(call)
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    def _take_failure(self, method: str, params: dict) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and (
                failure.chat_id is None or failure.chat_id == str(params.get("chat_id"))
            ):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or self.max_updates_per_poll)
        deadline = time.monotonic() + timeout
        async with self._changed:
            # offset confirms everything before it, as the real API does
            self.updates = [u for u in self.updates if u["update_id"] >= offset or u.get("_again")]
            while not self.updates and not self._stopping and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            batch = self.updates[:limit]
            for update in batch:
                update.pop("_again", None)  # offered again once; the next poll confirms it
            self.polls += 1
            self.polled_updates += len(batch)
            return batch

    def _api_getMe(self, call: Call) -> dict:
        return BOT_USER

    def _api_deleteWebhook(self, call: Call) -> bool:
        return True

    def _api_setWebhook(self, call: Call) -> bool:
        return True

    def _api_setMyCommands(self, call: Call) -> bool:
        return True

    def _api_deleteMyCommands(self, call: Call) -> bool:
        return True

    def _api_answerCallbackQuery(self, call: Call) -> bool:
        return True

    def _api_sendChatAction(self, call: Call) -> bool:
        return True

    def _message(self, call: Call, **extra: Any) -> dict:
        chat_id = int(call.params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            **extra,
        }
        if call.params.get("reply_markup"):
            message["reply_markup"] = call.params["reply_markup"]
        if call.params.get("message_thread_id"):
            message["message_thread_id"] = int(call.params["message_thread_id"])
        return message

    def _api_sendMessage(self, call: Call) -> dict:
        return self._message(call, text=call.params.get("text", ""))

    def _api_sendPhoto(self, call: Call) -> dict:
        photo = {"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 600}
        extra = {"photo": [photo]}
        if call.params.get("caption"):
            extra["caption"] = call.params["caption"]
        return self._message(call, **extra)

    def _api_sendDocument(self, call: Call) -> dict:
        name = next(iter(call.files), "document")
        extra: dict[str, Any] = {
            "document": {"file_id": "doc-1", "file_unique_id": "u2", "file_name": name}
        }
        if call.params.get("caption"):
            extra["caption"] = call.params["caption"]
        return self._message(call, **extra)

    def _api_editMessageText(self, call: Call) -> dict:
        message = self._message(call, text=call.params.get("text", ""))
        message["message_id"] = int(call.params["message_id"])
        return message

    def _api_editMessageReplyMarkup(self, call: Call) -> dict:
        message = self._message(call, text="…")
        message["message_id"] = int(call.params["message_id"])
        return message


SentCall = Call


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.method == "GET":
        raw = dict(request.query)
    elif request.content_type == "application/json":
        raw = await request.json()
    elif request.content_type == "multipart/form-data":
        raw = {}
        reader = await request.multipart()
        async for part in reader:
            if part.filename:
                files[part.filename] = bytes(await part.read())
                raw[part.name] = f"attach://{part.filename}"
            else:
                raw[part.name] = await part.text()
    else:
        raw = dict(await request.post())
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    return params, files
