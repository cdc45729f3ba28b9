"""getUpdates over aiohttp: python-telegram-bot's long poll without httpx.

When people talk to the bot at a steady pace, nearly every update comes with a getUpdates call of
its own (measured at 100 updates a second: 0.98 polls per update), and through httpx each call cost
about as much CPU as handling the update. This is python-telegram-bot's documented way to bring
another HTTP library (`telegram.request.BaseRequest`): PTB still builds the call, reads the answer
and raises its errors for a bad status; here only the HTTP exchange happens, on aiohttp.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.transports.telegram_bulk import CONNECT_TIMEOUT, env_proxy


class PollRequest(BaseRequest):
    """A `BaseRequest` for getUpdates on one aiohttp connection (form bodies, no files)."""

    __slots__ = ("_proxy", "_read_timeout", "_session")

    def __init__(self, read_timeout: float | None = 5.0) -> None:
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxy: tuple[object, aiohttp.BasicAuth | None] | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout when a call names none (PTB adds the long poll's own timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (one connection: polls never overlap)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1),
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | DefaultValue = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP exchange: (status, body); TimedOut or NetworkError as PTB's httpx raises."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This PollRequest is not initialized!")
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = CONNECT_TIMEOUT
        if self._proxy is None:
            self._proxy = env_proxy(url)
        proxy, proxy_auth = self._proxy
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        try:
            async with self._session.request(
                method,
                url,
                data=request_data.json_parameters if request_data else None,
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
