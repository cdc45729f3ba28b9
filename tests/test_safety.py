"""The crisis safety net through the router: tiers in every language, help first, help for everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.roles import Role
from storage.audit import AuditRepo
from storage.people import PeopleRepo
from storage.safety import SafetyRepo
from storage.tickets import TicketsRepo

ABOUT_BUTTONS = {"safety:about:me", "safety:about:other", "safety:ok"}
# The other languages of the MIELI crisis line, each named in its own script (shared/CONTEXT.md).
OTHER_LANGUAGES = ("العربية 09 2525 0113", "Українська 09 2525 0114", "Русский 09 2525 0115")

TIERS = {
    "en": {
        "gentle": "I am so tired of everything lately",
        "clear": "I just want to die",
        "urgent": "he has a knife and says he will kill her tonight",
        "other": "my friend says she wants to kill herself",
    },
    "fi": {
        "gentle": "olen niin väsynyt kaikkeen",
        "clear": "haluan kuolla",
        "urgent": "naapuri uhkaa tappaa vaimonsa nyt, sillä on puukko",
        "other": "ystäväni sanoi että hän haluaa kuolla",
    },
    "sv": {
        "gentle": "jag är så trött på allt",
        "clear": "jag vill dö",
        "urgent": "han har en kniv och ska döda henne nu",
        "other": "min vän vill ta livet av sig",
    },
}
OWN_LINE = {"en": "09 2525 0116", "fi": "09 2525 0111", "sv": "09 2525 0112"}
CALL_112_NOW = {
    "en": "call 112 now",
    "fi": "soita nyt 112",
    "sv": "ring 112 nu",
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
async def test_every_tier_in_every_language(h, lang):
    texts = TIERS[lang]
    mentor = await h.onboard(Role.MENTOR, "Amina", lang=lang)

    (gentle,) = await h.say(texts["gentle"], mentor)
    assert gentle.choice_ids == ["safety:ok", "safety:more"], "a gentle check, not the full help"
    assert "112" not in gentle.text

    await h.advance(timedelta(hours=1))  # a new exchange
    (clear,) = await h.say(texts["clear"], mentor)
    assert set(clear.choice_ids) == ABOUT_BUTTONS
    assert "112" in clear.text and OWN_LINE[lang] in clear.text
    assert "09 2525 0111" in clear.text, "the Finnish line, open around the clock, is always named"
    assert all(line in clear.text for line in OTHER_LANGUAGES)
    assert CALL_112_NOW[lang] not in clear.text, "call 112 now only for immediate danger"

    await h.advance(timedelta(hours=1))
    (urgent,) = await h.say(texts["urgent"], mentor)
    assert urgent.text.startswith({"en": "If anyone", "fi": "Jos joku", "sv": "Om någon"}[lang]), (
        "immediate danger: 112 first"
    )
    assert CALL_112_NOW[lang] in urgent.text
    assert "116 006" in urgent.text, "about someone else: Victim Support Finland (RIKU)"
    assert urgent.choice_ids[0] == "safety:about:other", "the detector read who it is about"

    await h.advance(timedelta(hours=1))
    (other,) = await h.say(texts["other"], mentor)
    assert "116 006" in other.text and other.choice_ids[0] == "safety:about:other"
    await h.tap("safety:about:other", mentor)
    assert "116 006" in h.last(mentor).text, "RIKU in the guidance about someone else"

    flags = await h.app.db.fetchall("SELECT tier, rule FROM safety_flags ORDER BY id")
    assert [f["tier"] for f in flags] == ["gentle", "clear", "urgent", "clear"]
    assert all(f["rule"].startswith(("en.", "fi.", "sv.")) for f in flags)


async def test_the_english_reply_never_says_the_english_line_is_open_day_and_night(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    (clear,) = await h.say("I just want to die", mentor)
    await h.tap("safety:about:me", mentor)
    texts = clear.text + h.last(mentor).text
    assert "day and night" not in texts
    english = next(line for line in texts.splitlines() if "09 2525 0116" in line)
    assert "limited hours" in english and "around the clock" not in english


async def test_gentle_check_then_not_really_gives_the_full_help(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.say("I am so tired of everything lately", mentor)
    (full,) = await h.tap("safety:more", mentor)
    assert "112" in full.text and set(full.choice_ids) == ABOUT_BUTTONS
    ok = await h.tap("safety:ok", mentor)
    assert "Thank you for letting me know" in ok[0].text


async def test_the_crisis_reply_comes_first_and_never_after_not_understood(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    sent = await h.say("i want to kill myself", mentor)
    assert len(sent) == 1, "one answer: the help, not 'not understood' and a menu"
    assert "112" in sent[0].text and "not sure what to do" not in sent[0].text
    assert set(sent[0].choice_ids) == ABOUT_BUTTONS


async def test_in_a_form_the_help_comes_first_and_the_form_waits_till_the_person_is_ready(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    sent = await h.say("Some days I want to die, honestly.", mentor)
    assert len(sent) == 1 and "112" in sent[0].text, "only the help: no competing prompt"
    carry_on = await h.tap("safety:ok", mentor)
    assert "Thank you for letting me know" in carry_on[0].text
    assert "Got it" in carry_on[1].text and carry_on[1].choice_ids[0] == "learn:rdone"
    await h.tap("learn:rdone", mentor)
    entry = await h.app.db.fetchone("SELECT text FROM reflections")
    assert "want to die" in entry["text"], "what the person wrote was kept"
    assert await h.app.db.fetchone("SELECT held FROM safety_flags WHERE held IS NOT NULL") is None


async def test_one_full_help_block_per_exchange(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    (first,) = await h.say("I want to die.", mentor)
    (second,) = await h.say("I really want to end my life.", mentor)
    assert "العربية" in first.text
    assert "العربية" not in second.text and "112" in second.text, "a short reminder this time"
    assert len(second.text) < len(first.text) / 2
    await h.advance(timedelta(hours=1))
    (later,) = await h.say("I still want to die.", mentor)
    assert "العربية" in later.text, "a new exchange gets the full help again"
    # The held replies of both parts are delivered, in order, once.
    delivered = await h.tap("safety:ok", mentor)
    assert [s.text.split(" (")[0] for s in delivered[1:]] == ["Got it"] * 3


async def test_ordinary_and_look_alike_texts_are_left_alone(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    for text in (
        "my feet are killing me",
        "we talked about suicide prevention in the workshop",
        "I'm not suicidal, just tired after a long day",
        "tämä helle tappaa minut",
        "jag dör av skratt",
    ):
        sent = await h.say(text, mentor)
        assert all("112" not in s.text for s in sent), text
    assert await h.app.db.scalar("SELECT COUNT(*) FROM safety_flags") == 0


async def test_help_for_someone_not_yet_onboarded(h):
    stranger = h.user("Visitor", language_code="fi")
    (help_,) = await h.say("haluan kuolla", stranger)
    assert "112" in help_.text and "09 2525 0111" in help_.text and not help_.choice_ids
    assert "/helplines" in help_.text
    assert "kutsu" not in help_.text.lower(), "no invite talk under a crisis answer"
    assert await h.person(stranger) is None
    audit = await h.app.db.repo(AuditRepo).entries("safety.signal")
    assert audit and audit[0]["actor_id"] is None


async def test_help_in_the_middle_of_onboarding_does_not_become_a_name(h):
    user = h.user("New")
    code = await h.invite()
    await h.say(f"/start {code}", user)
    await h.tap("onb:consent:yes", user)
    await h.tap("onb:lang:sv", user)
    (help_,) = await h.say("jag vill dö", user)
    assert "112" in help_.text and "09 2525 0112" in help_.text
    person = await h.person(user)
    assert person.status == "onboarding" and not person.display_name


async def test_help_for_a_deactivated_person(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    person = await h.person(mentor)
    await h.app.db.repo(PeopleRepo).update(person.id, status="deactivated")
    (help_,) = await h.say("I want to kill myself", mentor)
    assert "112" in help_.text and not help_.choice_ids
    assert "access to the RE-MAP mentor bot has been closed" in help_.text
    (lines,) = await h.say("/helplines", mentor)
    assert "116 006" in lines.text


async def test_helplines_mid_form_keep_the_form(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.tap("ws:new", mentor)
    await h.say("/helplines", mentor)
    assert "112" in h.last(mentor).text
    assert (
        await h.app.db.repo(
            __import__("storage.dialogs", fromlist=["DialogsRepo"]).DialogsRepo
        ).get((await h.person(mentor)).id)
    ).step == "ws.date", "the form is still open"


async def test_someone_else_in_danger_gets_fitting_guidance_and_nothing_is_lost(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:community", mentor)
    await h.say("A boy in our club says his father threatened to kill him.", mentor)
    noticed = h.last(mentor)
    assert "112" in noticed.text and "116 006" in noticed.text
    await h.tap("safety:about:other", mentor)
    assert "Don't promise to keep it secret" in h.last(mentor).text
    await h.tap("safety:expert:no", mentor)
    assert "ask an expert later" in h.last(mentor).text
    assert h.last(mentor).choice_ids == ["safety:done"], "'yes, contact me' is no longer offered"
    done = await h.tap("safety:done", mentor)
    assert done, "the question's own reply, held back, comes now"
    assert await h.app.db.repo(TicketsRepo).get(1) is None, "no urgent request was made"
    await h.tap("esc:send", mentor)
    assert "anonymously" in h.last(mentor).text
    flags = await h.app.db.fetchall("SELECT about FROM safety_flags")
    assert [f["about"] for f in flags] == ["other"]
    assert await h.app.db.repo(SafetyRepo).latest((await h.person(mentor)).id) is not None


async def test_anyone_can_ask_where_to_get_help(h):
    guest = h.user("Visitor")
    await h.say("/helplines", guest)
    text = h.last(guest).text
    assert "call 112" in text and "09 2525 0111" in text and "116 006" in text
    assert "/start" not in text, "no invite needed to see the helplines"
    assert "https://mieli.fi/en/support-and-help/crisis-helpline/" in text, "hours are on the page"

    mentor = await h.onboard(Role.MENTOR, "Amina", lang="sv")
    assert "help:lines" in h.last(mentor).choice_ids, "the menu offers it"
    await h.tap("help:lines", mentor)
    assert "Var du får hjälp i Finland" in h.last(mentor).text
    assert "MIELI Kristelefonen (på svenska): 09 2525 0112" in h.last(mentor).text
    await h.tap("help:victims", mentor)
    victims = h.app.content.resources
    text = h.last(mentor).text
    assert all(step.text.get("sv") in text for step in victims.victim_steps)
    assert "Brottsofferjouren (RIKU): 116 006" in text
    assert h.last(mentor).choice_ids == ["help:lines"]
    await h.tap("help:lines", guest)
    assert "09 2525 0111" in h.last(guest).text, "the buttons work for strangers too"


async def test_no_training_bite_or_prompt_sets_off_more_than_the_gentle_check(h):
    from bot.crisis_detect import quoting_check

    texts = []
    for section in h.app.content.sections:
        for item in (*section.bites, *section.prompts):
            texts += [item.text.get(lang) for lang in ("en", "fi", "sv") if item.text.has(lang)]
    assert len(texts) > 200
    assert quoting_check(texts, h.app.services.crisis) == []
    mentor = await h.onboard(Role.MENTOR, "Amina")
    bite = h.app.content.bite("s1-08")
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    quote = f"The bite said: {bite.text.get('en')[:300]} I liked that."
    sent = await h.say(quote, mentor)
    assert all("112" not in s.text for s in sent), "quoting a bite: the gentle check at most"
