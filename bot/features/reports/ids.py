"""Reports' buttons (choice ids): a period, then a cohort, for a report or an export."""

from __future__ import annotations

from typing import Annotated

from bot.features.reports.figures import PERIODS
from bot.ids import ChoiceId, Key, OneOf

ALL_COHORTS = "a"  # the cohort part of an id meaning every cohort

Period = Annotated[str, OneOf(*PERIODS)]
# "a" (every cohort) or the cohort's place in the sorted list of cohorts ...
CohortPlace = Annotated[str | None, Key(4)]
# ... with a fingerprint of its name, so a button never picks a cohort that moved in the list.
CohortTag = Annotated[str | None, Key(6)]


class Home(ChoiceId, prefix="rep:home"):
    """The report's period question (the menu's Reports, and "Another report")."""


class ReportPeriods(ChoiceId, prefix="rep:r:p"):
    """Back to the report's period question."""


class Report(ChoiceId, prefix="rep:r"):
    """A report of a period: without a cohort, the cohort question; with one, chart and totals."""

    period: Period
    cohort: CohortPlace = None
    tag: CohortTag = None


class ExportPeriods(ChoiceId, prefix="rep:x:p"):
    """Back to the export's period question."""


class Export(ChoiceId, prefix="rep:x"):
    """An export of a period: without a cohort, the cohort question; with one, the files."""

    period: Period
    cohort: CohortPlace = None
    tag: CohortTag = None
