"""An update's replies: stored with the statement that records the update, sent without reading
the outbox back, deleted together; a failed first try keeps them, in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.messages import DeliveryStatus, Incoming, SendResult
from bot.roles import Role


def _with_id(incoming: Incoming, update_id: str) -> Incoming:
    return replace(incoming, update_id=update_id)


async def _menu(h, user, update_id: str):
    update = Incoming(
        address=user.address,
        sender_id=user.sender_id,
        choice_id="menu:home",
        kind="choice",
        language_code="en",
        update_id=update_id,
    )
    return await h.send(update)


async def test_replies_go_out_and_nothing_stays_but_the_record(h):
    user = await h.onboard(Role.MENTOR, "Anna")
    sent = await _menu(h, user, "u-1")
    assert sent and sent[-1].to.chat_id == user.sender_id
    assert await h.app.db.scalar("SELECT COUNT(*) FROM outbox") == 0
    assert (
        await h.app.db.scalar(
            "SELECT COUNT(*) FROM seen_updates WHERE transport = 'telegram' AND update_id = 'u-1'"
        )
        == 1
    )
    assert await _menu(h, user, "u-1") == []  # offered again: not applied twice


async def test_an_update_without_replies_is_recorded_too(h):
    user = await h.onboard(Role.MENTOR, "Anna")
    update = Incoming(address=user.address, sender_id=user.sender_id, text="hi", update_id="u-2")
    h.app.router.loose_text_handlers.insert(0, _quiet)
    try:
        assert await h.send(update) == []
    finally:
        h.app.router.loose_text_handlers.remove(_quiet)
    assert await h.app.db.scalar("SELECT COUNT(*) FROM seen_updates WHERE update_id = 'u-2'") == 1


async def _quiet(ctx) -> bool:
    return True  # takes the text and answers nothing


async def test_a_failed_first_try_keeps_the_replies_in_order(h):
    user = await h.onboard(Role.MENTOR, "Anna")
    h.transport.fail_next = [SendResult(DeliveryStatus.FAILED, error="Network")]
    assert await _menu(h, user, "u-3") == []
    assert await h.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 1
    assert await h.app.db.scalar("SELECT COUNT(*) FROM seen_updates WHERE update_id = 'u-3'") == 1
    # The next reply to that chat waits behind the first (it is not sent before it).
    await h.say("/help", user)
    assert await h.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 2
    before = len(h.sent_to(user))
    await h.advance(timedelta(seconds=5))  # the background sender's next try
    texts = [s.out.text for s in h.sent_to(user)[before:]]
    assert len(texts) == 2
    assert texts[0].startswith("What would you like to do") and texts[1].startswith("Hi Anna")
    assert await h.app.db.scalar("SELECT COUNT(*) FROM outbox") == 0
    # The chat is clear again: the next reply goes straight out.
    assert await _menu(h, user, "u-4")
