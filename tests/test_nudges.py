"""Nudges with a fake clock: rhythm and time, restarts, quiet hours, timezones and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.features.nudges.service import next_nudge_time
from bot.roles import Role
from storage.jobs import JobsRepo
from storage.people import PeopleRepo
from tests.harness import make_config

HELSINKI = ZoneInfo("Europe/Helsinki")


def _nudges(h, user) -> list:
    return [s for s in h.sent_to(user) if "Here is your next bite" in s.text]


async def _step_until(h, until: datetime, step: timedelta = timedelta(minutes=30)) -> None:
    while h.clock.now() < until:
        await h.advance(step)


async def _times_of_nudges(h, user, until: datetime) -> list[datetime]:
    """Walk the clock in 30-minute steps and note when each nudge arrived (local time)."""
    seen: list[datetime] = []
    while h.clock.now() < until:
        before = len(_nudges(h, user))
        await h.advance(timedelta(minutes=30))
        if len(_nudges(h, user)) > before:
            seen.append(h.clock.now().astimezone(HELSINKI))
            await h.tap("learn:home", user)  # the mentor reacts, so nudges keep coming
    return seen


async def test_daily_nudge_arrives_once_a_day_across_a_restart(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    await h.say("/reminders", mentor)
    assert "Reminders are off" in h.last(mentor).text
    await h.tap("nudge:r:daily", mentor)
    assert "nudge:t:17:00" in h.last(mentor).choice_ids
    await h.say("18:00", mentor)
    assert "Every day at 18:00" in h.last(mentor).text
    assert "24.11. 18:00" in h.last(mentor).text  # the clock is 12:00 in Helsinki

    await _step_until(h, datetime(2026, 11, 24, 15, 30, tzinfo=UTC))  # 17:30 local
    assert _nudges(h, mentor) == []
    await h.advance(timedelta(minutes=30))
    nudges = _nudges(h, mentor)
    assert len(nudges) == 1
    first_bite = h.app.content.section("s1").bites[0]
    assert first_bite.title.get("en") in nudges[0].text
    assert f"learn:next:{first_bite.id}" in nudges[0].choice_ids

    await h.restart()
    assert await h.app.scheduler.run_due() == 0
    await _step_until(h, datetime(2026, 11, 25, 15, 30, tzinfo=UTC))
    assert len(_nudges(h, mentor)) == 1, "nothing twice, nothing early"
    await h.advance(timedelta(minutes=30))
    nudges = _nudges(h, mentor)
    assert len(nudges) == 2
    assert h.app.content.section("s1").bites[1].title.get("en") in nudges[1].text
    pending = await h.app.db.repo(JobsRepo).pending_for("nudge", str((await h.person(mentor)).id))
    assert len(pending) == 1


async def test_three_unanswered_nudges_stop_until_the_mentor_returns(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    await h.tap("nudge:r:daily", mentor)
    await h.tap("nudge:t:12:00", mentor)
    await _step_until(h, h.clock.now() + timedelta(days=6))
    nudges = _nudges(h, mentor)
    assert len(nudges) == 3
    assert "last reminder" in nudges[-1].text
    await h.say("/reminders", mentor)
    assert "paused because the last three went unanswered" in h.last(mentor).text

    await h.tap("learn:home", mentor)  # back again
    await _step_until(h, h.clock.now() + timedelta(days=1))
    assert len(_nudges(h, mentor)) == 4


async def test_nudges_follow_helsinki_across_daylight_saving(tmp_path):
    from tests.harness import Harness

    h = Harness(tmp_path / "bot.db")
    h.clock.set(datetime(2027, 3, 26, 8, 0, tzinfo=UTC))  # Friday; DST starts Sunday 28 March
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Anna")
        await h.tap("nudge:r:daily", mentor)
        await h.say("18:30", mentor)
        times = await _times_of_nudges(h, mentor, datetime(2027, 3, 30, 12, 0, tzinfo=UTC))
        assert [t.strftime("%d %H:%M %Z") for t in times] == [
            "26 18:30 EET",
            "27 18:30 EET",
            "28 18:30 EEST",
            "29 18:30 EEST",
        ]
    finally:
        await h.stop()


async def test_three_a_week_and_weekly_rhythms():
    tz = HELSINKI
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki
    at = time(9, 0)
    got = []
    after, last = monday, None
    for _ in range(4):
        nxt = next_nudge_time("3week", at, tz, after, last)
        got.append(nxt.astimezone(tz).strftime("%a %H:%M"))
        after = last = nxt
    assert got == ["Mon 09:00", "Wed 09:00", "Fri 09:00", "Mon 09:00"]
    weekly = next_nudge_time("weekly", at, tz, monday + timedelta(hours=4))
    assert weekly.astimezone(tz).strftime("%a %d.%m. %H:%M") == "Mon 30.11. 09:00"
    assert next_nudge_time("off", at, tz, monday) is None


async def test_times_are_validated_kindly(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    await h.tap("nudge:r:3week", mentor)
    await h.say("half past six", mentor)
    assert "couldn't read" in h.sent_to(mentor)[-2].text
    await h.say("25:99", mentor)
    assert "couldn't read" in h.sent_to(mentor)[-2].text
    await h.say("22:30", mentor)
    assert "quiet hours (21:00–08:00)" in h.sent_to(mentor)[-2].text
    await h.say("7", mentor)
    assert "quiet hours" in h.sent_to(mentor)[-2].text
    await h.say("18.45", mentor)
    assert "3 times a week (Mon, Wed, Fri) at 18:45" in h.last(mentor).text
    await h.say("/reminders", mentor)
    await h.tap("nudge:r:off", mentor)
    person = await h.person(mentor)
    assert await h.app.db.repo(JobsRepo).pending_for("nudge", str(person.id)) == []


async def test_nudges_use_the_mentors_own_timezone_and_defer_past_quiet_hours(tmp_path):
    from tests.harness import Harness

    h = Harness(tmp_path / "bot.db")
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Ana")
        person = await h.person(mentor)
        await h.app.db.repo(PeopleRepo).update(person.id, timezone="America/New_York")
        await h.tap("nudge:r:daily", mentor)
        await h.say("12:00", mentor)  # noon in New York is 17:00 UTC
        await _step_until(h, datetime(2026, 11, 24, 16, 30, tzinfo=UTC))
        assert _nudges(h, mentor) == []
        await h.advance(timedelta(minutes=30))
        assert len(_nudges(h, mentor)) == 1

        # The operator widens the quiet hours over noon; the pending nudge waits until they end.
        await h.stop()
        h.config = make_config(
            tmp_path / "bot.db", "  quiet_hours:\n    start: '11:00'\n    end: '13:30'\n"
        )
        await h.start()
        await _step_until(h, datetime(2026, 11, 25, 18, 0, tzinfo=UTC))  # 13:00 in New York
        assert len(_nudges(h, mentor)) == 1
        await _step_until(h, datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
        assert len(_nudges(h, mentor)) == 2
    finally:
        await h.stop()


async def test_paused_mentors_get_no_nudges(h):
    mentor = await h.onboard(Role.MENTOR, "Anna")
    await h.tap("nudge:r:daily", mentor)
    await h.tap("nudge:t:12:00", mentor)
    person = await h.person(mentor)
    await h.app.db.repo(PeopleRepo).update(person.id, paused=1)
    await _step_until(h, h.clock.now() + timedelta(days=2))
    assert _nudges(h, mentor) == []
    await h.app.db.repo(PeopleRepo).update(person.id, paused=0)
    await _step_until(h, h.clock.now() + timedelta(days=1))
    assert len(_nudges(h, mentor)) == 1
