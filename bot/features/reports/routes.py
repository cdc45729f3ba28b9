"""Reports and exports of logged workshops: /report (chart and totals), /export (files).

Both ask for a period, then a cohort (when there are cohorts to choose from).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import Ctx
from bot.features.menu import ids as menu_ids
from bot.features.reports import chart_worker, ids
from bot.features.reports.exports import ExportFiles, spool_dir
from bot.features.reports.figures import PERIODS, Tally, period_range
from bot.features.reports.ids import ALL_COHORTS
from bot.features.reports.render import (
    chart_of,
    cohort_label,
    feedback_bounds,
    period_label,
    summary_text,
)
from bot.messages import Attachment, Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.progress import ProgressRepo
from storage.workshops import Filter, WorkshopsRepo

routes = Routes("rep")

Pick = ids.Report | ids.Export
Sender = Callable[[Ctx, str, str | None], Awaitable[None]]  # send_report or send_export


@dataclass(frozen=True)
class Mode:
    """What differs between a report and an export."""

    pick: type[ids.Report] | type[ids.Export]  # a period, then a cohort
    periods: type[ids.ReportPeriods] | type[ids.ExportPeriods]  # back to the periods
    choose_key: str  # the period question
    empty_key: str  # nothing logged in the period and cohort


REPORT = Mode(ids.Report, ids.ReportPeriods, "report.choose_period", "report.empty")
EXPORT = Mode(ids.Export, ids.ExportPeriods, "report.choose_period_export", "report.export_empty")


# --- the period and the cohort ---------------------------------------------------------------------


@routes.command("report", min_role=Role.EXPERT, help_key="cmd.report")
async def start_report(ctx: Ctx) -> None:
    """/report: choose a period, then a cohort; then a chart and the totals."""
    await _ask_period(ctx, REPORT)


@routes.command("export", min_role=Role.STAFF, help_key="cmd.export")
async def start_export(ctx: Ctx) -> None:
    """/export: choose a period, then a cohort; then a CSV and an Excel file."""
    await _ask_period(ctx, EXPORT)


@routes.choice("rep:home", ids.Home, min_role=Role.EXPERT)
async def home(ctx: Ctx, choice: ids.Home) -> None:
    """The menu's Reports: the report's period question."""
    await _ask_period(ctx, REPORT)


@routes.choice("rep:r:p", ids.ReportPeriods, min_role=Role.EXPERT)
async def report_periods(ctx: Ctx, choice: ids.ReportPeriods) -> None:
    """Back to the report's period question."""
    await _ask_period(ctx, REPORT)


@routes.choice("rep:x:p", ids.ExportPeriods, min_role=Role.STAFF)
async def export_periods(ctx: Ctx, choice: ids.ExportPeriods) -> None:
    """Back to the export's period question."""
    await _ask_period(ctx, EXPORT)


@routes.choice("rep:r", ids.Report, min_role=Role.EXPERT)
async def report(ctx: Ctx, choice: ids.Report) -> None:
    """A period chosen: the cohort question; a cohort chosen too: the chart and the totals."""
    await _period_or_cohort(ctx, REPORT, choice, send_report)


@routes.choice("rep:x", ids.Export, min_role=Role.STAFF)
async def export(ctx: Ctx, choice: ids.Export) -> None:
    """A period chosen: the cohort question; a cohort chosen too: the files."""
    await _period_or_cohort(ctx, EXPORT, choice, send_export)


async def _period_or_cohort(ctx: Ctx, mode: Mode, choice: Pick, send: Sender) -> None:
    if choice.cohort is None:
        await _ask_cohort(ctx, mode, choice.period, send)
        return
    found, cohort = await _cohort_of(ctx, choice)
    if not found:
        await ctx.reply(ctx.t("common.stale_button"))
        await _ask_period(ctx, mode)
        return
    await send(ctx, choice.period, cohort)


async def _ask_period(ctx: Ctx, mode: Mode) -> None:
    rows = [[mode.pick(key).button(ctx.t(f"report.period_{key}"))] for key in PERIODS]
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    await ctx.reply(Outgoing.with_buttons(ctx.t(mode.choose_key), *rows))


async def _ask_cohort(ctx: Ctx, mode: Mode, period: str, send: Sender) -> None:
    cohorts = await ctx.repo(WorkshopsRepo).cohorts()
    if not cohorts:  # nothing to choose from
        await send(ctx, period, None)
        return
    rows = [[mode.pick(period, ALL_COHORTS).button(ctx.t("report.all_cohorts"))]]
    buttons = [mode.pick(period, *_cohort_part(cohorts, c)).button(c[:60]) for c in cohorts]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([mode.periods().button(ctx.t("report.back"))])
    text = ctx.t("report.choose_cohort", period=ctx.t(f"report.period_{period}"))
    await ctx.reply(Outgoing.with_buttons(text, *rows))


def _cohort_tag(cohort: str) -> str:
    """A short fingerprint of a cohort name, so a button never picks a cohort that moved."""
    return hashlib.sha256(cohort.encode()).hexdigest()[:6]


def _cohort_part(cohorts: list[str], cohort: str | None) -> tuple[str, str | None]:
    """The cohort fields of an id: (place, tag), or ("a", None) for every cohort."""
    if cohort is None or cohort not in cohorts:
        return ALL_COHORTS, None
    return str(cohorts.index(cohort)), _cohort_tag(cohort)


async def _cohort_of(ctx: Ctx, choice: Pick) -> tuple[bool, str | None]:
    """(found, cohort) from the cohort fields of an id; cohort None means all cohorts."""
    if choice.cohort == ALL_COHORTS:
        return True, None
    if choice.tag is None or not choice.cohort.isdecimal():
        return False, None
    cohorts = await ctx.repo(WorkshopsRepo).cohorts()
    index = int(choice.cohort)
    if index < len(cohorts) and _cohort_tag(cohorts[index]) == choice.tag:
        return True, cohorts[index]
    matches = [c for c in cohorts if _cohort_tag(c) == choice.tag]  # the list changed since
    return (True, matches[0]) if len(matches) == 1 else (False, None)


# --- the report and the export ---------------------------------------------------------------------


def _labels(ctx: Ctx, period: str, cohort: str | None) -> tuple[Filter, str, str]:
    """The filter of a period and cohort, and both in words."""
    since, until = period_range(period, ctx.local_now().date())
    flt = Filter(since, until, cohort)
    return flt, period_label(ctx, period, flt.since, flt.until), cohort_label(ctx, cohort)


async def _nothing(ctx: Ctx, mode: Mode, period_text: str, cohort_text: str) -> None:
    """A kind 'nothing here' with a way to another period."""
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(mode.empty_key, period=period_text, cohort=cohort_text),
            [mode.periods().button(ctx.t("report.other_period"))],
            [menu_ids.Home().button(ctx.t("common.back_to_menu"))],
        )
    )


async def send_report(ctx: Ctx, period: str, cohort: str | None) -> None:
    """The chart and the totals of one period and cohort (a kind word when there is nothing)."""
    flt, period_text, cohort_text = _labels(ctx, period, cohort)
    tally = Tally()
    async for page in ctx.repo(WorkshopsRepo).pages(flt):
        tally.add(page)
    if not tally.workshops:
        await _nothing(ctx, REPORT, period_text, cohort_text)
        return
    summary = tally.summary(flt.since, flt.until)
    png = await chart_worker.draw(chart_of(ctx, summary, period_text, cohort_text))
    if png is None:  # the totals still follow
        await ctx.reply(ctx.t("report.chart_failed"))
    else:
        name = f"workshops-{period}.png"
        caption = ctx.t("report.chart_caption", period=period_text, cohort=cohort_text)
        await ctx.reply(Outgoing(caption, attachment=Attachment(name, png, "image/png", "photo")))
    since, until = feedback_bounds(ctx, flt)
    feedback = await ctx.repo(ProgressRepo).feedback_totals(flt.cohort, since, until)
    rows: list[list[Choice]] = [[ids.Home().button(ctx.t("report.again"))]]
    if ctx.role >= Role.STAFF:
        cohorts = await ctx.repo(WorkshopsRepo).cohorts()
        export_id = ids.Export(period, *_cohort_part(cohorts, cohort))
        rows.append([export_id.button(ctx.t("report.export_button"))])
    rows.append([menu_ids.Home().button(ctx.t("common.back_to_menu"))])
    text = summary_text(ctx, summary, feedback, period_text, cohort_text)
    await ctx.reply(Outgoing.with_buttons(text, *rows))


async def send_export(ctx: Ctx, period: str, cohort: str | None) -> None:
    """A CSV and an Excel file of the workshops of one period and cohort."""
    flt, period_text, cohort_text = _labels(ctx, period, cohort)
    files = ExportFiles(spool_dir(ctx.app.config.database.path), ctx.app.content)
    try:
        async for page in ctx.repo(WorkshopsRepo).pages(flt):
            await files.add(page)
        await files.finish()
    except BaseException:
        await files.discard()
        raise
    if not files.count:
        await files.discard()
        await _nothing(ctx, EXPORT, period_text, cohort_text)
        return
    first, last = flt.since or files.first, flt.until or files.last
    csv_file, xlsx_file = files.attachments(f"workshops-{first}-{last}")
    text = ctx.t("report.export_csv", count=files.count, period=period_text, cohort=cohort_text)
    await ctx.reply(Outgoing(text, attachment=csv_file))
    if xlsx_file is None:  # the CSV went: say the Excel file did not
        await ctx.reply(ctx.t("report.export_xlsx_failed"))
    else:
        await ctx.reply(Outgoing(ctx.t("report.export_xlsx"), attachment=xlsx_file))
    await ctx.audit("export.workshops", rows=files.count)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("report.export_care"),
            [menu_ids.Home().button(ctx.t("common.back_to_menu"))],
        )
    )
