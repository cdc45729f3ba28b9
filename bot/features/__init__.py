"""Features, one package per capability, set up in this order."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App

# Imported when the app starts, not when this package is: bot/config.py imports the features'
# settings models, and a feature may import bot/config.py.
FEATURES = (
    "onboarding",
    "learning",
    "journal",
    "nudges",
    "workshops",
    "escalations",
    "checkins",
    "practices",
    "reports",
    "broadcasts",
    "settings",
    "linking",
    "privacy",
    "admin",
    "menu",  # after every feature with a loose-text hook: its "send to the experts?" comes last
    "safety",
    "web",
)


def setup_features(app: App) -> None:
    """Let every feature register its routes, menu items and job handlers."""
    for name in FEATURES:
        importlib.import_module(f"bot.features.{name}").setup(app)
    app.router.validate()
