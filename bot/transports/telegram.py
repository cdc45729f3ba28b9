"""Telegram through python-telegram-bot, embedded in our own loop (polling or webhook)."""

from __future__ import annotations

import hashlib
import logging
import warnings
from datetime import timedelta

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.messages import Address, DeliveryStatus, Incoming, Outgoing, SendResult
from bot.transports.base import IncomingHandler
from bot.transports.split import split_text

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


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
        builder = (
            ApplicationBuilder()
            .token(token)
            .concurrent_updates(concurrent_updates)
            .connection_pool_size(connection_pool_size)
            .rate_limiter(
                AIORateLimiter(overall_max_rate=overall_max_rate, max_retries=max_retries)
            )
        )
        if read_timeout is not None:  # seconds to wait for a Bot API answer (PTB's default: 5)
            builder = builder.read_timeout(read_timeout)
        if base_url:
            root = base_url.rstrip("/")
            builder = builder.base_url(root).base_file_url(root.replace("/bot", "/file/bot"))
        self.application: Application = builder.build()
        self._mode = mode
        self._poll_timeout = poll_timeout
        self._poll_interval = poll_interval
        self._webhook = webhook or {}
        self._on_incoming: IncomingHandler | None = None
        self.username: str | None = None
        self._file_ids: dict[str, str] = {}  # sha256 of uploaded bytes -> Telegram file id

    async def start(self, on_incoming: IncomingHandler) -> None:
        """Initialise PTB, then poll (or listen for the webhook) in the background."""
        self._on_incoming = on_incoming
        self.application.add_handler(TypeHandler(Update, self._on_update))
        await self.application.initialize()
        self.username = self.application.bot.username
        await self.application.start()
        updater = self.application.updater
        if self._mode == "webhook":
            hook = self._webhook
            await updater.start_webhook(
                listen=hook["listen"],
                port=hook["port"],
                url_path=hook["url_path"],
                webhook_url=f"{hook['public_url'].rstrip('/')}/{hook['url_path']}",
                secret_token=hook.get("secret_token"),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await updater.start_polling(
                timeout=self._poll_timeout,
                poll_interval=self._poll_interval,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=-1,
            )

    async def stop(self) -> None:
        """Stop polling and PTB, in the order its docs give."""
        app = self.application
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def send(self, to: Address, out: Outgoing) -> SendResult:
        """Send text (split at 4096) or a file, with the choices as an inline keyboard."""
        bot = self.application.bot
        markup = _keyboard(out)
        thread = to.thread_id
        reply_to = int(out.reply_to_message_id) if out.reply_to_message_id else None
        try:
            if out.attachment is not None:
                return await self._send_file(to, out, markup, thread)
            chunks = split_text(out.text, TEXT_LIMIT)
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

    async def _send_file(self, to: Address, out: Outgoing, markup, thread) -> SendResult:
        """A photo or document; uploaded once, then re-sent by Telegram's file id."""
        bot = self.application.bot
        att = out.attachment
        digest = hashlib.sha256(att.data).hexdigest()
        file = self._file_ids.get(digest) or InputFile(att.data, filename=att.filename)
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
            await self.application.bot.edit_message_text(
                chat_id=to.chat_id,
                message_id=int(message_id),
                text=out.text[:TEXT_LIMIT],
                reply_markup=_keyboard(out),
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
        incoming = await self._to_incoming(update)
        if incoming is not None and self._on_incoming is not None:
            await self._on_incoming(incoming)

    async def _to_incoming(self, update: Update) -> Incoming | None:
        query = update.callback_query
        if query is not None:
            # The tap is acknowledged alongside the handling, not before it: the reply does not
            # wait a round trip to the Bot API. PTB awaits tasks it created when it stops.
            self.application.create_task(_answer(query), name="answer-callback-query")
            message = query.message
            if message is None or query.data is None:
                return None
            chat = message.chat
            return Incoming(
                address=Address("telegram", str(chat.id), _thread(message)),
                sender_id=str(query.from_user.id),
                choice_id=query.data,
                message_id=str(message.message_id),
                is_private=chat.type == "private",
                sender_name=query.from_user.full_name,
                language_code=query.from_user.language_code,
                kind="choice",
            )
        edited = update.edited_message
        message = update.message or edited
        if message is None or message.from_user is None:
            return None
        chat = message.chat
        text = message.text if message.text is not None else message.caption
        kind = "edited" if edited is not None else ("text" if message.text is not None else "other")
        extra = {}
        if message.photo:
            photo = message.photo[-1]
            extra["file"] = {
                "id": photo.file_id,
                "kind": "photo",
                "name": "photo.jpg",
                "mime": "image/jpeg",
                "size": photo.file_size or 0,
            }
        elif message.document:
            doc = message.document
            extra["file"] = {
                "id": doc.file_id,
                "kind": "document",
                "name": doc.file_name or "file",
                "mime": doc.mime_type or "application/octet-stream",
                "size": doc.file_size or 0,
            }
        reply_to = message.reply_to_message
        return Incoming(
            address=Address("telegram", str(chat.id), _thread(message)),
            sender_id=str(message.from_user.id),
            text=text,
            message_id=str(message.message_id),
            reply_to_message_id=str(reply_to.message_id) if reply_to else None,
            is_private=chat.type == "private",
            sender_name=message.from_user.full_name,
            language_code=message.from_user.language_code,
            kind=kind,
            extra=extra,
        )


async def _answer(query) -> None:
    """answerCallbackQuery: stops the button's spinner in the person's app."""
    try:
        await query.answer()
    except TelegramError:
        log.warning("could not answer a callback query")


def _thread(message) -> int | None:
    return message.message_thread_id if getattr(message, "is_topic_message", False) else None


def _keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    if not out.choices:
        return None
    rows = [
        [
            InlineKeyboardButton(c.label, url=c.url)
            if c.url
            else InlineKeyboardButton(c.label, callback_data=c.id)
            for c in row
        ]
        for row in out.choices
    ]
    return InlineKeyboardMarkup(rows)


def outcome_of(exc: TelegramError) -> SendResult:
    """Map a python-telegram-bot error to a delivery outcome."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = exc.retry_after
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        return SendResult(DeliveryStatus.RETRY, retry_after=seconds, error="rate limited")
    if isinstance(exc, Forbidden):
        return SendResult(DeliveryStatus.BLOCKED, error=str(exc))
    if isinstance(exc, BadRequest) and "chat not found" in str(exc).lower():
        return SendResult(DeliveryStatus.BLOCKED, error=str(exc))
    if isinstance(exc, NetworkError | TelegramError):
        return SendResult(DeliveryStatus.FAILED, error=type(exc).__name__)
    return SendResult(DeliveryStatus.FAILED, error=type(exc).__name__)
