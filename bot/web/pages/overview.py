"""The overview: totals, workshops per month and per theme, feedback agreement per section."""

from __future__ import annotations

from aiohttp import web

from bot.features.reports.figures import summarise
from bot.features.reports.render import chart_of, feedback_bounds
from bot.web.charts import Bar, Month, bars_chart, months_chart
from bot.web.filters import period_text, read_period
from bot.web.server import page
from bot.web.view import View
from storage.progress import FeedbackTotals, ProgressRepo
from storage.workshops import WorkshopsRepo


@page("GET", "/")
async def overview(view: View) -> web.StreamResponse:
    """The overview of a period and cohort."""
    period = await read_period(view)
    workshops = await view.repo(WorkshopsRepo).matching(period.flt)
    summary = summarise(workshops, period.flt.since, period.flt.until)
    words = period_text(view, period)
    chart = chart_of(view, summary, words, period.cohort or view.t("report.all_cohorts"))
    months = [
        Month(
            m.strftime("%m/%y"),
            n,
            p,
            view.t("web.month_tip", month=m.strftime("%m/%Y"), workshops=n, participants=p),
        )
        for m, n, p in summary.months
    ]
    since, until = feedback_bounds(view, period.flt)
    feedback = await view.repo(ProgressRepo).feedback_totals(period.flt.cohort, since, until)
    agreement = agreement_bars(view, feedback)
    return view.render(
        "overview.html",
        period=period,
        words=words,
        summary=summary,
        months=summary.months,
        themes=chart.themes,
        feedback=agreement,
        month_svgs=[
            months_chart(
                view.t("web.chart_months", period=words),
                months,
                view.t("report.chart_workshops"),
                view.t("report.chart_participants"),
                width=width,
            )
            for width in (720, 360)
        ],
        theme_svg=bars_chart(
            view.t("report.chart_themes"),
            [Bar(name, n, view.number(n)) for name, n in chart.themes],
        ),
        feedback_svg=bars_chart(
            view.t("web.chart_agreement"),
            [Bar(name, total.agree_share, text) for name, total, text in agreement],
            top=1,
            kind="agree",
        ),
    )


def agreement_bars(
    view: View, totals: list[FeedbackTotals]
) -> list[tuple[str, FeedbackTotals, str]]:
    """(section title, totals, "78 % of 23 answers") in the content's order of sections."""
    by_id = {t.section_id: t for t in totals}
    rows = []
    for section in view.app.content.sections:
        total = by_id.pop(section.id, None)
        if total is not None:
            rows.append((f"{section.order}. {section.title.get(view.lang)}", total))
    rows += sorted(by_id.items())  # sections no longer in the content: by id
    return [
        (
            name,
            total,
            view.t("web.agree_text", share=round(100 * total.agree_share), answers=total.answers),
        )
        for name, total in rows
    ]
