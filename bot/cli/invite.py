"""`mentorbot invite`: create an invite code with its Telegram link and QR code, or revoke one."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import EXIT_CONFIG, config_from, parse_duration
from bot.config import Config


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """invite [--role R] [--cohort C] [--uses N] [--expires D] [--png FILE] | --revoke CODE."""
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

    invite.set_defaults(func=invite_command)


def invite_command(args: argparse.Namespace) -> int:
    """Create (or revoke) an invite and print its code, link and QR code."""
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
