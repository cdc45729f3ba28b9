"""Typed choice ids (a button's callback data): one class per action, packed and parsed with bounds.

In the style of aiogram's CallbackData. A feature declares its buttons in its `ids.py`:

    class NextBite(ChoiceId, prefix="learn:next"):
        bite: Annotated[str, Key()]

`NextBite(bite="s1-03").pack()` is "learn:next:s1-03"; `NextBite.parse("learn:next:s1-03")` gives the
object back, and None for anything malformed or out of range (a forged or stale button). Every field
has bounds, so the longest id a class can build is known when the class is defined: a class that
could exceed Telegram's 64 bytes fails at import, not at the first tap.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin, get_type_hints

from bot.messages import CALLBACK_DATA_LIMIT, Choice

SEP = ":"
_PREFIX = re.compile(r"[a-z]+(?::[a-z_]+)*")


class Bound:
    """How one field is written in an id and which values it may take."""

    width: int  # the most characters the field can take

    def dump(self, value: Any) -> str:
        """The field as text (ValueError when out of bounds)."""
        raise NotImplementedError

    def load(self, text: str) -> Any:
        """The field from text (ValueError when malformed or out of bounds)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Bound):
    """A whole number from `lo` to `hi` (ids of rows, pages, counts, minutes ...)."""

    lo: int = 0
    hi: int = 2**63 - 1  # SQLite's largest integer

    @property
    def width(self) -> int:  # type: ignore[override]
        """Characters of the longest value."""
        return max(len(str(self.lo)), len(str(self.hi)))

    def dump(self, value: Any) -> str:
        """The number as text."""
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise ValueError(f"{value!r} is not a whole number from {self.lo} to {self.hi}")
        return str(value)

    def load(self, text: str) -> int:
        """Digits (with an optional minus when lo < 0) within the bounds."""
        if len(text) > self.width or not re.fullmatch(r"-?[0-9]+", text):
            raise ValueError("not a number in range")
        value = int(text)
        if str(value) != text:  # "05", "-0": not how the bot writes numbers
            raise ValueError("not a number as the bot writes it")
        if not self.lo <= value <= self.hi:
            raise ValueError("number out of range")
        return value


@dataclass(frozen=True)
class Key(Bound):
    """A short key: letters, digits, '-' and '_' (content ids like s1-03, codes like 'wellbeing')."""

    max_len: int = 24

    @property
    def width(self) -> int:  # type: ignore[override]
        """Characters of the longest value."""
        return self.max_len

    def dump(self, value: Any) -> str:
        """The key itself."""
        if not isinstance(value, str) or not _is_key(value, self.max_len):
            raise ValueError(f"{value!r} is not a key of up to {self.max_len} characters")
        return value

    def load(self, text: str) -> str:
        """The key when it is well formed."""
        if not _is_key(text, self.max_len):
            raise ValueError("not a key")
        return text


@dataclass(frozen=True)
class OneOf(Bound):
    """One of a fixed set of words (yes/no, a period, a kind ...)."""

    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", tuple(values))

    @property
    def width(self) -> int:  # type: ignore[override]
        """Characters of the longest value."""
        return max(len(v) for v in self.values)

    def dump(self, value: Any) -> str:
        """The word itself."""
        if value not in self.values:
            raise ValueError(f"{value!r} is not one of {self.values}")
        return value

    def load(self, text: str) -> str:
        """The word when it is one of the values."""
        if text not in self.values:
            raise ValueError("not one of the values")
        return text


def _is_key(text: str, max_len: int) -> bool:
    return 0 < len(text) <= max_len and re.fullmatch(r"[A-Za-z0-9_-]+", text) is not None


class ChoiceId:
    """Base of every typed choice id; subclasses are frozen dataclasses with bounded fields."""

    prefix: ClassVar[str]
    _bounds: ClassVar[tuple[tuple[str, Bound, bool], ...]]  # (name, bound, optional)

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise TypeError(f"{cls.__name__}: prefix {prefix!r} is not like 'feature:action'")
        cls.prefix = prefix
        dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        bounds = []
        for f in fields(cls):  # type: ignore[arg-type]
            bound = _bound_of(hints[f.name])
            if bound is None:
                raise TypeError(f"{cls.__name__}.{f.name}: annotate with Int, Key or OneOf")
            optional = f.default is not MISSING
            if bounds and bounds[-1][2] and not optional:
                raise TypeError(f"{cls.__name__}.{f.name}: optional fields must come last")
            bounds.append((f.name, bound, optional))
        cls._bounds = tuple(bounds)
        longest = len(prefix) + sum(len(SEP) + b.width for _, b, _ in bounds)
        if longest > CALLBACK_DATA_LIMIT:
            raise TypeError(
                f"{cls.__name__}: ids can reach {longest} bytes, more than Telegram's "
                f"{CALLBACK_DATA_LIMIT}; narrow the fields' bounds"
            )

    def pack(self) -> str:
        """The id as callback data, e.g. 'learn:next:s1-03'."""
        parts = [self.prefix]
        for name, bound, optional in self._bounds:
            value = getattr(self, name)
            if value is None and optional:
                break
            parts.append(bound.dump(value))
        return SEP.join(parts)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The id from callback data, or None when it is not exactly one of this class's."""
        if data != cls.prefix and not data.startswith(cls.prefix + SEP):
            return None
        rest = data[len(cls.prefix) + 1 :]
        parts = rest.split(SEP) if rest else []
        if len(parts) > len(cls._bounds):
            return None
        values: dict[str, Any] = {}
        for index, (name, bound, optional) in enumerate(cls._bounds):
            if index >= len(parts):
                if not optional:
                    return None
                continue
            try:
                values[name] = bound.load(parts[index])
            except ValueError:
                return None
        return cls(**values)

    def button(self, label: str) -> Choice:
        """A button with this id."""
        return Choice(self.pack(), label)


def _bound_of(hint: Any) -> Bound | None:
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, Bound):
                return extra
    return None
