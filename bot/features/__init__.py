"""Features, one module per capability, set up in this order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features import (
    admin,
    broadcasts,
    checkins,
    escalations,
    journal,
    learning,
    linking,
    menu,
    nudges,
    onboarding,
    practices,
    privacy,
    reports,
    safety,
    settings,
    workshops,
)

if TYPE_CHECKING:
    from bot.app import App

FEATURES = [
    onboarding,
    menu,
    learning,
    journal,
    nudges,
    workshops,
    escalations,
    checkins,
    practices,
    reports,
    broadcasts,
    settings,
    linking,
    privacy,
    admin,
    safety,
]


def setup_features(app: App) -> None:
    """Let every feature register its routes, menu items and job handlers."""
    for feature in FEATURES:
        feature.setup(app)
    app.router.validate()
