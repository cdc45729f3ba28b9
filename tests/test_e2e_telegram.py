"""End to end: the real app and Telegram transport over real HTTP against the fake Bot API."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.cli.run import build_transports
from bot.roles import Role
from storage.invites import InvitesRepo
from storage.people import PeopleRepo
from tests.harness import make_config

USER = 424242


@pytest.fixture
async def bot(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    config = make_config(
        tmp_path / "e2e.db",
        f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n"
        "  bot_username: remap_test_bot\n",
    )
    app = App(config)
    build_transports(app, config)
    await app.start()
    yield app
    await app.stop()


async def test_onboarding_with_an_invite_deep_link(fake, bot):
    code = await bot.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="2025-02", max_uses=1)
    # Tapping https://t.me/remap_test_bot?start=CODE makes Telegram send "/start CODE".
    await fake.message(USER, f"/start {code}", first_name="Amina")
    language = (await fake.wait_sent(USER, 1))[-1]  # the language comes first
    assert [b for b in language.callback_data] == ["onb:lang:en", "onb:lang:fi", "onb:lang:sv"]

    await fake.tap(USER, "onb:lang:fi", message_id=language.result_id)
    consent = (await fake.wait_sent(USER, 2))[-1]
    assert "onb:consent:yes" in consent.callback_data
    assert await fake.wait_for(lambda f: f.calls_of("answerCallbackQuery")), "taps are answered"

    await fake.tap(USER, "onb:consent:yes", message_id=consent.result_id)
    await fake.wait_sent(USER, 3)
    await fake.message(USER, "Amina 🌿")
    sent = await fake.wait_sent(USER, 4)
    assert "Amina" in sent[-1].text, "the welcome heads the main menu"
    assert sent[-1].callback_data, "the main menu comes as inline buttons"
    assert all(len(d.encode()) <= 64 for d in sent[-1].callback_data)

    person = await bot.db.repo(PeopleRepo).by_identity("telegram", str(USER))
    assert person is not None and person.active and person.language == "fi"
    assert person.display_name == "Amina 🌿" and person.cohort == "2025-02"
    scoped = [c for c in fake.calls_of("setMyCommands") if c.params.get("scope")]
    assert scoped and scoped[-1].params["scope"] == {"type": "chat", "chat_id": USER}
    names = [c["command"] for c in scoped[-1].params["commands"]]
    assert "menu" in names and "help" in names


async def test_garbage_code_and_long_text_get_clear_replies(fake, bot):
    await fake.message(USER, "/start not-a-real-code")
    first = (await fake.wait_sent(USER, 1))[-1]
    assert "invite" in first.text.lower()
    assert await bot.db.repo(PeopleRepo).by_identity("telegram", str(USER)) is None

    code = await bot.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
    await fake.message(USER, f"/start {code}")
    await fake.wait_sent(USER, 2)
    await fake.tap(USER, "onb:lang:en")
    await fake.wait_sent(USER, 3)
    await fake.tap(USER, "onb:consent:yes")
    await fake.wait_sent(USER, 4)
    await fake.message(USER, "Lee")
    await fake.wait_sent(USER, 5)
    await fake.message(USER, "x" * 5000)
    reply = (await fake.wait_sent(USER, 6))[-1]
    assert "5000" in reply.text
    await fake.tap(USER, "gone:old:button")
    sent = await fake.wait_sent(USER, 7)
    assert "no longer works" in sent[6].text
    assert sent[6].callback_data, "the menu comes with it, so nothing is a dead end"


async def test_a_blocked_chat_is_a_delivery_outcome_not_an_error(fake, bot):
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    from bot.messages import Address, DeliveryStatus, Outgoing

    result = await bot.messenger.send(Address("telegram", str(USER)), Outgoing("hello"))
    assert result.status is DeliveryStatus.BLOCKED
    result = await bot.messenger.send(Address("telegram", str(USER)), Outgoing("hello"))
    assert result.ok and fake.last_to(USER).text == "hello"


async def _join(fake, bot, user_id: int, role: Role, name: str, lang: str = "en") -> None:
    code = await bot.db.repo(InvitesRepo).create(role=role, cohort="x", max_uses=1)
    await fake.message(user_id, f"/start {code}")
    await fake.wait_sent(user_id, 1)
    await fake.tap(user_id, f"onb:lang:{lang}")
    await fake.wait_sent(user_id, 2)
    await fake.tap(user_id, "onb:consent:yes")
    await fake.wait_sent(user_id, 3)
    await fake.message(user_id, name)
    await fake.wait_sent(user_id, 4)


async def test_a_broadcast_with_a_photo_reaches_every_mentor_once(fake, bot):
    staff, mentors = 1001, [2001, 2002, 2003]
    await _join(fake, bot, staff, Role.STAFF, "Sari")
    for number, user in enumerate(mentors):
        await _join(fake, bot, user, Role.MENTOR, f"M{number}", lang="fi" if number == 0 else "en")
    picture = b"\x89PNG\r\n\x1a\n" + b"fake-picture" * 50
    await fake.message(staff, "/broadcast")
    await fake.wait_for(lambda f: "version of the announcement" in f.last_to(staff).text)
    await fake.photo(staff, picture, caption="Our new handbook is out! " + "More words. " * 100)
    await fake.wait_for(lambda f: "Attached: photo.jpg" in f.last_to(staff).text)
    await fake.tap(staff, "bc:lang:fi")
    await fake.wait_for(lambda f: "Finnish" in f.last_to(staff).text)
    await fake.message(staff, "Uusi käsikirja on ilmestynyt!")
    await fake.wait_for(lambda f: "bc:aud" in f.last_to(staff).callback_data)
    await fake.tap(staff, "bc:aud")
    await fake.wait_for(lambda f: "bc:a:role" in f.last_to(staff).callback_data)
    await fake.tap(staff, "bc:a:role")
    await fake.wait_for(lambda f: "bc:av:role:mentor" in f.last_to(staff).callback_data)
    await fake.tap(staff, "bc:av:role:mentor")
    await fake.wait_for(lambda f: "It goes to 3 people" in f.last_to(staff).text)
    await fake.tap(staff, "bc:go")
    await fake.wait_for(lambda f: any("is done" in c.text for c in f.sent(staff)), within=20)

    photos = [c for c in fake.calls_of("sendPhoto") if c.chat_id in {str(m) for m in mentors}]
    assert sorted(c.chat_id for c in photos) == sorted(str(m) for m in mentors)
    uploads = [c for c in fake.calls_of("sendPhoto") if c.files]
    assert len(uploads) == 1, "uploaded once (the preview), then sent by file id"
    assert next(iter(uploads[0].files.values())) == picture
    finnish = [c for c in photos if c.chat_id == str(mentors[0])][0]
    assert finnish.params.get("caption") == "📣 RE-MAP-tiimi\n\nUusi käsikirja on ilmestynyt!"
    # The English text is longer than a caption: the photo comes first, then the whole text.
    english = fake.sent(mentors[1])
    assert english[-1].text.startswith("📣 RE-MAP team\n\nOur new handbook is out!")
    assert len(english[-1].text) > 1024


def test_the_config_sets_the_transport_client(tmp_path, monkeypatch):
    """Timeouts and the connection pool in the config reach python-telegram-bot's HTTP client."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    config = make_config(
        tmp_path / "client.db", "telegram:\n  read_timeout: 2\n  connection_pool_size: 8\n"
    )
    app = App(config)
    build_transports(app, config)
    [transport] = app._transports  # added, not started
    client = transport.application.bot.request._client_kwargs  # PTB's HTTPXRequest settings
    assert client["limits"].max_connections == 8
    assert client["timeout"].read == 2
    assert transport._poll_interval == config.telegram.poll_interval == 0.005
