"""View: what a page handler gets (like Ctx in the chat): the person, their language, helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from bot.context import PersonScope
from bot.roles import Role
from storage.audit import AuditRepo
from storage.people import Person
from storage.web import WebSession, WebSessionsRepo

if TYPE_CHECKING:
    from bot.app import App
    from bot.web.server import WebConsole


@dataclass
class View(PersonScope):
    """One request: the signed-in person (None on public pages), their language and helpers.

    It has the attributes the chat's report and announcement helpers read from a Ctx (`t`, `lang`,
    `app`, `tz`, `person`, `now`), so those helpers serve the console unchanged.
    """

    console: WebConsole
    request: web.Request
    person: Person | None = None
    session: WebSession | None = None
    lang_hint: str = "en"
    flash_shown: bool = False

    @property
    def notices(self) -> list[dict]:
        """Notices kept for this page (each shown once)."""
        if self.session is None or not self.session.flash:
            return []
        self.flash_shown = True
        return self.session.flash

    @property
    def app(self) -> App:
        """The running bot."""
        return self.console.app

    @property
    def lang(self) -> str:
        """The person's language (the browser's, before signing in)."""
        return self.person.language if self.person is not None else self.lang_hint

    @property
    def role(self) -> Role:
        """The person's current role (GUEST on public pages)."""
        return self.person.role if self.person is not None else Role.GUEST

    async def audit(self, action: str, subject: str | None = None, **detail: object) -> None:
        """An audit line for a change made on the web (no free text or personal data in detail)."""
        await self.repo(AuditRepo).record(
            action,
            actor_id=self.person.id if self.person else None,
            subject=subject,
            via="web",
            **detail,
        )

    async def flash(self, text: str, kind: str = "ok") -> None:
        """A notice shown once on the next page (after a redirect)."""
        if self.session is not None:
            await self.repo(WebSessionsRepo).add_flash(self.session.id, kind, text)

    def url(self, path: str, **query: object) -> str:
        """A path of the console (behind a proxy's path prefix) with a query string."""
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        tail = f"?{urlencode(kept)}" if kept else ""
        return f"{self.console.settings.base_path}{path}{tail}"

    def redirect(self, path: str, **query: object) -> web.HTTPSeeOther:
        """A redirect after a change (raise it)."""
        return web.HTTPSeeOther(self.url(path, **query))

    # --- formatting --------------------------------------------------------------------------

    def day(self, value: date | datetime | None) -> str:
        """A date as people here write it (24.11.2026); '–' for none."""
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return value.strftime("%d.%m.%Y")

    def moment(self, value: datetime | None) -> str:
        """A local date and time (24.11.2026 12:05); '–' for none."""
        return value.astimezone(self.tz).strftime("%d.%m.%Y %H:%M") if value else "–"

    def number(self, value: int | float) -> str:
        """1,240 in English, 1 240 in Finnish and Swedish; one decimal for fractions."""
        text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        if self.lang in ("fi", "sv"):
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text

    def render(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        """A page from a template, with the helpers every template uses."""
        return self.console.render(self, template, status=status, **values)
