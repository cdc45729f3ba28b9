"""Workshop exports as CSV and Excel files: one row per workshop, stable columns, no formulas."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from bot.messages import Attachment

if TYPE_CHECKING:  # only annotations: the Excel worker imports this module without the bot
    from bot.content import Content
    from storage.outbox import OutboxRepo
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


class CsvWriter:
    """A workshop CSV (UTF-8 with BOM, comma separated, a header row) written row by row."""

    def __init__(self, file: BinaryIO, content: Content) -> None:
        self._text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow(COLUMNS)
        self._content = content

    def add(self, workshops: Iterable[Workshop]) -> None:
        """Write these workshops' rows."""
        self.add_rows(workshop_row(w, self._content) for w in workshops)

    def add_rows(self, rows: Iterable[list[Value]]) -> None:
        """Write rows of `workshop_row` values."""
        self._writer.writerows([_csv_cell(v) for v in row] for row in rows)

    def close(self) -> None:
        """Flush the text; the file stays open (its owner closes it)."""
        self._text.flush()
        self._text.detach()


class XlsxWriter:
    """A workbook with one sheet 'workshops' written row by row (openpyxl's write-only mode:
    rows go to a temporary file, not kept as cell objects); every text cell is a string."""

    def __init__(self, content: Content | None = None) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("workshops")
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for name in COLUMNS:
            cell = WriteOnlyCell(self._sheet, value=name)
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)
        self._rows = 1
        self._content = content

    def add(self, workshops: Iterable[Workshop]) -> None:
        """Append these workshops' rows (needs the content the writer was made with)."""
        self.add_rows(workshop_row(w, self._content) for w in workshops)

    def add_rows(self, rows: Iterable[list[Value]]) -> None:
        """Append rows of `workshop_row` values."""
        for row in rows:
            self._sheet.append([_xlsx_cell(self._sheet, v) for v in row])
            self._rows += 1

    def save(self, file: BinaryIO | str) -> None:
        """Write the workbook (with a filter over every row) to a file or path."""
        from openpyxl.utils import get_column_letter

        self._sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{self._rows}"
        self._book.save(file)


def spool_path(db_path: Path | str) -> Path:
    """Where files wait until they are sent: a folder next to the database."""
    return Path(db_path).resolve().parent / "outgoing"


def spool_dir(db_path: Path | str) -> Path:
    """The folder where files wait until they are sent, made if missing (the bot's only)."""
    folder = spool_path(db_path)
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


async def sweep_spool(folder: Path, outbox: OutboxRepo, older_than: float = 3600) -> int:
    """Delete files left in `folder` by a crash (no outbox message will send them); returns how
    many. Files younger than `older_than` seconds may belong to an export being written."""
    waiting = await outbox.file_paths()
    cutoff = time.time() - older_than
    gone = 0
    for path in folder.iterdir():  # noqa: ASYNC240 - once at start, a small folder
        if str(path) in waiting or not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            gone += 1
    return gone


class ExportFiles:
    """The CSV and the Excel file of one export, written page by page to files in `folder`
    (mode 0600); sent from there as attachments with a path, then deleted by the outbox. The CSV
    is written here, the Excel file by a worker process (xlsx_worker.py: openpyxl stays out of
    the bot's memory)."""

    def __init__(self, folder: Path, content: Content) -> None:
        from bot.features.reports.xlsx_worker import XlsxProcess

        fd, self._csv_path = tempfile.mkstemp(prefix="export-", suffix=".csv", dir=folder)
        self._csv_file = os.fdopen(fd, "wb")
        fd, self._xlsx_path = tempfile.mkstemp(prefix="export-", suffix=".xlsx", dir=folder)
        os.close(fd)
        self._csv = CsvWriter(self._csv_file, content)
        self._xlsx = XlsxProcess(self._xlsx_path)
        self._content = content
        self.count = 0
        self.first: date | None = None  # held_on of the first and last workshop (oldest first)
        self.last: date | None = None
        self.xlsx_ok = False  # the Excel file was written (after finish)

    async def add(self, workshops: list[Workshop]) -> None:
        """Write a page of workshops (oldest first) to both files."""
        if not workshops:
            return
        rows = [workshop_row(w, self._content) for w in workshops]
        self._csv.add_rows(rows)
        await self._xlsx.add(rows)
        self.count += len(workshops)
        self.first = self.first or workshops[0].held_on
        self.last = workshops[-1].held_on

    async def finish(self) -> None:
        """Close both files (the Excel file may have failed: `xlsx_ok`)."""
        self._csv.close()
        self._csv_file.close()
        self.xlsx_ok = await self._xlsx.finish()

    def attachments(self, stem: str) -> tuple[Attachment, Attachment | None]:
        """The CSV and the Excel file (None when it failed) as documents named `stem`.*."""
        csv_file = Attachment(f"{stem}.csv", b"", CSV_MIME, "document", path=self._csv_path)
        if not self.xlsx_ok:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._xlsx_path)
            return csv_file, None
        return csv_file, Attachment(
            f"{stem}.xlsx", b"", XLSX_MIME, "document", path=self._xlsx_path
        )

    async def discard(self) -> None:
        """Stop the worker and delete both files (nothing to send after all)."""
        self._csv_file.close()
        await self._xlsx.kill()
        for path in (self._csv_path, self._xlsx_path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def workshops_csv(workshops: Iterable[Workshop], content: Content) -> bytes:
    """A CSV file (UTF-8 with BOM, comma separated) with a header row."""
    buffer = io.BytesIO()
    writer = CsvWriter(buffer, content)
    writer.add(workshops)
    writer.close()
    return buffer.getvalue()


def workshops_xlsx(workshops: Iterable[Workshop], content: Content) -> bytes:
    """An Excel workbook with one sheet 'workshops'; every text cell is stored as a string."""
    writer = XlsxWriter(content)
    writer.add(workshops)
    buffer = io.BytesIO()
    writer.save(buffer)
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
