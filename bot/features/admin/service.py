"""People administration with the same rules wherever it is done (the chat, the web console)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.roles import Role
from storage.audit import AuditRepo
from storage.people import PeopleRepo, Person

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


class PeopleAdmin:
    """Change a person's role or status; refuses to remove the last active admin."""

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
