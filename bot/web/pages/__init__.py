"""The console's pages, one module per page group; each handler is declared with `@page`."""

from __future__ import annotations

import importlib

MODULES = (
    "auth",
    "overview",
    "workshops",
    "feedback",
    "people",
    "invites",
    "tickets",
    "announcements",
)


def _handlers() -> list:
    found = []
    for name in MODULES:
        module = importlib.import_module(f"bot.web.pages.{name}")
        found += [
            obj
            for obj in vars(module).values()
            if callable(obj) and hasattr(obj, "route") and obj.__module__ == module.__name__
        ]
    return found


HANDLERS = _handlers()
