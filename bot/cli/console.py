"""`mentorbot console` and `mentorbot demo`: chat with the bot in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bot.cli.common import EXIT_CONTENT, config_from, setup_logging
from bot.config import Config

DEMO_INVITE = "WELCOME"


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """console [--as WHO] [--lang L]; demo [--lang L]."""
    console = sub.add_parser(
        "console",
        parents=[common],
        help="chat with the bot in the terminal",
        description="Chat with the bot in the terminal (reads stdin; "
        "pipes work). Type :help inside for console commands.",
    )
    console.add_argument(
        "--as",
        dest="as_",
        metavar="ROLE",
        default="you",
        help="type as mentor, expert, staff, admin, or a new name (default: you)",
    )
    console.add_argument(
        "--lang",
        choices=["en", "fi", "sv"],
        default="en",
        help="language of ready-made people (default: en)",
    )
    console.set_defaults(func=console_command)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="console on a throwaway database",
        description="A console chat on a throwaway database holding one admin "
        f"and the invite code {DEMO_INVITE}.",
    )
    demo.add_argument("--lang", choices=["en", "fi", "sv"], default="en")
    demo.set_defaults(func=demo_command)


def console_command(args: argparse.Namespace) -> int:
    """Chat with the bot in the terminal."""
    config = config_from(args)
    setup_logging(config.logging.level, quiet=True)
    return asyncio.run(_console_session(config, args.as_, args.lang))


def demo_command(args: argparse.Namespace) -> int:
    """A console chat on a throwaway database with an admin and a demo invite."""
    tmp = Path(tempfile.mkdtemp(prefix="mentorbot-demo-"))
    try:
        args.db = str(tmp / "demo.db")
        config = config_from(args)
        setup_logging(config.logging.level, quiet=True)
        return asyncio.run(_console_session(config, "you", args.lang, demo=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # thrown away, as promised


async def _console_session(config: Config, who: str, lang: str, demo: bool = False) -> int:
    from bot.app import App
    from bot.cli.console_session import ConsoleSession
    from bot.content import ContentError
    from bot.dispatch import FloodGuard
    from bot.transports.console import ConsoleTransport
    from storage.choices import PendingChoicesRepo

    app = App(config)
    app.flood = FloodGuard(10**9, 1.0)  # one local person typing or piping: no flood limit
    transport = ConsoleTransport(app.db.repo(PendingChoicesRepo), files_dir=_files_dir(config))
    app.add_transport(transport)
    try:
        await app.start()
    except ContentError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        return EXIT_CONTENT
    try:
        session = ConsoleSession(app, transport, language=lang)
        if demo:
            await _seed_demo(app, session)
        await session.become(who)
        print(
            f"RE-MAP mentor bot console. You are typing as '{session.who}'. "
            "Type :help for console commands, :quit to leave.\n"
        )
        await session.run()
    finally:
        await app.stop()
    return 0


def _files_dir(config: Config) -> Path:
    """Where the console saves charts and exports: next to the database."""
    return Path(config.database.path).resolve().parent / "console-files"


async def _seed_demo(app, session) -> None:
    from bot.roles import Role
    from storage.invites import InvitesRepo

    # An expert from the start, so a question a new mentor asks reaches an expert's queue.
    await session.become("expert")
    await session.become("admin")
    await app.db.repo(InvitesRepo).create(
        role=Role.MENTOR,
        cohort="demo",
        max_uses=100,
        expires_at=app.clock.now() + timedelta(days=30),
        code=DEMO_INVITE,
    )
    print(
        "Demo database: one admin and one expert (type ':as admin', ':as expert') and the invite code "
        f"{DEMO_INVITE} for mentors.\nTry onboarding now: send  /start {DEMO_INVITE}\n"
    )
