"""The mentor's menu knows where they are; free text at the menu; prompts wait for open forms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.roles import Role
from storage.checkins import CheckinsRepo
from storage.tickets import TicketsRepo


async def _ask(h, mentor, text="How do I talk about rumours after the attack?"):
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:s3", mentor)
    await h.say(text, mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:no", mentor)
    return int(h.last(mentor).text.split("#")[1].split(".")[0])


@pytest.mark.parametrize(
    ("lang", "cont", "draft"),
    [
        ("en", "▶ Continue: Mental health and resilience, bite 3/10", "📝 Finish your workshop"),
        ("fi", "▶ Jatka: Mielenterveys ja resilienssi, tietopala 3/10", "📝 Viimeistele"),
        ("sv", "▶ Fortsätt: Psykisk hälsa och resiliens, bit 3/10", "📝 Gör klart"),
    ],
)
async def test_the_menu_says_where_the_mentor_is(h, lang, cont, draft):
    mentor = await h.onboard(Role.MENTOR, "Amina", lang=lang)
    assert not any(label.startswith("▶") for label in h.last(mentor).labels)  # nothing begun
    await h.tap("learn:bite:s1-01", mentor)
    await h.tap("learn:next:s1-01", mentor)
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("/menu", mentor)  # leaving the form keeps it as a draft
    labels = h.last(mentor).labels
    assert labels[0] == cont and labels[1].startswith(draft)
    assert h.last(mentor).choice_ids[:2] == ["learn:bite:s1-03", "ws:resume"]
    await h.tap("ws:resume", mentor)
    assert "ws:cancel" in h.last(mentor).choice_ids  # back in the form, at the community


async def test_free_text_at_the_menu_offers_the_experts_and_matching_items(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await h.say("how do I add a workshop?", mentor)
    offer = h.last(mentor)
    assert "not sure where this message belongs" in offer.text and "add a workshop" in offer.text
    assert offer.choice_ids[:2] == ["ws:new", "ws:list:0"]  # Log a workshop, My workshops
    assert offer.choice_ids[-3:] == ["menu:home", "menu:ask:no", "menu:ask:yes"]
    await h.say("It is for a youth group.", mentor)  # more text is added, not lost
    assert "youth group" in h.last(mentor).text
    await h.tap("menu:ask:no", mentor)
    assert "question #" in h.sent_to(mentor)[-1].text
    [ticket] = await h.app.db.repo(TicketsRepo).of_mentor((await h.person(mentor)).id)
    messages = await h.app.db.repo(TicketsRepo).messages(ticket.id)
    assert "add a workshop" in messages[0].text and "youth group" in messages[0].text
    assert any("add a workshop" in s.text for s in h.sent_to(expert))


@pytest.mark.parametrize(
    ("lang", "words", "offer"),
    [
        ("fi", "miten kirjaan työpajan?", "En ole varma"),
        ("sv", "hur loggar jag en workshop?", "Jag är inte säker"),
    ],
)
async def test_the_offer_in_finnish_and_swedish(h, lang, words, offer):
    mentor = await h.onboard(Role.MENTOR, "Aino", lang=lang)
    await h.say(words, mentor)
    assert offer in h.last(mentor).text and "menu:ask:no" in h.last(mentor).choice_ids
    await h.tap("menu:home", mentor)
    assert h.last(mentor).choice_ids, "the menu"


async def test_crisis_text_at_the_menu_gets_the_safety_net_not_a_second_question(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    replies = await h.say("I want to kill myself", mentor)
    assert not any("menu:ask:no" in r.choice_ids for r in replies)
    assert any("safety:about:me" in r.choice_ids for r in replies)


async def test_an_answer_mid_form_waits_in_the_menu(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    number = await _ask(h, mentor)
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)  # in the form: the community question is open
    await h.say(f"/answer {number} Ask the youth worker.", eero)
    await h.tap(f"esc:x:send:{number}", eero)  # answers are previewed
    note = h.last(mentor)
    assert "Ask the youth worker." in note.text and "waits in the menu" in note.text
    assert note.choice_ids == [], "no choices that a number typed for the form could pick"
    await h.say("Youth club", mentor)  # the form goes on
    assert "How many people" in h.last(mentor).text
    await h.say("/menu", mentor)
    assert h.last(mentor).labels[0] == "📬 1 new answer from the experts"
    await h.tap(h.last(mentor).choice_ids[0], mentor)
    assert h.last(mentor).choice_ids == [f"esc:reply:{number}", f"esc:solved:{number}"]
    await h.say("/menu", mentor)
    assert not any(label.startswith("📬") for label in h.last(mentor).labels)


async def test_an_answer_outside_a_form_comes_with_its_buttons(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    number = await _ask(h, mentor)
    await h.say(f"/answer {number} Ask the youth worker.", eero)
    await h.tap(f"esc:x:send:{number}", eero)  # answers are previewed
    assert h.last(mentor).choice_ids == [f"esc:reply:{number}", f"esc:solved:{number}"]


async def test_a_finished_section_offers_its_bites_not_well_done_again(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    section = h.app.content.section("s1")
    for bite in section.bites:
        await h.tap(f"learn:bite:{bite.id}", mentor)
    await h.tap(f"learn:next:{section.bites[-1].id}", mentor)
    check = h.last(mentor).choice_ids[0]
    await h.tap(check, mentor)
    await h.tap("learn:end:s1", mentor)
    await h.tap("learn:fb:s1:5", mentor)
    await h.tap("learn:fbskip:s1", mentor)
    assert "Well done" in h.last(mentor).text
    await h.tap("learn:s:s1", mentor)
    assert "learn:go:s1" not in h.last(mentor).choice_ids  # nothing left to continue
    assert "learn:list:s1" in h.last(mentor).choice_ids
    await h.tap("learn:go:s1", mentor)  # an older Continue button
    again = h.last(mentor)
    assert "Well done" not in again.text and "finished this section" in again.text
    assert f"learn:bite:{section.bites[7].id}" in again.choice_ids  # s1-08, the crisis bite
    assert "learn:s:s2" in again.choice_ids  # and on to the next section
    await h.tap(f"learn:next:{section.bites[-1].id}", mentor)
    assert "Well done" not in h.last(mentor).text


async def test_the_bite_list_marks_what_was_read(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", lang="sv")
    await h.tap("learn:bite:s3-01", mentor)
    await h.tap("learn:list:s3", mentor)
    listing = h.last(mentor)
    assert listing.labels[0].startswith("✓ ") and not listing.labels[1].startswith("✓ ")
    assert listing.choice_ids[-2:] == ["learn:s:s3", "learn:home"]


async def test_reminders_opened_from_settings_lead_back_there(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.say("/settings", mentor)
    assert "nudge:home:set" in h.last(mentor).choice_ids
    await h.tap("nudge:home:set", mentor)
    assert h.last(mentor).choice_ids[-1] == "set:home"
    await h.tap("nudge:r:daily:set", mentor)
    await h.say("7pm", mentor)  # a time in everyday words
    assert "19:00" in h.last(mentor).text and h.last(mentor).choice_ids[0] == "set:home"
    await h.tap("learn:home", mentor)
    await h.tap("nudge:home", mentor)
    assert h.last(mentor).choice_ids[-1] == "learn:home"


async def test_a_missed_check_in_is_found_again_from_the_menu(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", lang="fi")
    person = await h.person(mentor)
    repo = h.app.db.repo(CheckinsRepo)
    checkin = await repo.add(person.id, None, h.clock.now())
    await repo.mark_sent(checkin.id)
    await repo.set_status(checkin.id, "missed")
    await h.say("/menu", mentor)
    assert h.last(mentor).labels[0] == "💬 Kuulumiskysely odottaa vastaustasi"
    await h.tap(f"ck:open:{checkin.id}", mentor)
    question = h.last(mentor)
    assert not question.out.numbered, "bullets: a typed 3 is the score 3"
    await h.tap(f"ck:s:{checkin.id}:4", mentor)
    assert (await repo.get(checkin.id)).status == "answered"
    await h.advance(timedelta(minutes=1))
    await h.say("/menu", mentor)
    assert not h.last(mentor).labels[0].startswith("💬")
