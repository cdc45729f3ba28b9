"""Broadcasts' buttons (choice ids) and the steps of composing an announcement."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.i18n import LANGUAGES
from bot.ids import ChoiceId, Int, Key, OneOf
from bot.roles import Role
from storage.broadcasts import AUDIENCE_TYPES, KINDS

AUDIENCE_ROLES = (Role.MENTOR, Role.EXPERT, Role.STAFF)  # the roles an audience can be
BroadcastNumber = Annotated[int, Int(1)]
LanguageCode = Annotated[str, OneOf(*LANGUAGES)]
SectionKey = Annotated[str, Key(24)]  # a section id (content ids are ≤ 24)


class Step(StrEnum):
    """Where a staff member is in composing an announcement."""

    TEXT = "bc.text"  # writing the text of one language version
    OPTIONS = "bc.options"  # the draft with its options (versions, link, file, kind, audience)
    LINK = "bc.link"  # typing a link button as "label | https://..."
    PREVIEW = "bc.preview"  # the preview with Send now / Schedule / Edit
    WHEN = "bc.when"  # typing the date and time to send it
    REPLY = "bc.reply"  # a recipient writing a reply to an announcement (to the team)


# --- composing ------------------------------------------------------------------------------------


class NewBroadcast(ChoiceId, prefix="bc:new"):
    """Start composing an announcement (the menu's Broadcast)."""


class CancelDraft(ChoiceId, prefix="bc:cancel"):
    """Drop the announcement being composed."""


class AddVersion(ChoiceId, prefix="bc:lang"):
    """Write the announcement in another language."""

    code: LanguageCode


class AddLink(ChoiceId, prefix="bc:link"):
    """Add a link button (typed as "label | https://...")."""


class BroadcastLink(ChoiceId, prefix="bc:link"):
    """An announcement's link button (a URL button: never routed; 0 in the preview)."""

    broadcast: Annotated[int, Int(0)]


class AddFile(ChoiceId, prefix="bc:file"):
    """Ask for a photo or document to send with the announcement."""


class RemoveFile(ChoiceId, prefix="bc:nofile"):
    """Send the announcement without the file given."""


class ChooseKind(ChoiceId, prefix="bc:kind"):
    """The kinds of announcement (people may mute some kinds)."""


class SetKind(ChoiceId, prefix="bc:k"):
    """The announcement's kind."""

    kind: Annotated[str, OneOf(*KINDS)]


class EditDraft(ChoiceId, prefix="bc:edit"):
    """From the preview back to the draft and its options."""


class SendNow(ChoiceId, prefix="bc:go"):
    """Send the previewed announcement now."""


class Schedule(ChoiceId, prefix="bc:sched"):
    """Ask when to send the previewed announcement."""


# --- the audience ---------------------------------------------------------------------------------


class ChooseAudience(ChoiceId, prefix="bc:aud"):
    """The kinds of audience."""


class AudienceType(ChoiceId, prefix="bc:a"):
    """A kind of audience: everyone at once, or the values to choose from (roles, cohorts ...)."""

    kind: Annotated[str, OneOf(*AUDIENCE_TYPES)]


class AudienceRole(ChoiceId, prefix="bc:av:role"):
    """Everyone active of one role."""

    role: Annotated[str, OneOf(*(r.label for r in AUDIENCE_ROLES))]


class AudienceCohort(ChoiceId, prefix="bc:av:cohort"):
    """The mentors of one cohort (its place in the list of cohorts)."""

    index: Annotated[int, Int(0, 10_000)]


class AudienceLanguage(ChoiceId, prefix="bc:av:lang"):
    """Everyone active who uses one language."""

    code: LanguageCode


class AudienceDone(ChoiceId, prefix="bc:av:done"):
    """The mentors who completed a section."""

    section: SectionKey


class AudienceNotDone(ChoiceId, prefix="bc:av:notdone"):
    """The mentors who have not completed a section."""

    section: SectionKey


class AudienceIdle(ChoiceId, prefix="bc:av:idle"):
    """The mentors with no workshop logged in so many days."""

    days: Annotated[int, Int(1, 3650)]


# --- the list of broadcasts -----------------------------------------------------------------------


class CancelBroadcast(ChoiceId, prefix="bc:cx"):
    """Cancel a scheduled broadcast, or the rest of one being sent."""

    broadcast: BroadcastNumber


# --- replies to an announcement -----------------------------------------------------------------


class ToggleReplies(ChoiceId, prefix="bc:replies"):
    """Offer recipients a Reply button (their replies reach the team as tickets), or not."""


class Reply(ChoiceId, prefix="bc:r:reply"):
    """A recipient replies to an announcement (0: the staff member's preview)."""

    broadcast: Annotated[int, Int(0)]


class SendReply(ChoiceId, prefix="bc:r:send"):
    """Send the reply written so far to the team."""


class CancelReply(ChoiceId, prefix="bc:r:cancel"):
    """Do not send a reply."""


class PauseBroadcast(ChoiceId, prefix="bc:pause"):
    """Hold a broadcast being sent (the rest waits)."""

    broadcast: BroadcastNumber


class ResumeBroadcast(ChoiceId, prefix="bc:resume"):
    """Go on sending a paused broadcast."""

    broadcast: BroadcastNumber
