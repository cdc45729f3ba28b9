"""Hardening: webhook secret, updates the library cannot read, replays, one person at a time,
odd text, deactivated people. Real HTTP against the fake Bot API where a transport is involved."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import sys

import aiohttp
import pytest

from bot.app import App
from bot.cli.run import build_transports
from bot.logsafe import configure
from bot.messages import Address, Incoming
from bot.roles import Role
from storage.invites import InvitesRepo
from tests.fakes import cli_zygote
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import REPO, RecordingTransport, make_config

MARKER = "Zqx Marker Kallio 4417"
SECRET = "s3cret-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("secret", [None, "", "short-secret", "x" * 31, "has spaces " * 4])
def test_webhook_mode_refuses_to_start_without_a_strong_secret(tmp_path, secret):
    config = tmp_path / "config.yaml"
    config.write_text(
        "telegram:\n  mode: webhook\n  webhook:\n    public_url: https://bot.example.org\n"
        f"database:\n  path: {tmp_path / 'bot.db'}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_WEBHOOK_SECRET"}
    env["TELEGRAM_BOT_TOKEN"] = "123456:TEST-TOKEN"
    if secret is not None:
        env["TELEGRAM_WEBHOOK_SECRET"] = secret
    done = cli_zygote.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "TELEGRAM_WEBHOOK_SECRET" in done.stderr and "at least 32" in done.stderr
    assert not (tmp_path / "bot.db").exists(), "nothing started"


async def _running(tmp_path, fake, monkeypatch, extra: str = "") -> App:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    config = make_config(
        tmp_path / "bot.db",
        f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n{extra}",
    )
    app = App(config)
    build_transports(app, config)
    await app.start()
    return app


async def _mentor(app: App, fake: FakeTelegram, user: int) -> None:
    code = await app.db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="x", max_uses=1)
    await fake.message(user, f"/start {code}")
    await fake.wait_sent(user, 1)
    await fake.tap(user, "onb:lang:en")
    await fake.wait_sent(user, 2)
    await fake.tap(user, "onb:consent:yes")
    await fake.wait_sent(user, 3)
    await fake.message(user, "Anna")
    await fake.wait_sent(user, 4)


async def test_an_update_the_library_cannot_read_is_skipped_once_and_polling_goes_on(
    tmp_path, monkeypatch
):
    fake = await FakeTelegram().start()
    buffer = io.StringIO()
    handler = configure("DEBUG", buffer, [fake.token])
    app = await _running(tmp_path, fake, monkeypatch)
    try:
        bad = await fake.raw(
            {"message": {"message_id": 1, "date": "yesterday", "chat": {"id": 9}, "text": MARKER}}
        )
        await fake.message(7001, "/help")
        await fake.wait_sent(7001, 1)
        polls = fake.polls
        await asyncio.sleep(0.3)
        assert fake.polls - polls < 10, "no storm of polls for the same batch"
        assert all(u["update_id"] > bad for u in fake.updates), "the offset moved past it"
    finally:
        await app.stop()
        logging.getLogger().removeHandler(handler)
        await fake.stop()
    logs = buffer.getvalue()
    assert logs.count("skipped an update the bot could not read") == 1
    assert f"update_id {bad}" in logs
    assert MARKER not in logs and "Kallio" not in logs


async def test_the_webhook_checks_the_secret_skips_unreadable_updates_and_applies_each_once(
    tmp_path, monkeypatch
):
    fake = await FakeTelegram().start()
    port = _free_port()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    buffer = io.StringIO()
    handler = configure("DEBUG", buffer, [fake.token, SECRET])
    app = await _running(
        tmp_path,
        fake,
        monkeypatch,
        "  mode: webhook\n  webhook:\n    public_url: https://bot.example.org\n"
        f"    listen: 127.0.0.1\n    port: {port}\n    url_path: hook\n",
    )
    url = f"http://127.0.0.1:{port}/hook"
    [set_webhook] = fake.calls_of("setWebhook")
    assert set_webhook.params["secret_token"] == SECRET
    assert set_webhook.params["url"] == "https://bot.example.org/hook"

    async def post(body, secret=SECRET, raw=None):
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with aiohttp.ClientSession() as session:
            kwargs = {"data": raw, "headers": {**headers, "Content-Type": "application/json"}}
            if raw is None:
                kwargs = {"json": body, "headers": headers}
            async with session.post(url, **kwargs) as response:
                return response.status

    def update(update_id, text, user=7002):
        chat = {"id": user, "type": "private", "first_name": "Test"}
        sender = {"id": user, "is_bot": False, "first_name": "Test", "language_code": "en"}
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1,
                "chat": chat,
                "from": sender,
                "text": text,
            },
        }

    try:
        assert await post(update(1, "/help"), secret=None) == 403, "no secret: refused"
        assert await post(update(1, "/help"), secret="wrong" * 8) == 403
        assert fake.sent(7002) == [], "a forged update did nothing"
        assert await post(None, raw=b"{not json " + MARKER.encode()) == 400
        bad = {"update_id": 2, "message": {"message_id": 1, "date": 1, "chat": "x", "text": MARKER}}
        assert await post(bad) == 200, "Telegram drops it instead of offering it again"
        assert await post(update(3, "/help")) == 200
        await fake.wait_sent(7002, 1)
        assert await post(update(3, "/help")) == 200, "a retry of the same update"
        await asyncio.sleep(0.3)
        assert len(fake.sent(7002)) == 1, "applied once"
    finally:
        await app.stop()
        logging.getLogger().removeHandler(handler)
        await fake.stop()
    logs = buffer.getvalue()
    assert MARKER not in logs and SECRET not in logs
    assert "refused a webhook request without the right secret token" in logs


async def test_an_update_offered_again_is_not_applied_twice(tmp_path, monkeypatch):
    fake = await FakeTelegram().start()
    app = await _running(tmp_path, fake, monkeypatch)
    user = 7003
    try:
        await _mentor(app, fake, user)
        await fake.tap(user, "ws:new")
        await fake.wait_sent(user, 5)
        tap = await fake.tap(user, "ws:date:today")
        await fake.wait_sent(user, 6)
        polled = fake.polled_updates
        await fake.offer_again(tap)
        await fake.wait_for(lambda f: f.polled_updates > polled)
        await fake.message(user, "/menu")
        await fake.wait_sent(user, 8)
        await asyncio.sleep(0.2)
        texts = [c.text for c in fake.sent(user)]  # messages and edits
        assert sum("Which community" in t for t in texts) == 1, [t[:60] for t in texts]
        assert texts[-2].startswith("Your unfinished workshop log is kept"), texts[-3:]
    finally:
        await app.stop()
        await fake.stop()


async def test_one_person_on_two_messengers_is_handled_one_update_at_a_time(h):
    signal = RecordingTransport(name="signal")
    h.app.add_transport(signal)
    h.app.messenger.add(signal)
    user = await h.onboard(Role.MENTOR, "Anna")
    person = await h.person(user)
    from storage.people import PeopleRepo

    await h.app.db.repo(PeopleRepo).add_identity(
        person.id, "signal", "+358401112222", "+358401112222"
    )
    await h.tap("ws:new", user)
    await h.tap("ws:date:today", user)
    await h.say("Kallio youth club", user)
    await h.tap("ws:n:10", user)
    await h.tap("ws:th:s1", user)
    await h.tap("ws:th:done", user)
    await h.tap("ws:dur:60", user)
    await h.tap("ws:cof:no", user)
    await h.tap("ws:skip:well", user)
    await h.tap("ws:skip:hard", user)
    await h.tap("ws:sup:no", user)
    assert "ws:save" in h.last(user).choice_ids

    def tap_on(transport: str, chat: str) -> Incoming:
        return Incoming(
            address=Address(transport, chat), sender_id=chat, choice_id="ws:save", kind="choice"
        )

    await asyncio.gather(
        h.app.handle(tap_on("telegram", user.sender_id)),
        h.app.handle(tap_on("signal", "+358401112222")),
    )
    saved = await h.app.db.scalar(
        "SELECT COUNT(*) FROM workshops WHERE mentor_id = ?", (person.id,)
    )
    assert saved == 1, "saved once, not once per messenger"


@pytest.mark.parametrize(
    "text",
    [
        "half a surrogate \ud800 here",
        "nul\x00 in\x00 the middle",
        "\u202e reversed \u200f marks",
        "e\u0301 not composed",
        "x" * 100_000,
    ],
)
async def test_odd_text_in_every_kind_of_field_never_raises(h, text):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    expert = await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    for who, said in (
        (mentor, text),
        (mentor, "/ask " + text),
        (expert, "/answer 1 " + text),
        (staff, "/broadcast " + text),
        (staff, "/people " + text),
    ):
        sent = await h.say(said, who)
        assert sent, said[:40]
        assert all("something went wrong" not in s.text for s in sent), said[:40]
        if len(said) > h.app.config.bot.max_text_length:
            assert "longer than I can take" in sent[-1].text
    stored = await h.app.db.fetchall("SELECT data FROM dialogs")
    assert all("\x00" not in row["data"] and "\\ud800" not in row["data"] for row in stored)


async def test_a_deactivated_person_gets_no_answer_from_an_expert(h):
    from storage.people import PeopleRepo

    mentor = await h.onboard(Role.MENTOR, "Anna")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:practical", mentor)
    await h.say("How do I start a workshop?", mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:no", mentor)
    person = await h.person(mentor)
    await h.app.db.repo(PeopleRepo).update(person.id, status="deactivated")
    before = len(h.sent_to(mentor))
    await h.say("/answer 1 Start with a round of names.", expert)
    assert len(h.sent_to(mentor)) == before, "nothing reaches a deactivated person"


async def test_skip_counts_only_right_after_the_score_and_check_ins_are_for_mentors(h):
    from datetime import timedelta

    from storage.checkins import CheckinsRepo

    mentor = await h.onboard(Role.MENTOR, "Anna")
    expert = await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    anna, eero = await h.person(mentor), await h.person(expert)
    repo = h.app.db.repo(CheckinsRepo)
    checkin = await repo.add(anna.id, eero.id, h.clock.now())
    await h.app.scheduler.add("checkin", str(checkin.id), h.clock.now())
    await h.advance(timedelta(seconds=1))
    await h.tap(f"ck:s:{checkin.id}:4", mentor)
    await h.tap(f"ck:skip:{checkin.id}", mentor)
    told = len(h.sent_to(expert))
    for _ in range(3):  # the old Skip button again (or a forged one): nothing more happens
        await h.tap(f"ck:skip:{checkin.id}", mentor)
    assert len(h.sent_to(expert)) == told, "the expert is not told the answer again"

    later = await repo.add(anna.id, eero.id, h.clock.now() + timedelta(days=3))  # not sent yet
    await h.tap(f"ck:skip:{later.id}", mentor)
    assert (await repo.get(later.id)).status == "scheduled"
    assert len(h.sent_to(expert)) == told

    # An expert schedules check-ins for mentors only: a forged id cannot pick staff.
    sari = await h.person(staff)
    await h.say("/checkin", expert)
    await h.tap(f"ck:x:m:{sari.id}", expert)
    assert "no longer works" in h.last(expert).text
    assert not [c for c in await repo.of_mentor(sari.id)]
