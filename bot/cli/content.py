"""`mentorbot content check`: validate the content files, errors as file:LINE: message."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import config_from


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """content check [DIR]."""
    content = sub.add_parser(
        "content", parents=[common], help="content tools", description="Tools for content authors."
    )
    actions = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        parents=[common],
        help="validate content/",
        description="Validate every content file; errors as file:LINE: message.",
    )
    check.add_argument("dir", nargs="?", help="content directory (default: the config's)")
    check.set_defaults(func=check_command)


def check_command(args: argparse.Namespace) -> int:
    """Validate; print the summary (exit 0) or every error (exit 1)."""
    from bot.content import check_content

    directory = Path(args.dir) if args.dir else config_from(args).content_dir
    ok, lines = check_content(directory)
    print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
