"""Replies in private chats go straight over HTTP (bot/transports/telegram_direct.py): the same
requests python-telegram-bot makes, the same "retry after" handling (the same outcomes for its
errors: tests/test_broadcast_send_path.py); groups and topics still go through
python-telegram-bot. Real HTTP against the fake."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.messages import Address, Choice, DeliveryStatus, Outgoing
from bot.transports.telegram import TelegramTransport
from bot.transports.telegram_keyboard import ptb_keyboard
from bot.transports.telegram_poll import PollRequest

CHAT = 6161
MENU = Outgoing(
    "What next? Ääkköset & emoji 🌱 too.",
    choices=(
        (Choice("menu:home", "Menu"), Choice("help:x", "Help", url="https://e.org/?a=1&b=2")),
    ),
)


@pytest.fixture
async def telegram(fake):
    seen = []

    async def keep(incoming) -> None:
        seen.append(incoming)

    transport = TelegramTransport(fake.token, base_url=fake.base_url, poll_timeout=1)
    await transport.start(keep)
    transport.seen = seen  # type: ignore[attr-defined]
    yield transport
    await fake.raw({})  # an empty update ends the long poll: stopping does not wait it out
    await transport.stop()


async def test_a_reply_is_the_request_python_telegram_bot_makes(fake, telegram):
    to = Address("telegram", str(CHAT))
    result = await telegram.send(to, MENU)
    markup = ptb_keyboard(MENU)
    await telegram.application.bot.send_message(chat_id=CHAT, text=MENU.text, reply_markup=markup)
    direct, ptb = fake.sent(CHAT)
    assert direct.params == ptb.params
    assert result.ok and result.message_id == str(direct.result_id)


async def test_an_edit_is_the_request_python_telegram_bot_makes(fake, telegram):
    to = Address("telegram", str(CHAT))
    result = await telegram.edit(to, "41", MENU)
    await telegram.application.bot.edit_message_text(
        chat_id=CHAT, message_id=41, text=MENU.text, reply_markup=ptb_keyboard(MENU)
    )
    direct, ptb = fake.calls_of("editMessageText")
    assert direct.params == ptb.params
    assert result.ok and result.message_id == "41"


async def test_a_long_reply_is_split_with_the_buttons_on_its_last_part(fake, telegram):
    long = Outgoing("word " * 1500, choices=MENU.choices)
    result = await telegram.send(Address("telegram", str(CHAT)), long)
    parts = fake.sent(CHAT)
    assert len(parts) == 2 and " ".join(p.text for p in parts).split() == long.text.split()
    assert not parts[0].buttons and parts[1].callback_data == ["menu:home"]
    assert result.message_id == str(parts[1].result_id)


async def test_a_tap_is_answered_with_its_query_id(fake, telegram):
    await fake.tap(CHAT, "menu:home", message_id=7)
    answers = await fake.wait_for(lambda f: f.calls_of("answerCallbackQuery"))
    assert answers[0].params == {"callback_query_id": "1"}
    assert [i.choice_id for i in telegram.seen] == ["menu:home"]


async def test_a_tap_is_answered_once_its_reply_is_out(fake):
    async def reply(incoming) -> None:
        await transport.send(incoming.address, Outgoing("Here is the next bite"))

    transport = TelegramTransport(fake.token, base_url=fake.base_url, poll_timeout=1)
    await transport.start(reply)
    try:
        await fake.tap(CHAT, "learn:next", message_id=7)
        await fake.wait_for(lambda f: f.calls_of("answerCallbackQuery"))
        order = [c.method for c in fake.calls if c.method in ("sendMessage", "answerCallbackQuery")]
        assert order == ["sendMessage", "answerCallbackQuery"], "the reply does not wait for it"
    finally:
        await fake.raw({})
        await transport.stop()


async def test_a_slow_taps_spinner_stops_within_a_second(fake, monkeypatch):
    monkeypatch.setattr("bot.transports.telegram_updates.ANSWER_WITHIN", 0.05)
    release = asyncio.Event()

    async def slow(incoming) -> None:
        await release.wait()  # a report being drawn
        await transport.send(incoming.address, Outgoing("Your report"))

    transport = TelegramTransport(fake.token, base_url=fake.base_url, poll_timeout=1)
    await transport.start(slow)
    try:
        await fake.tap(CHAT, "rep:go", message_id=7)
        answers = await fake.wait_for(lambda f: f.calls_of("answerCallbackQuery"))
        assert len(answers) == 1 and not fake.sent(CHAT), "answered while still working"
        release.set()
        await fake.wait_for(lambda f: f.sent(CHAT))
        assert len(fake.calls_of("answerCallbackQuery")) == 1, "answered once"
    finally:
        release.set()
        await fake.raw({})
        await transport.stop()


async def test_a_tap_on_a_message_with_its_keyboard_is_read_as_the_tap(fake, telegram):
    to = Address("telegram", str(CHAT))
    sent = await telegram.send(to, MENU)
    await fake.tap(CHAT, "menu:home", message_id=int(sent.message_id))
    await fake.wait_for(lambda f: f.calls_of("answerCallbackQuery"))
    update = fake.sent_updates[max(fake.sent_updates)]
    assert update["callback_query"]["message"]["reply_markup"]["inline_keyboard"], "as Telegram"
    # A keyboard python-telegram-bot cannot read (a button without its text) does not matter:
    # the bot reads only the tapped message's chat, id and topic.
    broken = {**update["callback_query"]["message"], "reply_markup": {"inline_keyboard": [[{}]]}}
    await fake.raw({"callback_query": {**update["callback_query"], "id": "9", "message": broken}})
    await fake.wait_for(lambda f: len(f.calls_of("answerCallbackQuery")) == 2)
    assert [(i.choice_id, i.message_id) for i in telegram.seen] == [
        ("menu:home", sent.message_id)
    ] * 2


async def test_a_message_that_is_not_modified_counts_as_edited(fake, telegram):
    fake.fail("editMessageText", 400, "Bad Request: message is not modified")
    result = await telegram.edit(Address("telegram", str(CHAT)), "41", MENU)
    assert result.ok and result.message_id == "41"


async def test_retry_after_waits_and_tries_again_then_gives_up_as_ptb_does(fake, telegram):
    gate = telegram._limiter.gate
    paused: list[float] = []
    pause = gate.pause

    def noted(seconds: float) -> None:
        paused.append(seconds)
        pause(seconds)

    gate.pause = noted  # type: ignore[method-assign]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        gate._next = 0.0  # the pause is over

    telegram._direct.sleep = sleep
    to = Address("telegram", str(CHAT))
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 4", retry_after=4, times=2)
    assert (await telegram.send(to, Outgoing("Hello"))).ok, "two tries again (max_retries=2)"
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 4", retry_after=4, times=3)
    result = await telegram.send(to, Outgoing("Hello again"))
    assert result.status is DeliveryStatus.RETRY and result.retry_after == 4
    assert result.error == "rate limited"
    failed = [c for c in fake.calls if c.method == "failed:sendMessage"]
    assert len(failed) == 5 and paused == [4.0] * 5
    assert slept == [4.1] * 4, "as AIORateLimiter: retry_after + 0.1, not after the last try"
    assert [c.text for c in fake.sent(CHAT)] == ["Hello"]


async def test_a_reply_takes_a_slot_of_the_bots_rate_limit(fake, telegram):
    gate = telegram._limiter.gate
    gate.pause(0.3)
    started = time.monotonic()
    assert (await telegram.send(Address("telegram", str(CHAT)), Outgoing("Hi"))).ok
    assert time.monotonic() - started >= 0.25, "the reply waited for the paused gate"


async def test_groups_and_topics_still_go_through_python_telegram_bot(fake, telegram):
    direct: list[str] = []
    send_text = telegram._direct.send_text

    async def noted(chat_id, *args):
        direct.append(chat_id)
        return await send_text(chat_id, *args)

    telegram._direct.send_text = noted
    await telegram.send(Address("telegram", "-1001"), Outgoing("To the experts"))
    await telegram.send(Address("telegram", "-1002", thread_id=5), Outgoing("In a topic"))
    await telegram.send(Address("telegram", str(CHAT)), Outgoing("Private"))
    assert direct == [str(CHAT)]
    assert [c.text for c in fake.sent()] == ["To the experts", "In a topic", "Private"]


async def test_the_long_poll_runs_on_aiohttp_and_raises_ptbs_errors(fake, telegram):
    assert isinstance(telegram.application.bot._request[0], PollRequest)
    await fake.message(CHAT, "hello")
    for _ in range(500):  # the transport's own list: the fake is not told when it grows
        if any(i.text == "hello" for i in telegram.seen):
            break
        await asyncio.sleep(0.01)
    assert [i.text for i in telegram.seen] == ["hello"]
    request = PollRequest(read_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(InvalidToken):
            await request.post(f"{fake.base_url}wrong-token/getUpdates")
        with pytest.raises(NetworkError):
            await request.post("http://127.0.0.1:9/bot1:x/getUpdates")  # nobody listens
    finally:
        await request.shutdown()
