"""A report in words and as a chart: labels, the summary text, the chart's texts, file names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.clock import to_iso
from bot.context import Ctx
from bot.features.reports.figures import Chart, Summary
from storage.progress import FeedbackTotals
from storage.workshops import Filter, Workshop


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def period_label(ctx: Ctx, period: str, since: date | None, until: date | None) -> str:
    """The period's name, with its first and last day (e.g. "Last 3 months (01.09.–24.11.)")."""
    name = ctx.t(f"report.period_{period}")
    if since is None or until is None:
        return name
    return ctx.t("report.range", period=name, start=_day(since), end=_day(until))


def cohort_label(ctx: Ctx, cohort: str | None) -> str:
    """The cohort in words ("cohort X", or "all cohorts")."""
    return ctx.t("report.cohort", cohort=cohort) if cohort else ctx.t("report.all_cohorts")


def _themes(ctx: Ctx, summary: Summary) -> list[tuple[str, int]]:
    """(section title, workshops) for every section, then any theme no longer in the content."""
    sections = ctx.app.content.sections
    rows = [(s.title.get(ctx.lang), summary.themes.get(s.id, 0)) for s in sections]
    known = {s.id for s in sections}
    rows += [(t, n) for t, n in sorted(summary.themes.items()) if t not in known]
    return rows


def chart_of(ctx: Ctx, summary: Summary, period: str, cohort: str) -> Chart:
    """The chart of a summary, its texts in the person's language."""
    return Chart(
        title=ctx.t("report.chart_title", period=period, cohort=cohort),
        per_month_title=ctx.t("report.chart_per_month"),
        workshops_label=ctx.t("report.chart_workshops"),
        participants_label=ctx.t("report.chart_participants"),
        themes_title=ctx.t("report.chart_themes"),
        months=[(m.strftime("%Y-%m"), n, p) for m, n, p in summary.months],
        themes=_themes(ctx, summary),
    )


def _decimal(ctx: Ctx, value: float) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if ctx.lang in ("fi", "sv") else text


def feedback_bounds(ctx: Ctx, flt: Filter) -> tuple[str | None, str | None]:
    """The period's local days as the UTC bounds feedback_totals compares (until exclusive)."""
    since = to_iso(datetime.combine(flt.since, time.min, ctx.tz)) if flt.since else None
    end = flt.until + timedelta(days=1) if flt.until else None
    return since, to_iso(datetime.combine(end, time.min, ctx.tz)) if end else None


def summary_text(
    ctx: Ctx, summary: Summary, feedback: list[FeedbackTotals], period: str, cohort: str
) -> str:
    """The totals, the workshops per theme and the section feedback, as one message."""
    lines = [
        ctx.t("report.summary_title", period=period, cohort=cohort),
        "",
        ctx.t("report.total_workshops", count=summary.workshops),
        ctx.t("report.total_participants", count=summary.participants),
        ctx.t("report.communities", count=summary.communities),
        ctx.t("report.mentors", count=summary.mentors),
        ctx.t("report.mean", mean=_decimal(ctx, summary.mean_participants)),
        ctx.t("report.support", count=summary.support),
        "",
        ctx.t("report.themes_title"),
    ]
    lines += [ctx.t("report.theme_line", section=t, count=n) for t, n in _themes(ctx, summary)]
    if feedback:
        lines += ["", ctx.t("report.feedback_title")]
        for total in feedback:
            section = ctx.app.content.section(total.section_id)
            name = section.title.get(ctx.lang) if section else total.section_id
            share = round(100 * total.agree_share)
            lines.append(
                ctx.t("report.feedback_line", section=name, share=share, answers=total.answers)
            )
    return "\n".join(lines)


def export_name(workshops: list[Workshop], flt: Filter, suffix: str) -> str:
    """workshops-<from>-<to>.<suffix>; all time runs from the first to the last workshop."""
    first = flt.since or min(w.held_on for w in workshops)
    last = flt.until or max(w.held_on for w in workshops)
    return f"workshops-{first.isoformat()}-{last.isoformat()}.{suffix}"
