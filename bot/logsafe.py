"""Log hygiene: tokens and phone numbers never reach a log line, and chatty libraries stay quiet."""

from __future__ import annotations

import logging
import re
from typing import TextIO

_PHONE = re.compile(r"\+\d[\d ]{6,}\d")
_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{20,}\b")  # the shape of a Telegram bot token
# These libraries log request URLs (with the token), SQL parameters (with what people wrote) or
# whole updates at INFO/DEBUG: only their warnings are wanted.
QUIET = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram",
    "aiosqlite",
    "asyncio",
    "matplotlib",
    "PIL",
)


class RedactingFilter(logging.Filter):
    """Replaces secrets, token-shaped strings and phone numbers in every record by '***'."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        clean = _TOKEN.sub("***", _PHONE.sub("***", message))
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def configure(level: str, stream: TextIO, secrets: list[str] | None = None) -> logging.Handler:
    """Log to `stream` at `level` through the redacting filter; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_mentorbot", False):
            root.removeHandler(old)
    handler._mentorbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
