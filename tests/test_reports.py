"""Programme reports and exports: /report (chart and totals), /export (CSV and Excel), the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.clock import to_iso
from bot.features.reports import chart_worker, figures, xlsx_worker
from bot.features.reports.exports import (
    COLUMNS,
    safe_text,
    spool_dir,
    workshops_csv,
    workshops_xlsx,
)
from bot.features.reports.figures import month_start, period_range, summarise
from bot.messages import Attachment, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from storage.audit import AuditRepo
from storage.progress import ProgressRepo
from storage.workshops import Filter, Workshop, WorkshopsRepo
from tests.fakes import cli_zygote
from tests.harness import REPO

HEADER = [
    "id",
    "held_on",
    "cohort",
    "mentor_ref",
    "community",
    "participants",
    "themes",
    "theme_names",
    "duration_min",
    "co_facilitated",
    "went_well",
    "share_practice",
    "was_hard",
    "needs_support",
    "support_flagged",
    "created_at",
    "updated_at",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2026, 11, 24)  # the harness clock: 2026-11-24T10:00Z


def _sheet(data: bytes):
    """The first sheet of a workbook (openpyxl imported here: 0.3 s that most workers never need)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def _form(held_on: date, community: str, participants: int, themes: tuple, **extra) -> dict:
    form = {
        "held_on": held_on,
        "community": community,
        "participants": participants,
        "themes": themes,
        "duration_min": None,
        "co_facilitated": False,
        "went_well": None,
        "share_practice": False,
        "was_hard": None,
        "needs_support": False,
    }
    form.update(extra)
    return form


async def _seed(h) -> tuple[int, int]:
    """Two mentors in two cohorts, five workshops from 2025-06 to 2026-11; their person ids."""
    a = (await h.person(await h.onboard(Role.MENTOR, "Anna", cohort="2025-02"))).id
    b = (await h.person(await h.onboard(Role.MENTOR, "Bashir", cohort="2026-01"))).id
    repo = h.app.db.repo(WorkshopsRepo)
    await repo.add(
        a,
        "2025-02",
        _form(
            date(2026, 11, 3),
            "Somali women's group",
            12,
            ("s1", "s3"),
            duration_min=120,
            co_facilitated=True,
            went_well="Tea and stories",
            share_practice=True,
            was_hard="Late start",
            needs_support=True,
        ),
    )
    await repo.add(a, "2025-02", _form(date(2026, 10, 15), " somali  WOMEN's group", 8, ("s1",)))
    await repo.add(b, "2026-01", _form(date(2026, 9, 1), "Youth club Kontula", 5, ("s2",)))
    await repo.add(b, "2026-01", _form(date(2026, 8, 31), "Arabic parents' circle", 21, ("s4",)))
    await repo.add(b, "2026-01", _form(date(2025, 6, 10), "Youth club Kontula", 6, ("s1",)))
    return a, b


async def _report(h, user, period: str, cohort: str | None = None) -> list:
    """/report, a period, then a cohort (by its label); what the bot sent for the last tap."""
    await h.say("/report", user)
    sent = await h.tap(f"rep:r:{period}", user)
    ids = h.last(user).choice_ids
    if f"rep:r:{period}:a" not in ids:  # no cohorts at all: the report came at once
        return sent
    label = cohort or "All cohorts"
    choice = next(c for c in h.last(user).out.all_choices() if c.label == label)
    return await h.tap(choice.id, user)


def _summary(sent: list) -> list[str]:
    return sent[-1].text.splitlines()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --- periods -------------------------------------------------------------------------------------


def test_periods_are_calendar_months_up_to_today():
    assert period_range("m1", TODAY) == (date(2026, 11, 1), TODAY)
    assert period_range("m3", TODAY) == (date(2026, 9, 1), TODAY)
    assert period_range("m12", TODAY) == (date(2025, 12, 1), TODAY)
    assert period_range("all", TODAY) == (None, None)
    assert month_start(date(2026, 1, 31), 1) == date(2025, 12, 1)
    assert month_start(date(2025, 12, 5), -1) == date(2026, 1, 1)


# --- the report ----------------------------------------------------------------------------------


async def test_report_totals_for_all_time_and_all_cohorts(h):
    await _seed(h)
    staff = await h.onboard(Role.STAFF, "Sari")
    await h.say("/report", staff)
    assert h.last(staff).choice_ids[:4] == ["rep:r:m1", "rep:r:m3", "rep:r:m12", "rep:r:all"]
    await h.tap("rep:r:all", staff)
    labels = h.last(staff).labels
    assert labels[:3] == ["All cohorts", "2025-02", "2026-01"]
    assert all(len(c.encode()) <= 64 and c.startswith("rep:") for c in h.last(staff).choice_ids)
    assert "2025-02" not in "".join(h.last(staff).choice_ids)  # an index, not the name
    sent = await h.tap("rep:r:all:a", staff)
    lines = _summary(sent)
    assert lines[0] == "Workshops report: All time, All cohorts"
    for expected in (
        "Workshops: 5",
        "Participants: 52",
        "Different communities: 3",  # "Somali women's group" differs only in case and spaces
        "Mentors active: 2",
        "Participants per workshop on average: 10.4",
        "Workshops after which the mentor asked for support: 1",
    ):
        assert expected in lines
    content = h.app.content
    assert f"• {content.section('s1').title.get('en')}: 3" in lines
    assert f"• {content.section('s4').title.get('en')}: 1" in lines
    assert not any(line.startswith("Section feedback") for line in lines)
    assert "rep:x:all:a" in sent[-1].choice_ids  # staff may export the same selection


async def test_report_filters_by_period_with_inclusive_month_bounds(h):
    await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva")
    lines = _summary(await _report(h, expert, "m3"))  # 2026-09-01 .. 2026-11-24
    assert lines[0] == "Workshops report: Last 3 months (01.09.2026–24.11.2026), All cohorts"
    assert {"Workshops: 3", "Participants: 25", "Different communities: 2"} <= set(lines)
    assert {"Mentors active: 2", "Participants per workshop on average: 8.3"} <= set(lines)
    lines = _summary(await _report(h, expert, "m12"))  # from 2025-12-01: not the 2025-06 one
    assert {"Workshops: 4", "Participants: 46", "Different communities: 3"} <= set(lines)
    assert "Participants per workshop on average: 11.5" in lines
    lines = _summary(await _report(h, expert, "m1"))
    assert {"Workshops: 1", "Participants: 12", "Mentors active: 1"} <= set(lines)
    assert "Participants per workshop on average: 12.0" in lines


async def test_report_filters_by_cohort(h):
    await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva")
    lines = _summary(await _report(h, expert, "m12", "2025-02"))
    assert lines[0].endswith(", cohort 2025-02")
    assert {"Workshops: 2", "Participants: 20", "Different communities: 1"} <= set(lines)
    assert {"Mentors active: 1", "Participants per workshop on average: 10.0"} <= set(lines)
    lines = _summary(await _report(h, expert, "all", "2026-01"))
    assert {"Workshops: 3", "Participants: 32", "Different communities: 2"} <= set(lines)
    assert "Participants per workshop on average: 10.7" in lines


async def test_a_cohort_button_still_means_its_cohort_when_the_list_changes(h):
    a, _ = await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva")
    await h.say("/report", expert)
    await h.tap("rep:r:all", expert)
    choice = next(c for c in h.last(expert).out.all_choices() if c.label == "2025-02")
    # A new cohort sorts first, so every index moves by one.
    await h.app.db.repo(WorkshopsRepo).add(a, "2024-09", _form(date(2026, 5, 5), "X", 3, ("s1",)))
    lines = _summary(await h.tap(choice.id, expert))
    assert lines[0].endswith(", cohort 2025-02")
    assert "Workshops: 2" in lines
    await h.tap("rep:r:all:0:ffffff", expert)
    assert "no longer works" in h.sent_to(expert)[-2].text
    assert h.last(expert).choice_ids[0] == "rep:r:m1"


async def test_report_chart_is_a_valid_png_with_period_and_cohort(h):
    await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva")
    sent = await _report(h, expert, "m12", "2026-01")
    assert len(sent) == 2
    chart = sent[0].out
    assert chart.attachment is not None and chart.attachment.kind == "photo"
    assert chart.attachment.mime == "image/png"
    width, height = _png_size(chart.attachment.data)
    assert 400 <= width <= 4000 and 400 <= height <= 4000
    assert "Last 12 months (01.12.2025–24.11.2026)" in chart.text
    assert "cohort 2026-01" in chart.text
    assert sent[1].out.attachment is None


def _chart() -> figures.Chart:
    return figures.Chart(
        title="Työpajat: Kaikki, kaikki kohortit",
        per_month_title="Per month",
        workshops_label="Workshops",
        participants_label="Participants",
        themes_title="Per theme",
        months=[("2026-09", 2, 26), ("2026-10", 0, 0), ("2026-11", 1, 12)],
        themes=[("Mental health and resilience", 3), ("Gone theme", 1)],
    )


@pytest.mark.real_workers
async def test_chart_worker_draws_the_same_png_as_in_process():
    chart = _chart()
    assert chart_worker.chart_from_json(chart_worker.chart_json(chart)) == chart
    png = await chart_worker.draw(chart)
    assert png is not None and png == figures.render_chart(chart)


@pytest.mark.real_workers
async def test_chart_worker_that_fails_or_hangs_gives_none(monkeypatch, caplog):
    assert await chart_worker.draw(_chart(), seconds=0.001) is None
    assert "took longer" in caplog.text
    monkeypatch.setattr(chart_worker, "chart_json", lambda chart: b"not json")
    assert await chart_worker.draw(_chart()) is None
    assert "the chart worker failed (exit 1)" in caplog.text


@pytest.mark.real_workers
async def test_report_draws_outside_the_bot_and_falls_back_to_words(h, monkeypatch):
    def in_process(chart):
        raise AssertionError("the bot drew a chart in its own process")

    monkeypatch.setattr(figures, "render_chart", in_process)
    await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva")
    sent = await _report(h, expert, "all", "All cohorts")
    assert [s.out.attachment.kind if s.out.attachment else None for s in sent] == ["photo", None]

    async def broken(chart, seconds=chart_worker.TIMEOUT):
        return None  # what draw returns when the worker failed (the test above)

    monkeypatch.setattr(chart_worker, "draw", broken)
    sent = await _report(h, expert, "all", "All cohorts")
    assert [s.out.attachment for s in sent] == [None, None]
    assert sent[0].text.startswith("The chart could not be drawn this time.")
    assert sent[1].text.startswith("Workshops report: All time")


async def test_no_workshops_gives_a_kind_text_and_no_chart(h):
    expert = await h.onboard(Role.EXPERT, "Eeva")
    sent = await _report(h, expert, "m3")  # no cohorts yet: no cohort question
    assert len(sent) == 1
    assert sent[0].out.attachment is None
    assert "No workshops logged yet. Your choice: Last 3 months" in sent[0].text
    assert "rep:r:p" in sent[0].choice_ids
    await h.tap("rep:r:p", expert)
    assert h.last(expert).choice_ids[0] == "rep:r:m1"

    a, _ = await _seed(h)
    sent = await _report(h, expert, "m1", "2026-01")  # 2026-01 logged nothing this month
    assert [s.out.attachment for s in sent] == [None]
    assert "cohort 2026-01" in sent[0].text


async def test_report_shows_section_feedback_of_the_same_cohort_and_period(h):
    a, b = await _seed(h)
    progress = h.app.db.repo(ProgressRepo)
    await progress.give_feedback(a, "s1", "2025-02", 5)
    await progress.give_feedback(b, "s1", "2026-01", 3)
    h.clock.set(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    await progress.give_feedback(a, "s2", "2025-02", 4)
    h.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    expert = await h.onboard(Role.EXPERT, "Eeva")
    s1 = h.app.content.section("s1").title.get("en")
    s2 = h.app.content.section("s2").title.get("en")

    lines = _summary(await _report(h, expert, "m3"))
    assert any(line.startswith("Section feedback") for line in lines)
    assert f"• {s1}: 50% agreed completely or mostly, n=2" in lines
    assert not any(line.startswith(f"• {s2}: ") and "agreed" in line for line in lines)

    lines = _summary(await _report(h, expert, "all"))
    assert f"• {s2}: 100% agreed completely or mostly, n=1" in lines

    lines = _summary(await _report(h, expert, "m1", "2025-02"))
    assert f"• {s1}: 100% agreed completely or mostly, n=1" in lines


async def test_report_in_finnish_uses_a_decimal_comma(h):
    await _seed(h)
    expert = await h.onboard(Role.EXPERT, "Eeva", lang="fi")
    lines = _summary(await _report(h, expert, "all", "Kaikki ryhmät"))
    assert "Työpajoja: 5" in lines
    assert "Osallistujia keskimäärin työpajaa kohden: 10,4" in lines


# --- who may do what ----------------------------------------------------------------------------


async def test_role_guards(h):
    await _seed(h)
    mentor = await h.onboard(Role.MENTOR, "Mona")
    for text in ("/report", "/export"):
        await h.say(text, mentor)
        assert "not available for your role" in h.last(mentor).text
    await h.tap("rep:r:m1:a", mentor)
    assert "not available for your role" in h.last(mentor).text
    await h.say("/menu", mentor)
    assert "rep:home" not in h.last(mentor).choice_ids

    expert = await h.onboard(Role.EXPERT, "Eeva")
    await h.say("/menu", expert)
    assert "rep:home" in h.last(expert).choice_ids
    await h.tap("rep:home", expert)
    assert h.last(expert).choice_ids[0] == "rep:r:m1"
    sent = await _report(h, expert, "m3")
    assert sent[0].out.attachment is not None
    assert not any(c.startswith("rep:x:") for c in sent[-1].choice_ids)
    await h.say("/export", expert)
    assert "not available for your role" in h.last(expert).text
    await h.tap("rep:x:m3:a", expert)
    assert "not available for your role" in h.last(expert).text
    assert await h.app.db.repo(AuditRepo).entries("export.workshops") == []


# --- exports -------------------------------------------------------------------------------------


async def _export(h, user, period: str) -> list:
    await h.say("/export", user)
    assert h.last(user).choice_ids[:4] == ["rep:x:m1", "rep:x:m3", "rep:x:m12", "rep:x:all"]
    await h.tap(f"rep:x:{period}", user)
    return await h.tap(f"rep:x:{period}:a", user)


def _files(sent: list) -> dict[str, bytes]:
    return {s.out.attachment.filename: s.out.attachment.data for s in sent if s.out.attachment}


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = _sheet(data)
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = value.date().isoformat()
            cells.append("" if value is None else str(value))
        rows.append(cells)
    return rows


@pytest.mark.real_workers
async def test_export_csv_and_xlsx_round_trip(h):
    a, b = await _seed(h)
    staff = await h.onboard(Role.STAFF, "Sari")
    sent = await _export(h, staff, "m12")
    files = _files(sent)
    assert set(files) == {
        "workshops-2025-12-01-2026-11-24.csv",
        "workshops-2025-12-01-2026-11-24.xlsx",
    }
    assert all(s.out.attachment.kind == "document" for s in sent if s.out.attachment)
    csv_rows = _csv_rows(files["workshops-2025-12-01-2026-11-24.csv"])
    xlsx_rows = _xlsx_rows(files["workshops-2025-12-01-2026-11-24.xlsx"])
    assert csv_rows[0] == HEADER == list(COLUMNS)
    assert xlsx_rows == csv_rows
    assert len(csv_rows) == 5  # header and the four workshops of the last 12 months
    content = h.app.content
    s1, s3 = (content.section(s).title.get("en") for s in ("s1", "s3"))
    first = dict(zip(HEADER, csv_rows[1], strict=True))  # oldest first: 2026-08-31
    assert first["held_on"] == "2026-08-31" and first["mentor_ref"] == f"M{b}"
    newest = dict(zip(HEADER, csv_rows[-1], strict=True))
    assert newest["mentor_ref"] == f"M{a}" and newest["cohort"] == "2025-02"
    assert newest["community"] == "Somali women's group" and newest["participants"] == "12"
    assert newest["themes"] == "s1;s3" and newest["theme_names"] == f"{s1}; {s3}"
    assert newest["duration_min"] == "120" and newest["co_facilitated"] == "1"
    assert newest["went_well"] == "Tea and stories" and newest["share_practice"] == "1"
    assert newest["needs_support"] == "1" and newest["support_flagged"] == "0"
    assert newest["created_at"] == to_iso(h.clock.now())
    assert dict(zip(HEADER, csv_rows[2], strict=True))["duration_min"] == ""
    audit = await h.app.db.repo(AuditRepo).entries("export.workshops")
    assert [e["detail"] for e in audit] == [{"rows": 4}]

    sent = await _export(h, staff, "all")
    assert set(_files(sent)) == {
        "workshops-2025-06-10-2026-11-03.csv",
        "workshops-2025-06-10-2026-11-03.xlsx",
    }


async def test_export_files_are_sent_from_disk_and_deleted(h):
    await _seed(h)
    staff = await h.onboard(Role.STAFF, "Sari")
    sent = await _export(h, staff, "all")
    paths = [Path(s.out.attachment.path) for s in sent if s.out.attachment]
    folder = spool_dir(h.app.config.database.path)
    assert len(paths) == 2 and all(p.parent == folder for p in paths)
    assert not any(p.exists() for p in paths) and list(folder.iterdir()) == []
    assert folder.stat().st_mode & 0o777 == 0o700
    assert len(_csv_rows(_files(sent)["workshops-2025-06-10-2026-11-03.csv"])) == 6


@pytest.mark.real_workers
async def test_an_excel_worker_that_fails_still_sends_the_csv(h, monkeypatch, caplog):
    await _seed(h)
    staff = await h.onboard(Role.STAFF, "Sari")
    monkeypatch.setattr(xlsx_worker, "page_line", lambda rows: b"not json")
    sent = await _export(h, staff, "all")
    assert list(_files(sent)) == ["workshops-2025-06-10-2026-11-03.csv"]
    assert sent[1].text.startswith("The Excel file could not be made this time")
    assert "the Excel worker failed (exit 1)" in caplog.text
    assert list(spool_dir(h.app.config.database.path).iterdir()) == []


async def test_pages_hold_every_workshop_once_in_order(h):
    await _seed(h)
    repo = h.app.db.repo(WorkshopsRepo)
    for flt in (Filter(), Filter(date(2026, 9, 1), date(2026, 11, 24)), Filter(cohort="2026-01")):
        pages = [page async for page in repo.pages(flt, size=2)]
        assert all(len(page) <= 2 for page in pages)
        assert [w for page in pages for w in page] == await repo.matching(flt)
        tally = figures.Tally()  # counted page by page, as /report does
        for page in pages:
            tally.add(page)
        everything = await repo.matching(flt)
        assert tally.summary(flt.since, flt.until) == summarise(everything, flt.since, flt.until)


async def test_export_of_nothing_sends_no_files(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    await h.say("/export", staff)
    sent = await h.tap("rep:x:m1", staff)
    assert [s.out.attachment for s in sent] == [None]
    assert "no workshops to export" in sent[0].text
    assert await h.app.db.repo(AuditRepo).entries("export.workshops") == []


async def test_exports_never_hold_formulas(h):
    a, _ = await _seed(h)
    await h.app.db.repo(WorkshopsRepo).add(
        a,
        "2025-02",
        _form(
            date(2026, 11, 20),
            '=HYPERLINK("x")',
            4,
            ("s2",),
            went_well="+1",
            was_hard="@SUM(A1)",
        ),
    )
    staff = await h.onboard(Role.STAFF, "Sari")
    files = _files(await _export(h, staff, "m1"))
    csv_rows = _csv_rows(files["workshops-2026-11-01-2026-11-24.csv"])
    row = dict(zip(HEADER, csv_rows[-1], strict=True))
    assert row["community"] == '\'=HYPERLINK("x")'
    assert row["went_well"] == "'+1" and row["was_hard"] == "'@SUM(A1)"
    sheet = _sheet(files["workshops-2026-11-01-2026-11-24.xlsx"])
    last = sheet.max_row
    community = sheet.cell(last, HEADER.index("community") + 1)
    went_well = sheet.cell(last, HEADER.index("went_well") + 1)
    assert community.value == '\'=HYPERLINK("x")' and community.data_type == "s"
    assert went_well.value == "'+1" and went_well.data_type == "s"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_safe_text_and_an_erased_mentor():
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert safe_text(text) == "'" + text
    assert safe_text("Tea, and -1") == "Tea, and -1"
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    erased = Workshop(
        id=7,
        mentor_id=None,
        cohort=None,
        held_on=date(2026, 11, 2),
        community="-Club",
        participants=3,
        themes=("s1", "s9"),
        duration_min=None,
        co_facilitated=False,
        went_well=None,
        was_hard="\x01=bad",
        share_practice=False,
        needs_support=False,
        support_flagged=True,
        created_at=now,
        updated_at=now,
    )

    class FakeContent:
        def section(self, section_id):
            return None

    rows = _csv_rows(workshops_csv([erased], FakeContent()))
    row = dict(zip(HEADER, rows[1], strict=True))
    assert row["mentor_ref"] == "" and row["cohort"] == "" and row["community"] == "'-Club"
    assert row["theme_names"] == "s1; s9" and row["support_flagged"] == "1"
    xlsx = _xlsx_rows(workshops_xlsx([erased], FakeContent()))
    assert dict(zip(HEADER, xlsx[1], strict=True))["was_hard"] == "'=bad"
    assert summarise([erased]).mentors == 0


# --- the command line --------------------------------------------------------------------------


async def _cli(*args: str) -> tuple[int, str, str]:
    done = await asyncio.to_thread(
        cli_zygote.run, [sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


async def test_cli_export(h, tmp_path):
    a, _ = await _seed(h)
    await h.stop()
    db = str(h.db_path)
    out = tmp_path / "all.csv"
    code, stdout, stderr = await _cli(
        "export", "workshops", "--db", db, "--format", "csv", "--out", str(out)
    )
    assert code == 0, stderr
    assert stdout.strip() == f"wrote 5 workshops to {out}"
    assert os.stat(out).st_mode & 0o777 == 0o600
    rows = _csv_rows(out.read_bytes())
    assert rows[0] == HEADER and len(rows) == 6

    out = tmp_path / "some.xlsx"
    code, stdout, stderr = await _cli(
        "export",
        "workshops",
        "--db",
        db,
        "--out",
        str(out),
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-03",
        "--cohort",
        "2025-02",
    )
    assert code == 0, stderr
    assert stdout.strip() == f"wrote 2 workshops to {out}"
    rows = _xlsx_rows(out.read_bytes())
    assert [r[HEADER.index("mentor_ref")] for r in rows[1:]] == [f"M{a}", f"M{a}"]

    code, stdout, stderr = await _cli(
        "export", "workshops", "--db", db, "--out", str(tmp_path / "bad.csv"), "--from", "24.11"
    )
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1 and "--from" in stderr
    assert not (tmp_path / "bad.csv").exists()


async def test_export_files_a_crash_left_are_deleted_at_start(h):
    """Files no queued message will send (a stop between writing and queueing) are deleted when
    the bot starts; a file still waiting in the outbox, or one just being written, is kept."""
    staff = await h.onboard(Role.STAFF, "Sari")
    folder = spool_dir(h.app.config.database.path)
    left, waiting, fresh = (folder / name for name in ("left.csv", "waiting.csv", "fresh.csv"))
    for path in (left, waiting, fresh):
        path.write_bytes(b"id,notes\n1,private\n")
    for path in (left, waiting):
        os.utime(path, (0, 0))  # written long ago
    attachment = Attachment("w.csv", b"", "text/csv", "document", path=str(waiting))
    h.transport.fail_next = [SendResult(DeliveryStatus.FAILED, error="Network")]
    await h.app.messenger.post(staff.address, Outgoing("later", attachment=attachment))
    await h.restart()
    assert sorted(p.name for p in folder.iterdir()) == ["fresh.csv", "waiting.csv"]
