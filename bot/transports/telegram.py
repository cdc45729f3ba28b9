"""Telegram through python-telegram-bot, embedded in our own loop (polling or webhook)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)
from telegram.request import HTTPXRequest

from bot.messages import Address, DeliveryStatus, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.pace import PriorityGate, bulk_sending
from bot.transports.split import split_text
from bot.transports.telegram_bulk import BulkSender, form_tail, retry_seconds
from bot.transports.telegram_direct import DirectCalls
from bot.transports.telegram_keyboard import keyboard_json, ptb_keyboard
from bot.transports.telegram_poll import PollRequest
from bot.transports.telegram_updates import ReadingBot, TapAnswer, read_update, to_incoming
from bot.transports.telegram_webhook import WebhookServer

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "PriorityRateLimiter",
    "ReadingBot",
    "TelegramTransport",
    "WebhookServer",
    "outcome_of",
    "read_update",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DEFAULT_READ_TIMEOUT = 5.0  # python-telegram-bot's
PREPARED_KEPT = 16  # broadcast messages whose form body is kept (one per language and broadcast)


class TelegramTransport:
    """The Telegram adapter: updates in as Incoming, Outgoing out with inline keyboards."""

    name = "telegram"
    title = "Telegram"

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        mode: str = "polling",
        poll_timeout: int = 30,
        poll_interval: float = 0.0,
        webhook: dict | None = None,
        overall_max_rate: float = 30,
        max_retries: int = 2,
        concurrent_updates: int = 256,
        read_timeout: float | None = None,
        connection_pool_size: int = 32,
    ) -> None:
        timeouts = {"read_timeout": read_timeout} if read_timeout is not None else {}
        urls = {}
        if base_url:
            root = base_url.rstrip("/")
            urls = {"base_url": root, "base_file_url": root.replace("/bot", "/file/bot")}
        self._limiter = PriorityRateLimiter(overall_max_rate, max_retries)
        bot = ReadingBot(
            token,
            request=HTTPXRequest(connection_pool_size=connection_pool_size, **timeouts),
            get_updates_request=PollRequest(**timeouts),  # the long poll on aiohttp
            rate_limiter=self._limiter,
            **urls,
        )
        self._bulk = BulkSender(
            bot.base_url,
            read_timeout if read_timeout is not None else DEFAULT_READ_TIMEOUT,
            connection_pool_size,
        )
        # replies in private chats: the same calls without python-telegram-bot's request work
        self._direct = DirectCalls(self._bulk, self._limiter.gate, max_retries)
        # id(Outgoing) -> (that Outgoing, its method and form body without chat_id, or None
        # when it goes through python-telegram-bot): a broadcast sends the same objects again.
        self._prepared: dict[int, tuple[Outgoing, tuple[str, bytes] | None]] = {}
        builder = ApplicationBuilder().bot(bot).concurrent_updates(concurrent_updates)
        if mode == "webhook":
            # Our own webhook server (WebhookServer): PTB's would log an update it cannot read
            # in full and refuse it, and Telegram would offer that update again and again.
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self._mode = mode
        self._poll_timeout = poll_timeout
        self._poll_interval = poll_interval
        self._webhook = webhook or {}
        self._on_incoming: IncomingHandler | None = None
        self.username: str | None = None
        self._file_ids: dict[str, str] = {}  # sha256 of uploaded bytes -> Telegram file id
        self._server: WebhookServer | None = None
        self.on_back: Callable[[], Awaitable[None]] | None = None  # set by the messenger

    async def _back(self) -> None:
        if self.on_back is not None:
            await self.on_back()

    async def start(self, on_incoming: IncomingHandler) -> None:
        """Initialise PTB, then poll (or listen for the webhook) in the background."""
        self._on_incoming = on_incoming
        self.application.add_handler(TypeHandler(Update, self._on_update))
        await self.application.initialize()
        self.username = self.application.bot.username
        await self.application.start()
        if self._mode == "webhook":
            hook = self._webhook
            self._server = WebhookServer(
                self.application,
                hook["secret_token"],
                hook["url_path"],
                hook["listen"],
                hook["port"],
            )
            await self._server.start()
            await self.application.bot.set_webhook(
                url=f"{hook['public_url'].rstrip('/')}/{hook['url_path'].strip('/')}",
                secret_token=hook["secret_token"],
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await self.application.updater.start_polling(
                timeout=self._poll_timeout,
                poll_interval=self._poll_interval,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=-1,
            )

    async def stop(self) -> None:
        """Stop polling and PTB, in the order its docs give."""
        app = self.application
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await self._bulk.close()

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Send text (split at 4096) or a file, with the choices as an inline keyboard."""
        bot = self.application.bot
        thread = to.thread_id
        reply_to = int(out.reply_to_message_id) if out.reply_to_message_id else None
        try:
            if out.attachment is not None:
                return await self._send_file(to, out, ptb_keyboard(out), thread)
            chunks = split_text(out.text, TEXT_LIMIT)
            if _direct(to) and reply_to is None:
                keyboard = keyboard_json(out)
                message_id = await self._direct.send_text(to.chat_id, chunks, keyboard)
                return SendResult(DeliveryStatus.SENT, message_id=message_id)
            markup = ptb_keyboard(out)
            message = None
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                message = await bot.send_message(
                    chat_id=to.chat_id,
                    text=chunk,
                    reply_markup=markup if last else None,
                    message_thread_id=thread,
                    reply_to_message_id=reply_to if index == 0 else None,
                )
            return SendResult(DeliveryStatus.SENT, message_id=str(message.message_id))
        except TelegramError as exc:
            return outcome_of(exc)

    async def send_bulk(
        self, to: Address, out: Outgoing, *, answer_within: float | None = None
    ) -> SendResult:
        """One copy of a broadcast: the message's form body is built once and posted without
        python-telegram-bot (a plain private-chat message; anything else goes through `send`).
        Within the overall rate limit it yields to replies; a 429 holds every send of the bot.
        `answer_within`: seconds to wait for the answer (at most the read timeout)."""
        prepared = self._prepare(out)
        if prepared is None or not _direct(to):
            with bulk_sending():  # groups have PTB's per-chat limits; files are uploaded once
                return await self.send(to, out)
        gate = self._limiter.gate
        if gate is not None:
            await gate.wait(bulk=True)
        method, tail = prepared
        try:
            message_id = await self._bulk.post(method, to.chat_id, tail, answer_within)
        except TelegramError as exc:
            result = outcome_of(exc)
            if result.retry_after and gate is not None:
                gate.pause(result.retry_after)  # Telegram's limit is per bot: replies wait too
            return result
        return SendResult(DeliveryStatus.SENT, message_id=message_id)

    def _prepare(self, out: Outgoing) -> tuple[str, bytes] | None:
        """(method, form body without chat_id) of a broadcast message, built once per message."""
        kept = self._prepared.get(id(out))
        if kept is not None and kept[0] is out and kept[1] is not None:
            return kept[1]
        prepared = self._build(out)
        if prepared is not None or out.attachment is None:  # a file may get its id later
            if len(self._prepared) >= PREPARED_KEPT:
                self._prepared.pop(next(iter(self._prepared)))
            self._prepared[id(out)] = (out, prepared)
        return prepared

    def _build(self, out: Outgoing) -> tuple[str, bytes] | None:
        if out.reply_to_message_id:
            return None
        keyboard = keyboard_json(out)
        if out.attachment is None:
            if len(split_text(out.text, TEXT_LIMIT)) != 1:
                return None  # a long text is several messages: python-telegram-bot splits it
            return "sendMessage", form_tail({"text": out.text, "reply_markup": keyboard})
        att = out.attachment
        file_id = self._file_ids.get(hashlib.sha256(att.read()).hexdigest())  # a path: its bytes
        if file_id is None or len(out.text) > CAPTION_LIMIT:
            return None  # uploaded once through python-telegram-bot; a long text follows it
        kind = "photo" if att.kind == "photo" else "document"
        method = "sendPhoto" if kind == "photo" else "sendDocument"
        return method, form_tail(
            {kind: file_id, "caption": out.text or None, "reply_markup": keyboard}
        )

    async def _send_file(self, to: Address, out: Outgoing, markup, thread) -> SendResult:
        """A photo or document; uploaded once, then re-sent by Telegram's file id."""
        bot = self.application.bot
        att = out.attachment
        data = att.read()
        digest = hashlib.sha256(data).hexdigest()
        file = self._file_ids.get(digest) or InputFile(data, filename=att.filename)
        # A caption holds 1024 characters: a longer text follows as its own message.
        fits = len(out.text) <= CAPTION_LIMIT
        photo = att.kind == "photo"
        send = bot.send_photo if photo else bot.send_document
        message = await send(
            to.chat_id,
            file,
            caption=(out.text or None) if fits else None,
            reply_markup=markup if fits else None,
            message_thread_id=thread,
        )
        sent = message.photo[-1] if photo and message.photo else message.document
        if sent is not None:
            self._file_ids[digest] = sent.file_id
        if not fits:
            return await self.send(to, Outgoing(out.text, out.choices, lang=out.lang))
        return SendResult(DeliveryStatus.SENT, message_id=str(message.message_id))

    async def download(self, file: dict) -> bytes:
        """The bytes of a photo or document a person sent."""
        remote = await self.application.bot.get_file(file["id"])
        return bytes(await remote.download_as_bytearray())

    async def edit(self, to: Address, message_id: str, out: Outgoing) -> SendResult:
        """Edit the text and keyboard of a message we sent."""
        try:
            if _direct(to):
                text = out.text[:TEXT_LIMIT]
                await self._direct.edit_text(to.chat_id, message_id, text, keyboard_json(out))
                return SendResult(DeliveryStatus.SENT, message_id=message_id)
            await self.application.bot.edit_message_text(
                chat_id=to.chat_id,
                message_id=int(message_id),
                text=out.text[:TEXT_LIMIT],
                reply_markup=ptb_keyboard(out),
            )
            return SendResult(DeliveryStatus.SENT, message_id=message_id)
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return SendResult(DeliveryStatus.SENT, message_id=message_id)
            return outcome_of(exc)
        except TelegramError as exc:
            return outcome_of(exc)

    async def set_commands(
        self, to: Address | None, commands: list[tuple[str, str]], language: str | None
    ) -> None:
        """setMyCommands for one chat (role and language of its person) or the default list."""
        bot_commands = [BotCommand(name, description[:256]) for name, description in commands]
        if to is None:
            await self.application.bot.set_my_commands(bot_commands, language_code=language)
        else:
            await self.application.bot.set_my_commands(
                bot_commands, scope=BotCommandScopeChat(int(to.chat_id))
            )

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = TapAnswer(update, self.application, self._direct.answer_callback)
        try:
            incoming = to_incoming(update)
            if incoming is not None and self._on_incoming is not None:
                await self._on_incoming(incoming)
        finally:
            answer.send()


class PriorityRateLimiter(AIORateLimiter):
    """PTB's rate limiter (per-group limits, RetryAfter retries) with the bot's overall limit as
    a PriorityGate: replies go before a broadcast's messages (bot/transports/pace.py)."""

    def __init__(self, overall_max_rate: float, max_retries: int) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.gate = PriorityGate(overall_max_rate) if overall_max_rate else None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        """Take a slot (the same calls as PTB's overall limit: those with a chat), then PTB's."""
        gate = self.gate
        if gate is None or data.get("chat_id") is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        await gate.wait()

        async def call(*a: Any, **kw: Any) -> Any:
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:
                gate.pause(retry_seconds(exc))  # Telegram's limit is per bot: broadcasts wait too
                raise

        return await super().process_request(call, args, kwargs, endpoint, data, rate_limit_args)


def _direct(to: Address) -> bool:
    """Whether a call to this chat goes straight over HTTP (telegram_direct.py): a private chat
    (groups keep python-telegram-bot's per-group limits), not a forum topic."""
    return to.thread_id is None and not to.chat_id.startswith("-")


def outcome_of(exc: TelegramError) -> SendResult:
    """Map a python-telegram-bot error to a delivery outcome."""
    if isinstance(exc, RetryAfter):
        return SendResult(
            DeliveryStatus.RETRY, retry_after=retry_seconds(exc), error="rate limited"
        )
    if isinstance(exc, Forbidden):
        return SendResult(DeliveryStatus.BLOCKED, error=str(exc))
    if isinstance(exc, BadRequest) and "chat not found" in str(exc).lower():
        return SendResult(DeliveryStatus.BLOCKED, error=str(exc))
    if isinstance(exc, BadRequest):  # the request itself is wrong: trying it again cannot help
        return SendResult(DeliveryStatus.REJECTED, error=type(exc).__name__)
    if isinstance(exc, NetworkError | TelegramError):
        return SendResult(DeliveryStatus.FAILED, error=type(exc).__name__)
    return SendResult(DeliveryStatus.FAILED, error=type(exc).__name__)
