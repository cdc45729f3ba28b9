"""Command line: run, console, demo, invite, content check (and more as features land)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.config import Config, ConfigError, load_config

EXIT_CONFIG = 2
EXIT_CONTENT = 1
DEMO_INVITE = "WELCOME"

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a subcommand implementation."""

    def wrap(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return wrap


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

    sub.add_parser(
        "run",
        parents=[common],
        help="run the bot (Telegram and/or Signal)",
        description="Run the bot on the messengers enabled in the config.",
    )

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

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="console on a throwaway database",
        description="A console chat on a throwaway database holding one admin "
        f"and the invite code {DEMO_INVITE}.",
    )
    demo.add_argument("--lang", choices=["en", "fi", "sv"], default="en")

    invite = sub.add_parser(
        "invite",
        parents=[common],
        help="create an invite code and link",
        description="Create an invite: prints the code, a Telegram deep link and a QR code.",
    )
    invite.add_argument("--role", choices=["mentor", "expert", "staff"], default="mentor")
    invite.add_argument("--cohort", metavar="NAME", help='training group, e.g. "2025-02"')
    invite.add_argument("--uses", type=int, default=1, metavar="N", help="how many people")
    invite.add_argument(
        "--expires", default="14d", metavar="DURATION", help="e.g. 14d, 48h, 30m (default 14d)"
    )
    invite.add_argument("--png", metavar="FILE", help="also write the QR code as PNG")
    invite.add_argument("--revoke", metavar="CODE", help="revoke an existing code instead")

    content = sub.add_parser(
        "content", parents=[common], help="content tools", description="Tools for content authors."
    )
    content_sub = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = content_sub.add_parser(
        "check",
        parents=[common],
        help="validate content/",
        description="Validate every content file; errors as file:LINE: message.",
    )
    check.add_argument("dir", nargs="?", help="content directory (default: the config's)")

    for extend in _PARSER_EXTENSIONS:
        extend(sub, common)
    return parser


_PARSER_EXTENSIONS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = []


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mentorbot` console script."""
    import bot.cli_extra  # noqa: F401 - registers more subcommands
    import bot.cli_ops  # noqa: F401 - backup, restore, doctor

    parser = build_parser()
    args = parser.parse_args(argv)
    name = args.command if args.command != "content" else f"content {args.content_command}"
    try:
        return _COMMANDS[name](args)
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def config_from(args: argparse.Namespace) -> Config:
    """Config from --config/--db (defaults when no file is given)."""
    return load_config(getattr(args, "config", None), getattr(args, "db", None))


def setup_logging(level: str, quiet: bool = False, secrets: list[str] | None = None) -> None:
    """Log to stderr; never message texts, tokens or phone numbers (see bot/logsafe.py)."""
    from bot.logsafe import configure

    configure("WARNING" if quiet else level, sys.stderr, secrets)


def parse_duration(text: str) -> timedelta:
    """'14d', '48h', '30m' -> timedelta; ValueError otherwise."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdecimal():
        raise ValueError(f"not a duration: {text!r} (use e.g. 14d, 48h or 30m)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})


@command("run")
def _run(args: argparse.Namespace) -> int:
    config = config_from(args)
    token = os.environ.get(config.telegram.token_env, "")
    setup_logging(config.logging.level, secrets=[token])
    from bot.content import ContentError
    from bot.runner import run_bot

    try:
        asyncio.run(run_bot(config))
    except ContentError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        print("mentorbot: the content has errors; fix them and start again.", file=sys.stderr)
        return EXIT_CONTENT
    return 0


@command("console")
def _console(args: argparse.Namespace) -> int:
    config = config_from(args)
    setup_logging(config.logging.level, quiet=True)
    return asyncio.run(_console_session(config, args.as_, args.lang))


@command("demo")
def _demo(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="mentorbot-demo-"))
    args.db = str(tmp / "demo.db")
    config = config_from(args)
    setup_logging(config.logging.level, quiet=True)
    return asyncio.run(_console_session(config, "you", args.lang, demo=True))


async def _console_session(config: Config, who: str, lang: str, demo: bool = False) -> int:
    from bot.app import App
    from bot.console import ConsoleSession
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

    await session.become("admin")
    await app.db.repo(InvitesRepo).create(
        role=Role.MENTOR,
        cohort="demo",
        max_uses=100,
        expires_at=app.clock.now() + timedelta(days=30),
        code=DEMO_INVITE,
    )
    print(
        "Demo database: one admin (type ':as admin') and the invite code "
        f"{DEMO_INVITE} for mentors.\nTry onboarding now: send  /start {DEMO_INVITE}\n"
    )


@command("invite")
def _invite(args: argparse.Namespace) -> int:
    config = config_from(args)
    return asyncio.run(_invite_async(config, args))


async def _invite_async(config: Config, args: argparse.Namespace) -> int:
    import segno

    from bot.roles import Role
    from storage.db import Database
    from storage.invites import InvitesRepo

    db = Database(config.database.path)
    await db.open()
    try:
        invites = db.repo(InvitesRepo)
        if args.revoke:
            ok = await invites.revoke(args.revoke)
            print("revoked" if ok else "no such active code")
            return 0 if ok else 1
        try:
            expires = parse_duration(args.expires)
        except ValueError as exc:
            print(f"mentorbot invite: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        if args.uses < 1:
            print("mentorbot invite: --uses must be at least 1", file=sys.stderr)
            return EXIT_CONFIG
        code = await invites.create(
            role=Role.parse(args.role),
            cohort=args.cohort,
            max_uses=args.uses,
            expires_at=db.clock.now() + expires,
        )
    finally:
        await db.close()
    username = config.telegram.bot_username
    link = (
        f"https://t.me/{username}?start={code}"
        if username
        else (
            f"https://t.me/<your-bot-username>?start={code}  (set telegram.bot_username in the config)"
        )
    )
    print(f"Invite code: {code}")
    print(
        f"Role: {args.role}, cohort: {args.cohort or '-'}, uses: {args.uses}, "
        f"expires in: {args.expires}"
    )
    print(f"Telegram link: {link}")
    print(f"Or send to the bot: /start {code}")
    qr = segno.make(link.split()[0] if username else f"/start {code}", error="m")
    print()
    qr.terminal(compact=True)
    if args.png:
        qr.save(args.png, scale=8)
        print(f"QR code written to {args.png}")
    return 0


@command("content check")
def _content_check(args: argparse.Namespace) -> int:
    from bot.content import check_content

    directory = Path(args.dir) if args.dir else config_from(args).content_dir
    ok, lines = check_content(directory)
    print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
