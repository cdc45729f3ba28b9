"""Telegram's webhook server: checks the secret token and queues each readable update."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram.ext import Application

from bot.transports.telegram_updates import read_update

log = logging.getLogger("bot.transports.telegram")  # the logger name of before the split


class WebhookServer:
    """Telegram's webhook: checks the secret, reads each update on its own, answers at once."""

    MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller

    def __init__(
        self, application: Application, secret: str, path: str, host: str, port: int
    ) -> None:
        self.application = application
        self.secret = secret
        self.path = "/" + path.strip("/")
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.refused = 0

    async def start(self) -> None:
        """Listen on host:port."""
        app = web.Application(client_max_size=self.MAX_BODY)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.refused += 1
            log.warning("refused a webhook request without the right secret token")
            return web.Response(status=403)
        try:
            data = await request.json()
        except Exception:  # noqa: BLE001 - not JSON (or not UTF-8): say so without the body
            log.warning("refused a webhook request that is not JSON")
            return web.Response(status=400)
        update = read_update(data, self.application.bot)
        if update is not None:
            self.application.bot.insert_callback_data(update)
            await self.application.update_queue.put(update)
        return web.Response(status=200)  # also for an unreadable update: Telegram drops it
