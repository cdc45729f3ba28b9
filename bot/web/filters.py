"""The filter every report page shares: a date range and a cohort, read from the query string."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.features.reports.figures import month_start
from bot.web.view import View
from storage.web import ConsoleRepo
from storage.workshops import Filter, WorkshopsRepo


@dataclass(frozen=True)
class Period:
    """A date range and cohort as typed (to fill the form again) and as a report Filter."""

    flt: Filter
    since: str  # "" = open
    until: str
    cohort: str  # "" = every cohort
    cohorts: list[str]
    problems: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for links that keep it)."""
        return {"from": self.since, "to": self.until, "cohort": self.cohort}


async def cohorts_of(view: View) -> list[str]:
    """Every cohort that has people or logged workshops, sorted."""
    logged = await view.repo(WorkshopsRepo).cohorts()
    people = await view.repo(ConsoleRepo).people_cohorts()
    return sorted(set(logged) | set(people))


async def read_period(view: View) -> Period:
    """The filter of the request; without dates, the last 12 months up to today."""
    query = view.request.query
    today = view.local_now().date()
    problems: list[str] = []
    if "from" in query or "to" in query:
        since_text, until_text = query.get("from", "").strip(), query.get("to", "").strip()
    else:
        since_text, until_text = month_start(today, 11).isoformat(), today.isoformat()
    since = _day(view, since_text, problems)
    until = _day(view, until_text, problems)
    if since and until and since > until:
        since, until = until, since
        since_text, until_text = since.isoformat(), until.isoformat()
        problems.append(view.t("web.dates_swapped"))
    cohorts = await cohorts_of(view)
    cohort = query.get("cohort", "").strip()
    if cohort and cohort not in cohorts:
        problems.append(view.t("web.no_cohort", cohort=cohort))
        cohort = ""
    return Period(
        Filter(since, until, cohort or None),
        since_text if since else "",
        until_text if until else "",
        cohort,
        cohorts,
        problems,
    )


def _day(view: View, text: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(view.t("web.bad_date", value=text[:40]))
        return None


def period_text(view: View, period: Period) -> str:
    """The range and cohort in words, e.g. "01.12.2025–24.11.2026 · all cohorts"."""
    since = view.day(period.flt.since) if period.flt.since else view.t("web.open_start")
    until = view.day(period.flt.until) if period.flt.until else view.t("web.open_end")
    cohort = period.cohort or view.t("report.all_cohorts")
    return view.t("web.period", since=since, until=until, cohort=cohort)
