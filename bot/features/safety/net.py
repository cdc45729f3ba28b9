"""The crisis safety net: every typed text is read first; a signal gets help before anything else.

Tiers (from the detector): gentle ("That sounds like a lot to carry. Are you okay?"), clear (the full
help block), urgent (the full help with "call 112 now" first). One full help block per exchange: a
second signal within EXCHANGE gets a short reminder instead. What the update's own handler replied
meanwhile is held back and delivered when the person says they are okay (or is done with the help).
People who are not (or no longer) in the bot get the same help, without buttons that need a person.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.crisis_detect import CrisisDetector, Finding
from bot.features.safety import ids
from bot.features.safety.helplines import help_lines
from bot.messages import Choice, Outgoing
from storage.safety import SafetyRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

EXCHANGE = timedelta(minutes=20)  # one full help block per person within this time
_STRANGERS_KEPT = 1000  # people without a profile: when they last got the full block (in memory)


@cache
def shared_detector() -> CrisisDetector:
    """The detector with the shipped rules, loaded once per process (0.1 s kept built, 0.5 s to build)."""
    return CrisisDetector.default()


class SafetyNet:
    """Reads texts for crisis signals and answers them (bot/router.py: CrisisNet)."""

    def __init__(self, app: App, detector: CrisisDetector) -> None:
        self.app = app
        self.detector = detector
        self._strangers: OrderedDict[tuple[str, str], datetime] = OrderedDict()

    async def scan(self, ctx: Ctx) -> Finding | None:
        """The most serious signal in the text, or None."""
        return self.detector.scan(ctx.text)

    async def answer(self, ctx: Ctx, finding: Finding, held: list[Outgoing]) -> None:
        """Help first, by tier; replies the handler made are kept for later."""
        member = ctx.person is not None and ctx.person.active
        repeat = await self._within_exchange(ctx)
        full = not repeat and finding.tier != "gentle"
        await ctx.audit(
            "safety.signal", tier=finding.tier, kind=finding.kind, rule=finding.rule, short=repeat
        )
        if member:
            await ctx.repo(SafetyRepo).flag(
                ctx.person.id,
                finding.kind,
                tier=finding.tier,
                rule=finding.rule,
                full_help=full,
                held=[_stored(out) for out in held],
            )
        elif ctx.person is None:
            self._remember_stranger(ctx, full)
        text = self._text(ctx, finding, full=full, repeat=repeat)
        if not member:
            outside = "common.deactivated" if ctx.person is not None else "safety.outside"
            contact = ctx.app.config.bot.team_contact or ctx.t("common.team_contact_default")
            await ctx.reply(f"{text}\n\n{ctx.t(outside, contact=contact)}")
            return
        await ctx.reply(Outgoing.with_buttons(text, *self._buttons(ctx, finding, full)))

    def _text(self, ctx: Ctx, finding: Finding, *, full: bool, repeat: bool) -> str:
        urgent = ctx.t("safety.urgent") + "\n\n" if finding.tier == "urgent" else ""
        if repeat:
            return urgent + ctx.t("safety.again", help=help_lines(ctx, short=True))
        if not full:  # gentle
            return ctx.t("safety.gentle")
        key = "safety.noticed_other" if finding.about == "other" else "safety.noticed_self"
        return urgent + ctx.t(key, help=help_lines(ctx, finding.about))

    def _buttons(self, ctx: Ctx, finding: Finding, full: bool) -> list[list[Choice]]:
        if not full and finding.tier == "gentle":
            return [
                [ids.NotNeeded().button(ctx.t("safety.not_needed"))],
                [ids.More().button(ctx.t("safety.gentle_more"))],
            ]
        first, second = ("other", "me") if finding.about == "other" else ("me", "other")
        return [
            [ids.About(first).button(ctx.t(f"safety.about_{first}"))],
            [ids.About(second).button(ctx.t(f"safety.about_{second}"))],
            [ids.NotNeeded().button(ctx.t("safety.not_needed"))],
        ]

    async def _within_exchange(self, ctx: Ctx) -> bool:
        """True when this person (or chat) got the full help block a short while ago."""
        since = ctx.now() - EXCHANGE
        if ctx.person is not None:
            return await ctx.repo(SafetyRepo).full_help_since(ctx.person.id, since)
        last = self._strangers.get(_who(ctx))
        return last is not None and last >= since

    def _remember_stranger(self, ctx: Ctx, full: bool) -> None:
        if not full:
            return
        key = _who(ctx)
        self._strangers[key] = ctx.now()
        self._strangers.move_to_end(key)
        while len(self._strangers) > _STRANGERS_KEPT:
            self._strangers.popitem(last=False)


async def deliver_held(ctx: Ctx) -> bool:
    """Send the replies held back while help was shown (in order); False when there were none."""
    held = await ctx.repo(SafetyRepo).take_held(ctx.person.id)
    for stored in held:
        await ctx.reply(_restored(stored, ctx.lang))
    return bool(held)


def _who(ctx: Ctx) -> tuple[str, str]:
    return (ctx.incoming.address.transport, ctx.incoming.sender_id)


def _stored(out: Outgoing) -> dict:
    """A held reply as JSON (text and buttons; a file is not held)."""
    return {
        "text": out.text,
        "rows": [[[c.id, c.label, c.url] for c in row] for row in out.choices],
        "numbered": out.numbered,
    }


def _restored(stored: dict, lang: str) -> Outgoing:
    rows = tuple(tuple(Choice(i, label, url) for i, label, url in row) for row in stored["rows"])
    return Outgoing(stored["text"], rows, lang=lang, numbered=stored.get("numbered", True))
