"""Signing in with a one-time link from /web, and signing out."""

from __future__ import annotations

import hmac
from datetime import timedelta

from aiohttp import web

from bot.roles import Role
from bot.web.server import page
from bot.web.view import View
from storage.people import PeopleRepo
from storage.web import WebLinksRepo, WebSessionsRepo, new_token

LOGIN_COOKIE = "mentorbot-login"  # ties the sign-in form to the browser that opened the link


@page("GET", "/login/{token}")
async def login_page(view: View) -> web.StreamResponse:
    """The link opened: a button to sign in (a link preview fetching the URL uses nothing up)."""
    token = view.request.match_info["token"]
    person_id, state = await view.repo(WebLinksRepo).state(token)
    person = await view.repo(PeopleRepo).get(person_id) if person_id else None
    if person is not None:
        view.lang_hint = person.language
    if state != "ok" or person is None:
        return _dead_link(view, state)
    pre = new_token()
    response = view.render("login.html", name=person.display_name, token=token, pre=pre)
    minutes = view.console.settings.link_minutes
    view.console.set_cookie(response, LOGIN_COOKIE, pre, max_age=minutes * 60)
    return response


@page("POST", "/login/{token}")
async def login(view: View) -> web.StreamResponse:
    """Use the link up and start a session for its person (if they may still use the console)."""
    token = view.request.match_info["token"]
    _, state = await view.repo(WebLinksRepo).state(token)
    if state != "ok":
        return _dead_link(view, state)
    form = await view.request.post()
    pre, sent = view.request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf", "")
    if not (pre and isinstance(sent, str) and hmac.compare_digest(pre, sent)):
        return view.render(
            "message.html",
            status=403,
            title_key="web.form_expired",
            text_key="web.form_expired_text",
        )
    person_id = await view.repo(WebLinksRepo).redeem(token)
    if person_id is None:
        _, state = await view.repo(WebLinksRepo).state(token)
        return _dead_link(view, state)
    view.person = await view.repo(PeopleRepo).get(person_id)
    if view.person is None or not view.person.active or view.person.role < Role.STAFF:
        await view.audit("web.refused", role=view.person.role.label if view.person else None)
        view.person = None
        return view.render(
            "message.html", status=403, title_key="web.no_access", text_key="web.no_access_text"
        )
    hours = view.console.settings.session_hours
    session = await view.repo(WebSessionsRepo).create(
        view.person.id, view.now() + timedelta(hours=hours)
    )
    await view.audit("web.login")
    response = web.HTTPSeeOther(view.url("/"))
    view.console.set_cookie(response, view.console.cookie_name, session, int(hours * 3600))
    view.console.forget_cookie(response, LOGIN_COOKIE)
    raise response


@page("POST", "/logout")
async def logout(view: View) -> web.StreamResponse:
    """End this session."""
    await view.repo(WebSessionsRepo).end(view.session.id)
    await view.audit("web.logout")
    response = web.HTTPSeeOther(view.url("/signed-out"))
    view.console.forget_cookie(response)
    raise response


@page("GET", "/signed-out")
async def signed_out(view: View) -> web.StreamResponse:
    """After signing out."""
    return view.render("message.html", title_key="web.signed_out", text_key="web.come_back")


def _dead_link(view: View, state: str) -> web.StreamResponse:
    """An unknown, used or expired link: say so, and how to get a new one."""
    key = {"used": "web.link_used", "expired": "web.link_expired"}.get(state, "web.link_unknown")
    return view.render(
        "message.html",
        status=410 if state != "unknown" else 404,
        title_key="web.link_dead",
        text_key=key,
    )
