"""The workshop log's buttons (choice ids) and the form's dialog steps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.features.workshops.input import MAX_MINUTES, MAX_PARTICIPANTS, MIN_MINUTES
from bot.ids import ChoiceId, Int, Key, OneOf

RECENT_COMMUNITIES = 5  # the community question offers this many of the mentor's recent ones


class Step(StrEnum):
    """Where a mentor is in the workshop form: a question, the summary, or the edit menu."""

    DATE = "ws.date"
    COMMUNITY = "ws.community"
    PARTICIPANTS = "ws.participants"
    THEMES = "ws.themes"
    DURATION = "ws.duration"
    COFAC = "ws.cofac"
    WELL = "ws.well"
    SHARE = "ws.share"  # asked only after a "what went well"
    HARD = "ws.hard"
    SUPPORT = "ws.support"
    SUMMARY = "ws.summary"  # the answers with Save / Edit / Cancel
    EDIT_MENU = "ws.editfield"  # which answer to change

    @property
    def field(self) -> str:
        """The short name ('date') kept in drafts and used in choice ids and UI keys."""
        return self.value.split(".", 1)[1]

    @classmethod
    def of(cls, field: str) -> Step:
        """The step of a short name (ValueError for one the form does not have)."""
        return cls(f"ws.{field}")


QUESTIONS = (
    Step.DATE,
    Step.COMMUNITY,
    Step.PARTICIPANTS,
    Step.THEMES,
    Step.DURATION,
    Step.COFAC,
    Step.WELL,
    Step.SHARE,
    Step.HARD,
    Step.SUPPORT,
)  # in the order the form asks them
EDITABLE = tuple(s for s in QUESTIONS if s is not Step.SHARE)  # sharing comes with "went well"

YesNo = Annotated[str, OneOf("yes", "no")]
WorkshopNumber = Annotated[int, Int(1)]


# --- starting the form ---------------------------------------------------------------------------


class NewForm(ChoiceId, prefix="ws:new"):
    """Log a workshop: continue a kept draft or start a new form."""


class ResumeDraft(ChoiceId, prefix="ws:resume"):
    """Continue the kept draft at the question it was left at."""


class FreshForm(ChoiceId, prefix="ws:fresh"):
    """Drop the kept draft and start a new form."""


class Cancel(ChoiceId, prefix="ws:cancel"):
    """Leave the form without saving (an edited workshop stays as it was)."""


class ConfirmGuess(ChoiceId, prefix="ws:guess"):
    """Yes, that is what I meant ("last Saturday" read as 21.11.2026) / no, ask again."""

    answer: YesNo


# --- answers -------------------------------------------------------------------------------------


class PickDate(ChoiceId, prefix="ws:date"):
    """The workshop was today or yesterday."""

    day: Annotated[str, OneOf("today", "yesterday")]


class PickCommunity(ChoiceId, prefix="ws:comm"):
    """One of the mentor's recent communities (its place in the list the question showed)."""

    index: Annotated[int, Int(0, RECENT_COMMUNITIES - 1)]


class PickParticipants(ChoiceId, prefix="ws:n"):
    """A number of participants (offered after typed numbers did not work)."""

    count: Annotated[int, Int(1, MAX_PARTICIPANTS)]


class ToggleTheme(ChoiceId, prefix="ws:th"):
    """Tick or untick a theme (a section id; a section called "done" could not be picked)."""

    section: Annotated[str, Key(24)]


class ThemesDone(ChoiceId, prefix="ws:th:done"):
    """The ticked themes are the answer."""


class PickDuration(ChoiceId, prefix="ws:dur"):
    """The workshop's length in minutes."""

    minutes: Annotated[int, Int(MIN_MINUTES, MAX_MINUTES)]


class CoFacilitated(ChoiceId, prefix="ws:cof"):
    """Whether someone facilitated the workshop with the mentor."""

    answer: YesNo


class SkipWentWell(ChoiceId, prefix="ws:skip:well"):
    """No note on what went well (so nothing to share)."""


class SharePractice(ChoiceId, prefix="ws:share"):
    """Whether what went well may be shared anonymously as a good practice."""

    answer: YesNo


class SkipWasHard(ChoiceId, prefix="ws:skip:hard"):
    """No note on what was hard."""


class NeedsSupport(ChoiceId, prefix="ws:sup"):
    """Whether the mentor would like support after the workshop."""

    answer: YesNo


# --- the summary ---------------------------------------------------------------------------------


class Save(ChoiceId, prefix="ws:save"):
    """Save the workshop (a new one, or the changes to one)."""


class Edit(ChoiceId, prefix="ws:edit"):
    """The edit menu: which answer to change."""


class EditField(ChoiceId, prefix="ws:ef"):
    """Ask one question again, then back to the summary."""

    field: Annotated[str, OneOf(*(s.field for s in EDITABLE))]


class BackToSummary(ChoiceId, prefix="ws:sum"):
    """From the edit menu (or a question being changed) back to the summary, nothing lost."""


# --- /workshops: the mentor's own log ------------------------------------------------------------


class ListPage(ChoiceId, prefix="ws:list"):
    """A page of the mentor's workshops, newest first."""

    page: Annotated[int, Int(0, 10_000)]


class Open(ChoiceId, prefix="ws:open"):
    """One of the mentor's workshops in full."""

    workshop: WorkshopNumber


class Change(ChoiceId, prefix="ws:change"):
    """Edit a saved workshop (its summary with Save / Edit / Cancel)."""

    workshop: WorkshopNumber


class Delete(ChoiceId, prefix="ws:del"):
    """Ask whether to delete a workshop."""

    workshop: WorkshopNumber


class DeleteConfirmed(ChoiceId, prefix="ws:delok"):
    """Delete the workshop."""

    workshop: WorkshopNumber
