"""Access control: every command and button with the lowest role that may use it, tried by every role."""

from __future__ import annotations

import pytest

from bot.roles import Role
from storage.audit import AuditRepo

G, M, E, S, A = Role.GUEST, Role.MENTOR, Role.EXPERT, Role.STAFF, Role.ADMIN

COMMANDS = {
    "start": G, "help": G, "link": G, "cancel": G, "helplines": G,
    "menu": M, "language": M, "learn": M, "journal": M, "reminders": M, "log": M, "workshops": M,
    "ask": M, "questions": M, "settings": M, "pause": M, "resume": M, "mydata": M, "forget": M,
    "answer": E, "queue": E, "open": E, "checkin": E, "checkins": E, "reflections": E,
    "report": E,
    "broadcast": S, "broadcasts": S, "export": S, "feedback": S, "people": S, "practices": S,
    "tickets": S, "undelivered": S,
    "role": A, "deactivate": A, "reactivate": A, "invite": A, "invites": A,
}  # fmt: skip

BUTTONS = {
    "onb:": G, "help:": G,
    "menu:": M, "lang:": M, "learn:": M, "jr:": M, "nudge:": M, "ws:": M, "esc:": M, "ck:": M,
    "set:": M, "link:": M, "priv:": M, "safety:": M,
    "jr:x:": E, "esc:x:": E, "ck:x:": E, "rep:": E,
    "rep:x:": S, "bc:": S, "pr:": S, "esc:x:tk:": S, "esc:x:tl:": S, "adm:": S,
    "adm:a:": A, "adm:i:": A, "menu:team:": E,
    "bc:r:": M,  # replying to an announcement
}  # fmt: skip

ROLES = (Role.MENTOR, Role.EXPERT, Role.STAFF, Role.ADMIN)
REFUSAL = "not available for your role"


def _family(prefix: str) -> str:
    """The BUTTONS entry a registered choice prefix ('esc:x:claim') belongs to ('esc:x:')."""
    families = [f for f in BUTTONS if (prefix + ":").startswith(f)]
    assert families, f"choice {prefix!r} is in no family of the table"
    return max(families, key=len)


def test_the_table_lists_every_route(h):
    router = h.app.router
    assert {n: r.min_role for n, r in router.commands.items()} == COMMANDS
    for prefix, route in router.choices.items():
        assert route.min_role == BUTTONS[_family(prefix)], prefix
    assert {_family(p) for p in router.choices} == set(BUTTONS), "a family without routes"


@pytest.mark.parametrize("role", ROLES)
async def test_every_command_and_button_by_every_role(h, role):
    user = await h.onboard(role, f"Person {role.label}")
    person = await h.person(user)
    audit = h.app.db.repo(AuditRepo)
    for command, lowest in COMMANDS.items():
        if command in ("forget", "pause", "start"):
            continue  # harmless but they change the session; covered in their own tests
        before = len(h.sent_to(user))
        await h.say(f"/{command}", user)
        replies = " ".join(s.text for s in h.sent_to(user)[before:])
        assert replies, f"/{command} got no reply as {role.label}"
        refused = REFUSAL in replies
        assert refused == (role < lowest), f"/{command} as {role.label}"
        await h.say("/cancel", user)
    guarded = {p: r.min_role for p, r in h.app.router.choices.items() if r.min_role > Role.MENTOR}
    for prefix, lowest in guarded.items():
        before = len(h.sent_to(user))
        await h.tap(f"{prefix}:zz:1", user)  # the role is checked before the id is even parsed
        replies = " ".join(s.text for s in h.sent_to(user)[before:])
        assert (REFUSAL in replies) == (role < lowest), f"{prefix} as {role.label}"
    denied = [
        e for e in await audit.entries("access.denied", limit=1000) if e["actor_id"] == person.id
    ]
    expected = sum(
        1 for c, r in COMMANDS.items() if role < r and c not in ("forget", "pause", "start")
    )
    expected += sum(1 for r in guarded.values() if role < r)
    assert len(denied) == expected


async def test_strangers_only_reach_start_help_link_and_helplines(h):
    stranger = h.user("Stranger")
    for command in COMMANDS:
        before = len(h.sent_to(stranger))
        await h.say(f"/{command}", stranger)
        replies = " ".join(s.text for s in h.sent_to(stranger)[before:])
        if command == "helplines":  # where to get help is for everyone
            assert "112" in replies and "invite" not in replies.lower()
            continue
        assert "invite" in replies.lower(), command
    assert await h.person(stranger) is None
