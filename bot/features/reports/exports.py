"""Workshop exports as CSV and Excel files: one row per workshop, stable columns, no formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from bot.content import Content
from storage.workshops import Workshop

COLUMNS: tuple[str, ...] = (
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
)
# A spreadsheet reads a cell starting with one of these as a formula (or a DDE command).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"

Value = str | int | date | None


def safe_text(text: str) -> str:
    """A text cell a spreadsheet never runs: a leading =, +, -, @, tab or CR gets a quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def mentor_ref(mentor_id: int | None) -> str:
    """The mentor's pseudonym in exports, e.g. M12 ('' for an erased mentor)."""
    return f"M{mentor_id}" if mentor_id is not None else ""


def theme_names(themes: Iterable[str], content: Content) -> str:
    """English section titles of theme ids, joined by '; ' (the id when a section is gone)."""
    names = []
    for section_id in themes:
        section = content.section(section_id)
        names.append(section.title.get("en") if section else section_id)
    return "; ".join(names)


def workshop_row(workshop: Workshop, content: Content) -> list[Value]:
    """One workshop as typed cell values in COLUMNS order (texts still unescaped)."""
    return [
        workshop.id,
        workshop.held_on,
        workshop.cohort or "",
        mentor_ref(workshop.mentor_id),
        workshop.community,
        workshop.participants,
        ";".join(workshop.themes),
        theme_names(workshop.themes, content),
        workshop.duration_min,
        int(workshop.co_facilitated),
        workshop.went_well or "",
        int(workshop.share_practice),
        workshop.was_hard or "",
        int(workshop.needs_support),
        int(workshop.support_flagged),
        workshop.created_at.isoformat(),
        workshop.updated_at.isoformat(),
    ]


def _csv_cell(value: Value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def workshops_csv(workshops: Iterable[Workshop], content: Content) -> bytes:
    """A CSV file (UTF-8 with BOM, comma separated) with a header row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for workshop in workshops:
        writer.writerow([_csv_cell(v) for v in workshop_row(workshop, content)])
    return buffer.getvalue().encode("utf-8-sig")


def workshops_xlsx(workshops: Iterable[Workshop], content: Content) -> bytes:
    """An Excel workbook with one sheet 'workshops'; every text cell is stored as a string."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only: rows are streamed to the file instead of kept as cell objects (an export of
    # 10,000 workshops took the bot from 170 to 279 MB; bench/memory.py).
    book = Workbook(write_only=True)
    sheet = book.create_sheet("workshops")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = 1
    for workshop in workshops:
        sheet.append([_xlsx_cell(sheet, v) for v in workshop_row(workshop, content)])
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        # Control characters Excel cannot store are dropped; the text is never a formula.
        text = safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
        if text:
            cell.value = text
            cell.data_type = "s"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value
    return cell
