"""`web:` in the config file: the web console's address, its public URL and its lifetimes."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

_LISTEN = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d{1,5})$")


class WebSettings(BaseModel):
    """web: the console for staff and admins (off when the section is missing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # host:port the console listens on; keep it on 127.0.0.1 behind a reverse proxy for HTTPS.
    listen: str = "127.0.0.1:8080"
    # Where people reach it, e.g. "https://console.example.org" (the /web sign-in links use it).
    public_url: str
    # A session ends this many hours after signing in (and at once on sign-out or deactivation).
    session_hours: float = Field(12, gt=0, le=24 * 30)
    # A sign-in link from /web works once, for this many minutes.
    link_minutes: int = Field(10, ge=1, le=60)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        match = _LISTEN.match(value.strip())
        if not match or not 0 <= int(match.group("port")) <= 65535:
            raise ValueError('write it as "host:port", e.g. "127.0.0.1:8080"')
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError('the address people open, e.g. "https://console.example.org"')
        if parts.query or parts.fragment:
            raise ValueError("the public URL takes no ?query or #fragment")
        return value.strip().rstrip("/")

    @property
    def host(self) -> str:
        """The address to bind."""
        match = _LISTEN.match(self.listen)
        return match.group("v6") or match.group("host")

    @property
    def port(self) -> int:
        """The port to bind (0: any free port)."""
        return int(_LISTEN.match(self.listen).group("port"))

    @property
    def secure(self) -> bool:
        """True when people reach the console over HTTPS (cookies are then Secure)."""
        return self.public_url.startswith("https://")

    @property
    def base_path(self) -> str:
        """The path the console lives under behind a proxy ('' at the root)."""
        return urlsplit(self.public_url).path.rstrip("/")
