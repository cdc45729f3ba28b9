"""Dates and times as people type them: 24.11., 29/11, la 29.11., last Saturday, i lördags, 7pm."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import local_at
from bot.text import words as w
from bot.text.reading import Reading, fold

MAX_AGE_DAYS = 365  # a past date further back than this is refused ("old")
ROLLBACK_AFTER_DAYS = 60  # a day-and-month this far ahead means last year; nearer, a mistake

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[./]\s*(\d{1,2})\s*(?:[./]\s*(\d{4}|\d{2})?)?$")
_NAMED = re.compile(r"^(\d{1,2})\.?\s*([a-zåäö]+)\.?(?:\s+(\d{4}))?$")
_NAMED_FIRST = re.compile(r"^([a-zåäö]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\.?(?:,?\s+(\d{4}))?$")
_TIME = re.compile(r"^(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def parse_date(text: str, today: date) -> Reading[date]:
    """A past date (or tomorrow at the latest); problems: format, future, old.

    Exact forms (24.11.2026, 2026-11-24, today, yesterday) are taken as they are; forms that
    need a guess (a weekday, a day and month taken as last year's) come back `guessed`.
    """
    raw = fold(text)
    relative = _relative_past(raw, today)
    if relative is not None:
        return _in_range(relative, today, guessed=False)
    weekday, rest = _split_weekday(raw)
    if weekday is not None and not rest:
        return _in_range(_last_weekday(weekday, today, raw), today, guessed=True)
    day, year_given = _calendar_date(rest if weekday is not None else raw, today)
    if day is None:
        return Reading(problem="format")
    guessed = weekday is not None and day.weekday() != weekday
    tomorrow = today + timedelta(days=1)
    if not year_given and day > tomorrow + timedelta(days=ROLLBACK_AFTER_DAYS):
        # "24.11." typed in January means last November; "30.11." on 25.11. is a slip
        try:
            day, guessed = day.replace(year=day.year - 1), True
        except ValueError:
            return Reading(problem="format")
    return _in_range(day, today, guessed=guessed)


def _in_range(day: date, today: date, *, guessed: bool) -> Reading[date]:
    if day > today + timedelta(days=1):
        return Reading(problem="future")
    if day < today - timedelta(days=MAX_AGE_DAYS):
        return Reading(problem="old")
    return Reading(day, guessed=guessed)


def _relative_past(raw: str, today: date) -> date | None:
    if raw in w.TODAY:
        return today
    if raw in w.YESTERDAY:
        return today - timedelta(days=1)
    if raw in w.DAY_BEFORE:
        return today - timedelta(days=2)
    return None


def _split_weekday(raw: str) -> tuple[int | None, str]:
    """A weekday at the start ("la 29.11.", "last saturday", "i lördags") and the rest."""
    tokens = raw.replace(",", " ").split()
    start = 0
    while start < len(tokens) - 1 and tokens[start] in (*w.LAST_WORDS, *w.ON_WORDS):
        start += 1
    if start < len(tokens) and tokens[start].rstrip(".") in w.WEEKDAYS:
        return w.WEEKDAYS[tokens[start].rstrip(".")], " ".join(tokens[start + 1 :])
    return None, raw


def _last_weekday(weekday: int, today: date, raw: str) -> date:
    """The most recent such day: today counts, unless "last", "viime", "förra", "i ...s"."""
    back = (today.weekday() - weekday) % 7
    if back == 0 and raw.split()[0] in w.LAST_WORDS:
        back = 7
    return today - timedelta(days=back)


def _calendar_date(raw: str, today: date) -> tuple[date | None, bool]:
    """(the date, whether a year was given) from a numeric or named date."""
    day = month = None
    year: int | None = None
    if m := _ISO.match(raw):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _NUMERIC.match(raw):
        day, month = int(m.group(1)), int(m.group(2))
        year = _year(m.group(3))
    elif (m := _NAMED.match(raw)) and m.group(2) in w.MONTHS:
        day, month, year = int(m.group(1)), w.MONTHS[m.group(2)], _year(m.group(3))
    elif (m := _NAMED_FIRST.match(raw)) and m.group(1) in w.MONTHS:
        day, month, year = int(m.group(2)), w.MONTHS[m.group(1)], _year(m.group(3))
    if day is None:
        return None, False
    try:
        return date(year or today.year, month, day), year is not None
    except ValueError:
        return None, False


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) + (2000 if len(text) == 2 else 0)


def parse_time(text: str) -> Reading[time]:
    """A time of day: 18:30, 18.30, 18, 7pm, 7.30 pm, klo 19, kl. 9; problem: format."""
    raw = fold(text)
    for word in ("klo", "kl", "at", "om", "kello", "på"):
        if raw.startswith(word + " ") or raw.startswith(word + ". "):
            raw = raw.split(" ", 1)[1].strip()
    if raw in ("noon", "midday", "keskipäivä", "keskipäivällä", "mitt på dagen"):
        return Reading(time(12, 0))
    m = _TIME.match(raw)
    if not m:
        return Reading(problem="format")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "")[:1]
    if half and not 1 <= hour <= 12:
        return Reading(problem="format")
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return Reading(problem="format")
    return Reading(time(hour, minute))


def parse_when(text: str, today: date, tz: ZoneInfo) -> Reading[datetime]:
    """A moment ahead, as UTC: '28.11.2026 14:30', 'tomorrow 9:00', 'friday 10', '14:30' (today).

    Problems: format. Whether it is far enough ahead is the caller's to judge.
    """
    raw = fold(text)
    day_part, time_part = _split_day_and_time(raw)
    at = parse_time(time_part) if time_part else Reading(problem="format")
    if not at.ok:
        return Reading(problem="format")
    if not day_part:
        return Reading(local_at(today, at.value, tz))
    day = _future_day(day_part, today)
    if day is None:
        return Reading(problem="format")
    return Reading(local_at(day, at.value, tz))


def _split_day_and_time(raw: str) -> tuple[str, str]:
    """'tomorrow 9:00' -> ('tomorrow', '9:00'); '28.11. klo 14' -> ('28.11.', '14')."""
    tokens = raw.split()
    for cut in range(len(tokens) - 1, -1, -1):
        tail = " ".join(tokens[cut:])
        if parse_time(tail).ok:
            head = tokens[:cut]
            while head and head[-1] in ("klo", "kl", "kl.", "at", "om", "kello"):
                head = head[:-1]
            return " ".join(head).rstrip(","), tail
    return raw, ""


def _future_day(raw: str, today: date) -> date | None:
    """A day from today on: tomorrow, a weekday ahead, or a calendar date (this year or next)."""
    if raw in w.TODAY:
        return today
    if raw in w.TOMORROW:
        return today + timedelta(days=1)
    if raw in w.AFTER_TOMORROW:
        return today + timedelta(days=2)
    weekday, rest = _split_weekday(raw)
    if weekday is not None and not rest:
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    day, year_given = _calendar_date(rest if weekday is not None else raw, today)
    if day is not None and not year_given and day < today:
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:
            return None
    return day
