"""Privacy's buttons (choice ids) and dialog step."""

from __future__ import annotations

from enum import StrEnum

from bot.ids import ChoiceId


class Step(StrEnum):
    """Where a person is in a privacy question."""

    FORGET = "priv.forget"  # asked "erase everything?": only now does Yes erase


class ForgetConfirm(ChoiceId, prefix="priv:forget:yes"):
    """Yes, erase everything stored about me (only as the answer to the question just asked)."""


class ForgetCancel(ChoiceId, prefix="priv:forget:no"):
    """No, keep my data."""


class ConsentAgree(ChoiceId, prefix="priv:consent:yes"):
    """Agree to the new consent version."""


class ConsentMore(ChoiceId, prefix="priv:consent:more"):
    """Read more about what is stored and why."""


class ConsentDecline(ChoiceId, prefix="priv:consent:no"):
    """Decline the new version: then the question whether to erase everything."""
