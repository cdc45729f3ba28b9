"""Time: the clock (real in production, settable in tests), stored times, quiet hours and local times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything with `now()` returning an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        """The fake current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (aware)."""
        if when.tzinfo is None:
            raise ValueError("aware datetime required")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self._now += delta


def to_iso(when: datetime) -> str:
    """Stored form of a time: ISO 8601 in UTC."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Parse a stored time."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- quiet hours and local times --------------------------------------------------------------

_WHEN = re.compile(
    r"^(?:(\d{1,2})\.(\d{1,2})\.(\d{4})?|(\d{4})-(\d{1,2})-(\d{1,2}))?\s*(\d{1,2})[:.](\d{2})$"
)


def in_quiet_hours(when: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """True when `when` falls in the quiet hours of timezone `tz` (a range may wrap midnight)."""
    local = when.astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(when: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """`when` itself if outside quiet hours, else the end of the quiet hours (in UTC)."""
    if not in_quiet_hours(when, tz, start, end):
        return when
    local = when.astimezone(tz)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = _local_at(local.date() + timedelta(days=1), end, tz)
    else:
        candidate = _local_at(local.date(), end, tz)
    return candidate.astimezone(UTC)


def local_at(day, at: time, tz: ZoneInfo) -> datetime:
    """The aware datetime for a wall-clock time on a day in `tz` (DST-safe)."""
    return _local_at(day, at, tz).astimezone(UTC)


def _local_at(day, at: time, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    # A wall time skipped by a DST jump does not exist: move past the gap.
    roundtrip = aware.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != naive:
        aware = (aware.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)
    return aware


def parse_when(text: str, today: date, tz: ZoneInfo) -> datetime | None:
    """'28.11.2026 14:30', '28.11. 14:30', '2026-11-28 14:30' or '14:30' (today) -> UTC."""
    match = _WHEN.match(" ".join(text.strip().split()))
    if not match:
        return None
    d, mo, y, iy, imo, id_, hh, mm = match.groups()
    try:
        if iy:
            day = date(int(iy), int(imo), int(id_))
        elif d:
            day = date(int(y) if y else today.year, int(mo), int(d))
        else:
            day = today
        at = time(int(hh), int(mm))
    except ValueError:
        return None
    return local_at(day, at, tz)
