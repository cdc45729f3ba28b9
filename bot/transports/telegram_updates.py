"""Telegram updates in: each read on its own (an unreadable one skipped), then made an Incoming."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

from bot.messages import Address, Incoming

log = logging.getLogger("bot.transports.telegram")  # the logger name of before the split
ANSWER_WITHIN = 1.0  # seconds at most a tap's answer waits for the tap's replies


class TapAnswer:
    """answerCallbackQuery for a tap (it stops the button's spinner in the person's app), sent
    once the tap's replies are out (`send()` after the handling: on a busy bot the reply does not
    wait behind the answer's request, and the spinner stops as the reply arrives), or
    ANSWER_WITHIN seconds after the tap came, whichever is first (a slow report)."""

    def __init__(
        self,
        update: Update,
        application: Application,
        answer: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        query = update.callback_query
        self._answer = answer
        self._query = query
        self._application = application
        self._timer = (
            asyncio.get_running_loop().call_later(ANSWER_WITHIN, self.send)
            if query is not None
            else None
        )

    def send(self) -> None:
        """Answer now (once); PTB awaits the tasks it created when it stops."""
        query, self._query = self._query, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if query is not None:
            acknowledged = self._answer(query.id) if self._answer is not None else query.answer()
            self._application.create_task(_answer(acknowledged), name="answer-callback-query")


def to_incoming(update: Update) -> Incoming | None:
    """The Incoming for a Telegram update (None for one the bot does not act on; a tap is
    answered by TapAnswer)."""
    query = update.callback_query
    if query is not None:
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
            update_id=str(update.update_id),
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
        update_id=str(update.update_id),
    )


class ReadingBot(ExtBot):
    """PTB's bot, except that an update it cannot read is skipped instead of stopping polling.

    PTB reads a whole batch from getUpdates at once; one update it cannot parse makes the call fail,
    and its updater asks for the same batch again, for ever. Here each update is read on its own;
    one that cannot be read is replaced by an empty update with the same id (so the offset moves
    past it), counted, and logged once without its content.
    """

    skipped = 0

    def __init__(
        self,
        *args: Any,
        poll_read_timeout: float = 5.0,
        on_back: Callable[[], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Seconds to wait beyond the long poll's own timeout (PTB's default: 5). PTB freezes its
        # objects after __init__; attributes named with "_" stay settable.
        self._poll_read_timeout = poll_read_timeout
        self._on_back = on_back  # called when a poll succeeds again after failing
        self._failing = False

    async def get_updates(  # noqa: D102 - PTB's signature and meaning
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 - PTB's parameter: the long poll's seconds
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
        api_kwargs: dict | None = None,
    ) -> tuple[Update, ...]:
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._poll_read_timeout
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        raw = await self._post(
            "getUpdates",
            {
                "timeout": timeout,
                "offset": offset,
                "limit": limit,
                "allowed_updates": allowed_updates,
            },
            read_timeout=(read_timeout or 0) + (seconds or 0),
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = []
        for item in raw or ():
            update = read_update(item, self)
            if update is not None:
                self.insert_callback_data(update)
                updates.append(update)
        return tuple(updates)


def read_update(data: object, bot: ExtBot) -> Update | None:
    """An update from the Bot API's JSON; an unreadable one becomes an empty update (or None)."""
    try:
        return Update.de_json(_without_old_keyboard(data), bot)
    except Exception as exc:  # noqa: BLE001 - anything PTB raises on odd input
        update_id = data.get("update_id") if isinstance(data, dict) else None
        ReadingBot.skipped += 1
        log.warning(
            "skipped an update the bot could not read (update_id %s, %s)",
            update_id if isinstance(update_id, int) else "?",
            type(exc).__name__,
        )
        return Update(update_id) if isinstance(update_id, int) else None


def _without_old_keyboard(data: object) -> object:
    """The update without the keyboard of the message whose button was tapped: the bot reads only
    that message's chat, id and topic, and PTB would build an object for every one of its buttons
    (measured: a tap read in 0.17 ms without its 8-button keyboard, 0.40 ms with it)."""
    query = data.get("callback_query") if isinstance(data, dict) else None
    message = query.get("message") if isinstance(query, dict) else None
    if not isinstance(message, dict) or "reply_markup" not in message:
        return data
    lean = {key: value for key, value in message.items() if key != "reply_markup"}
    return {**data, "callback_query": {**query, "message": lean}}


async def _answer(acknowledged: Awaitable[Any]) -> None:
    """answerCallbackQuery: stops the button's spinner in the person's app."""
    try:
        await acknowledged
    except TelegramError:
        log.warning("could not answer a callback query")


def _thread(message) -> int | None:
    return message.message_thread_id if getattr(message, "is_topic_message", False) else None
