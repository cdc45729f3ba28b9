"""What every subcommand shares: exit codes, the config from --config/--db, logging, small parsers."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from bot.config import Config, load_config

EXIT_CONFIG = 2
EXIT_CONTENT = 1


def config_from(args: argparse.Namespace) -> Config:
    """Config from --config/--db (defaults when no file is given)."""
    return load_config(getattr(args, "config", None), getattr(args, "db", None))


def setup_logging(level: str, quiet: bool = False, secrets: list[str] | None = None) -> None:
    """Log to stderr; never message texts, tokens or phone numbers (see bot/logsafe.py)."""
    from bot.logsafe import configure

    configure("WARNING" if quiet else level, sys.stderr, secrets)


def parse_duration(text: str) -> timedelta:
    """'14d', '48h', '30m' -> timedelta; ValueError otherwise."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdecimal():
        raise ValueError(f"not a duration: {text!r} (use e.g. 14d, 48h or 30m)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (mode 0600, also when it already existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)


def print_content_errors(errors: list[str], what: str | None = None) -> int:
    """Content errors to stderr, one per line; returns EXIT_CONTENT."""
    print("\n".join(errors), file=sys.stderr)
    if what:
        print(f"mentorbot: {what}", file=sys.stderr)
    return EXIT_CONTENT
