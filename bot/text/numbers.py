"""Counts, durations, several choices and yes/no as people type them."""

from __future__ import annotations

import re

from bot.text import words as w
from bot.text.reading import Reading, fold

MIN_MINUTES = 10
MAX_MINUTES = 720  # 12 hours
BARE_HOURS_UP_TO = 12  # a bare "2" is hours, a bare "90" minutes (both asked back)

_RANGE = re.compile(r"^(\d+)\s*(?:-|–|—|\.\.|to|or|tai|till|eller|à)\s*(\d+)$")
_BETWEEN = re.compile(r"^(?:between|mellan)\s+(\d+)\s+(?:and|och)\s+(\d+)$")
_BETWEEN_FI = re.compile(r"^(\d+)\s+ja\s+(\d+)\s+välillä$")
_SPLIT_UNITS = re.compile(r"(?<=\d)(?=[a-zåäö])|(?<=[a-zåäö])(?=\d)")


def _strip_about(raw: str) -> str:
    """Without a leading "about", "ca", "noin", "ungefär", "~" (the number stays as typed)."""
    raw = raw.lstrip("~≈ ")
    tokens = raw.split()
    while len(tokens) > 1 and tokens[0].rstrip(".") in w.ABOUT:
        tokens = tokens[1:]
    return " ".join(tokens)


def parse_count(text: str, maximum: int) -> Reading[int]:
    """People counted: 12, about 15, ca 20, noin 12, 15-20 (the midpoint, with the range kept).

    Problems: not_number, zero, too_many.
    """
    raw = _strip_about(fold(text))
    tokens = raw.split()
    while len(tokens) > 1 and tokens[-1].rstrip(".") in w.COUNT_UNITS:
        tokens = tokens[:-1]
    raw = " ".join(tokens)
    low = high = None
    if m := (_RANGE.match(raw) or _BETWEEN.match(raw) or _BETWEEN_FI.match(raw)):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        value = (low + high + 1) // 2
    elif raw.replace(" ", "").isdecimal():
        value = int(raw.replace(" ", ""))
    elif raw in w.NUMBER_WORDS:
        value = w.NUMBER_WORDS[raw]
    else:
        return Reading(problem="not_number")
    if value < 1 or (low is not None and low < 1):
        return Reading(problem="zero")
    if (high or value) > maximum:
        return Reading(problem="too_many")
    if low == high:
        low = high = None
    return Reading(value, low=low, high=high)


def parse_duration(text: str) -> Reading[int]:
    """A length in minutes, 10 min to 12 h: 2h, 1,5 h, 90 min, 1 h 30 min, puolitoista tuntia,
    en och en halv timme, an hour. A bare number is guessed (2 -> hours, 90 -> minutes).

    Problems: format, range.
    """
    tokens = _duration_tokens(fold(text))
    if tokens is None:
        return Reading(problem="format")
    minutes, guessed = _minutes_of(tokens)
    if minutes is None:
        return Reading(problem="format")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return Reading(problem="range")
    return Reading(minutes, guessed=guessed)


def _duration_tokens(raw: str) -> list[float | str] | None:
    """Numbers (floats) and units ("h", "min") in order; None when a word is not understood."""
    raw = _strip_about(raw)
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})", raw):  # "1:30" as hours and minutes
        return [float(m.group(1)), "h", float(m.group(2)), "min"]
    for phrase in sorted(w.ONE_AND_A_HALF, key=len, reverse=True):
        raw = raw.replace(phrase, " 1.5 h " if "hour" in phrase else " 1.5 ")
    for phrase in w.AND_A_HALF:
        raw = raw.replace(phrase, " +half ")
    raw = re.sub(r"(\d),(\d)", r"\1.\2", raw)
    raw = _SPLIT_UNITS.sub(" ", raw)
    out: list[float | str] = []
    for token in raw.split():
        token = token.strip(".,")
        if token in ("", "and", "ja", "och"):
            continue
        if token == "+half":
            index = -1 if out and isinstance(out[-1], float) else -2  # "two hours and a half"
            if len(out) < -index or not isinstance(out[index], float):
                return None
            out[index] += 0.5
            continue
        value = _token(token)
        if value is None:
            return None
        out.append(value)
    return out


def _token(token: str) -> float | str | None:
    """One word of a duration: a number, "h" or "min" (None when not understood)."""
    if token in w.HALF:
        return 0.5
    if token in w.HOUR_UNITS:
        return "h"
    if token in w.MINUTE_UNITS:
        return "min"
    if token in w.NUMBER_WORDS:
        return float(w.NUMBER_WORDS[token])
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    return None


def _minutes_of(tokens: list[float | str]) -> tuple[int | None, bool]:
    """(minutes, guessed) from [n], [n, unit], [n, "h", m] or [n, "h", m, "min"]."""
    shape = tuple("n" if isinstance(t, float) else t for t in tokens)
    if shape == ("n",):
        number = tokens[0]
        hours = number <= BARE_HOURS_UP_TO
        return round(number * 60) if hours else round(number), True
    if shape == ("n", "h"):
        return round(tokens[0] * 60), False
    if shape == ("n", "min"):
        return round(tokens[0]), False
    if shape in (("n", "h", "n"), ("n", "h", "n", "min")) and float(tokens[2]).is_integer():
        return round(tokens[0] * 60 + tokens[2]), False
    if shape == ("n", "n", "h"):  # "half an hour" reads as 0.5 1 h
        if tokens[1] == 1.0:
            return round(tokens[0] * 60), False
    return None, False


def parse_choices(text: str, count: int) -> Reading[list[int]]:
    """Several numbers from a list of `count`: "1 3", "1, 3", "1 and 3", "1-3" (1-based, in order).

    Problems: format, range.
    """
    raw = fold(text)
    for word in w.AND_WORDS:
        raw = raw.replace(f" {word} ", " ") if word.isalpha() else raw.replace(word, " ")
    picked: list[int] = []
    for token in raw.split():
        if m := re.fullmatch(r"(\d{1,2})[-–](\d{1,2})", token):
            first, last = sorted((int(m.group(1)), int(m.group(2))))
            numbers = list(range(first, last + 1))
        elif token.isdecimal() and len(token) <= 2:
            numbers = [int(token)]
        else:
            return Reading(problem="format")
        picked += [n for n in numbers if n not in picked]
    if not picked:
        return Reading(problem="format")
    if any(not 1 <= n <= count for n in picked):
        return Reading(problem="range")
    return Reading(sorted(picked))


def parse_yes_no(text: str) -> bool | None:
    """True, False, or None when the text is neither (yes/kyllä/ja, no/ei/nej, ok, joo ...)."""
    raw = fold(text)
    if raw in w.YES:
        return True
    if raw in w.NO:
        return False
    first = raw.split(" ", 1)[0].rstrip(",") if raw else ""
    if first in w.YES and first not in ("ok", "okay", "k", "i"):
        return True if raw.split(" ", 1)[-1] not in w.NO else None
    if first in w.NO and len(raw.split()) <= 3:
        return False
    return None
