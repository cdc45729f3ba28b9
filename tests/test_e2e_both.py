"""Telegram and Signal in one process: onboard and log a workshop on Signal, link Telegram, same progress."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.cli.run import build_transports
from tests.fakes.signal_cli import FakeSignalCli
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import make_config
from tests.test_e2e_signal import ACCOUNT, AMINA, World, onboard

TG_USER = 8080808


@pytest.fixture
async def both(tmp_path, monkeypatch):
    signal = await FakeSignalCli(ACCOUNT).start()
    telegram = await FakeTelegram().start()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    config = make_config(
        tmp_path / "both.db",
        f"telegram:\n  base_url: {telegram.base_url}\n  poll_timeout: 1\n"
        f'signal:\n  enabled: true\n  url: {signal.url}\n  account: "{ACCOUNT}"\n',
    )
    app = App(config)
    build_transports(app, config)
    world = World(app, signal)
    app.handle = world.track(app.handle)
    await app.start()
    await signal.wait_connected()
    yield world, telegram
    await app.stop()
    await telegram.stop()
    await signal.stop()


async def test_signal_mentor_links_telegram_and_sees_the_same_progress(both):
    world, telegram = both
    assert set(world.app.messenger.transports) == {"telegram", "signal"}
    amina = await onboard(world, AMINA, "Amina")
    await amina.pick("Log a workshop")
    await amina.pick("Yesterday")
    await amina.say("Youth club Kontula")
    await amina.say("12")
    await amina.pick("Mental health and resilience")
    await amina.pick("Done")
    # The duration's choices are bullets (a typed "2" would be two hours): the label is typed.
    await amina.say("2 h")
    await amina.pick("No")
    await amina.pick("Skip")
    await amina.pick("Skip")
    await amina.pick("No, all good")
    await amina.pick("Save")
    await amina.pick("Learn")
    await amina.pick("Mental health and resilience")
    await amina.pick("Start")

    [code_message, *_] = await amina.say("/link")
    code = code_message.message.split("/link ")[1].split()[0]
    await telegram.message(TG_USER, f"/link {code}", first_name="Amina")
    [almost] = await telegram.wait_sent(TG_USER, 1)
    assert "asked you on Signal to confirm" in almost.text
    assert "Was that you?" in amina.offer().message  # asked where the code was shown
    await amina.pick("Yes, that was me")
    replies = await telegram.wait_sent(TG_USER, 3)
    assert any("Done, Amina!" in r.text for r in replies)

    await telegram.message(TG_USER, "/workshops")
    listing = await telegram.wait_for(
        lambda f: next((c for c in f.sent(TG_USER) if "Your workshops" in c.text), None)
    )
    assert "Youth club Kontula" in listing.text and "12 participants" in listing.text
    await telegram.message(TG_USER, "/learn")
    sections = await telegram.wait_for(
        lambda f: next((c for c in f.sent(TG_USER) if "four sections" in c.text), None)
    )
    labels = [b["text"] for b in sections.buttons]
    assert labels[0] == "Mental health and resilience (1/10)"
