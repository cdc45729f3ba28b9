"""`mentorbot run`: build the messengers from config and run until a signal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from bot.app import App, freeze_start_up
from bot.cli.common import EXIT_CONTENT, config_from, setup_logging
from bot.config import Config
from bot.i18n import LANGUAGES, t

log = logging.getLogger(__name__)


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """run."""
    run = sub.add_parser(
        "run",
        parents=[common],
        help="run the bot (Telegram and/or Signal)",
        description="Run the bot on the messengers enabled in the config.",
    )
    run.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run the bot until SIGINT/SIGTERM."""
    config = config_from(args)
    token = os.environ.get(config.telegram.token_env, "")
    setup_logging(config.logging.level, secrets=[token])
    from bot.content import ContentError

    try:
        asyncio.run(run_bot(config))
    except ContentError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        print("mentorbot: the content has errors; fix them and start again.", file=sys.stderr)
        return EXIT_CONTENT
    return 0


def build_transports(app: App, config: Config) -> None:
    """Add the messengers enabled in the config to `app`."""
    if config.telegram.enabled:
        from bot.transports.telegram import TelegramTransport

        hook = config.telegram.webhook
        webhook = None
        if hook is not None:
            webhook = {
                "listen": hook.listen,
                "port": hook.port,
                "url_path": hook.url_path,
                "public_url": hook.public_url,
                "secret_token": config.webhook_secret(),
            }
        app.add_transport(
            TelegramTransport(
                config.telegram_token(),
                base_url=config.telegram.base_url,
                mode=config.telegram.mode,
                poll_timeout=config.telegram.poll_timeout,
                poll_interval=config.telegram.poll_interval,
                webhook=webhook,
                overall_max_rate=config.telegram.max_rate,
                read_timeout=config.telegram.read_timeout,
                connection_pool_size=config.telegram.connection_pool_size,
            )
        )
    if config.signal.enabled:
        from bot.transports.signal import SignalTransport
        from storage.choices import PendingChoicesRepo

        app.add_transport(
            SignalTransport(
                config.signal.url, config.signal.account or "", app.db.repo(PendingChoicesRepo)
            )
        )


async def publish_default_commands(app: App) -> None:
    """The command list people see before they join, per language."""
    for transport in app.messenger.transports.values():
        for lang in (None, *LANGUAGES):
            code = lang or "en"
            commands = [("start", t(code, "cmd.start")), ("help", t(code, "cmd.help"))]
            try:
                await transport.set_commands(None, commands, lang)
            except Exception:  # noqa: BLE001 - cosmetic; never block start-up on it
                log.warning("could not publish default commands on %s", transport.name)


async def run_bot(config: Config) -> None:
    """Start everything and wait for SIGINT/SIGTERM."""
    if not (config.telegram.enabled or config.signal.enabled):
        from bot.config import ConfigError

        raise ConfigError("config: enable telegram or signal (telegram.enabled / signal.enabled).")
    if config.signal.enabled:
        from bot.config import ConfigError
        from bot.transports.signal import AccountStatus, check_account

        found = await check_account(config.signal.url, config.signal.account)
        if found.status in (AccountStatus.NO_ACCOUNT, AccountStatus.NOT_SERVED):
            raise ConfigError(found.detail)  # exit code 2, before anything starts
        if not found.ok:  # the daemon may still be starting: the transport keeps trying
            log.warning("signal: %s", found.detail)
    app = App(config)
    build_transports(app, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    await publish_default_commands(app)
    freeze_start_up()
    from bot.web.server import start_console

    console = None
    try:
        console = await start_console(app)  # the web console, when `web:` is configured
        await stop.wait()
    finally:
        if console is not None:
            await console.stop()
        await app.stop()
