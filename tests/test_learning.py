"""The learning journey through the router: sections, bites, reflections, the check, feedback."""

from __future__ import annotations

import shutil

import yaml

from bot.roles import Role
from storage.journal import JournalRepo
from storage.progress import ProgressRepo
from tests.harness import REPO, Harness, make_config


async def _walk_section(h, user, section_id: str, start: int = 0) -> list:
    """Continue a section and read the rest with Next; returns the messages of the last step."""
    section = h.app.content.section(section_id)
    await h.tap(f"learn:go:{section_id}", user)
    for bite in section.bites[start:]:
        assert h.last(user).text.startswith(bite.title.get("en"))
        sent = await h.tap(f"learn:next:{bite.id}", user)
    return sent


async def test_menu_leads_to_sections_with_progress(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    assert "learn:home" in h.last(mentor).choice_ids
    await h.tap("learn:home", mentor)
    labels = h.last(mentor).labels
    assert labels[0].startswith("Mental health and resilience (0/")
    assert len([c for c in h.last(mentor).choice_ids if c.startswith("learn:s:")]) == 4

    await h.tap("learn:s:s1", mentor)
    assert "Start" in h.last(mentor).labels
    await h.tap("learn:go:s1", mentor)
    first = h.app.content.section("s1").bites[0]
    assert h.last(mentor).choice_ids[:2] == [f"learn:next:{first.id}", f"learn:reflect:{first.id}"]
    assert "learn:home" in h.last(mentor).choice_ids
    await h.tap("learn:home", mentor)
    total = len(h.app.content.section("s1").bites)
    assert f"(1/{total})" in h.last(mentor).labels[0]


async def test_a_whole_section_with_reflections_check_and_feedback(h):
    mentor = await h.onboard(Role.MENTOR, "Anna", cohort="2025-02")
    person = await h.person(mentor)
    section = h.app.content.section("s1")

    # A private reflection in two messages on the first bite.
    await h.tap("learn:go:s1", mentor)
    await h.tap(f"learn:reflect:{section.bites[0].id}", mentor)
    await h.say("In my community people talk about stress as tiredness.", mentor)
    await h.say("Next time I will ask what gives them energy.", mentor)
    await h.tap("learn:rdone", mentor)
    assert "private journal" in h.last(mentor).text
    await h.tap(h.last(mentor).choice_ids[0], mentor)  # keep private

    # A shared one on the second bite.
    await h.tap(f"learn:next:{section.bites[0].id}", mentor)
    await h.tap(f"learn:reflect:{section.bites[1].id}", mentor)
    await h.say("Small routines like tea together help our group.", mentor)
    await h.tap("learn:rdone", mentor)
    shared_choice = [c for c in h.last(mentor).choice_ids if c.endswith(":yes")][0]
    await h.tap(shared_choice, mentor)
    assert "Shared with the project experts" in h.last(mentor).text

    sent = await _walk_section(h, mentor, "s1", start=2)
    assert section.check.question.get("en") in sent[-1].text
    wrong = next(o for o in section.check.options if not o.correct)
    await h.tap(f"learn:check:s1:{wrong.id}", mentor)
    assert "Not quite" in h.last(mentor).text
    assert wrong.feedback.get("en") in h.last(mentor).text
    await h.tap("learn:end:s1", mentor)
    assert "strengthened my skills as a mentor" in h.last(mentor).text
    assert h.last(mentor).choice_ids == [f"learn:fb:s1:{n}" for n in range(1, 6)]
    await h.tap("learn:fb:s1:4", mentor)
    await h.say("The bite on listening was the most useful.", mentor)
    assert "completed" in h.last(mentor).text
    assert "learn:s:s2" in h.last(mentor).choice_ids

    progress = h.app.db.repo(ProgressRepo)
    assert await progress.seen(person.id) >= {b.id for b in section.bites}
    assert await progress.completed(person.id) == {"s1"}
    assert await progress.check_answer(person.id, "s1") == wrong.id
    totals = await progress.feedback_totals("2025-02")
    assert [(t.section_id, t.answers, t.agree) for t in totals] == [("s1", 1, 1)]
    assert await progress.feedback_comments("s1") == ["The bite on listening was the most useful."]

    entries = await h.app.db.repo(JournalRepo).page(person.id, 0, 10)
    assert [e.shared for e in entries] == [True, False]
    assert entries[1].text == (
        "In my community people talk about stress as tiredness.\n\n"
        "Next time I will ask what gives them energy."
    )
    assert entries[1].prompt_id == (section.bites[0].prompt_id or section.prompts[0].id)

    # Section list shows completion.
    await h.tap("learn:home", mentor)
    assert "✓" in h.last(mentor).labels[0]


async def test_staff_see_feedback_as_the_programme_reports_it(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    for score, cohort in [(5, "2025-02"), (4, "2025-02"), (2, "2025-02"), (5, "2024-09")]:
        mentor = await h.onboard(Role.MENTOR, "M", cohort=cohort)
        await _walk_section(h, mentor, "s2")
        option = next(o for o in h.app.content.section("s2").check.options if o.correct)
        await h.tap(f"learn:check:s2:{option.id}", mentor)
        assert "Yes" in h.last(mentor).text
        await h.tap("learn:end:s2", mentor)
        await h.tap(f"learn:fb:s2:{score}", mentor)
        await h.tap("learn:fbskip:s2", mentor)
    await h.say("/feedback", staff)
    assert "75% agreed (n=4, mean 4.0/5)" in h.last(staff).text
    await h.say("/feedback 2025-02", staff)
    assert "67% agreed (n=3" in h.last(staff).text
    assert "no answers yet" in h.last(staff).text

    mentor = await h.onboard(Role.MENTOR, "Not staff")
    await h.say("/feedback", mentor)
    assert "not available for your role" in h.last(mentor).text


async def test_leaving_a_reflection_half_way_keeps_what_was_typed(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    person = await h.person(mentor)
    bite = h.app.content.section("s3").bites[2]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say("Young people in our club want to be heard.", mentor)
    await h.say("/menu", mentor)
    assert any("saved in your private journal" in s.text for s in h.sent_to(mentor)[-3:])
    entries = await h.app.db.repo(JournalRepo).page(person.id, 0, 10)
    assert [e.text for e in entries] == ["Young people in our club want to be heard."]
    assert entries[0].shared is False

    # Done with nothing written asks again; Cancel with nothing written keeps nothing.
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.tap("learn:rdone", mentor)
    assert "haven't written anything" in h.last(mentor).text
    await h.tap("learn:rcancel", mentor)
    assert await h.app.db.repo(JournalRepo).count(person.id) == 1


async def test_reflection_survives_a_restart(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    bite = h.app.content.section("s4").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say("First part before the restart.", mentor)
    await h.restart()
    await h.say("Second part after it.", mentor)
    await h.tap("learn:rdone", mentor)
    person = await h.person(mentor)
    entries = await h.app.db.repo(JournalRepo).page(person.id, 0, 10)
    assert entries[0].text == "First part before the restart.\n\nSecond part after it."


async def test_journal_lists_opens_shares_and_deletes(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    expert = await h.onboard(Role.EXPERT, "Eero")
    person = await h.person(mentor)
    journal = h.app.db.repo(JournalRepo)
    await h.say("/journal", mentor)
    assert "journal is empty" in h.last(mentor).text
    ids = [await journal.add(person.id, f"Thought number {i}", prompt_id="s1-p1") for i in range(7)]

    await h.say("/journal", mentor)
    assert "(7 in all)" in h.last(mentor).text
    assert (
        "Thought number 6" in h.last(mentor).text and "Thought number 1" not in h.last(mentor).text
    )
    await h.tap("jr:p:1", mentor)
    assert "Thought number 0" in h.last(mentor).text

    await h.tap(f"jr:o:{ids[3]}", mentor)
    assert h.app.content.prompt("s1-p1").text.get("en") in h.last(mentor).text
    await h.say("/reflections", expert)
    assert "No mentor has shared" in h.last(expert).text
    await h.tap(f"jr:sh:{ids[3]}:1", mentor)
    await h.say("/reflections", expert)
    assert "Thought number 3" in h.last(expert).text and "Anna" in h.last(expert).text
    assert "Thought number 4" not in h.last(expert).text

    await h.tap(f"jr:del:{ids[3]}", mentor)
    assert "cannot be undone" in h.last(mentor).text
    await h.tap(f"jr:delok:{ids[3]}", mentor)
    assert await journal.get(person.id, ids[3]) is None
    audit = await h.app.db.fetchall("SELECT action FROM audit_log WHERE action = 'journal.deleted'")
    assert len(audit) == 1

    # Someone else's entry cannot be opened by id.
    other = await h.onboard(Role.MENTOR, "Other")
    await h.tap(f"jr:o:{ids[0]}", other)
    assert "no longer exists" in h.sent_to(other)[-2].text

    await h.say("/reflections", mentor)
    assert "not available for your role" in h.last(mentor).text


async def test_bites_in_the_mentors_language_and_english_where_a_translation_is_missing(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    path = content / "sections" / "s1_mental_health.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("title", "text"):  # an author added a bite and has not translated it yet
        del data["bites"][0][key]["sv"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    db = tmp_path / "bot.db"
    h = await Harness(db, make_config(db, f"content_dir: {content}\n")).start()
    try:
        first, second = h.app.content.section("s1").bites[:2]
        sven = await h.onboard(Role.MENTOR, "Sven", lang="sv")
        await h.tap("learn:go:s1", sven)
        assert h.last(sven).text.startswith(first.title.get("en"))
        [next_bite] = [c for c in h.last(sven).choice_ids if c.startswith("learn:next:")]
        await h.tap(next_bite, sven)
        assert second.title.get("sv") != second.title.get("en")
        assert h.last(sven).text.startswith(second.title.get("sv"))
        assert second.text.get("sv") in h.last(sven).text
        aino = await h.onboard(Role.MENTOR, "Aino", lang="fi")
        await h.tap("learn:go:s1", aino)
        assert h.last(aino).text.startswith(first.title.get("fi"))
    finally:
        await h.stop()


async def test_the_check_shows_each_mentor_the_options_in_an_order_of_their_own(h):
    from bot.features.learning.section_end import options_in_order_for

    section = h.app.content.section("s2")
    orders = set()
    for n in range(6):
        mentor = await h.onboard(Role.MENTOR, f"M{n}")
        await _walk_section(h, mentor, "s2")
        shown = [c.rsplit(":", 1)[1] for c in h.last(mentor).choice_ids if "learn:check:" in c]
        person = await h.person(mentor)
        assert shown == [o.id for o in options_in_order_for(person.id, "s2", section.check.options)]
        assert sorted(shown) == sorted(o.id for o in section.check.options)
        orders.add(tuple(shown))
    right = next(o.id for o in section.check.options if o.correct)
    assert len(orders) > 1 and {order.index(right) for order in orders} != {0}


async def test_a_bite_without_its_own_prompt_gets_a_question_about_that_bite(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    path = content / "sections" / "s2_individual_in_community.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["bites"][0]["prompt"]  # every shipped bite has a prompt; an author may add one without
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    db = tmp_path / "bot.db"
    h = await Harness(db, make_config(db, f"content_dir: {content}\n")).start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Anna")
        bite = h.app.content.section("s2").bites[0]
        assert bite.prompt_id is None
        await h.tap(f"learn:reflect:{bite.id}", mentor)
        assert f"What in “{bite.title.get('en')}” speaks to you?" in h.last(mentor).text
        await h.say("The part about belonging.", mentor)
        await h.tap("learn:rdone", mentor)
        [entry] = await h.app.db.repo(JournalRepo).page((await h.person(mentor)).id, 0, 5)
        assert entry.bite_id == bite.id and entry.prompt_id is None and "belonging" in entry.text
        await h.tap(f"jr:o:{entry.id}", mentor)  # the journal shows what it answered
        assert f"What in “{bite.title.get('en')}” speaks to you?" in h.last(mentor).text
    finally:
        await h.stop()


async def test_cancel_says_what_happened_to_what_was_typed(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    await h.say("/cancel", mentor)
    assert h.last(mentor).text.startswith("There was nothing to stop.")

    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.tap("learn:rcancel", mentor)
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say("/cancel", mentor)
    assert h.last(mentor).text.startswith("Okay, stopped. Nothing from that step was saved.")

    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say("Half a thought about listening", mentor)
    replies = await h.say("/cancel", mentor)
    said = " ".join(r.text for r in replies)
    assert "saved in your private journal" in said and "Nothing from that step" not in said
    assert replies[-1].text.startswith("Okay, stopped.")
    [entry] = await h.app.db.repo(JournalRepo).page((await h.person(mentor)).id, 0, 5)
    assert entry.text == "Half a thought about listening"
