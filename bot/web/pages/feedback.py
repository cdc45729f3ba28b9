"""Section feedback: agreement per section (chart), per section and cohort (table), comments."""

from __future__ import annotations

from aiohttp import web

from bot.features.reports.render import feedback_bounds
from bot.web.charts import Bar, bars_chart
from bot.web.filters import period_text, read_period
from bot.web.pages.overview import agreement_bars
from bot.web.server import page
from bot.web.view import View
from storage.progress import ProgressRepo

COMMENTS = 10


@page("GET", "/feedback")
async def feedback(view: View) -> web.StreamResponse:
    """Agreement with each section's statement in a period (and cohort), and what people wrote."""
    period = await read_period(view)
    progress = view.repo(ProgressRepo)
    since, until = feedback_bounds(view, period.flt)
    totals = await progress.feedback_totals(period.flt.cohort, since, until)
    agreement = agreement_bars(view, totals)
    cohorts = [period.cohort] if period.cohort else period.cohorts
    by_cohort = {}
    for cohort in cohorts:
        for total in await progress.feedback_totals(cohort, since, until):
            by_cohort[(total.section_id, cohort)] = total
    sections = view.app.content.sections
    comments = {
        s.id: await progress.feedback_comments(s.id, period.flt.cohort, COMMENTS) for s in sections
    }
    return view.render(
        "feedback.html",
        period=period,
        words=period_text(view, period),
        agreement=agreement,
        chart=bars_chart(
            view.t("web.chart_agreement"),
            [Bar(name, total.agree_share, text) for name, total, text in agreement],
            top=1,
            kind="agree",
        ),
        sections=sections,
        cohorts=[c for c in cohorts if any(k[1] == c for k in by_cohort)],
        by_cohort=by_cohort,
        comments=comments,
        comments_max=COMMENTS,
    )
