"""Privacy: /mydata (everything stored, as JSON), /forget (erase), consent versions, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Register /mydata, /forget (and its post edits), the consent gate and the daily clean-up."""
    # Imported here: the config imports this package's settings without the feature.
    from bot.features.privacy import consent, routes
    from bot.features.privacy.erasure import ERASE_POST_JOB, retry_erase_post
    from bot.features.privacy.retention import RETENTION_JOB, clean_up, ensure_clean_up

    app.router.include(routes.routes)
    app.router.include(consent.routes)
    app.router.gate(consent.consent_gate)
    app.scheduler.on(RETENTION_JOB, clean_up)
    app.scheduler.on(ERASE_POST_JOB, retry_erase_post)
    app.on_started.append(lambda: ensure_clean_up(app))
