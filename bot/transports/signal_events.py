"""Parsing signal-cli's `receive` events (envelopes) into the parts of a message the bot uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.messages import Address


@dataclass(frozen=True)
class Received:
    """The parts of one incoming message the bot uses."""

    address: Address
    sender_id: str
    number: str | None
    name: str
    text: str | None
    timestamp: int
    quote_id: int | None
    is_private: bool
    kind: str = "text"  # text | edited | other (attachments only, sticker, undecryptable ...)


def _exception_type(payload: Any) -> str | None:
    """The type of the exception signal-cli attached to an event (an undecryptable message)."""
    if not isinstance(payload, dict):
        return None
    params = payload.get("params", payload)
    exception = params.get("exception") if isinstance(params, dict) else None
    if not isinstance(exception, dict):
        return None
    name = str(exception.get("type") or "unknown error")
    return name if re.fullmatch(r"[A-Za-z0-9_.$]{1,80}", name) else "unknown error"


def parse_event(payload: Any) -> Received | None:
    """The message in a `receive` event, or None (receipts, typing, sync, reactions ...).

    Texts come as kind "text", edits as "edited" (with the new text), and attachments, stickers or
    shared contacts without text, as well as messages signal-cli could not decrypt from a known
    sender, as "other".
    """
    if not isinstance(payload, dict):
        return None
    params = payload.get("params", payload)  # a JSON-RPC notification, or its params as such
    if isinstance(params, dict) and "envelope" not in params and "exception" not in params:
        params = params.get("result")  # the form of a `subscribeReceive` subscription
    if not isinstance(params, dict):
        return None
    envelope = params.get("envelope")
    if not isinstance(envelope, dict):
        return None
    sender = envelope.get("sourceUuid") or envelope.get("sourceNumber")
    timestamp = envelope.get("timestamp")
    if not isinstance(sender, str) or not sender or not isinstance(timestamp, int):
        return None
    kind = "text"
    data = envelope.get("dataMessage")
    edit = envelope.get("editMessage")
    if isinstance(edit, dict) and isinstance(edit.get("dataMessage"), dict):
        data, kind = edit["dataMessage"], "edited"
    if not isinstance(data, dict):
        if isinstance(params.get("exception"), dict):  # undecryptable: no content to read
            return _received(envelope, sender, timestamp, {}, None, "other")
        return None
    text = data.get("message") if isinstance(data.get("message"), str) else None
    if not text and kind == "text":
        if not (data.get("attachments") or data.get("sticker") or data.get("contacts")):
            return None  # a reaction, a remote delete, a group update, a timer change ...
        kind = "other"
    elif data.get("attachments") and kind == "text":
        kind = "other"  # a caption: the text is answered, the file is not read
    return _received(envelope, sender, timestamp, data, text or None, kind)


def _received(
    envelope: dict, sender: str, timestamp: int, data: dict, text: str | None, kind: str
) -> Received:
    group = (data.get("groupInfo") or {}).get("groupId")
    quote = (data.get("quote") or {}).get("id")
    return Received(
        address=Address("signal", group or sender),
        sender_id=sender,
        number=envelope.get("sourceNumber"),
        name=envelope.get("sourceName") or "",
        text=text,
        timestamp=timestamp,
        quote_id=quote if isinstance(quote, int) else None,
        is_private=not group,
        kind=kind,
    )
