"""A reply's choices as Telegram's inline keyboard: the Bot API's JSON for the direct path
(telegram_direct.py, broadcasts) and python-telegram-bot's markup for the calls PTB still makes."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Outgoing


def keyboard_json(out: Outgoing) -> str | None:
    """The inline keyboard as the Bot API's JSON (None without choices): the same JSON as
    `ptb_keyboard(out).to_json()`, without building PTB's objects (building and serialising them
    took about a tenth of the bot's profiled time at 100 updates a second)."""
    if not out.choices:
        return None
    rows = [
        [
            {"text": c.label, "url": c.url} if c.url else {"text": c.label, "callback_data": c.id}
            for c in row
        ]
        for row in out.choices
    ]
    return json.dumps({"inline_keyboard": rows})


def ptb_keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    """The inline keyboard as python-telegram-bot's markup (None without choices), for the calls
    that still go through PTB (groups, topics, replies to a message, files)."""
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
