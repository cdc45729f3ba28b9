"""Quiet hours and local times: when the bot may start a conversation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
