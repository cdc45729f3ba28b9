"""The bot with its web console on a free local port, and a browser-less client for it."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import aiohttp

from bot.web.server import WebConsole
from tests.harness import Harness, User, make_config

LINK = re.compile(r"/login/([A-Za-z0-9_-]+)$")


def free_port() -> int:
    """A port nobody listens on right now (the console binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_yaml(port: int, extra: str = "") -> str:
    """The `web:` section of a test config."""
    return f'web:\n  listen: "127.0.0.1:{port}"\n  public_url: "http://127.0.0.1:{port}"\n' + extra


class WebHarness(Harness):
    """The harness with the console started next to the app (as `mentorbot run` does)."""

    def __init__(self, db_path: Path, extra_yaml: str = "") -> None:
        self.port = free_port()
        super().__init__(db_path, make_config(db_path, web_yaml(self.port) + extra_yaml))
        self.console: WebConsole | None = None

    @property
    def base(self) -> str:
        """The console's address."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> WebHarness:
        """Start the app, then the console."""
        await super().start()
        self.console = WebConsole(self.app)
        await self.console.start()
        return self

    async def stop(self) -> None:
        """Stop the console, then the app."""
        if self.console is not None:
            await self.console.stop()
            self.console = None
        await super().stop()

    async def link(self, user: User) -> str:
        """The sign-in link the bot sends to `user` for /web (through the chat, as people get it)."""
        sent = await self.say("/web", user)
        urls = [c.url for s in sent for c in s.out.all_choices() if c.url]
        assert urls, f"no link in {[s.text for s in sent]}"
        assert LINK.search(urls[-1]), urls[-1]
        return urls[-1]

    def client(self) -> aiohttp.ClientSession:
        """A cookie-keeping HTTP client (cookies for 127.0.0.1 need the unsafe jar)."""
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def sign_in(self, user: User, client: aiohttp.ClientSession) -> None:
        """Open the /web link and press Sign in, as a person would."""
        url = await self.link(user)
        async with client.get(url) as page:
            assert page.status == 200, await page.text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
        async with client.post(url, data={"csrf": csrf}) as signed:
            assert signed.status == 200 and str(signed.url).endswith("/"), await signed.text()


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
