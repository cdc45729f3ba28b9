"""Linking Telegram and Signal: one person, one progress; messages the bot starts go where chosen.

Link codes have 60 bits, are bound to the messenger they were shown on, join only after the owner's
yes there, and wrong codes (link and invite codes) are limited per sender and overall, and audited.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta

import pytest

from bot import i18n
from bot.roles import Role
from storage.audit import AuditRepo
from storage.invites import InvitesRepo
from storage.journal import JournalRepo
from storage.links import ALPHABET, CODE_LENGTH
from storage.people import PeopleRepo
from tests.harness import Harness, RecordingTransport, User, make_config

CODE = re.compile(r"/link ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")


async def _with_signal(h) -> RecordingTransport:
    signal = RecordingTransport(name="signal")
    h.app.messenger.add(signal)
    return signal


def _to(transport: RecordingTransport, user: User):
    return [s for s in transport.sent if s.to.chat_id == user.sender_id]


def _last(transport: RecordingTransport, user: User):
    return _to(transport, user)[-1]


async def _code(h, user: User) -> str:
    sent = await h.say("/link", user)
    [code] = CODE.findall(sent[0].text)
    return code


async def _audit(h, action: str) -> list[dict]:
    return await h.app.db.repo(AuditRepo).entries(action)


async def test_link_signal_to_a_telegram_profile(h):
    signal = await _with_signal(h)
    anna_tg = await h.onboard(Role.MENTOR, "Anna")
    person = await h.person(anna_tg)
    await h.tap("learn:go:s1", anna_tg)
    await h.app.db.repo(JournalRepo).add(person.id, "My first thought")

    code = await _code(h, anna_tg)
    anna_sg = User("5f2c-uuid", "Anna", transport="signal")
    await h.say("/link WRONG1", anna_sg)
    assert "12 letters and digits" in _last(signal, anna_sg).text  # a typo, not a guess
    await h.say(f"/link {code.lower().replace('-', ' ')}", anna_sg)  # any case, spaces for dashes
    assert "asked you on Telegram to confirm" in _last(signal, anna_sg).text
    assert await h.person(anna_sg) is None, "nothing is joined before the owner's yes"

    ask = h.last(anna_tg)
    assert "sent your link code from Signal" in ask.text
    assert [c.split(":")[1] for c in ask.choice_ids] == ["yes", "no"]
    await h.tap(ask.choice_ids[0], anna_tg)
    assert "Joined! You can now use the bot on Signal too." in [s.text for s in h.sent_to(anna_tg)]
    assert "link:pref:signal" in h.last(anna_tg).choice_ids  # where should messages go?
    texts = [s.text for s in _to(signal, anna_sg)]
    assert any("Done, Anna!" in t for t in texts)
    assert "learn:home" in _last(signal, anna_sg).choice_ids  # the menu, there
    assert await h.app.db.repo(PeopleRepo).by_identity("signal", anna_sg.sender_id) == person

    # Same progress and journal from Signal.
    await h.say("/learn", anna_sg)
    assert "(1/10)" in _last(signal, anna_sg).labels[0]
    await h.say("/journal", anna_sg)
    assert "My first thought" in _last(signal, anna_sg).text

    # A code works once; the answered question cannot be answered again.
    other = User("other-uuid", "Eve", transport="signal")
    await h.say(f"/link {code}", other)
    assert "not valid" in _last(signal, other).text
    await h.tap(ask.choice_ids[0], anna_tg)
    assert "no longer open" in h.last(anna_tg).text

    # Choose Signal for messages the bot starts itself: a nudge arrives there.
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
    code = await _code(h, anna)
    await h.advance(timedelta(minutes=11))
    late = User("late-uuid", "Anna", transport="signal")
    await h.say(f"/link {code}", late)
    assert "not valid" in _last(signal, late).text
    assert await h.person(late) is None

    # A claim not answered in time joins nothing either.
    code = await _code(h, anna)
    await h.say(f"/link {code}", late)
    ask = h.last(anna)
    await h.advance(timedelta(minutes=11))
    await h.tap(ask.choice_ids[0], anna)
    assert "no longer open" in h.last(anna).text
    assert await h.person(late) is None

    omar = await h.onboard(Role.MENTOR, "Omar")  # a profile of its own
    code = await _code(h, anna)
    await h.say(f"/link {code}", omar)
    assert "already has its own profile" in h.last(omar).text
    await h.say("/link", User("guest-uuid", transport="signal"))
    assert "invite" in signal.sent[-1].text


async def test_link_codes_have_60_bits_and_are_easy_to_type(h):
    await _with_signal(h)
    assert CODE_LENGTH * math.log2(len(ALPHABET)) >= 60
    assert not ALPHABET & set("01IO"), "no characters that look alike"
    anna = await h.onboard(Role.MENTOR, "Anna")
    codes = {await _code(h, anna) for _ in range(50)}
    assert len(codes) == 50
    # Only the latest code counts.
    *older, latest = [await _code(h, anna) for _ in range(2)]
    claimant = User("sg-1", "Anna", transport="signal")
    await h.say(f"/link {older[0]}", claimant)
    assert await _audit(h, "link.claimed") == []
    await h.say(f"/link {latest}", claimant)
    assert len(await _audit(h, "link.claimed")) == 1


async def test_a_right_code_from_someone_else_joins_nothing_without_the_owner(h):
    signal = await _with_signal(h)
    admin = await h.onboard(Role.ADMIN, "Aila")
    code = await _code(h, admin)

    # The same code from another account on the same messenger: it is bound to another one.
    second_tg = h.user("Mallory")
    await h.say(f"/link {code}", second_tg)
    assert "cannot be used on the messenger where it was shown" in h.last(second_tg).text
    assert await h.person(second_tg) is None
    mallory = User("mallory-uuid", "Aila", transport="signal")
    await h.say(f"/link {code}", mallory)
    assert "not valid" in _last(signal, mallory).text, "that code is burnt"

    # From Signal: the owner is asked, says no; nothing is joined and the code is gone.
    code = await _code(h, admin)
    await h.say(f"/link {code}", mallory)
    ask = h.last(admin)
    assert "Was that you?" in ask.text
    await h.tap(ask.choice_ids[1], admin)
    assert "nothing was joined" in h.last(admin).text
    assert "was not confirmed" in _last(signal, mallory).text
    assert await h.person(mallory) is None
    await h.say(f"/link {code}", mallory)
    assert "not valid" in _last(signal, mallory).text
    assert [e["detail"]["transport"] for e in await _audit(h, "link.refused")] == ["signal"]

    # Someone else's question cannot be answered with a forged button.
    code = await _code(h, admin)
    await h.say(f"/link {code}", mallory)
    claim = h.last(admin).choice_ids[0]
    other = await h.onboard(Role.MENTOR, "Omar")
    await h.tap(claim, other)
    assert "no longer open" in h.last(other).text
    assert await h.person(mallory) is None


async def test_wrong_link_codes_are_limited_per_sender_and_audited(h):
    signal = await _with_signal(h)
    anna = await h.onboard(Role.MENTOR, "Anna")
    code = await _code(h, anna)
    guesser = User("guesser-uuid", "G", transport="signal")
    guesses = [f"AAAA-BBBB-CC{c}{c}" for c in "23456"]
    for guess in guesses:
        await h.say(f"/link {guess}", guesser)
        assert "not valid" in _last(signal, guesser).text
    await h.say(f"/link {code}", guesser)  # even the right code: the limit comes first
    refusal = _last(signal, guesser).text
    assert refusal == i18n.t(
        "en", "link.wait", count=5, time="13:00"
    )  # first wrong: 12:00 Helsinki, +1 h
    await h.say("/link AAAA-BBBB-CC77", guesser)
    assert _last(signal, guesser).text == refusal

    failed = await _audit(h, "link.failed")
    assert [e["detail"]["reason"] for e in failed] == ["unknown"] * 5
    limited = await _audit(h, "link.limited")
    assert [e["detail"] for e in limited] == [{"limit": "sender", "transport": "signal"}]
    raw = json.dumps(failed + limited)
    for text in [code, *guesses]:
        assert text.replace("-", "") not in raw.replace("-", ""), "no code in the audit"
    assert "guesser-uuid" not in raw

    # Another sender is not held back by this one; the guesser may try again after the hour.
    anna_sg = User("anna-uuid", "Anna", transport="signal")
    await h.say(f"/link {code}", anna_sg)
    assert "asked you on Telegram" in _last(signal, anna_sg).text
    await h.restart()  # the counts are stored, not kept in memory
    signal = await _with_signal(h)
    await h.say("/link AAAA-BBBB-CC88", guesser)
    assert _last(signal, guesser).text == refusal
    await h.advance(timedelta(hours=1))
    await h.say("/link AAAA-BBBB-CC99", guesser)
    assert "not valid" in _last(signal, guesser).text


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
async def test_limits_are_said_in_the_persons_language(tmp_path, lang):
    extra = "features:\n  linking:\n    wrong_codes: {global_per_minute: 3}\n"
    extra += "  onboarding:\n    wrong_codes: {per_sender_per_hour: 2}\n"
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", extra))
    await h.start()
    try:
        strangers = [User(f"s{n}", language_code=lang) for n in range(4)]
        for stranger in strangers[:3]:
            await h.say("/link AAAA-BBBB-CCCC", stranger)
            assert h.last(stranger).text == i18n.t(lang, "link.bad_code")
        await h.say("/link AAAA-BBBB-CCCC", strangers[3])
        assert h.last(strangers[3]).text == i18n.t(lang, "link.busy")
        await h.advance(timedelta(minutes=1))
        await h.say("/link AAAA-BBBB-CCCC", strangers[3])
        assert h.last(strangers[3]).text == i18n.t(lang, "link.bad_code")
        assert [e["detail"]["limit"] for e in await _audit(h, "link.limited")] == ["global"]

        # Invite guesses (/start CODE): limited and audited the same way, apart from link codes.
        await h.say("/start NOSUCHCODE", strangers[0])
        assert h.last(strangers[0]).text == i18n.t(lang, "onboarding.invite_unknown")
        await h.say("/start NOSUCHCODE2", strangers[0])
        await h.say("/start NOSUCHCODE3", strangers[0])
        wait = i18n.t(lang, "onboarding.invite_wait", count=2, time="13:01")
        assert h.last(strangers[0]).text == wait
        assert await h.person(strangers[0]) is None
    finally:
        await h.stop()


async def test_invite_guesses_are_limited_and_audited(h):
    guesser = h.user("G")
    for n in range(5):
        await h.say(f"/start WRONG{n}", guesser)
        assert "couldn't find that invite code" in h.last(guesser).text
    code = await h.invite(Role.MENTOR)
    await h.say(f"/start {code}", guesser)  # the limit comes first
    assert "5 wrong invite codes within an hour" in h.last(guesser).text
    assert await h.person(guesser) is None

    # Expired, used and revoked codes are failures too, each audited with its reason.
    someone = h.user("S")
    revoked = await h.invite(Role.MENTOR)
    await h.app.db.repo(InvitesRepo).revoke(revoked)
    await h.say(f"/start {revoked}", someone)
    assert "no longer valid" in h.last(someone).text
    expired = await h.invite(Role.MENTOR, expires_at=h.clock.now() - timedelta(days=1))
    await h.say(f"/start {expired}", someone)
    assert "has expired" in h.last(someone).text
    reasons = [e["detail"]["reason"] for e in await _audit(h, "invite.failed")]
    assert reasons == ["expired", "revoked"] + ["unknown"] * 5
    assert [e["detail"]["limit"] for e in await _audit(h, "invite.limited")] == ["sender"]
    raw = json.dumps(await h.app.db.repo(AuditRepo).entries())
    assert code not in raw and revoked not in raw and "WRONG" not in raw

    # The right code from someone who has not guessed works as before.
    newcomer = h.user("N")
    await h.say(f"/start {code}", newcomer)
    assert h.last(newcomer).choice_ids[0] == "onb:lang:en", "onboarding begins (language first)"


async def test_someone_half_way_through_onboarding_can_link_or_go_on(h):
    signal = await _with_signal(h)
    anna = await h.onboard(Role.MENTOR, "Anna")
    started = User("started-uuid", "Anna", transport="signal")
    await h.say(f"/start {await h.invite()}", started)  # began onboarding on Signal by mistake
    code = await _code(h, anna)
    await h.say(f"/link {code}", started)
    await h.tap(h.last(anna).choice_ids[1], anna)  # "no": onboarding there goes on where it was
    assert "was not confirmed" in _last(signal, started).text
    await h.tap("onb:lang:en", started)
    assert "onb:consent:yes" in _last(signal, started).choice_ids

    code = await _code(h, anna)
    await h.say(f"/link {code}", started)
    await h.tap(h.last(anna).choice_ids[0], anna)  # "yes": the half-made profile is dropped
    assert await h.person(started) == await h.person(anna)
    assert await h.app.db.scalar("SELECT COUNT(*) FROM people") == 1


async def test_a_form_under_way_stays_while_linking(h):
    await _with_signal(h)
    anna = await h.onboard(Role.MENTOR, "Anna")
    await h.tap("ws:new", anna)
    await h.tap("ws:date:today", anna)
    code = await _code(h, anna)
    await h.say(f"/link {code}", User("sg", "Anna", transport="signal"))
    await h.tap(h.last(anna).choice_ids[0], anna)
    await h.say("Youth club", anna)  # still the workshop form's community question
    assert "How many people took part" in h.last(anna).text
