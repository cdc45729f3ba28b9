"""Roles, ordered by what they may do: guest < mentor < expert < staff < admin."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    """A person's role; a higher role may do everything a lower one may."""

    GUEST = 0
    MENTOR = 1
    EXPERT = 2
    STAFF = 3
    ADMIN = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        """Role from its name (case-insensitive); ValueError when unknown."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {name!r}") from None

    @property
    def label(self) -> str:
        """Lower-case name as stored and shown in the CLI."""
        return self.name.lower()


INVITABLE_ROLES = (Role.MENTOR, Role.EXPERT, Role.STAFF)


def allowed(role: Role, needed: Role) -> bool:
    """True when `role` may use something that needs `needed`."""
    return role >= needed
