"""Parsing what mentors type into the workshop form; each parser returns a value or a problem key."""

from __future__ import annotations

import re
from datetime import date, timedelta

MAX_PARTICIPANTS = 500
MAX_AGE_DAYS = 365
MIN_MINUTES = 10
MAX_MINUTES = 720  # 12 hours
COMMUNITY_MAX = 80

_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(?:(\d{2}|\d{4}))?$")
_DM = re.compile(r"^(\d{1,2})\.(\d{1,2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_HOURS = r"h|hrs?|hours?|t|tunti|tuntia|tim|timme|timmar"  # en, fi, sv
_MINUTES = r"m|min|mins|minutes?|minuutti|minuuttia|minut|minuter"
# "2h", "1,5 h", "90 min", "1 h 30 min", "1,5 timmar", "90 minuuttia"
_DURATION = re.compile(
    rf"^(\d+(?:[.,]\d+)?)\s*({_HOURS}|{_MINUTES})?(?:\s*(\d+)\s*(?:{_MINUTES}))?$"
)
TODAY_WORDS = {"today", "tänään", "idag", "i dag"}
YESTERDAY_WORDS = {"yesterday", "eilen", "igår", "i går"}
ROLLBACK_AFTER_DAYS = 60  # a day-and-month this far ahead means last year; nearer, it is a mistake
YES_WORDS = {"yes", "y", "kyllä", "joo", "k", "ja"}
NO_WORDS = {"no", "n", "ei", "e", "nej"}


def parse_date(text: str, today: date) -> tuple[date | None, str | None]:
    """24.11.2026, 24.11.26, 24.11., 2026-11-24, today/yesterday; problems: format, future, old."""
    raw = " ".join(text.strip().lower().split())
    if raw in TODAY_WORDS:
        return today, None
    if raw in YESTERDAY_WORDS:
        return today - timedelta(days=1), None
    year_given = True
    if m := _ISO.match(raw):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _DMY.match(raw)) or (m := _DM.match(raw)):
        d, mo = int(m.group(1)), int(m.group(2))
        year = m.group(3) if m.re is _DMY else None
        if year is None:
            y, year_given = today.year, False
        else:
            y = int(year) + (2000 if len(year) == 2 else 0)
    else:
        return None, "format"
    try:
        held = date(y, mo, d)
    except ValueError:
        return None, "format"
    tomorrow = today + timedelta(days=1)
    if held > tomorrow + timedelta(days=ROLLBACK_AFTER_DAYS) and not year_given:
        try:  # "24.11." typed in January means last November; "30.11." on 25.11. is a slip
            held = date(y - 1, mo, d)
        except ValueError:
            return None, "format"
    if held > tomorrow:
        return None, "future"
    if held < today - timedelta(days=MAX_AGE_DAYS):
        return None, "old"
    return held, None


def parse_participants(text: str) -> tuple[int | None, str | None]:
    """A whole number 1-500; problems: not_number, zero, too_many."""
    raw = text.strip().replace(" ", "")
    if not raw.isdecimal():
        return None, "not_number"
    value = int(raw)
    if value < 1:
        return None, "zero"
    if value > MAX_PARTICIPANTS:
        return None, "too_many"
    return value, None


def parse_duration(text: str) -> tuple[int | None, str | None]:
    """'2h', '1,5 h', '90 min', '90' (minutes when over 10, else hours) -> minutes, 10-720."""
    raw = text.strip().lower()
    match = _DURATION.match(raw)
    if not match:
        return None, "format"
    number = float(match.group(1).replace(",", "."))
    unit = match.group(2) or ("min" if number > 10 else "h")
    hours = unit[0] in "ht"
    if match.group(3) and not (match.group(2) and hours):
        return None, "format"  # "90 30 min", "1 min 30 min"
    minutes = round(number * 60) if hours else round(number)
    minutes += int(match.group(3) or 0)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return None, "range"
    return minutes, None


def parse_yes_no(text: str) -> bool | None:
    """True, False, or None when the text is neither."""
    raw = text.strip().lower().rstrip(".!")
    if raw in YES_WORDS:
        return True
    if raw in NO_WORDS:
        return False
    return None
