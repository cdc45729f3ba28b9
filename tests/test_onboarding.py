"""Onboarding by invite, through the router as a person would experience it."""

from __future__ import annotations

from datetime import timedelta

from bot.roles import Role
from storage.audit import AuditRepo
from storage.invites import InvitesRepo


async def test_full_onboarding_with_invite(h):
    user = h.user("Anna")
    code = await h.invite(Role.MENTOR, "2025-02")

    langs = await h.say(f"/start {code}", user)
    assert langs[-1].choice_ids == ["onb:lang:en", "onb:lang:fi", "onb:lang:sv"]
    assert langs[-1].labels[0] == "✓ English"  # the messenger's language, one tap away

    replies = await h.tap("onb:lang:fi", user)
    assert "Hyväksytkö?" in replies[-1].text  # consent comes in the language chosen
    assert replies[-1].choice_ids == ["onb:consent:yes", "onb:consent:more", "onb:consent:no"]

    more = await h.tap("onb:consent:more", user)
    assert "112" in more[0].text  # the bot says it is not a crisis service

    ask = await h.tap("onb:consent:yes", user)
    assert "nimellä" in ask[-1].text  # the name question comes in Finnish

    done = await h.say("Anna", user)
    assert "Tervetuloa, Anna" in done[0].text
    assert done[-1].choice_ids, "the main menu has buttons"

    person = await h.person(user)
    assert person.role is Role.MENTOR
    assert person.cohort == "2025-02"
    assert person.language == "fi"
    assert person.active and person.consent_version == 1
    assert h.transport.commands, "the command list was published for the person"
    actions = [e["action"] for e in await h.app.db.repo(AuditRepo).entries()]
    assert "onboarding.completed" in actions and "consent.given" in actions


async def test_without_code_nothing_is_stored(h):
    user = h.user()
    for text in ("/start", "hello", "/menu", "/start NOPE-NOPE"):
        replies = await h.say(text, user)
        assert replies, f"no reply to {text!r}"
        assert "invite" in replies[-1].text
    assert await h.person(user) is None
    assert await h.app.db.scalar("SELECT COUNT(*) FROM people") == 0


async def test_expired_used_and_revoked_codes_are_explained(h):
    expired = await h.invite(expires_at=h.clock.now() - timedelta(minutes=1))
    used = await h.invite()
    revoked = await h.invite()
    await h.app.db.repo(InvitesRepo).revoke(revoked)
    first = h.user("First")
    await h.say(f"/start {used}", first)

    second = h.user("Second")
    assert "expired" in (await h.say(f"/start {expired}", second))[-1].text
    assert "already been used" in (await h.say(f"/start {used}", second))[-1].text
    assert "no longer valid" in (await h.say(f"/start {revoked}", second))[-1].text
    assert await h.person(second) is None


async def test_codes_are_case_insensitive_and_stored_hashed(h):
    code = await h.invite()
    stored = await h.app.db.scalar("SELECT code_hash FROM invites")
    assert code not in stored and len(stored) == 64
    user = h.user()
    replies = await h.say(f"/start {code.lower()}", user)
    assert replies[-1].choice_ids[0] == "onb:lang:en"


async def test_declining_consent_forgets_the_person_and_returns_the_use(h):
    code = await h.invite(uses=1)
    user = h.user()
    await h.say(f"/start {code}", user)
    await h.tap("onb:lang:en", user)
    replies = await h.tap("onb:consent:no", user)
    assert "Nothing about you has been kept" in replies[-1].text
    assert await h.person(user) is None
    # the single-use code works again for the same person later
    again = await h.say(f"/start {code}", user)
    assert again[-1].choice_ids[0] == "onb:lang:en"


async def test_onboarding_survives_a_restart(h):
    user = h.user("Omar")
    code = await h.invite()
    await h.say(f"/start {code}", user)
    await h.tap("onb:lang:en", user)
    await h.restart()
    replies = await h.tap("onb:consent:yes", user)
    assert "What name" in replies[-1].text
    await h.restart()
    done = await h.say("Omar", user)
    assert "Welcome, Omar" in done[0].text


async def test_text_where_a_button_is_expected_re_asks(h):
    user = h.user()
    code = await h.invite()
    await h.say(f"/start {code}", user)
    replies = await h.say("klingon please", user)
    assert "choose one of the options" in replies[0].text
    assert replies[-1].choice_ids[0] == "onb:lang:en"
    await h.tap("onb:lang:en", user)
    replies = await h.say("maybe later", user)
    assert "choose one of the options" in replies[0].text
    assert replies[-1].choice_ids[0] == "onb:consent:yes"


async def test_names_with_emoji_and_right_to_left_text(h):
    for name in ("Fatima 🌿", "مريم", "שָׁלוֹם", "Đặng 👩🏽‍🏫"):
        user = h.user()
        code = await h.invite()
        await h.say(f"/start {code}", user)
        await h.tap("onb:lang:en", user)
        await h.tap("onb:consent:yes", user)
        await h.say(name, user)
        assert (await h.person(user)).display_name == name


async def test_bad_names_get_a_friendly_re_ask(h):
    user = h.user()
    code = await h.invite()
    await h.say(f"/start {code}", user)
    await h.tap("onb:lang:en", user)
    await h.tap("onb:consent:yes", user)
    assert "at most 40" in (await h.say("x" * 41, user))[-1].text
    assert "longer than I can take" in (await h.say("x" * 4100, user))[-1].text
    assert "looks like a command" in (await h.say("/menu", user))[-1].text
    assert "type a name" in (await h.say("\u202e\u200b", user))[-1].text
    assert not (await h.person(user)).active
    await h.say("Lea", user)
    assert (await h.person(user)).display_name == "Lea"


async def test_stale_onboarding_button_after_onboarding(h):
    user = await h.onboard()
    replies = await h.tap("onb:lang:sv", user)
    assert "earlier message" in replies[0].text
    assert (await h.person(user)).language == "en"


async def test_configured_admin_is_bootstrapped_without_invite(tmp_path):
    from tests.harness import Harness, make_config

    harness = Harness(
        tmp_path / "bot.db", make_config(tmp_path / "bot.db", "admins:\n  telegram: [4242]\n")
    )
    await harness.start()
    try:
        from tests.harness import User

        admin = User("4242", "Admin")
        replies = await harness.say("/start", admin)
        assert replies[-1].choice_ids[0] == "onb:lang:en"
        await harness.tap("onb:lang:en", admin)
        await harness.tap("onb:consent:yes", admin)
        await harness.say("Sanna", admin)
        assert (await harness.person(admin)).role is Role.ADMIN
    finally:
        await harness.stop()


async def test_cancel_during_onboarding_keeps_nothing(h):
    code = await h.invite(uses=1)
    user = h.user()
    await h.say(f"/start {code}", user)
    await h.tap("onb:lang:en", user)
    await h.tap("onb:consent:yes", user)
    replies = await h.say("/cancel", user)
    assert "Nothing about you has been kept" in replies[-1].text
    assert await h.person(user) is None
    assert await h.app.db.scalar("SELECT uses FROM invites") == 0


async def test_language_first_preselected_from_the_messenger(h):
    for code_lang, label in (("fi", "✓ suomi"), ("sv-SE", "✓ svenska"), ("de", "✓ English")):
        user = h.user("Lea", language_code=code_lang)
        code = await h.invite()
        replies = await h.say(f"/start {code}", user)
        assert label in replies[-1].labels, code_lang
        assert "Tervetuloa" in replies[-1].text and "Välkommen" in replies[-1].text


async def test_typed_answers_work_where_there_are_no_buttons(h):
    """A language's name and yes / kyllä / ja are understood; /language goes back a step."""
    for lang, word, yes, welcome in (
        ("fi", "suomi", "kyllä", "Tervetuloa, Aino"),
        ("sv", "Svenska", "ja", "Välkommen, Aino"),
        ("en", "English", "yes", "Welcome, Aino"),
    ):
        user = h.user("Aino", language_code=None)
        code = await h.invite()
        await h.say(f"/start {code}", user)
        consent = await h.say(word, user)
        assert consent[-1].choice_ids[0] == "onb:consent:yes", lang
        again = await h.say("/language", user)  # change of mind: one step back
        assert again[-1].choice_ids[0] == "onb:lang:en"
        await h.say(word, user)
        assert "?" in (await h.say(yes, user))[-1].text  # the name question
        done = await h.say("Aino", user)
        assert welcome in done[0].text
        person = await h.person(user)
        assert person.active and person.language == lang and person.consent_version == 1


async def test_no_typed_at_consent_declines_and_forgets(h):
    user = h.user()
    code = await h.invite()
    await h.say(f"/start {code}", user)
    await h.say("suomi", user)
    replies = await h.say("ei", user)
    assert await h.person(user) is None
    assert "Sinusta ei ole säilytetty mitään" in replies[-1].text  # in the language chosen


async def test_a_bare_invite_code_without_start_works(h):
    code = await h.invite()
    user = h.user()
    replies = await h.say(code, user)
    assert replies[-1].choice_ids == ["onb:lang:en", "onb:lang:fi", "onb:lang:sv"]
    spaced = await h.invite()
    other = h.user()
    replies = await h.say(f"{spaced[:5]}-{spaced[5:]}".lower(), other)
    assert replies[-1].choice_ids[0] == "onb:lang:en"
    stranger = h.user()
    assert "invite" in (await h.say("hello there", stranger))[-1].text
    assert "couldn't find" in (await h.say("NOPE1234", stranger))[-1].text
    assert await h.person(stranger) is None


async def test_a_code_without_digits_typed_in_lower_case_works_and_a_word_gets_the_welcome(h):
    # A random code may have no digit at all (about 1 in 18 of ten letters): typed in lower case.
    await h.app.db.repo(InvitesRepo).create(
        role=Role.MENTOR, cohort="x", max_uses=1, code="KXWVBQTRMN"
    )
    user = h.user()
    replies = await h.say("kxwvbqtrmn", user)
    assert replies[-1].choice_ids == ["onb:lang:en", "onb:lang:fi", "onb:lang:sv"]
    stranger = h.user()
    for word in ("goodmorning", "Terveisiä", "hejsan svejsan"):
        reply = (await h.say(word, stranger))[-1].text
        assert "invite" in reply and "couldn't find" not in reply, word
    assert await h.person(stranger) is None
