"""People administration with the same rules wherever it is done (the chat, the web console)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.messages import clean_text
from bot.roles import INVITABLE_ROLES, Role
from storage.audit import AuditRepo
from storage.invites import Invite, InvitesRepo
from storage.people import PeopleRepo, Person

COHORT_MAX = 40  # characters of a cohort's name typed for an invite
USES_MAX = 500
DAYS_MAX = 365

if TYPE_CHECKING:
    from bot.app import App


class Refusal(StrEnum):
    """Why a change was not made (each has a UI string `admin.refused_<value>`)."""

    YOURSELF = "yourself"  # an admin cannot change or deactivate themself
    LAST_ADMIN = "last_admin"  # the last active admin would be gone
    NOT_FOUND = "not_found"  # no such person (or still onboarding)
    SAME = "same"  # nothing would change


@dataclass
class Change:
    """The outcome of a change: done, refused (and why), and what to tell the admin."""

    person: Person | None = None
    refused: Refusal | None = None
    last_expert: bool = False  # done, but no active expert is left to answer questions
    released_tickets: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True when the change was made."""
        return self.refused is None


@dataclass(frozen=True)
class NewInvite:
    """An invite just created: the code (shown once, never stored), its link and QR code."""

    invite: Invite
    code: str
    link: str | None  # the Telegram deep link (None without telegram.bot_username)
    qr_png: bytes  # a QR code of the link (or of "/start CODE" when there is no link)


class PeopleAdmin:
    """Change a person's role or status; refuses to remove the last active admin. Invites too."""

    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def people(self) -> PeopleRepo:
        """The people repository."""
        return self.app.db.repo(PeopleRepo)

    async def preview_role(self, actor: Person, target_id: int, role: Role) -> Change:
        """What changing the role would do, without doing it (for a confirmation)."""
        target, refused = await self._target(actor, target_id)
        if refused is None and target.role == role:
            refused = Refusal.SAME
        if refused is None and target.role is Role.ADMIN and await self._last_admin(target):
            refused = Refusal.LAST_ADMIN
        warn = refused is None and await self._leaves_no_expert(target, role)
        return Change(target, refused, last_expert=warn)

    async def change_role(self, actor: Person, target_id: int, role: Role, via: str) -> Change:
        """Give a person another role; events and audit as everywhere."""
        change = await self.preview_role(actor, target_id, role)
        if not change.done:
            return change
        target = change.person
        updated = await self.people.update(target.id, role=role)
        await self._audit(actor, "person.role_changed", target.id, role=role.label, via=via)
        await self.app.publish_commands(updated)
        released: list[int] = []  # listeners add what the old role left behind (claimed tickets)
        await self.app.events.emit(
            "person.role_changed", person=updated, old_role=target.role, released=released
        )
        return Change(updated, last_expert=change.last_expert, released_tickets=released)

    async def preview_status(self, actor: Person, target_id: int, status: str) -> Change:
        """What (de)activating would do, without doing it."""
        target, refused = await self._target(actor, target_id)
        if refused is None and target.status == status:
            refused = Refusal.SAME
        if refused is None and status == "deactivated" and target.role is Role.ADMIN:
            if await self._last_admin(target):
                refused = Refusal.LAST_ADMIN
        warn = refused is None and status == "deactivated"
        warn = warn and await self._leaves_no_expert(target, None)
        return Change(target, refused, last_expert=warn)

    async def set_status(self, actor: Person, target_id: int, status: str, via: str) -> Change:
        """Deactivate ("deactivated": gets nothing, can do nothing) or reactivate ("active")."""
        change = await self.preview_status(actor, target_id, status)
        if not change.done:
            return change
        updated = await self.people.update(change.person.id, status=status)
        await self._audit(actor, f"person.{status}", updated.id, via=via)
        await self.app.events.emit(f"person.{status}", person=updated)
        return Change(updated, last_expert=change.last_expert)

    # --- finding people ------------------------------------------------------------------------

    async def page(self, offset: int, limit: int) -> tuple[list[Person], int]:
        """A page of everyone who finished onboarding, by name, and how many there are."""
        return await self.people.listed(offset, limit), await self.people.count_listed()

    async def search(self, text: str, limit: int) -> list[Person]:
        """People whose name contains `text` (case and accents ignored)."""
        return await self.people.search(text[:COHORT_MAX], limit)

    # --- invites -------------------------------------------------------------------------------

    async def create_invite(
        self, actor: Person, role: Role, cohort: str | None, uses: int, days: int, via: str
    ) -> NewInvite:
        """A new invite code with its deep link and QR code (ValueError for values out of range)."""
        if role not in INVITABLE_ROLES:
            raise ValueError(f"invites are for {', '.join(r.label for r in INVITABLE_ROLES)}")
        if not 1 <= uses <= USES_MAX or not 1 <= days <= DAYS_MAX:
            raise ValueError(f"uses 1-{USES_MAX}, days 1-{DAYS_MAX}")
        cohort = self.clean_cohort(cohort) if cohort else None
        invites = self.app.db.repo(InvitesRepo)
        code = await invites.create(
            role=role,
            cohort=cohort,
            max_uses=uses,
            expires_at=self.app.clock.now() + timedelta(days=days),
            created_by=actor.id,
        )
        invite = await invites.find(code)
        await self._audit(actor, "invite.created", invite.id, role=role.label, via=via)
        link = self.invite_link(code)
        return NewInvite(invite, code, link, qr_png(link or f"/start {code}"))

    def clean_cohort(self, text: str) -> str:
        """A cohort's name as typed, tidied (ValueError when empty or too long)."""
        cohort, problem = clean_text(text, COHORT_MAX)
        if problem or "\n" in cohort:
            raise ValueError(f"a cohort is one line of at most {COHORT_MAX} characters")
        return cohort

    def invite_link(self, code: str) -> str | None:
        """https://t.me/<bot>?start=CODE, when the bot's Telegram username is configured."""
        username = self.app.config.telegram.bot_username
        return f"https://t.me/{username}?start={code}" if username else None

    async def invites(self, limit: int = 20) -> list[Invite]:
        """Invites that can still be used, newest first."""
        return await self.app.db.repo(InvitesRepo).usable(limit)

    async def revoke_invite(self, actor: Person, invite_id: int, via: str) -> bool:
        """Revoke an invite by its number; False when it was not active."""
        done = await self.app.db.repo(InvitesRepo).revoke_id(invite_id)
        if done:
            await self._audit(actor, "invite.revoked", invite_id, via=via)
        return done

    async def _target(self, actor: Person, target_id: int) -> tuple[Person | None, Refusal | None]:
        target = await self.people.get(target_id)
        if target is None or target.status == "onboarding":
            return None, Refusal.NOT_FOUND
        if target.id == actor.id:
            return target, Refusal.YOURSELF
        return target, None

    async def _last_admin(self, target: Person) -> bool:
        admins = [p for p in await self.people.with_role(Role.ADMIN) if p.id != target.id]
        return not admins

    async def _leaves_no_expert(self, target: Person, new_role: Role | None) -> bool:
        """True when `target` is the last active expert and would stop being one."""
        if target.role is not Role.EXPERT or target.status != "active" or new_role is Role.EXPERT:
            return False
        others = [p for p in await self.people.with_role(Role.EXPERT) if p.id != target.id]
        return not others

    async def _audit(self, actor: Person, action: str, subject: int, **detail: object) -> None:
        await self.app.db.repo(AuditRepo).record(
            action, actor_id=actor.id, subject=str(subject), **detail
        )


def qr_png(text: str) -> bytes:
    """A QR code of `text` as a PNG image."""
    import segno  # imported when an invite is made, not at start

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=3)
    return buffer.getvalue()
