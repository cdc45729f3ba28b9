"""Linking Telegram and Signal: one person, one progress; messages the bot starts go where chosen."""

from __future__ import annotations

from datetime import timedelta

from bot.roles import Role
from storage.journal import JournalRepo
from storage.people import PeopleRepo
from tests.harness import RecordingTransport, User


async def _with_signal(h) -> RecordingTransport:
    signal = RecordingTransport(name="signal")
    h.app.messenger.add(signal)
    return signal


def _last(transport: RecordingTransport, user: User):
    return [s for s in transport.sent if s.to.chat_id == user.sender_id][-1]


async def test_link_signal_to_a_telegram_profile(h):
    signal = await _with_signal(h)
    anna_tg = await h.onboard(Role.MENTOR, "Anna")
    person = await h.person(anna_tg)
    await h.tap("learn:go:s1", anna_tg)
    await h.app.db.repo(JournalRepo).add(person.id, "My first thought")

    await h.say("/link", anna_tg)
    code = h.sent_to(anna_tg)[-1].text.split("/link ")[1].split()[0]
    anna_sg = User("5f2c-uuid", "Anna", transport="signal")
    await h.say("/link WRONG1", anna_sg)
    assert "not valid" in _last(signal, anna_sg).text
    await h.say(f"/link {code}", anna_sg)
    texts = [s.text for s in signal.sent if s.to.chat_id == anna_sg.sender_id]
    assert any("Done, Anna!" in t for t in texts)
    assert await h.app.db.repo(PeopleRepo).by_identity("signal", anna_sg.sender_id) == person

    # Same progress and journal from Signal.
    await h.say("/learn", anna_sg)
    assert "(1/10)" in _last(signal, anna_sg).labels[0]
    await h.say("/journal", anna_sg)
    assert "My first thought" in _last(signal, anna_sg).text

    # A code works once.
    other = User("other-uuid", "Eve", transport="signal")
    await h.say(f"/link {code}", other)
    assert "not valid" in _last(signal, other).text

    # Choose Signal for messages the bot starts itself: a nudge arrives there.
    await h.say("/link", anna_tg)
    assert "link:pref:signal" in h.last(anna_tg).choice_ids
    await h.tap("link:pref:signal", anna_tg)
    await h.tap("nudge:r:daily", anna_tg)
    await h.tap("nudge:t:12:00", anna_tg)
    before = len(h.sent_to(anna_tg))
    await h.advance(timedelta(days=1, hours=1))
    assert any("Here is your next bite" in s.text for s in signal.sent)
    assert not any("Here is your next bite" in s.text for s in h.sent_to(anna_tg)[before:])


async def test_link_codes_expire_and_profiles_are_not_merged(h):
    signal = await _with_signal(h)
    anna = await h.onboard(Role.MENTOR, "Anna")
    await h.say("/link", anna)
    code = h.sent_to(anna)[-1].text.split("/link ")[1].split()[0]
    await h.advance(timedelta(minutes=16))
    late = User("late-uuid", "Anna", transport="signal")
    await h.say(f"/link {code}", late)
    assert "not valid" in _last(signal, late).text
    assert await h.person(late) is None

    omar = await h.onboard(Role.MENTOR, "Omar")  # a profile of its own
    await h.say("/link", anna)
    code = h.sent_to(anna)[-1].text.split("/link ")[1].split()[0]
    await h.say(f"/link {code}", omar)
    assert "already has its own profile" in h.last(omar).text
    await h.say("/link", User("guest-uuid", transport="signal"))
    assert "invite" in signal.sent[-1].text
