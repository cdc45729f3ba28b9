"""Programme reports and exports of logged workshops: /report (chart and totals), /export (files)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.context import Ctx
from bot.exports import CSV_MIME, XLSX_MIME, workshops_csv, workshops_xlsx
from bot.features.report_figures import (
    Chart,
    Summary,
    month_start,
    render_chart,
    summarise,
)
from bot.messages import Attachment, Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.progress import FeedbackTotals, ProgressRepo
from storage.workshops import Filter, Workshop, WorkshopsRepo

if TYPE_CHECKING:
    from bot.app import App

# Period key -> how many calendar months back it reaches (this one included); None: all time.
PERIODS: dict[str, int | None] = {"m1": 1, "m3": 3, "m12": 12, "all": None}
REPORT, EXPORT = "r", "x"
ALL_COHORTS = "a"
ASK_PERIOD = "p"


def setup(app: App) -> None:
    """Register /report (experts), /export (staff), the rep: buttons and the menu item."""
    app.router.command("report", start_report, min_role=Role.EXPERT, help_key="cmd.report")
    app.router.command("export", start_export, min_role=Role.STAFF, help_key="cmd.export")
    app.router.choice("rep:", on_choice, min_role=Role.EXPERT)
    app.router.choice("rep:x:", on_choice, min_role=Role.STAFF)
    app.router.menu(MenuItem("rep:home", "menu.reports", order=60, min_role=Role.EXPERT))


# --- periods and cohorts ---------------------------------------------------------------------


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    """Inclusive (since, until) of a period key; (None, None) for all time."""
    months = PERIODS[key]
    if months is None:
        return None, None
    return month_start(today, months - 1), today


def cohort_tag(cohort: str) -> str:
    """A short fingerprint of a cohort name, so a button never picks a cohort that moved."""
    return hashlib.sha256(cohort.encode()).hexdigest()[:6]


async def _cohort_of(ctx: Ctx, parts: list[str]) -> tuple[bool, str | None]:
    """(found, cohort) from the cohort part of a choice id; cohort None means all cohorts."""
    if parts[3] == ALL_COHORTS:
        return True, None
    if len(parts) != 5 or not parts[3].isdecimal():
        return False, None
    cohorts = await ctx.repo(WorkshopsRepo).cohorts()
    index, tag = int(parts[3]), parts[4]
    if index < len(cohorts) and cohort_tag(cohorts[index]) == tag:
        return True, cohorts[index]
    matches = [c for c in cohorts if cohort_tag(c) == tag]  # the list changed since the buttons
    return (True, matches[0]) if len(matches) == 1 else (False, None)


def _cohort_part(cohorts: list[str], cohort: str | None) -> str:
    if cohort is None or cohort not in cohorts:
        return ALL_COHORTS
    return f"{cohorts.index(cohort)}:{cohort_tag(cohort)}"


# --- the conversation --------------------------------------------------------------------------


async def start_report(ctx: Ctx) -> None:
    """/report: choose a period, then a cohort; then a chart and the totals."""
    await _ask_period(ctx, REPORT)


async def start_export(ctx: Ctx) -> None:
    """/export: choose a period, then a cohort; then a CSV and an Excel file."""
    await _ask_period(ctx, EXPORT)


async def on_choice(ctx: Ctx) -> None:
    """rep:home, rep:<r|x>:p, rep:<r|x>:<period>, rep:<r|x>:<period>:<a | index:tag>."""
    parts = ctx.choice_parts
    mode = parts[1] if len(parts) > 1 else "home"
    if mode == "home":
        await _ask_period(ctx, REPORT)
        return
    if mode in (REPORT, EXPORT) and parts[2:] == [ASK_PERIOD]:
        await _ask_period(ctx, mode)
        return
    if mode not in (REPORT, EXPORT) or len(parts) < 3 or parts[2] not in PERIODS:
        await _stale(ctx, REPORT)
        return
    period = parts[2]
    if len(parts) == 3:
        await _ask_cohort(ctx, mode, period)
        return
    found, cohort = await _cohort_of(ctx, parts)
    if not found:
        await _stale(ctx, mode)
    elif mode == REPORT:
        await send_report(ctx, period, cohort)
    else:
        await send_export(ctx, period, cohort)


async def _stale(ctx: Ctx, mode: str) -> None:
    await ctx.reply(ctx.t("common.stale_button"))
    await _ask_period(ctx, mode)


async def _ask_period(ctx: Ctx, mode: str) -> None:
    rows = [[ctx.button(f"rep:{mode}:{key}", f"report.period_{key}")] for key in PERIODS]
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    key = "report.choose_period" if mode == REPORT else "report.choose_period_export"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))


async def _ask_cohort(ctx: Ctx, mode: str, period: str) -> None:
    cohorts = await ctx.repo(WorkshopsRepo).cohorts()
    if not cohorts:  # nothing to choose from
        await (send_report if mode == REPORT else send_export)(ctx, period, None)
        return
    rows = [[ctx.button(f"rep:{mode}:{period}:{ALL_COHORTS}", "report.all_cohorts")]]
    buttons = [Choice(f"rep:{mode}:{period}:{_cohort_part(cohorts, c)}", c[:60]) for c in cohorts]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([ctx.button(f"rep:{mode}:{ASK_PERIOD}", "report.back")])
    text = ctx.t("report.choose_cohort", period=ctx.t(f"report.period_{period}"))
    await ctx.reply(Outgoing.with_buttons(text, *rows))


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _period_label(ctx: Ctx, period: str, since: date | None, until: date | None) -> str:
    name = ctx.t(f"report.period_{period}")
    if since is None or until is None:
        return name
    return ctx.t("report.range", period=name, start=_day(since), end=_day(until))


def _cohort_label(ctx: Ctx, cohort: str | None) -> str:
    return ctx.t("report.cohort", cohort=cohort) if cohort else ctx.t("report.all_cohorts")


def _filter(ctx: Ctx, period: str, cohort: str | None) -> Filter:
    since, until = period_range(period, ctx.local_now().date())
    return Filter(since, until, cohort)


# --- the report ----------------------------------------------------------------------------------


def _themes(ctx: Ctx, summary: Summary) -> list[tuple[str, int]]:
    """(section title, workshops) for every section, then any theme no longer in the content."""
    sections = ctx.app.content.sections
    rows = [(s.title.get(ctx.lang), summary.themes.get(s.id, 0)) for s in sections]
    known = {s.id for s in sections}
    rows += [(t, n) for t, n in sorted(summary.themes.items()) if t not in known]
    return rows


def _chart(ctx: Ctx, summary: Summary, period: str, cohort: str) -> Chart:
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


def _feedback_since_until(ctx: Ctx, flt: Filter) -> tuple[str | None, str | None]:
    """The period's local days as the UTC bounds feedback_totals compares (until exclusive)."""
    since = to_iso(datetime.combine(flt.since, time.min, ctx.tz)) if flt.since else None
    end = flt.until + timedelta(days=1) if flt.until else None
    return since, to_iso(datetime.combine(end, time.min, ctx.tz)) if end else None


async def _feedback(ctx: Ctx, flt: Filter) -> list[FeedbackTotals]:
    since, until = _feedback_since_until(ctx, flt)
    return await ctx.repo(ProgressRepo).feedback_totals(flt.cohort, since, until)


def _summary_text(
    ctx: Ctx, summary: Summary, feedback: list[FeedbackTotals], period: str, cohort: str
) -> str:
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


async def _selection(
    ctx: Ctx, kind: str, period: str, cohort: str | None
) -> tuple[Filter, list[Workshop], str, str] | None:
    """The workshops of a period and cohort with their labels; None after a kind 'nothing here'."""
    flt = _filter(ctx, period, cohort)
    workshops = await ctx.repo(WorkshopsRepo).matching(flt)
    period_text = _period_label(ctx, period, flt.since, flt.until)
    cohort_text = _cohort_label(ctx, cohort)
    if workshops:
        return flt, workshops, period_text, cohort_text
    empty = "report.empty" if kind == REPORT else "report.export_empty"
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(empty, period=period_text, cohort=cohort_text),
            [ctx.button(f"rep:{kind}:{ASK_PERIOD}", "report.other_period")],
            [ctx.button("menu:home", "common.back_to_menu")],
        )
    )
    return None


async def send_report(ctx: Ctx, period: str, cohort: str | None) -> None:
    """The chart and the totals of one period and cohort (a kind word when there is nothing)."""
    found = await _selection(ctx, REPORT, period, cohort)
    if found is None:
        return
    flt, workshops, period_text, cohort_text = found
    summary = summarise(workshops, flt.since, flt.until)
    png = await asyncio.to_thread(render_chart, _chart(ctx, summary, period_text, cohort_text))
    name = f"workshops-{period}.png"
    caption = ctx.t("report.chart_caption", period=period_text, cohort=cohort_text)
    await ctx.reply(Outgoing(caption, attachment=Attachment(name, png, "image/png", "photo")))
    feedback = await _feedback(ctx, flt)
    rows = [[ctx.button("rep:home", "report.again")]]
    if ctx.role >= Role.STAFF:
        cohorts = await ctx.repo(WorkshopsRepo).cohorts()
        export_id = f"rep:x:{period}:{_cohort_part(cohorts, cohort)}"
        rows.append([ctx.button(export_id, "report.export_button")])
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    text = _summary_text(ctx, summary, feedback, period_text, cohort_text)
    await ctx.reply(Outgoing.with_buttons(text, *rows))


# --- the export ----------------------------------------------------------------------------------


def export_name(workshops: list[Workshop], flt: Filter, suffix: str) -> str:
    """workshops-<from>-<to>.<suffix>; all time runs from the first to the last workshop."""
    first = flt.since or min(w.held_on for w in workshops)
    last = flt.until or max(w.held_on for w in workshops)
    return f"workshops-{first.isoformat()}-{last.isoformat()}.{suffix}"


async def send_export(ctx: Ctx, period: str, cohort: str | None) -> None:
    """A CSV and an Excel file of the workshops of one period and cohort."""
    found = await _selection(ctx, EXPORT, period, cohort)
    if found is None:
        return
    flt, workshops, period_text, cohort_text = found
    content = ctx.app.content
    csv_data = workshops_csv(workshops, content)
    xlsx_data = await asyncio.to_thread(workshops_xlsx, workshops, content)
    csv_file = Attachment(export_name(workshops, flt, "csv"), csv_data, CSV_MIME, "document")
    xlsx_file = Attachment(export_name(workshops, flt, "xlsx"), xlsx_data, XLSX_MIME, "document")
    count = len(workshops)
    await ctx.reply(
        Outgoing(
            ctx.t("report.export_csv", count=count, period=period_text, cohort=cohort_text),
            attachment=csv_file,
        )
    )
    await ctx.reply(Outgoing(ctx.t("report.export_xlsx"), attachment=xlsx_file))
    await ctx.audit("export.workshops", rows=count)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("report.export_care"), [ctx.button("menu:home", "common.back_to_menu")]
        )
    )
