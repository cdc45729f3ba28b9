"""The workshop form takes everyday input in en/fi/sv, asks back when it guesses, never loses work."""

from __future__ import annotations

from datetime import date

import pytest

from bot.messages import Incoming
from bot.roles import Role
from storage.workshops import DraftsRepo, WorkshopsRepo

# The harness clock: Tuesday 24.11.2026; the Saturday before is 21.11.
WORDS = {
    "en": ("last saturday", "Saturday 21.11.2026 – is that right?", "yes", "about 15", "2"),
    "fi": (
        "viime lauantaina",
        "lauantaina 21.11.2026 – onko tämä oikein?",
        "kyllä",
        "noin 15",
        "2",
    ),
    "sv": ("i lördags", "lördag 21.11.2026 – stämmer det?", "ja", "ungefär 15", "2"),
}


async def _to_date(h, lang):
    mentor = await h.onboard(Role.MENTOR, "Amina", lang=lang)
    await h.tap("ws:new", mentor)
    return mentor


async def _saved(h, user):
    person = await h.person(user)
    return (await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 1))[0]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
async def test_everyday_words_are_understood_and_guesses_asked_back(h, lang):
    day, asked, yes, about, hours = WORDS[lang]
    mentor = await _to_date(h, lang)
    await h.say(day, mentor)
    assert h.last(mentor).text == asked
    assert h.last(mentor).choice_ids == ["ws:guess:yes", "ws:guess:no", "ws:cancel"]
    assert not h.last(mentor).out.numbered, "typed yes/no, so a number is never a button"
    await h.say(yes, mentor)  # typed, as on Signal
    await h.say("Youth club", mentor)
    await h.say(about, mentor)
    await h.say("1 3", mentor)  # two themes at once
    duration = h.last(mentor)
    assert not duration.out.numbered, "bullets: a typed 2 is not option 2"
    await h.say(hours, mentor)
    assert "2" in h.last(mentor).text and h.last(mentor).choice_ids[0] == "ws:guess:yes"
    await h.tap("ws:guess:yes", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:save", mentor)
    w = await _saved(h, mentor)
    assert (w.held_on, w.participants, w.themes, w.duration_min) == (
        date(2026, 11, 21),
        15,
        ("s1", "s3"),
        120,
    )


async def test_no_to_a_guess_asks_again_and_other_text_is_a_new_answer(h):
    mentor = await _to_date(h, "en")
    await h.say("saturday", mentor)
    await h.tap("ws:guess:no", mentor)
    assert "try that again" in h.last(mentor).text
    assert h.last(mentor).choice_ids[:2] == ["ws:date:today", "ws:date:yesterday"]
    await h.say("friday", mentor)
    assert h.last(mentor).text.startswith("Friday 20.11.2026")
    await h.say("19.11.", mentor)  # not yes or no: a new, exact answer
    assert "Which community" in h.last(mentor).text
    await h.say("20", mentor)  # a bare number is rarely a community's name
    assert "“20”" in h.last(mentor).text and h.last(mentor).choice_ids[0] == "ws:guess:yes"
    await h.say("no", mentor)
    await h.say("Tuesday group", mentor)
    assert "How many people" in h.last(mentor).text


async def test_a_range_is_stored_as_its_midpoint_with_the_range_kept(h):
    mentor = await _to_date(h, "en")
    await h.tap("ws:date:today", mentor)
    await h.say("Club", mentor)
    await h.say("15-20", mentor)
    await h.tap("ws:th:s2", mentor)
    await h.tap("ws:th:done", mentor)
    await h.say("puolitoista tuntia", mentor)  # any of the three languages is read
    await h.tap("ws:cof:yes", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    assert "Participants: 18 (15–20)" in h.last(mentor).text
    assert "Duration: 1.5 h" in h.last(mentor).text
    await h.tap("ws:save", mentor)
    w = await _saved(h, mentor)
    assert (w.participants, w.participants_low, w.participants_high) == (18, 15, 20)


async def test_after_an_error_the_question_and_its_options_come_again(h):
    mentor = await _to_date(h, "fi")
    await h.say("joskus", mentor)
    last = h.last(mentor)
    assert "En tunnistanut" in last.text and "Milloin työpaja" in last.text
    assert last.choice_ids == ["ws:date:today", "ws:date:yesterday", "ws:cancel"]
    await h.tap("ws:date:today", mentor)
    await h.say("Klubi", mentor)
    await h.say("ca 20", mentor)  # not a community name typed by mistake: a count
    await h.say("kaikki", mentor)
    last = h.last(mentor)
    assert "numerot" in last.text and "ws:th:done" in last.choice_ids


async def test_cancel_while_changing_one_answer_keeps_everything(h):
    mentor = await _to_date(h, "en")
    await h.tap("ws:date:today", mentor)
    await h.say("Club", mentor)
    await h.say("12", mentor)
    await h.tap("ws:th:s1", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:60", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:edit", mentor)
    await h.tap("ws:ef:community", mentor)
    assert h.last(mentor).choice_ids[-1] == "ws:sum"  # "Back to the summary (nothing is lost)"
    await h.tap("ws:sum", mentor)
    assert "Community: Club" in h.last(mentor).text and "Participants: 12" in h.last(mentor).text
    await h.tap("ws:edit", mentor)
    await h.tap("ws:ef:participants", mentor)
    await h.tap("ws:cancel", mentor)  # an older Cancel: still back to the summary
    assert "Please check your workshop" in h.last(mentor).text
    await h.tap("ws:edit", mentor)
    await h.tap("ws:ef:date", mentor)
    await h.say("/cancel", mentor)  # typed: the unsaved workshop is kept as a draft
    person = await h.person(mentor)
    draft = await h.app.db.repo(DraftsRepo).take(person.id)
    assert draft["form"]["community"] == "Club"


async def test_edit_on_a_saved_workshop_opens_the_field_list(h):
    mentor = await _to_date(h, "en")
    await h.tap("ws:date:yesterday", mentor)
    await h.say("Club", mentor)
    await h.say("12", mentor)
    await h.say("2", mentor)  # theme 2 ticked by number
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:60", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:save", mentor)
    w = await _saved(h, mentor)
    assert w.themes == ("s2",)
    await h.tap(f"ws:change:{w.id}", mentor)
    assert "Which field" in h.last(mentor).text
    assert "ws:ef:participants" in h.last(mentor).choice_ids
    await h.tap("ws:ef:participants", mentor)
    await h.say("14", mentor)
    assert "Participants: 14" in h.last(mentor).text
    await h.tap("ws:save", mentor)
    assert (await _saved(h, mentor)).participants == 14


async def test_a_tapped_theme_edits_its_message_in_place(h):
    mentor = await _to_date(h, "en")
    await h.tap("ws:date:today", mentor)
    await h.say("Club", mentor)
    await h.say("12", mentor)
    question = h.last(mentor)
    assert "Which themes" in question.text
    before = len(h.transport.sent)
    await h.send(
        Incoming(
            address=mentor.address,
            sender_id=mentor.sender_id,
            choice_id="ws:th:s1",
            message_id=question.message_id,
            kind="choice",
        )
    )
    [edit] = h.transport.sent[before:]
    assert edit.edited and edit.message_id == question.message_id
    assert edit.labels[0].startswith("✓ ")
