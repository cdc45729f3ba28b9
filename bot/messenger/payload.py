"""The outbox's stored form of a message: Outgoing to JSON and back."""

from __future__ import annotations

import base64
import json

from bot.messages import Attachment, Choice, Outgoing


def _dump(out: Outgoing) -> str:
    """A message as JSON for the outbox."""
    data: dict = {
        "text": out.text,
        "rows": [[[c.id, c.label, c.url] for c in row] for row in out.choices],
        "lang": out.lang,
        "numbered": out.numbered,
        "reply_to": out.reply_to_message_id,
    }
    if out.attachment is not None:
        att = out.attachment
        if att.path is not None:  # a file on disk: only its path is stored
            data["file"] = [att.filename, None, att.mime, att.kind, att.path]
        else:
            data["file"] = [att.filename, base64.b64encode(att.data).decode(), att.mime, att.kind]
    return json.dumps(data, ensure_ascii=False)


def _load(payload: str) -> Outgoing:
    data = json.loads(payload)
    rows = tuple(tuple(Choice(i, label, url) for i, label, url in row) for row in data["rows"])
    attachment = None
    if data.get("file"):
        name, encoded, mime, kind, *path = data["file"]
        if path:
            attachment = Attachment(name, b"", mime, kind, path=path[0])
        else:
            attachment = Attachment(name, base64.b64decode(encoded), mime, kind)
    return Outgoing(
        data["text"],
        rows,
        attachment=attachment,
        reply_to_message_id=data.get("reply_to"),
        lang=data.get("lang"),
        numbered=data.get("numbered", True),
    )
