"""The team side over real HTTP against the fake Bot API: the experts' group, edits, the QR photo."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.cli.run import build_transports
from bot.roles import Role
from storage.invites import InvitesRepo
from storage.people import PeopleRepo
from tests.harness import make_config

GROUP = -1009876
MENTOR, EXPERT, ADMIN = 5101, 5102, 5103


@pytest.fixture
async def bot(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    config = make_config(
        tmp_path / "e2e.db",
        f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n"
        f'  bot_username: remap_test_bot\nteam:\n  experts_chat: "telegram:{GROUP}"\n',
    )
    app = App(config)
    build_transports(app, config)
    await app.start()
    yield app
    await app.stop()


async def _join(fake, bot, user_id: int, role: Role, name: str) -> None:
    code = await bot.db.repo(InvitesRepo).create(role=role, cohort="2025-02", max_uses=1)
    await fake.message(user_id, f"/start {code}")
    await fake.wait_sent(user_id, 1)
    await fake.tap(user_id, "onb:lang:en")
    await fake.wait_sent(user_id, 2)
    await fake.tap(user_id, "onb:consent:yes")
    await fake.wait_sent(user_id, 3)
    await fake.message(user_id, name)
    await fake.wait_sent(user_id, 4)


async def test_the_experts_group_queue_and_an_invite_with_its_qr(fake, bot):
    for user, role, name in ((MENTOR, Role.MENTOR, "Amina"), (EXPERT, Role.EXPERT, "Eero"),
                             (ADMIN, Role.ADMIN, "Ada")):  # fmt: skip
        await _join(fake, bot, user, role, name)
    service = bot.services.escalations
    mentor = await bot.db.repo(PeopleRepo).by_identity("telegram", str(MENTOR))
    for n in range(8):
        await service.open_ticket(mentor_id=mentor.id, topic="s3", text=f"Question number {n}")
    posts = await fake.wait_for(lambda f: len(f.sent(GROUP)) >= 8 and f.sent(GROUP))
    assert "Question number 0" in posts[0].text and "esc:x:claim:1" in posts[0].callback_data

    group = {"id": GROUP, "type": "supergroup", "title": "Experts"}
    await fake.message(EXPERT, "/queue@remap_test_bot", chat=group)
    queue = await fake.wait_for(
        lambda f: next((c for c in f.sent(GROUP) if "waiting for an answer" in c.text), None)
    )
    assert "“Question number 0”" in queue.text and "esc:x:o:1" in queue.callback_data
    assert "esc:x:qp:1" in queue.callback_data

    # In a private chat the next page of the queue replaces the list (editMessageText).
    await fake.message(EXPERT, "/queue")
    await fake.wait_for(lambda f: "waiting for an answer" in f.last_to(EXPERT).text)
    listing = fake.last_to(EXPERT)
    await fake.tap(EXPERT, "esc:x:qp:1", message_id=listing.result_id)
    edit = await fake.wait_for(lambda f: f.calls_of("editMessageText") and next(
        (c for c in f.calls_of("editMessageText") if "Question number 7" in c.params["text"]), None
    ))  # fmt: skip
    assert str(edit.params["message_id"]) == str(listing.result_id)

    await fake.message(ADMIN, "/invite")
    await fake.wait_for(lambda f: "adm:i:r:expert" in f.last_to(ADMIN).callback_data)
    await fake.tap(ADMIN, "adm:i:r:expert")
    await fake.wait_for(lambda f: "adm:i:nc" in f.last_to(ADMIN).callback_data)
    await fake.tap(ADMIN, "adm:i:nc")
    await fake.wait_for(lambda f: "adm:i:u:1" in f.last_to(ADMIN).callback_data)
    await fake.message(ADMIN, "3")
    await fake.wait_for(lambda f: "adm:i:d:7" in f.last_to(ADMIN).callback_data)
    await fake.tap(ADMIN, "adm:i:d:7")
    await fake.wait_for(lambda f: "adm:i:ok" in f.last_to(ADMIN).callback_data)
    await fake.tap(ADMIN, "adm:i:ok")
    photo = await fake.wait_for(
        lambda f: next((c for c in f.calls_of("sendPhoto") if c.chat_id == str(ADMIN)), None)
    )
    assert "https://t.me/remap_test_bot?start=" in photo.params["caption"]
    assert photo.files and next(iter(photo.files.values())).startswith(b"\x89PNG")
