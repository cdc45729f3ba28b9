"""Logs of a whole session hold no message texts, tokens or phone numbers."""

from __future__ import annotations

import io
import logging

from bot.app import App
from bot.cli.run import build_transports
from bot.logsafe import RedactingFilter, configure
from bot.messages import Outgoing
from bot.roles import Role
from storage.invites import InvitesRepo
from storage.people import PeopleRepo
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import make_config

USER = 5550001
PHONE = "+358 40 123 4567"
WORDS = [
    "Amina Secretname",
    "my reflection about trust 9931",
    f"call me at {PHONE}",
    "Kontula youth 7723",
]


async def test_a_full_session_leaves_no_personal_text_in_the_logs(tmp_path, monkeypatch):
    fake = await FakeTelegram().start()
    buffer = io.StringIO()
    handler = configure("DEBUG", buffer, [fake.token])
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
        config = make_config(
            tmp_path / "logs.db", f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n"
        )
        app = App(config)
        build_transports(app, config)
        await app.start()
        try:
            code = await app.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
            await fake.message(USER, f"/start {code}")
            await fake.wait_sent(USER, 1)
            await fake.tap(USER, "onb:lang:en")
            await fake.wait_sent(USER, 2)
            await fake.tap(USER, "onb:consent:yes")
            await fake.wait_sent(USER, 3)
            await fake.message(USER, WORDS[0])
            await fake.wait_sent(USER, 4)
            bite = app.content.section("s1").bites[0].id
            await fake.tap(USER, f"learn:reflect:{bite}")
            await fake.wait_sent(USER, 5)
            await fake.message(USER, WORDS[1])
            await fake.wait_sent(USER, 6)
            await fake.message(USER, WORDS[2])
            await fake.wait_sent(USER, 7)
            await fake.tap(USER, "learn:rdone")
            await fake.wait_sent(USER, 8)
            await fake.tap(USER, "ws:new")
            await fake.wait_sent(USER, 9)
            await fake.tap(USER, "ws:date:today")
            await fake.wait_sent(USER, 10)
            await fake.message(USER, WORDS[3])
            await fake.wait_sent(USER, 11)
            await fake.tap(USER, "no:such:button")
            await fake.wait_sent(USER, 12)
            logging.getLogger("bot.test").info("a probe line mentioning %s", PHONE)
        finally:
            await app.stop()
    finally:
        logging.getLogger().removeHandler(handler)
        await fake.stop()
    logs = buffer.getvalue()
    assert "a probe line mentioning ***" in logs, "the capture works and phone numbers are masked"
    assert fake.token not in logs and fake.token.split(":")[1] not in logs
    for words in WORDS:
        assert words not in logs, words
    assert "4567" not in logs


def test_the_filter_masks_tokens_numbers_and_named_secrets():
    record = logging.LogRecord(
        "bot.x",
        logging.INFO,
        __file__,
        1,
        "token %s phone %s secret %s",
        ("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", "+358401234567", "hunter2"),
        None,
    )
    RedactingFilter(["hunter2"]).filter(record)
    assert record.getMessage() == "token *** phone *** secret ***"


def test_library_records_lose_their_arguments_and_exceptions_their_messages():
    typed = "".join(["Amina", " Secret", "name"])  # what a person wrote, not in the source line
    try:
        raise ValueError(typed)
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "telegram.ext.Updater",
        logging.CRITICAL,
        __file__,
        1,
        "Received data was: %r (method %s, id %d)",
        ({"message": {"text": "Amina Secretname"}}, "getUpdates", 42),
        exc_info,
    )
    RedactingFilter().filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert "Amina" not in formatted and "Secretname" not in formatted
    assert "getUpdates" in formatted and "42" in formatted, "harmless words and numbers stay"
    assert "ValueError: [hidden]" in formatted and "raise ValueError" in formatted


async def test_signal_paths_leave_no_personal_text_in_the_logs(tmp_path):
    from tests.fakes.signal_cli import FakeSignalCli
    from tests.test_e2e_signal import ACCOUNT, onboard, signal_world

    marker = "Zqx Marker Vuosaari 5521"
    number = "+358401239876"
    fake = await FakeSignalCli(ACCOUNT).start()
    buffer = io.StringIO()
    handler = configure("DEBUG", buffer)
    world = await signal_world(tmp_path / "signal-logs.db", fake)
    app = world.app
    try:
        phone = await onboard(world, number, "Marker Person")
        await phone.say(f"my note {marker}")
        ts = await fake.undecryptable(number)
        await fake.edit(number, ts, f"edited {marker}")
        await phone.say(f"I want to die {marker}")  # the crisis path too
        # Failed sends are logged with their causes: the daemon's error names the recipient.
        fake.fail_next("UnregisteredUserException", message=f"Unregistered user {number}")
        person = await app.db.repo(PeopleRepo).by_identity("signal", phone.uuid)
        await app.messenger.send_to_person(person.id, Outgoing(f"a reply {marker}"))
    finally:
        await app.stop()
        logging.getLogger().removeHandler(handler)
        await fake.stop()
    logs = buffer.getvalue()
    assert "signal" in logs, "the capture works"
    for secret in (marker, "Vuosaari", number, number[1:], "Marker Person"):
        assert secret not in logs, secret
