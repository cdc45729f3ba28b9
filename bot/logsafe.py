"""Log hygiene: no message texts, names, phone numbers or tokens in any log line, library ones too.

Every record passes one filter on the handler (so it sees records of every logger):
- tokens, phone numbers and named secrets are masked;
- records of libraries (python-telegram-bot, httpx, aiohttp, APScheduler ...) keep their message
  template but lose arguments that could carry what people sent (an update, a request body): only
  numbers and short single words stay;
- exceptions keep their type and stack but not their message, which may quote input.
The bot's own code never puts free text in a log line (audit rows hold ids and kinds only).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import TextIO

_PHONE = re.compile(r"\+\d[\d ]{6,}\d")
_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{20,}\b")  # the shape of a Telegram bot token
_WORD = re.compile(r"[\w.:/@-]{1,40}")  # a method name, a path, a status: nothing a person wrote
OWN = ("bot", "storage", "bench", "tests", "__main__")
HIDDEN = "[hidden]"
# These libraries log request URLs (with the token), SQL parameters (with what people wrote) or
# whole updates at INFO/DEBUG: only their warnings are wanted.
QUIET = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram",
    "aiosqlite",
    "asyncio",
    "aiohttp",
    "matplotlib",
    "PIL",
)


class RedactingFilter(logging.Filter):
    """Rewrites every record so it carries no personal text; never drops a record."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask and strip in place (see the module docstring)."""
        if not record.name.startswith(OWN) and record.args:
            record.args = _safe_args(record.args)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not fit its template
            message = str(record.msg)
        clean = self.mask(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.mask(_without_messages(record.exc_info))
            record.exc_info = None
        return True

    def mask(self, text: str) -> str:
        """Tokens, phone numbers and named secrets as '***'."""
        clean = _TOKEN.sub("***", _PHONE.sub("***", text))
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        return clean


def _safe_args(args: object) -> object:
    if isinstance(args, dict):
        return {k: _safe(v) for k, v in args.items()}
    if isinstance(args, tuple):
        return tuple(_safe(a) for a in args)
    return _safe(args)


def _safe(value: object) -> object:
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else None
    if text is not None and _WORD.fullmatch(text):
        return text
    return HIDDEN


def _without_messages(exc_info) -> str:
    """The traceback with every exception's message left out (types and frames stay)."""
    chain = []
    current = traceback.TracebackException(*exc_info)
    while current is not None:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    lines: list[str] = []
    for exc in reversed(chain):
        if lines:
            lines.append("\nWhile handling it, another exception occurred:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(exc.stack.format())
        lines.append(
            f"{exc.exc_type_str if hasattr(exc, 'exc_type_str') else _name(exc)}: {HIDDEN}\n"
        )
    return "".join(lines).rstrip("\n")


def _name(exc: traceback.TracebackException) -> str:
    kind = exc.exc_type
    return kind.__qualname__ if kind is not None else "Exception"


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
