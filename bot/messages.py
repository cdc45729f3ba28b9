"""Messenger-neutral message types shared by the core and every transport."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

CALLBACK_DATA_LIMIT = 64  # Telegram's limit for callback data, in bytes


@dataclass(frozen=True)
class Address:
    """Where a message goes: one chat on one transport (optionally a forum topic)."""

    transport: str
    chat_id: str
    thread_id: int | None = None


@dataclass(frozen=True)
class Choice:
    """One button. `id` is routed by its prefix (`learn:next:s1-03`); `url` makes it a link."""

    id: str
    label: str
    url: str | None = None

    def __post_init__(self) -> None:
        if len(self.id.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"choice id longer than {CALLBACK_DATA_LIMIT} bytes: {self.id!r}")


@dataclass(frozen=True)
class Attachment:
    """A file the bot sends: a chart (photo) or an export (document)."""

    filename: str
    data: bytes
    mime: str = "application/octet-stream"
    kind: str = "document"  # "photo" or "document"
    # A file written for this one message (an export) instead of `data`: the outbox keeps only
    # the path, the transport reads it when sending, and it is deleted once the message went out
    # or was given up (bot/messenger/delivery.py), so large files are never held in memory twice.
    path: str | None = None

    def read(self) -> bytes:
        """The file's bytes (read from `path` when it has one)."""
        if self.path is None:
            return self.data
        with open(self.path, "rb") as file:
            return file.read()

    def missing(self) -> bool:
        """True when the file at `path` is gone (e.g. deleted after a send before a crash)."""
        return self.path is not None and not os.path.exists(self.path)

    def discard(self) -> None:
        """Delete the file at `path` (nothing for an attachment held in memory)."""
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


@dataclass(frozen=True)
class Outgoing:
    """A message from the bot. `choices` is a list of button rows."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    attachment: Attachment | None = None
    reply_to_message_id: str | None = None
    lang: str | None = None  # the recipient's language, for a transport's own words
    # False when the question wants a number typed (e.g. participants): where choices are numbered
    # replies (Signal, console), a typed number is then an answer, and choices are picked by label.
    numbered: bool = True

    @staticmethod
    def with_buttons(text: str, *rows: list[Choice] | tuple[Choice, ...] | Choice) -> Outgoing:
        """Build an Outgoing from rows of choices; a bare Choice is a row of one."""
        norm = tuple((r,) if isinstance(r, Choice) else tuple(r) for r in rows)
        return Outgoing(text=text, choices=tuple(r for r in norm if r))

    def all_choices(self) -> list[Choice]:
        """Every button, row by row."""
        return [c for row in self.choices for c in row]


@dataclass(frozen=True)
class Incoming:
    """One update from a person: text, a tapped choice, or something we do not handle."""

    address: Address  # the chat to answer in
    sender_id: str  # the person's id on this transport (Telegram user id, Signal UUID/number)
    text: str | None = None
    choice_id: str | None = None
    message_id: str | None = None
    reply_to_message_id: str | None = None
    is_private: bool = True
    sender_name: str = ""
    language_code: str | None = None
    kind: str = "text"  # text | choice | other (sticker, photo, edited ...)
    extra: dict = field(default_factory=dict, compare=False)
    update_id: str | None = None  # the messenger's id of this update: handled once, whatever comes


class DeliveryStatus(StrEnum):
    """What happened to one send attempt."""

    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or is unregistered: do not retry
    RETRY = "retry"  # rate limited: retry after `retry_after` seconds
    FAILED = "failed"  # network or server error: retry with backoff
    QUEUED = "queued"  # in the outbox, delivered after the current transaction commits
    REJECTED = "rejected"  # the messenger refuses this message as it is (too long, bad markup)


@dataclass(frozen=True)
class SendResult:
    """Outcome of one send, as broadcasts and check-ins record it."""

    status: DeliveryStatus
    message_id: str | None = None
    retry_after: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the message was delivered to the messenger."""
        return self.status is DeliveryStatus.SENT


# --- typed free text, tidied before it is stored (notes, check-in words, messages) -------------

NOTE_MAX = 1000  # a note typed in one message: what went well or was hard, a check-in's words


def clean_text(text: str, limit: int) -> tuple[str, str | None]:
    """Text without control characters, whitespace tidied; problems: empty, too_long."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\u200c\u200d" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    lines = [" ".join(line.split()) for line in kept.splitlines()]
    cleaned = "\n".join(line for line in lines if line).strip()
    if not cleaned:
        return "", "empty"
    if len(cleaned) > limit:
        return cleaned, "too_long"
    return cleaned, None
