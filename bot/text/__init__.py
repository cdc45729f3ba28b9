"""Reading what people type, in English, Finnish and Swedish: dates, times, counts, durations.

One place for every free-text answer the bot takes as a value (the workshop form, check-ins,
reminders, announcements). Each reader returns a `Reading`: the value, or a problem key; and
`guessed` when the value is an interpretation the bot should confirm ("last Saturday" ->
21.11.2026?, "2" -> 2 hours?). Nothing here sends messages: the features ask back.
"""

from __future__ import annotations

from bot.text.dates import parse_date, parse_time, parse_when
from bot.text.numbers import parse_choices, parse_count, parse_duration, parse_yes_no
from bot.text.reading import Reading

__all__ = [
    "Reading",
    "parse_choices",
    "parse_count",
    "parse_date",
    "parse_duration",
    "parse_time",
    "parse_when",
    "parse_yes_no",
]
