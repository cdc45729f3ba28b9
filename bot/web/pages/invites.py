"""Invites: create one (its code, link and QR code shown once), list them, revoke one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import segno
from aiohttp import web
from markupsafe import Markup

from bot.messages import clean_text
from bot.roles import INVITABLE_ROLES, Role
from bot.web.filters import cohorts_of
from bot.web.server import page
from bot.web.view import View
from storage.invites import InvitesRepo
from storage.web import ConsoleRepo

LIST = 50
COHORT_MAX = 40
USES = (1, 500)
DAYS = (1, 90)


@dataclass
class InviteForm:
    """The create form as typed, with what is wrong with it."""

    role: str = "mentor"
    cohort: str = ""
    uses: str = "1"
    days: str = "14"
    problems: list[str] = field(default_factory=list)


def roles_for(view: View) -> list[Role]:
    """Staff invite mentors and experts; admins also staff."""
    return [r for r in INVITABLE_ROLES if r < Role.STAFF or view.role >= Role.ADMIN]


@page("GET", "/invites")
async def invites(view: View) -> web.StreamResponse:
    """The form and the newest invites."""
    return await _page(view, InviteForm())


@page("POST", "/invites")
async def create_invite(view: View) -> web.StreamResponse:
    """A new invite: its code, link and QR code, shown once (only its hash is stored)."""
    posted = await view.request.post()
    form = InviteForm(
        role=str(posted.get("role", "")),
        cohort=str(posted.get("cohort", "")),
        uses=str(posted.get("uses", "")).strip(),
        days=str(posted.get("days", "")).strip(),
    )
    role, cohort, uses, days = _check(view, form)
    if form.problems:
        return await _page(view, form, status=400)
    repo = view.repo(InvitesRepo)
    code = await repo.create(
        role=role,
        cohort=cohort,
        max_uses=uses,
        expires_at=view.now() + timedelta(days=days),
        created_by=view.person.id,
    )
    invite = await repo.find(code)
    await view.audit(
        "invite.created", subject=str(invite.id), role=role.label, uses=uses, days=days
    )
    link = _link(view, code)
    qr = segno.make(link or f"/start {code}", error="m")
    return view.render(
        "invite_created.html",
        code=code,
        link=link,
        signal=view.app.config.signal.account if view.app.config.signal.enabled else None,
        qr=Markup(qr.svg_inline(scale=5, dark="#111", light="#fff", title=view.t("web.qr_title"))),
        qr_png=qr.png_data_uri(scale=8, dark="#111", light="#fff"),
        invite=invite,
        expires=view.moment(invite.expires_at),
    )


@page("POST", r"/invites/{number:\d+}/revoke")
async def revoke_invite(view: View) -> web.StreamResponse:
    """Stop an invite from working (people who joined with it stay)."""
    number = int(view.request.match_info["number"])
    if await view.repo(ConsoleRepo).revoke_invite(number):
        await view.audit("invite.revoked", subject=str(number))
        await view.flash(view.t("web.invite_revoked_done", number=number))
    else:
        await view.flash(view.t("web.invite_not_revoked", number=number), "warn")
    raise view.redirect("/invites")


def _check(view: View, form: InviteForm) -> tuple[Role | None, str | None, int, int]:
    """The typed values, checked; problems are added to the form in words."""
    allowed = {r.label: r for r in roles_for(view)}
    role = allowed.get(form.role)
    if role is None:
        form.problems.append(view.t("web.invite_bad_role"))
    cohort, problem = clean_text(form.cohort, COHORT_MAX)
    if problem == "too_long":
        form.problems.append(view.t("web.invite_bad_cohort", max=COHORT_MAX))
    uses = _number(form.uses, USES)
    if uses is None:
        form.problems.append(view.t("web.invite_bad_uses", low=USES[0], high=USES[1]))
    days = _number(form.days, DAYS)
    if days is None:
        form.problems.append(view.t("web.invite_bad_days", low=DAYS[0], high=DAYS[1]))
    return role, cohort or None, uses or 1, days or 1


def _number(text: str, bounds: tuple[int, int]) -> int | None:
    if not text.isdecimal() or len(text) > 6:
        return None
    value = int(text)
    return value if bounds[0] <= value <= bounds[1] else None


def _link(view: View, code: str) -> str | None:
    """The Telegram deep link, when the bot's username is configured."""
    username = view.app.config.telegram.bot_username
    if not (view.app.config.telegram.enabled and username):
        return None
    return f"https://t.me/{username}?start={code}"


async def _page(view: View, form: InviteForm, *, status: int = 200) -> web.StreamResponse:
    rows = await view.repo(ConsoleRepo).invites(LIST)
    now = view.now()
    states = {}
    for row in rows:
        if row.revoked:
            states[row.id] = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            states[row.id] = "expired"
        elif row.uses >= row.max_uses:
            states[row.id] = "used_up"
        else:
            states[row.id] = "active"
    return view.render(
        "invites.html",
        status=status,
        form=form,
        roles=roles_for(view),
        cohorts=await cohorts_of(view),
        rows=rows,
        states=states,
        uses=USES,
        days=DAYS,
    )
