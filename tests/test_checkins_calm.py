"""Calm follow-ups: one check-in per mentor per 7 days, none for workshops logged late, merged
duplicates, never in the middle of a form."""

from __future__ import annotations

from datetime import date, timedelta

from bot.roles import Role
from storage.checkins import CheckinsRepo
from storage.workshops import WorkshopsRepo
from tests.harness import Harness, make_config

TODAY = date(2026, 11, 24)


async def _logged(h, user, held_on: date, themes=("s1",)) -> None:
    person = await h.person(user)
    await h.app.events.emit(
        "workshop.logged", person=person, workshop_id=None, themes=themes, held_on=held_on
    )


async def _checkins(h, user):
    return [
        c
        for c in await h.app.db.repo(CheckinsRepo).of_mentor((await h.person(user)).id)
        if c.status != "cancelled"
    ]


async def test_a_workshop_logged_weeks_late_gets_no_check_in(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await _logged(h, mentor, TODAY - timedelta(days=49))  # seven weeks late
    assert await _checkins(h, mentor) == []
    await _logged(h, mentor, TODAY - timedelta(days=14))  # two weeks: still followed up
    assert len(await _checkins(h, mentor)) == 1


async def test_two_workshops_close_together_share_one_check_in(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await _logged(h, mentor, TODAY)
    await _logged(h, mentor, TODAY)  # the same day
    await _logged(h, mentor, TODAY - timedelta(days=3))
    assert len(await _checkins(h, mentor)) == 1
    await _logged(h, mentor, TODAY + timedelta(days=10))  # logged ahead, far enough apart
    assert len(await _checkins(h, mentor)) == 2


async def test_queued_check_ins_from_before_are_thinned_when_they_fall_due(h):
    """Check-ins queued before the rule (six in ten days) go out at most once a week."""
    mentor = await h.onboard(Role.MENTOR, "Amina")
    person = await h.person(mentor)
    repo = h.app.db.repo(CheckinsRepo)
    form = {"held_on": TODAY, "community": "x", "participants": 5, "themes": ("s1",)}
    workshop = await h.app.db.repo(WorkshopsRepo).add(person.id, None, form)
    for day in range(0, 10, 2):
        due = h.clock.now() + timedelta(days=day, hours=1)
        checkin = await repo.add(person.id, None, due, workshop_id=workshop)
        await h.app.scheduler.add("checkin", str(checkin.id), checkin.due_at)
    for _ in range(12 * 24):
        await h.advance(timedelta(hours=1))
    sent = [s for s in h.sent_to(mentor) if s.text.startswith("A check-in from")]
    assert len(sent) == 2, [s.text[:30] for s in sent]  # days 0 and 8, a week apart
    statuses = [c.status for c in await repo.of_mentor(person.id)]
    assert statuses.count("cancelled") == 3


async def test_a_check_in_waits_while_the_mentor_is_in_a_form(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    person = await h.person(mentor)
    repo = h.app.db.repo(CheckinsRepo)
    checkin = await repo.add(person.id, None, h.clock.now() + timedelta(minutes=5))
    await h.app.scheduler.add("checkin", str(checkin.id), checkin.due_at)
    await h.tap("ws:new", mentor)
    await h.advance(timedelta(minutes=10))
    assert not [s for s in h.sent_to(mentor) if "A check-in from" in s.text]
    await h.tap("ws:cancel", mentor)
    await h.advance(timedelta(minutes=40))
    [question] = [s for s in h.sent_to(mentor) if "A check-in from" in s.text]
    assert not question.out.numbered


async def test_the_gap_is_configurable(tmp_path):
    h = Harness(
        tmp_path / "bot.db",
        make_config(tmp_path / "bot.db", "features:\n  checkins:\n    min_gap_days: 0\n"),
    )
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Amina")
        await _logged(h, mentor, TODAY)
        await _logged(h, mentor, TODAY)
        assert len(await _checkins(h, mentor)) == 2
    finally:
        await h.stop()
