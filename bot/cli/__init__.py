"""Command line: `mentorbot run | console | demo | invite | content check | export | backup | restore | doctor`.

Each module here adds its subcommands with `add_parsers(sub, common)`; a parser names the function
that runs it with `set_defaults(func=...)`.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import console, content, export, invite, ops, run
from bot.cli.common import EXIT_CONFIG
from bot.config import ConfigError

MODULES = (run, console, invite, content, export, ops)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the subcommand is not reset by the subcommand's default.
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config YAML (see config.example.yaml)",
    )
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="SQLite file (overrides database.path)",
    )
    parser = argparse.ArgumentParser(
        prog="mentorbot",
        description="RE-MAP community mentor bot: Telegram, Signal and a local console.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.add_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mentorbot` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
