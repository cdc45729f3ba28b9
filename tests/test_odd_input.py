"""Odd input everywhere: every button family with forged values, every dialog step with odd text.

The walk taps the buttons the bot shows (breadth first, for every role), and in every dialog step it
reaches it types odd text first (a lone surrogate, NUL, 100,000 characters, huge and negative
numbers, direction marks), then a plausible answer to move on. Every registered button id is also
tapped with values outside its bounds. Asserted throughout: no handler fails (no "something went
wrong", no ERROR log), forged ids are refused and audited, and nothing stored is out of range or
carries characters that were cleaned away on entry.
"""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ids import Int, Key, OneOf
from bot.roles import Role

ODD_TEXTS = [
    "half \ud800 a surrogate",
    "nul\x00 inside",
    "x" * 100_000,
    "-1",
    "0",
    "99999999999999999999999999999999",
    "\u202e\u200f reversed",
    "👩‍👩‍👧‍👦",
    "%s {name} {0} ' OR 1=1 --",
]
# A plausible answer per dialog step, so the walk moves on after the odd ones.
GOOD = {
    "ws.date": "today",
    "ws.community": "Kallio youth club",
    "ws.participants": "12",
    "ws.themes": "1",
    "ws.duration": "90",
    "ws.well": "Good talks",
    "ws.hard": "Time",
    "ws.share": "no",
    "ws.support": "no",
    "learn.reflect": "A thought about trust",
    "learn.comment": "Helpful",
    "esc.write": "How do I start a workshop?",
    "esc.reply": "Thanks!",
    "esc.answer": "Start with a round of names.",
    "esc.note": "Called her today.",
    "bc.text": "Training on Friday",
    "bc.when": "tomorrow 10:00",
    "nudge.time": "18:30",
    "ck.words": "All good",
    "ck.message": "How did it go?",
    "jr.comment": "Lovely thought",
    "jr.reply": "Thank you",
    "adm.search": "Anna",
    "adm.invite_cohort": "2026-01",
    "adm.invite_uses": "3",
    "adm.invite_days": "14",
}
ROLES = [(Role.MENTOR, "Anna"), (Role.EXPERT, "Eero"), (Role.STAFF, "Sari"), (Role.ADMIN, "Ada")]
MAX_ACTIONS = 260  # per role: enough to reach the dialogs, fast enough for the suite


class ErrorLogs(logging.Handler):
    """Counts ERROR records of the bot's own loggers (dispatch and jobs log what they catch)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "storage")):
            self.records.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def errors():
    handler = ErrorLogs()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _no_failure(sent) -> None:
    for message in sent:
        assert "Sorry, something went wrong" not in message.text, message.text[:200]


async def _in_step(h, user) -> str | None:
    person = await h.person(user)
    if person is None:
        return None
    row = await h.app.db.fetchone("SELECT step FROM dialogs WHERE person_id = ?", (person.id,))
    return row["step"] if row else None


async def _walk(h, user, reached: set[str]) -> None:
    """Depth first over the buttons the bot shows (the newest screen's first button first, so
    forms are followed to their end), odd text in every dialog step met on the way."""
    queue = list(reversed(h.last(user).choice_ids))
    tapped: set[str] = set()
    actions = 0
    while queue and actions < MAX_ACTIONS:
        choice = queue.pop()
        family = ":".join(choice.split(":")[:2])
        if choice in tapped or family in ("priv:forget",):  # erasing ends the walk
            continue
        tapped.add(choice)
        sent = await h.tap(choice, user)
        actions += 1
        _no_failure(sent)
        step = await _in_step(h, user)
        while step is not None and step not in reached:  # each new step: odd text, then a fit one
            reached.add(step)
            for text in ODD_TEXTS:
                _no_failure(await h.say(text, user))
                actions += 1
            if await _in_step(h, user) == step and step in GOOD:
                sent = [*sent, *await h.say(GOOD[step], user)]
                _no_failure(sent)
            step = await _in_step(h, user)
        for message in sent[-3:]:
            queue.extend(reversed([c for c in message.choice_ids if c not in tapped]))


async def test_a_walk_through_every_screen_with_odd_text_in_every_step(h, errors):
    reached: set[str] = set()
    for role, name in ROLES:
        user = await h.onboard(role, name)
        # A question waiting, a shared reflection and a workshop give the team something to open.
        if role is Role.MENTOR:
            bite = h.app.content.section("s1").bites[0]
            await h.tap(f"learn:reflect:{bite.id}", user)
            await h.say("A thought", user)
            await h.tap("learn:rdone", user)
            reflection = await h.app.db.scalar("SELECT MAX(id) FROM reflections")
            await h.tap(f"learn:share:{reflection}:yes", user)
            await h.tap("esc:new", user)
            await h.tap("esc:topic:practical", user)
            await h.say("Where are the handouts?", user)
            await h.tap("esc:send", user)
            await h.tap("esc:anon:no", user)
        await h.say("/menu", user)
        await _walk(h, user, reached)
        await h.say("/cancel", user)
    assert not errors.records, errors.records[:5]
    steps = set(h.app.router.steps)
    # 32 of 46 when written; the others need a crisis, an invite, a second person's reply or
    # an erasure, and their own tests drive them.
    assert len(reached) >= len(steps) * 0.65, sorted(steps - reached)
    await _stored_values_are_in_range(h)


def _forged(bound) -> list[str]:
    if isinstance(bound, Int):
        return [str(bound.lo - 1), str(bound.hi + 1), "9" * 40, "-0", "01", "1.5", "", "x"]
    if isinstance(bound, Key):
        return ["", "x" * (bound.max_len + 1), "a:b", "\ud800", "ä", " "]
    assert isinstance(bound, OneOf)
    return ["", "maybe", bound.values[0].upper(), bound.values[0] + "x"]


async def test_every_button_family_refuses_forged_values(h, errors):
    users = {role: await h.onboard(role, name) for role, name in ROLES}
    for prefix, route in sorted(h.app.router.choices.items()):
        who = users[max(route.min_role, Role.MENTOR)]
        bounds = route.id_class._bounds
        if not bounds:
            forged = [f"{prefix}:extra"]
        else:
            # Every field in turn gets odd values; the others are left out (too few parts).
            forged = [f"{prefix}:{value}" for _, bound, _ in bounds[:1] for value in _forged(bound)]
            forged.append(prefix + ":1" * (len(bounds) + 1))  # too many parts
        for data in forged:
            before = await _invalid(h)
            sent = await h.tap(data, who)
            _no_failure(sent)
            if route.id_class.parse(data) is None:
                assert await _invalid(h) == before + 1, f"{data!r} was not refused"
                assert "no longer works" in sent[-1].text, data
    assert not errors.records, errors.records[:5]
    await _stored_values_are_in_range(h)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.data(),
    st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.text(max_size=30),
        st.sampled_from(["\ud800", "\x00", ":", "::", "9" * 25]),
    ),
)
async def test_any_value_in_any_button_is_refused_or_handled(h, data, value):
    if not hasattr(h, "odd_admin"):  # one person for all examples (an admin may tap anything)
        h.odd_admin = await h.onboard(Role.ADMIN, "Ada")
    prefix = data.draw(st.sampled_from(sorted(h.app.router.choices)))
    _no_failure(await h.tap(f"{prefix}:{value}", h.odd_admin))


async def _invalid(h) -> int:
    return await h.app.db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'choice.invalid'")


async def _stored_values_are_in_range(h) -> None:
    db = h.app.db
    assert not await db.fetchall(
        "SELECT id FROM workshops WHERE participants NOT BETWEEN 1 AND 500 "
        "OR duration_min NOT BETWEEN 1 AND 1440"
    )
    assert not await db.fetchall("SELECT id FROM checkins WHERE score NOT BETWEEN 1 AND 5")
    assert not await db.fetchall("SELECT id FROM section_feedback WHERE score NOT BETWEEN 1 AND 5")
    # Nothing cleaned away on entry was stored after all (NUL, lone surrogates, control chars).
    tables = [
        r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
    ]
    for table in tables:
        for column in await db.fetchall(f"PRAGMA table_info({table})"):
            if column["type"].upper() != "TEXT":
                continue
            name = column["name"]
            rows = await db.fetchall(f"SELECT {name} FROM {table} WHERE {name} IS NOT NULL")
            for row in rows:
                value = row[0]
                assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", value), (
                    f"{table}.{name} holds a control character or a lone surrogate"
                )
