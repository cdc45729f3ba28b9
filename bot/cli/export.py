"""`mentorbot export workshops`: logged workshops as CSV or Excel, written with mode 0600."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.cli.common import EXIT_CONFIG, EXIT_CONTENT, config_from, write_private
from bot.config import Config

EXPORT_FORMATS = ("csv", "xlsx")


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The subcommands of this module."""
    export = sub.add_parser(
        "export",
        parents=[common],
        help="export data as files",
        description="Export data for the programme's reporting.",
    )
    what = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    workshops = what.add_parser(
        "workshops",
        parents=[common],
        help="logged workshops as CSV or Excel",
        description="Logged workshops, one row per workshop (mentors as pseudonyms like M12). "
        "Dates are inclusive. The file is written with mode 0600.",
    )
    workshops.add_argument("--format", choices=EXPORT_FORMATS, help="default: from --out")
    workshops.add_argument("--out", required=True, metavar="FILE", help="where to write")
    workshops.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help="first day")
    workshops.add_argument("--to", dest="until", metavar="YYYY-MM-DD", help="last day")
    workshops.add_argument("--cohort", metavar="NAME", help="only this cohort")
    workshops.set_defaults(func=export_command)


def _date(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value; ValueError with a one-line message otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date (use YYYY-MM-DD)") from None


def _export_format(args: argparse.Namespace) -> str:
    """--format, else the --out suffix; ValueError when neither says csv or xlsx."""
    fmt = args.format or Path(args.out).suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise ValueError("give --format csv or --format xlsx")
    return fmt


def export_command(args: argparse.Namespace) -> int:
    """Export logged workshops as CSV or Excel."""
    try:
        since, until = _date(args.since, "--from"), _date(args.until, "--to")
        fmt = _export_format(args)
        if since and until and since > until:
            raise ValueError("--from is after --to")
    except ValueError as exc:
        print(f"mentorbot export: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    config = config_from(args)
    return asyncio.run(_export_workshops(config, args, since, until, fmt))


async def _export_workshops(
    config: Config, args: argparse.Namespace, since: date | None, until: date | None, fmt: str
) -> int:
    from bot.content import ContentError, load_content
    from bot.features.reports.exports import workshops_csv, workshops_xlsx
    from storage.audit import AuditRepo
    from storage.db import Database
    from storage.workshops import Filter, WorkshopsRepo

    if not config.database.path.exists():
        print(f"mentorbot export: no database at {config.database.path}", file=sys.stderr)
        return 1
    try:
        content = load_content(config.content_dir)
    except ContentError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        return EXIT_CONTENT
    db = Database(config.database.path)
    await db.open()
    try:
        workshops = await db.repo(WorkshopsRepo).matching(Filter(since, until, args.cohort))
        build = workshops_csv if fmt == "csv" else workshops_xlsx
        try:
            write_private(Path(args.out), build(workshops, content))
        except OSError as exc:
            print(f"mentorbot export: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
            return 1
        await db.repo(AuditRepo).record("export.workshops", rows=len(workshops), via="cli")
    finally:
        await db.close()
    print(f"wrote {len(workshops)} workshops to {args.out}")
    return 0
