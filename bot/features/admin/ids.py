"""People and invites in the chat: the buttons (choice ids) and dialog steps of staff and admins."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, OneOf

PersonNumber = Annotated[int, Int(1)]  # a person's row id
PageNumber = Annotated[int, Int(0, 10_000)]
RoleName = Annotated[str, OneOf("mentor", "expert", "staff", "admin")]
InvitableRole = Annotated[str, OneOf("mentor", "expert", "staff")]
Status = Annotated[str, OneOf("active", "deactivated")]
USES_MAX = 500  # people one invite may bring in (typed or tapped)
DAYS_MAX = 365  # the longest an invite stays valid


class Step(StrEnum):
    """Where staff or an admin is: searching people, or creating an invite."""

    SEARCH = "adm.search"  # a name (or part of one) to look for
    INVITE_ROLE = "adm.invite_role"  # who the invite is for (buttons)
    INVITE_COHORT = "adm.invite_cohort"  # a cohort: a button, or a new one typed
    INVITE_USES = "adm.invite_uses"  # how many people: a button, or a number typed
    INVITE_DAYS = "adm.invite_days"  # how long it is valid: a button, or days typed
    INVITE_CONFIRM = "adm.invite_confirm"  # the summary with Create


# --- people (staff see, admins change) -----------------------------------------------------------


class PeopleHome(ChoiceId, prefix="adm:home"):
    """The people list, first page (from the menu: a new message)."""


class People(ChoiceId, prefix="adm:p"):
    """Another page of the people list (replaced in place)."""

    page: PageNumber


class Search(ChoiceId, prefix="adm:s"):
    """Search people by name: type a name next."""


class Person(ChoiceId, prefix="adm:o"):
    """One person's card: role, cohort, status, messengers, and (admins) actions."""

    person: PersonNumber


class Cancel(ChoiceId, prefix="adm:cancel"):
    """Stop searching or creating an invite; back to the menu."""


class ChooseRole(ChoiceId, prefix="adm:a:role"):
    """Admins: which role should this person have?"""

    person: PersonNumber


class AskRole(ChoiceId, prefix="adm:a:r"):
    """Admins: what a role change would do, with Yes / No."""

    person: PersonNumber
    role: RoleName


class SetRole(ChoiceId, prefix="adm:a:ok"):
    """Admins: change the role (confirmed)."""

    person: PersonNumber
    role: RoleName


class AskStatus(ChoiceId, prefix="adm:a:s"):
    """Admins: what deactivating (or reactivating) would do, with Yes / No."""

    person: PersonNumber
    status: Status


class SetStatus(ChoiceId, prefix="adm:a:st"):
    """Admins: deactivate or reactivate (confirmed)."""

    person: PersonNumber
    status: Status


# --- invites (admins) ---------------------------------------------------------------------------


class Invites(ChoiceId, prefix="adm:i:list"):
    """The invites that can still be used, with Revoke."""


class NewInvite(ChoiceId, prefix="adm:i:new"):
    """Create an invite: who is it for?"""


class InviteRole(ChoiceId, prefix="adm:i:r"):
    """The invite's role."""

    role: InvitableRole


class InviteCohort(ChoiceId, prefix="adm:i:c"):
    """A cohort offered as a button (its place in the list shown, kept in the dialog)."""

    index: Annotated[int, Int(0, 50)]


class NoCohort(ChoiceId, prefix="adm:i:nc"):
    """An invite without a cohort."""


class InviteUses(ChoiceId, prefix="adm:i:u"):
    """How many people may use the invite."""

    uses: Annotated[int, Int(1, USES_MAX)]


class InviteDays(ChoiceId, prefix="adm:i:d"):
    """How many days the invite is valid."""

    days: Annotated[int, Int(1, DAYS_MAX)]


class CreateInvite(ChoiceId, prefix="adm:i:ok"):
    """Create the invite as summarised: the code, its link and QR code."""


class AskRevoke(ChoiceId, prefix="adm:i:x"):
    """Revoke an invite? (Yes / No.)"""

    invite: Annotated[int, Int(1)]


class Revoke(ChoiceId, prefix="adm:i:xok"):
    """Revoke the invite (confirmed)."""

    invite: Annotated[int, Int(1)]
