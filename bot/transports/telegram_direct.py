"""Replies on Telegram straight over HTTP: texts, edits and callback answers in private chats.

Every update a person sends costs the bot a reply and, for a tap, an answerCallbackQuery. Through
python-telegram-bot each was 2.3-2.9 ms of CPU (telegram_bulk.py); here each is a form POST on the
broadcasts' aiohttp session. What python-telegram-bot's `AIORateLimiter` did for these calls is
done here the same way: a slot of the bot's overall rate limit for a call to a chat (the
`PriorityGate`, replies before broadcast copies), and on "retry after" the whole bot waits while
the call is tried again, at most `max_retries` times. Groups, topics, replies to a message and
files still go through python-telegram-bot (its per-group limits, uploads).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from telegram.error import RetryAfter

from bot.transports.pace import PriorityGate
from bot.transports.telegram_bulk import BulkSender, message_id_of, retry_seconds


class DirectCalls:
    """The reply calls of the Telegram transport, without python-telegram-bot."""

    def __init__(self, http: BulkSender, gate: PriorityGate | None, max_retries: int) -> None:
        self.http = http
        self.gate = gate
        self.max_retries = max_retries
        self.sleep = asyncio.sleep  # the wait after "retry after" (a test may shorten it)

    async def send_text(self, chat_id: str, chunks: list[str], keyboard: str | None) -> str | None:
        """sendMessage for each chunk, the keyboard on the last; the last message's id."""
        message_id = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            params = {"chat_id": chat_id, "text": chunk, "reply_markup": keyboard if last else None}
            message_id = message_id_of(await self.call("sendMessage", params))
        return message_id

    async def edit_text(
        self, chat_id: str, message_id: str, text: str, keyboard: str | None
    ) -> None:
        """editMessageText of a message the bot sent."""
        params = {"chat_id": chat_id, "message_id": message_id, "text": text}
        await self.call("editMessageText", {**params, "reply_markup": keyboard})

    async def answer_callback(self, query_id: str) -> None:
        """answerCallbackQuery (no chat: outside the overall limit, as in python-telegram-bot)."""
        await self.call("answerCallbackQuery", {"callback_query_id": query_id}, gated=False)

    async def call(self, method: str, params: dict[str, Any], gated: bool = True) -> Any:
        """One call (None values left out), tried again after "retry after" like
        python-telegram-bot's AIORateLimiter; raises what python-telegram-bot raises."""
        body = urlencode({k: v for k, v in params.items() if v is not None}).encode("ascii")
        gate = self.gate
        for attempt in range(self.max_retries + 1):
            if gated and gate is not None:
                await gate.wait()
            try:
                return await self.http.call(method, body)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                if gate is not None:
                    gate.pause(seconds)  # Telegram's limit is per bot: broadcasts wait too
                if attempt == self.max_retries:
                    raise
                await self.sleep(seconds + 0.1)  # as AIORateLimiter waits
        return None  # not reached: the last attempt returns or raises
