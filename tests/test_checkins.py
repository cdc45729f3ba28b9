"""Follow-up check-ins with a fake clock: by hand and by rule, answers, snoozes, quiet hours, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import parse_when
from bot.roles import Role
from storage.checkins import CheckinsRepo
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo
from storage.workshops import WorkshopsRepo
from tests.harness import Harness, make_config

HELSINKI = ZoneInfo("Europe/Helsinki")


def _checkins_to(h, user) -> list:
    return [s for s in h.sent_to(user) if "A check-in from" in s.text]


async def _step_until(h, until: datetime, step: timedelta = timedelta(minutes=30)) -> None:
    while h.clock.now() < until:
        await h.advance(step)


async def _schedule_in_3_days(h, expert, mentor_name: str) -> None:
    await h.say("/checkin", expert)
    choice = next(c.id for c in h.last(expert).out.all_choices() if c.label.startswith(mentor_name))
    await h.tap(choice, expert)
    await h.tap("ck:x:w:3d", expert)
    await h.tap("ck:x:default", expert)
    await h.tap("ck:x:ok", expert)


async def test_an_expert_schedules_a_check_in_and_gets_the_answer(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", cohort="2025-02")
    await h.onboard(Role.MENTOR, "Other cohort", cohort="2024-09")
    expert = await h.onboard(Role.EXPERT, "Eero", cohort="2025-02")
    await h.say("/checkin", expert)
    labels = h.last(expert).labels
    assert labels[0] == "Amina (2025-02)" and not any("Other cohort" in lb for lb in labels)
    await _schedule_in_3_days(h, expert, "Amina")
    assert "Scheduled: a check-in with Amina on 27.11.2026 12:00" in h.last(expert).text

    await _step_until(h, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    assert _checkins_to(h, mentor) == []
    await h.advance(timedelta(minutes=30))  # 12:00 in Helsinki
    [message] = _checkins_to(h, mentor)
    assert "Eero" in message.text and "How are you doing after your workshop?" in message.text
    checkin_id = int(message.choice_ids[0].split(":")[2])
    assert message.choice_ids == [f"ck:s:{checkin_id}:{n}" for n in range(1, 6)] + [
        f"ck:later:{checkin_id}"
    ]
    await h.tap(f"ck:s:{checkin_id}:4", mentor)
    await h.say("It went fine, a bit tired.", mentor)
    assert "4/5" in h.last(expert).text and "a bit tired" in h.last(expert).text
    stored = await h.app.db.repo(CheckinsRepo).get(checkin_id)
    assert (stored.status, stored.score, stored.words) == (
        "answered",
        4,
        "It went fine, a bit tired.",
    )
    await h.tap(f"ck:s:{checkin_id}:5", mentor)
    assert "already answered" in h.last(mentor).text
    await h.advance(timedelta(days=5))
    assert len(_checkins_to(h, mentor)) == 1, "no reminder after an answer"


async def test_a_low_score_or_need_help_opens_a_ticket(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    for score, words in [(2, ""), (4, "Actually I need help with one family.")]:
        await _schedule_in_3_days(h, expert, "Amina")
        await h.advance(timedelta(days=3, hours=1))
        checkin_id = int(_checkins_to(h, mentor)[-1].choice_ids[0].split(":")[2])
        await h.tap(f"ck:s:{checkin_id}:{score}", mentor)
        if words:
            await h.say(words, mentor)
        else:
            await h.tap(f"ck:skip:{checkin_id}", mentor)
        stored = await h.app.db.repo(CheckinsRepo).get(checkin_id)
        assert stored.ticket_id is not None
        ticket = await h.app.db.repo(TicketsRepo).get(stored.ticket_id)
        assert (ticket.source, ticket.topic) == ("checkin", "wellbeing")
        assert any(
            f"#{ticket.id}" in s.text and "Check-in answer" in s.text for s in h.sent_to(expert)
        )
    assert "have been asked to contact you" in "\n".join(s.text for s in h.sent_to(mentor))


async def test_snooze_at_most_twice(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await _schedule_in_3_days(h, expert, "Amina")
    await h.advance(timedelta(days=3, hours=1))
    checkin_id = int(_checkins_to(h, mentor)[-1].choice_ids[0].split(":")[2])
    for _ in range(2):
        await h.tap(f"ck:later:{checkin_id}", mentor)
        await h.tap(f"ck:snz:{checkin_id}:3h", mentor)
        assert "I will ask again" in h.last(mentor).text
        await h.advance(timedelta(hours=3, minutes=30))
    assert len(_checkins_to(h, mentor)) == 3
    await h.tap(f"ck:later:{checkin_id}", mentor)
    assert "postponed twice" in h.sent_to(mentor)[-2].text
    assert h.last(mentor).choice_ids[0] == f"ck:s:{checkin_id}:1"
    await h.tap(f"ck:snz:{checkin_id}:1d", mentor)
    assert (await h.app.db.repo(CheckinsRepo).get(checkin_id)).snoozes == 2


async def test_no_answer_gets_one_reminder_then_is_missed(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await _schedule_in_3_days(h, expert, "Amina")
    await h.advance(timedelta(days=3, hours=1))
    await _step_until(h, h.clock.now() + timedelta(hours=49))
    messages = _checkins_to(h, mentor)
    assert len(messages) == 2 and "gentle reminder" in messages[1].text
    await _step_until(h, h.clock.now() + timedelta(hours=49))
    assert len(_checkins_to(h, mentor)) == 2
    assert "did not answer check-in" in h.last(expert).text
    checkin_id = int(messages[0].choice_ids[0].split(":")[2])
    assert (await h.app.db.repo(CheckinsRepo).get(checkin_id)).status == "missed"
    # Missed, but found again from the menu it can still be answered (a calm follow-up).
    await h.say("/menu", mentor)
    assert f"ck:open:{checkin_id}" in h.last(mentor).choice_ids
    await h.tap(f"ck:open:{checkin_id}", mentor)
    await h.tap(f"ck:s:{checkin_id}:3", mentor)
    assert (await h.app.db.repo(CheckinsRepo).get(checkin_id)).status == "answered"


async def test_the_rule_after_a_logged_workshop_tailors_the_question(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", cohort="2025-02")
    expert = await h.onboard(Role.EXPERT, "Eero", cohort="2025-02")
    person = await h.person(mentor)
    await h.app.db.repo(WorkshopsRepo).add(
        person.id,
        "2025-02",
        {
            "held_on": date(2026, 11, 23),
            "community": "Youth club",
            "participants": 10,
            "themes": ("s3",),
            "duration_min": 60,
        },
    )  # a direct insert does not fire the rule; the form below does
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:yesterday", mentor)
    await h.say("Youth club", mentor)
    await h.say("10", mentor)
    await h.tap("ws:th:s3", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:60", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:save", mentor)
    [checkin] = await h.app.db.repo(CheckinsRepo).of_mentor(person.id)
    assert checkin.expert_id == (await h.person(expert)).id
    assert checkin.due_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 7 days later, 12:00 local
    await h.say("/checkins", expert)
    assert "Amina · 30.11.2026 12:00" in h.last(expert).text
    await _step_until(h, datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    [message] = _checkins_to(h, mentor)
    assert "preventing radicalisation" in message.text


async def test_rule_can_be_turned_off(tmp_path):
    config = make_config(
        tmp_path / "bot.db", "features:\n  checkins:\n    after_workshop_days: 0\n"
    )
    h = Harness(tmp_path / "bot.db", config)
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Amina")
        await h.tap("ws:new", mentor)
        await h.tap("ws:date:today", mentor)
        await h.say("Group", mentor)
        await h.say("4", mentor)
        await h.tap("ws:th:s1", mentor)
        await h.tap("ws:th:done", mentor)
        await h.tap("ws:dur:60", mentor)
        await h.tap("ws:cof:no", mentor)
        await h.tap("ws:skip:well", mentor)
        await h.tap("ws:skip:hard", mentor)
        await h.tap("ws:sup:no", mentor)
        await h.tap("ws:save", mentor)
        person = await h.person(mentor)
        assert await h.app.db.repo(CheckinsRepo).of_mentor(person.id) == []
    finally:
        await h.stop()


async def test_typed_time_quiet_hours_and_the_mentors_timezone(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    ana = await h.onboard(Role.MENTOR, "Ana Lopez")
    expert = await h.onboard(Role.EXPERT, "Eero")
    person = await h.person(ana)
    await h.app.db.repo(PeopleRepo).update(person.id, timezone="America/New_York")

    await h.say("/checkin", expert)
    await h.say("lopez", expert)  # search by name
    await h.tap(h.last(expert).choice_ids[0], expert)
    await h.say("tomorrow at ten", expert)
    assert "couldn't read that" in h.last(expert).text
    await h.say("20.11.2026 10:00", expert)
    assert "in the future" in h.last(expert).text
    await h.say("25.11.2026 22:30", expert)  # 15:30 in New York: allowed there
    await h.say("How did the parents' evening go?", expert)
    assert "How did the parents' evening go?" in h.last(expert).text
    await h.tap("ck:x:ok", expert)

    await _schedule_in_3_days(h, expert, "Amina")
    await h.say("/checkins", expert)
    move = [c for c in h.last(expert).choice_ids if c.startswith("ck:x:mv:")][-1]  # Amina's
    await h.tap(move, expert)
    await h.say("25.11.2026 22:30", expert)  # in Helsinki's quiet hours
    assert "moved to 25.11.2026 22:30" in h.last(expert).text

    await _step_until(h, datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    assert len(_checkins_to(h, ana)) == 1  # 20:30 UTC = 15:30 in New York
    assert "parents' evening" in _checkins_to(h, ana)[0].text
    assert _checkins_to(h, mentor) == []  # 22:30 in Helsinki waits for the morning
    await _step_until(h, datetime(2026, 11, 26, 5, 30, tzinfo=UTC))
    assert _checkins_to(h, mentor) == []
    await h.advance(timedelta(minutes=30))  # 08:00 in Helsinki
    assert len(_checkins_to(h, mentor)) == 1


async def test_due_and_overdue_check_ins_after_a_restart_are_sent_once(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await _schedule_in_3_days(h, expert, "Amina")
    await _schedule_in_3_days(h, expert, "Amina")
    await h.say("/checkins", expert)
    cancel = [c for c in h.last(expert).choice_ids if c.startswith("ck:x:cx:")][1]
    await h.tap(cancel, expert)
    assert "is cancelled" in h.last(expert).text
    await _schedule_in_3_days(h, expert, "Amina")
    await h.stop()
    h.clock.advance(timedelta(days=5))  # the bot was down when they fell due
    await h.start()
    assert await h.app.scheduler.run_due() >= 2  # two check-ins (and the nightly clean-up)
    assert len(_checkins_to(h, mentor)) == 2
    await h.restart()
    assert await h.app.scheduler.run_due() == 0
    assert len(_checkins_to(h, mentor)) == 2


def test_parse_when():
    tz = ZoneInfo("Europe/Helsinki")
    today = date(2026, 11, 24)
    assert parse_when("28.11.2026 14:30", today, tz) == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert parse_when("28.11. 14:30", today, tz) == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert parse_when("2026-11-28 14.30", today, tz) == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert parse_when("14:30", today, tz) == datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
    assert parse_when("31.02.2026 10:00", today, tz) is None
    assert parse_when("25:00", today, tz) is None
