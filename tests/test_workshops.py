"""The workshop log through the router: the whole form, every validation branch, edit, delete."""

from __future__ import annotations

from datetime import date

from bot.roles import Role
from storage.workshops import DraftsRepo, WorkshopsRepo

TODAY = date(2026, 11, 24)  # the harness clock: 2026-11-24 12:00 in Helsinki


async def _log(h, user, community: str = "Somali women's group, Vantaa", participants: str = "12"):
    """Log a workshop the quick way; returns the saved workshop."""
    await h.tap("ws:new", user)
    await h.tap("ws:date:yesterday", user)
    await h.say(community, user)
    await h.say(participants, user)
    await h.tap("ws:th:s1", user)
    await h.tap("ws:th:done", user)
    await h.tap("ws:dur:120", user)
    await h.tap("ws:cof:no", user)
    await h.tap("ws:skip:well", user)
    await h.tap("ws:skip:hard", user)
    await h.tap("ws:sup:no", user)
    await h.tap("ws:save", user)
    person = await h.person(user)
    return (await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 1))[0]


def _texts(h, user, last: int) -> str:
    return "\n".join(s.text for s in h.sent_to(user)[-last:])


async def test_the_whole_form_with_bad_answers_on_the_way(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", cohort="2025-02")
    assert "ws:new" in h.last(mentor).choice_ids
    await h.tap("ws:new", mentor)
    assert h.last(mentor).choice_ids[:2] == ["ws:date:today", "ws:date:yesterday"]

    await h.say("31.02.2026", mentor)
    assert "couldn't read that as a date" in h.last(mentor).text
    await h.say("2027-01-05", mentor)
    assert "in the future" in h.last(mentor).text
    await h.say("1.1.2025", mentor)  # the third bad answer: the buttons again
    assert "more than a year ago" in _texts(h, mentor, 2)
    assert h.last(mentor).choice_ids[:2] == ["ws:date:today", "ws:date:yesterday"]
    await h.say("20.11.", mentor)

    assert "Which community" in h.last(mentor).text
    await h.say("x" * 81, mentor)
    assert "at most 80 characters" in h.last(mentor).text
    await h.say("  Somali women's   group, Vantaa ", mentor)

    await h.say("0", mentor)
    assert "At least one person" in h.last(mentor).text
    await h.say("1000", mentor)
    assert "more than 500" in h.last(mentor).text
    await h.say("lots", mentor)
    assert "couldn't read that as a number of people" in h.last(mentor).text
    assert "ws:n:10" in h.last(mentor).choice_ids
    await h.say("12", mentor)

    await h.tap("ws:th:done", mentor)
    assert "at least one theme" in h.last(mentor).text
    await h.tap("ws:th:s1", mentor)
    assert h.last(mentor).labels[0].startswith("✓ ")
    await h.tap("ws:th:s3", mentor)
    await h.tap("ws:th:s1", mentor)  # untick
    await h.tap("ws:th:s1", mentor)  # and tick again
    await h.tap("ws:th:done", mentor)

    await h.say("a while", mentor)
    assert "couldn't read that as a duration" in h.last(mentor).text
    await h.say("1,5 h", mentor)
    await h.say("maybe", mentor)
    assert "choose one of the options" in h.last(mentor).text
    await h.say("yes", mentor)
    await h.say("Everyone shared a story about their first winter here.", mentor)
    assert "anonymous good-practice" in h.last(mentor).text
    await h.tap("ws:share:yes", mentor)
    await h.say("Two people left early.", mentor)
    await h.tap("ws:sup:no", mentor)

    summary = h.last(mentor).text
    assert "Date: 20.11.2026" in summary
    assert "Community: Somali women's group, Vantaa" in summary
    assert "Participants: 12" in summary
    assert "Themes: Mental health and resilience, Prevention of radicalisation" in summary
    assert "Duration: 1.5 h" in summary
    assert h.last(mentor).choice_ids == ["ws:save", "ws:edit", "ws:cancel"]

    await h.tap("ws:edit", mentor)
    await h.tap("ws:ef:participants", mentor)
    await h.say("15", mentor)
    assert "Participants: 15" in h.last(mentor).text
    await h.tap("ws:save", mentor)
    assert "Saved" in _texts(h, mentor, 2)

    person = await h.person(mentor)
    [w] = await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 10)
    assert (w.held_on, w.community, w.participants, w.themes) == (
        date(2026, 11, 20),
        "Somali women's group, Vantaa",
        15,
        ("s1", "s3"),
    )
    assert (w.duration_min, w.co_facilitated, w.share_practice, w.needs_support) == (
        90,
        True,
        True,
        False,
    )
    assert w.went_well.startswith("Everyone shared") and w.was_hard == "Two people left early."
    assert w.cohort == "2025-02"


async def test_recent_communities_come_back_as_buttons(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await _log(h, mentor, community="Youth club Itä-Helsinki")
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    assert h.last(mentor).labels[0] == "Youth club Itä-Helsinki"
    await h.tap("ws:comm:0", mentor)
    assert "How many people" in h.last(mentor).text


async def test_a_draft_survives_a_restart(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Mosque youth group", mentor)
    await h.restart()
    await h.say("8", mentor)
    assert "Which themes" in h.last(mentor).text
    await h.tap("ws:th:s2", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:60", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:save", mentor)
    person = await h.person(mentor)
    [w] = await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 10)
    assert (w.community, w.participants, w.themes) == ("Mosque youth group", 8, ("s2",))


async def test_cancel_keeps_nothing_but_leaving_keeps_the_draft(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    person = await h.person(mentor)
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Parents' evening", mentor)
    await h.say("/cancel", mentor)
    assert "Nothing from that step was saved" in _texts(h, mentor, 2)
    assert await h.app.db.repo(DraftsRepo).take(person.id) is None
    assert await h.app.db.repo(WorkshopsRepo).count(person.id) == 0

    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Parents' evening", mentor)
    await h.say("/learn", mentor)  # off to something else
    assert "unfinished workshop log is kept" in _texts(h, mentor, 2)
    await h.tap("ws:new", mentor)
    assert "Continue where you left off" in h.last(mentor).text
    await h.tap("ws:resume", mentor)
    assert "How many people" in h.last(mentor).text
    await h.say("20", mentor)
    assert "Which themes" in h.last(mentor).text
    await h.tap("ws:cancel", mentor)
    assert "Nothing was saved" in _texts(h, mentor, 2)
    assert await h.app.db.repo(WorkshopsRepo).count(person.id) == 0


async def test_list_open_edit_and_delete_own_workshops_only(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    other = await h.onboard(Role.MENTOR, "Omar")
    await h.say("/workshops", mentor)
    assert "haven't logged any" in h.last(mentor).text
    for n in range(6):
        await _log(h, mentor, community=f"Group {n}", participants=str(10 + n))
    await h.say("/workshops", mentor)
    assert "(6 in all)" in h.last(mentor).text
    assert "Group 5" in h.last(mentor).text and "Group 0" not in h.last(mentor).text
    await h.tap("ws:list:1", mentor)
    assert "Group 0" in h.last(mentor).text

    person = await h.person(mentor)
    first = (await h.app.db.repo(WorkshopsRepo).page(person.id, 5, 1))[0]
    await h.tap(f"ws:open:{first.id}", other)
    assert "not in your log" in _texts(h, other, 2)
    await h.tap(f"ws:delok:{first.id}", other)
    assert await h.app.db.repo(WorkshopsRepo).get(first.id) is not None

    await h.tap(f"ws:open:{first.id}", mentor)
    assert "Community: Group 0" in h.last(mentor).text
    await h.tap(f"ws:change:{first.id}", mentor)
    await h.tap("ws:edit", mentor)
    await h.tap("ws:ef:community", mentor)
    await h.say("Group zero", mentor)
    await h.tap("ws:save", mentor)
    assert (await h.app.db.repo(WorkshopsRepo).get(first.id)).community == "Group zero"
    assert await h.app.db.repo(WorkshopsRepo).count(person.id) == 6

    await h.tap(f"ws:del:{first.id}", mentor)
    assert "cannot be undone" in h.last(mentor).text
    await h.tap(f"ws:delok:{first.id}", mentor)
    assert await h.app.db.repo(WorkshopsRepo).get(first.id) is None
    audit = await h.app.db.fetchall(
        "SELECT actor_id, subject FROM audit_log WHERE action = 'workshop.deleted'"
    )
    assert [(a["actor_id"], a["subject"]) for a in audit] == [(person.id, str(first.id))]


async def test_support_request_reaches_staff_when_no_experts_exist(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    mentor = await h.onboard(Role.MENTOR, "Amina")
    h.app.services.escalations = None  # without experts in the loop, staff are told
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Women's circle", mentor)
    await h.say("9", mentor)
    await h.tap("ws:th:s4", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:90", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.say("A conflict between two families came up.", mentor)
    await h.tap("ws:sup:yes", mentor)
    await h.tap("ws:save", mentor)
    assert "staff have been told" in _texts(h, mentor, 3)
    assert "Amina asked for support" in h.last(staff).text
    assert "A conflict between two families" in h.last(staff).text
    person = await h.person(mentor)
    [w] = await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 1)
    assert w.needs_support and w.support_flagged


async def test_staff_turn_shared_practices_into_an_announcement(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.say("/practices", staff)
    assert "No mentor has shared" in h.last(staff).text
    for note, share in [
        ("Tea first, then talk.", True),
        ("Private note.", False),
        ("Kids drew maps.", True),
    ]:
        await h.tap("ws:new", mentor)
        await h.tap("ws:date:today", mentor)
        await h.say("Group", mentor)
        await h.say("5", mentor)
        await h.tap("ws:th:s2", mentor)
        await h.tap("ws:th:done", mentor)
        await h.tap("ws:dur:60", mentor)
        await h.tap("ws:cof:no", mentor)
        await h.say(note, mentor)
        await h.tap("ws:share:yes" if share else "ws:share:no", mentor)
        await h.tap("ws:skip:hard", mentor)
        await h.tap("ws:sup:no", mentor)
        await h.tap("ws:save", mentor)

    await h.say("/practices", staff)
    listing = h.last(staff).text
    assert "Tea first" in listing and "Kids drew maps" in listing
    assert "Private note" not in listing and "Amina" not in listing and "Group" not in listing
    first = h.last(staff).choice_ids[0]
    await h.tap(first, staff)
    assert h.last(staff).labels[0].startswith("✓ ")
    h.app.services.broadcasts = None  # without broadcasts, staff get the text to copy
    await h.tap("pr:make", staff)
    assert "Kids drew maps" in h.last(staff).text  # the newest one was selected
    assert "Tea first" not in h.last(staff).text

    await h.say("/practices", mentor)
    assert "not available for your role" in h.last(mentor).text


async def test_cancelling_an_edit_says_the_workshop_is_kept(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await _log(h, mentor, community="Group 1", participants="12")
    person = await h.person(mentor)
    [saved] = await h.app.db.repo(WorkshopsRepo).page(person.id, 0, 1)
    await h.tap(f"ws:change:{saved.id}", mentor)
    await h.tap("ws:cancel", mentor)
    assert "stays as it was saved" in h.last(mentor).text
    assert "Nothing" not in h.last(mentor).text
    assert (await h.app.db.repo(WorkshopsRepo).get(saved.id)).community == "Group 1"
