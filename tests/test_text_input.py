"""bot/text: dates, times, counts, durations, several choices and yes/no in en, fi and sv."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.text import (
    parse_choices,
    parse_count,
    parse_date,
    parse_duration,
    parse_time,
    parse_when,
    parse_yes_no,
)

TODAY = date(2026, 11, 24)  # a Tuesday
SAT = date(2026, 11, 21)
TZ = ZoneInfo("Europe/Helsinki")


def _date(text, today=TODAY):
    r = parse_date(text, today)
    return (r.value, r.problem, r.guessed)


def test_exact_dates_are_taken_as_typed():
    assert _date("24.11.2026") == (date(2026, 11, 24), None, False)
    assert _date("2026-11-24") == (date(2026, 11, 24), None, False)
    assert _date("24.11.") == (date(2026, 11, 24), None, False)
    assert _date("24.11") == (date(2026, 11, 24), None, False)
    assert _date("20/11") == (date(2026, 11, 20), None, False)
    assert _date("20/11/26") == (date(2026, 11, 20), None, False)
    assert _date("25.11.") == (date(2026, 11, 25), None, False)  # tomorrow is fine
    assert _date("20 nov") == (date(2026, 11, 20), None, False)
    assert _date("20. marraskuuta") == (date(2026, 11, 20), None, False)
    assert _date("20 november 2026") == (date(2026, 11, 20), None, False)
    for word in ("today", "tänään", "idag", "i dag"):
        assert _date(word) == (TODAY, None, False), word
    for word in ("yesterday", "eilen", "igår", "i går"):
        assert _date(word) == (date(2026, 11, 23), None, False), word
    assert _date("toissapäivänä") == (date(2026, 11, 22), None, False)
    assert _date("i förrgår") == (date(2026, 11, 22), None, False)


def test_weekdays_are_guessed_and_asked_back():
    for typed in (
        "last saturday",
        "saturday",
        "Saturday",
        "on saturday",
        "sat",
        "viime lauantaina",
        "lauantaina",
        "la",
        "i lördags",
        "lördag",
        "förra lördagen",
    ):
        assert _date(typed) == (SAT, None, True), typed
    assert _date("tuesday") == (TODAY, None, True)  # today counts
    assert _date("last tuesday") == (date(2026, 11, 17), None, True)
    assert _date("viime tiistaina") == (date(2026, 11, 17), None, True)


def test_a_weekday_with_a_date_is_checked_against_it():
    assert _date("la 21.11.") == (SAT, None, False)
    assert _date("lördag 21.11.2026") == (SAT, None, False)
    assert _date("su 21.11.") == (SAT, None, True)  # the date wins, but it is asked back
    assert _date("la 29.11.") == (None, "future", False)


def test_a_day_and_month_ahead_means_last_year_when_far_enough():
    assert _date("26.11.") == (None, "future", False)  # a slip, not last year
    assert _date("24.11.", date(2027, 1, 10)) == (date(2026, 11, 24), None, True)
    assert _date("26.11.2026") == (None, "future", False)
    assert _date("23.11.2025") == (None, "old", False)
    assert _date("30.2.") == (None, "format", False)
    assert _date("someday") == (None, "format", False)


def test_counts_with_about_ranges_and_units():
    for typed, value in [
        ("12", 12),
        ("about 15", 15),
        ("ca 20", 20),
        ("ca. 20", 20),
        ("noin 12", 12),
        ("n. 12", 12),
        ("ungefär 15", 15),
        ("~15", 15),
        ("15 people", 15),
        ("12 henkeä", 12),
        ("20 personer", 20),
        ("twelve", 12),
        ("kymmenen", 10),
    ]:
        r = parse_count(typed, 500)
        assert (r.value, r.low, r.high) == (value, None, None), typed
    for typed in ("15-20", "15–20", "15 - 20", "15 to 20", "between 15 and 20", "15 ja 20 välillä"):
        r = parse_count(typed, 500)
        assert (r.value, r.low, r.high) == (18, 15, 20), typed
    assert parse_count("0", 500).problem == "zero"
    assert parse_count("501", 500).problem == "too_many"
    assert parse_count("490-510", 500).problem == "too_many"
    assert parse_count("lots", 500).problem == "not_number"


def _minutes(text):
    r = parse_duration(text)
    return (r.value, r.problem, r.guessed)


def test_durations_in_three_languages():
    for typed in (
        "1 h 30 min",
        "1h30min",
        "1h30",
        "1,5 h",
        "1.5 hours",
        "1,5 timmar",
        "90 min",
        "90 minuter",
        "90 minuuttia",
        "1 t 30 min",
        "1:30",
        "puolitoista tuntia",
        "en och en halv timme",
        "an hour and a half",
        "one and a half hours",
        "noin puolitoista tuntia",
    ):
        assert _minutes(typed) == (90, None, False), typed
    for typed in ("2h", "2 tuntia", "2 timmar", "two hours", "kaksi tuntia", "två timmar"):
        assert _minutes(typed) == (120, None, False), typed
    assert _minutes("an hour") == (60, None, False)
    assert _minutes("half an hour") == (30, None, False)
    assert _minutes("kaksi ja puoli tuntia") == (150, None, False)
    assert _minutes("två och en halv timme") == (150, None, False)


def test_a_bare_number_is_a_guess_and_nonsense_is_refused():
    assert _minutes("2") == (120, None, True)  # "2 hours?"
    assert _minutes("90") == (90, None, True)  # "90 minutes?"
    assert _minutes("90 30 min") == (None, "format", False)
    assert _minutes("5 min") == (None, "range", False)
    assert _minutes("13 h") == (None, "range", False)
    assert _minutes("long") == (None, "format", False)


def test_times_and_moments_ahead():
    assert parse_time("7pm").value == time(19, 0)
    assert parse_time("7.30 pm").value == time(19, 30)
    assert parse_time("klo 19").value == time(19, 0)
    assert parse_time("kl. 9.30").value == time(9, 30)
    assert parse_time("18:30").value == time(18, 30)
    assert parse_time("25:00").problem == "format"
    assert parse_time("13pm").problem == "format"

    def when(text):
        return parse_when(text, TODAY, TZ).value

    assert when("28.11.2026 14:30") == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert when("28.11. 14:30") == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert when("2026-11-28 14.30") == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    assert when("14:30") == datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
    for typed in ("tomorrow 9:00", "huomenna klo 9", "i morgon 9", "tomorrow 9am"):
        assert when(typed) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC), typed
    assert when("friday 10") == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert when("perjantaina klo 10") == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert when("3.1. 10:00") == datetime(2027, 1, 3, 8, 0, tzinfo=UTC)  # ahead: next year
    assert parse_when("31.02.2026 10:00", TODAY, TZ).problem == "format"
    assert parse_when("tomorrow", TODAY, TZ).problem == "format"


def test_several_choices_at_once():
    for typed in ("1 3", "1,3", "1, 3", "1 and 3", "1 ja 3", "1 och 3", "3 1"):
        assert parse_choices(typed, 4).value == [1, 3], typed
    assert parse_choices("1-3", 4).value == [1, 2, 3]
    assert parse_choices("5", 4).problem == "range"
    assert parse_choices("all of them", 4).problem == "format"


def test_yes_and_no_in_three_languages():
    for typed in ("yes", "Yes!", "kyllä", "joo", "ja", "ok", "yes please"):
        assert parse_yes_no(typed) is True, typed
    for typed in ("no", "ei", "nej", "No."):
        assert parse_yes_no(typed) is False, typed
    assert parse_yes_no("maybe") is None


@given(st.text(max_size=40))
def test_readers_never_raise(text):
    parse_date(text, TODAY)
    parse_count(text, 500)
    parse_duration(text)
    parse_time(text)
    parse_when(text, TODAY, TZ)
    parse_choices(text, 4)
    parse_yes_no(text)
