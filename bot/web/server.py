"""The console's HTTP server: aiohttp on the bot's event loop, sessions, CSRF, security headers."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot import i18n
from bot.roles import Role
from bot.web.settings import WebSettings
from bot.web.view import View
from storage.people import PeopleRepo
from storage.web import WebSessionsRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
Handler = Callable[[View], Awaitable[web.StreamResponse]]
CONSOLE = web.AppKey("console", object)
VIEW = web.RequestKey("view", View)
PUBLIC = ("/login/", "/static/", "/signed-out")
NAV = (
    ("web.nav_overview", "/"),
    ("web.nav_workshops", "/workshops"),
    ("web.nav_feedback", "/feedback"),
    ("web.nav_people", "/people"),
    ("web.nav_invites", "/invites"),
    ("web.nav_tickets", "/tickets"),
    ("web.nav_announcements", "/announcements"),
)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def page(method: str, path: str, *, min_role: Role = Role.STAFF) -> Callable[[Handler], Handler]:
    """Declare a console page: `@page("GET", "/people")`; staff may use it unless min_role says."""

    def register(handler: Handler) -> Handler:
        handler.route = (method, path)  # type: ignore[attr-defined]
        handler.min_role = min_role  # type: ignore[attr-defined]
        return handler

    return register


class WebConsole:
    """The web console of one running App: `await start()`, `await stop()`."""

    def __init__(self, app: App, settings: WebSettings | None = None) -> None:
        self.app = app
        self.settings = settings or app.config.web
        if self.settings is None:
            raise ValueError("the web console needs `web:` in the config")
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html", "svg"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.web = self._application()
        self._runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on web.listen (in the running event loop)."""
        self._runner = web.AppRunner(self.web, access_log=None)  # URLs hold sign-in tokens
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        log.info(
            "web console listening on %s, reached at %s", self.address, self.settings.public_url
        )

    async def stop(self) -> None:
        """Stop listening; open requests are finished first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def address(self) -> str:
        """host:port actually bound."""
        if self._runner is None or not self._runner.addresses:
            return self.settings.listen
        host, port = self._runner.addresses[0][:2]
        return f"{host}:{port}"

    # --- the application -----------------------------------------------------------------------

    def _application(self) -> web.Application:
        from bot.web.pages import HANDLERS

        application = web.Application(
            middlewares=[self._headers, self._errors, self._auth], client_max_size=256 * 1024
        )
        application[CONSOLE] = self
        for handler in HANDLERS:
            method, path = handler.route
            application.router.add_route(method, path, self._bind(handler))
        application.router.add_static("/static/", HERE / "static", append_version=True)
        return application

    def _bind(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def route(request: web.Request) -> web.StreamResponse:
            return await handler(request[VIEW])

        route.min_role = handler.min_role  # type: ignore[attr-defined]
        return route

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status in (404, 405):
                view = request.get(VIEW) or self._public_view(request)
                return view.render(
                    "message.html",
                    status=exc.status,
                    title_key="web.not_found",
                    text_key="web.not_found_text",
                )
            raise
        except Exception:
            route = request.match_info.route.resource
            where = route.canonical if route is not None else "?"  # never a path with a token
            log.exception("web console: %s %s failed", request.method, where)
            view = request.get(VIEW) or self._public_view(request)
            return view.render(
                "message.html", status=500, title_key="web.error", text_key="web.error_text"
            )

    @web.middleware
    async def _headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects carry the headers too
            self._secure(exc, request)
            raise
        self._secure(response, request)
        return response

    def _secure(self, response: web.StreamResponse, request: web.Request) -> None:
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"  # sign-in links never leak as a referrer
        headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Every page but sign-in needs a live session of an active staff member or admin."""
        if request.path.startswith(PUBLIC):
            request[VIEW] = self._public_view(request)
            return await handler(request)
        view = await self._session_view(request)
        if view.person is None:
            response = view.render(
                "message.html",
                status=401,
                title_key="web.signed_out",
                text_key="web.need_link",
                retry=True,
            )
            if self.cookie_name in request.cookies:
                self.forget_cookie(response)  # ended or expired: the browser may forget it
            return response
        if view.person.role < Role.STAFF or not view.person.active:
            await view.repo(WebSessionsRepo).end(view.session.id)
            await view.audit("web.refused", role=view.person.role.label)
            view.person = view.session = None  # the page shows nothing of the console
            response = view.render(
                "message.html", status=403, title_key="web.no_access", text_key="web.no_access_text"
            )
            self.forget_cookie(response)
            return response
        if request.method == "POST" and not await self._csrf_ok(request, view):
            return view.render(
                "message.html",
                status=403,
                title_key="web.form_expired",
                text_key="web.form_expired_text",
            )
        needed = getattr(request.match_info.handler, "min_role", Role.STAFF)
        if view.person.role < needed:
            return view.render(
                "message.html",
                status=403,
                title_key="web.admins_only",
                text_key="web.admins_only_text",
            )
        request[VIEW] = view
        response = await handler(request)
        if view.flash_shown:
            await view.repo(WebSessionsRepo).clear_flash(view.session.id)
        return response

    async def _session_view(self, request: web.Request) -> View:
        """The request's session and its person as they are now (role and status re-read)."""
        view = self._public_view(request)
        token = request.cookies.get(self.cookie_name)
        session = await view.repo(WebSessionsRepo).get(token) if token else None
        if session is not None:
            view.session = session
            view.person = await view.repo(PeopleRepo).get(session.person_id)
        return view

    async def _csrf_ok(self, request: web.Request, view: View) -> bool:
        form = await request.post()
        sent = form.get("csrf")
        return isinstance(sent, str) and hmac.compare_digest(sent, view.session.csrf)

    def _public_view(self, request: web.Request) -> View:
        return View(self, request, lang_hint=self.browser_language(request))

    def browser_language(self, request: web.Request) -> str:
        """The first of the browser's languages the console speaks (else the bot's default)."""
        for part in request.headers.get("Accept-Language", "").split(","):
            code = part.split(";")[0].strip()[:2].lower()
            if code in i18n.LANGUAGES:
                return code
        return self.app.config.bot.default_language

    # --- cookies and pages ---------------------------------------------------------------------

    @property
    def cookie_name(self) -> str:
        """__Host- (HTTPS at the root): the browser keeps it to exactly this site."""
        if self.settings.secure:
            return "__Host-mentorbot" if not self.settings.base_path else "__Secure-mentorbot"
        return "mentorbot"

    def set_cookie(self, response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
        """A cookie only this site's pages send back (HttpOnly, SameSite=Strict, Secure on HTTPS)."""
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.settings.base_path or "/",
            secure=self.settings.secure,
            httponly=True,
            samesite="Strict",
        )

    def forget_cookie(self, response: web.StreamResponse, name: str | None = None) -> None:
        """Tell the browser to drop a cookie (the session's by default)."""
        response.del_cookie(
            name or self.cookie_name,
            path=self.settings.base_path or "/",
            secure=self.settings.secure,
            httponly=True,
            samesite="Strict",
        )

    def render(self, view: View, template: str, *, status: int, **values: Any) -> web.Response:
        """Render a template with the helpers every page uses."""
        text = self.templates.get_template(template).render(
            v=view,
            t=view.t,
            url=view.url,
            static=lambda name: f"{self.settings.base_path}/static/{name}",
            csrf=view.session.csrf if view.session else "",
            person=view.person,
            Role=Role,
            nav=NAV,
            **values,
        )
        return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def start_console(app: App) -> WebConsole | None:
    """`mentorbot run`: start the console when `web:` is configured (None when it is off)."""
    if app.config.web is None:
        return None
    console = WebConsole(app)
    try:
        await console.start()
    except OSError as exc:
        from bot.config import ConfigError

        await console.stop()
        raise ConfigError(
            f"web.listen: the console cannot listen on {app.config.web.listen} ({exc.strerror or exc}); "
            "is another program using that port? Choose another one in the config."
        ) from None
    return console
