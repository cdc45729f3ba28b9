"""Random updates through the router (hypothesis): nothing crashes, nobody is ignored, storage holds.

Each example starts the real app (harness: fake clock, recording transport) on a copy of one
database with a few people of every role, then feeds it a random sequence of updates: any unicode
(RTL, emoji, control characters), texts over 4096 characters, known and unknown commands, random
button data and real prefixes with garbage, the buttons the bot itself just showed (so forms and
flows are walked at random), edits, stickers and photos, group messages, strangers, and jumps of
the clock that run due jobs. After every update and at the end of every example:

- no handler crashed: the generic error reply (`common.error`) was never sent and nothing was
  logged at ERROR (dispatch and the scheduler log every exception they catch);
- every private message from a person who is not deactivated got at least one reply;
- strangers leave nothing behind (no person, no identity);
- the database is consistent (integrity_check, foreign_key_check, no dialog without a person).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import content as content_module
from bot import i18n
from bot.messages import Address, Incoming
from bot.roles import Role
from storage.people import PeopleRepo
from tests.harness import Harness, User, make_config

ROLES = [
    (Role.MENTOR, "Anna", "en"),
    (Role.MENTOR, "Aino", "fi"),
    (Role.EXPERT, "Eero", "en"),
    (Role.STAFF, "Sari", "sv"),
    (Role.ADMIN, "Ada", "en"),
]
STRANGERS = [User("990001", "Stranger"), User("990002", "Muukalainen", "fi")]
ONBOARDING = User("990100", "Halfway")  # consent given, language not yet chosen
GROUP = Address("telegram", "-100424242")
CONFIG = (
    f'team:\n  experts_chat: "telegram:{GROUP.chat_id}"\n'  # group messages reach the experts' flow
)

COMMANDS = (
    "start help menu language cancel learn feedback log workshops ask answer queue tickets "
    "checkin checkins broadcast broadcasts journal reflections link people role deactivate "
    "reactivate reminders practices mydata forget report export settings pause resume questions "
    "open invite invites"
).split()
PREFIXES = (
    "bc: ck: ck:x: esc: esc:x: jr: jr:x: lang: learn: link: menu: nudge: onb: pr: priv: rep: "
    "rep:x: safety: set: ws: zz: : ws:open: ws:th: ws:dur: ck:s: esc:x:claim: learn:next: "
    "learn:go: bc:av:role: onb:lang: onb:consent: menu:home esc:open: esc:reply: esc:x:ans: "
    "esc:x:o: esc:x:send: esc:x:cu:1: esc:x:tk:late: esc:rate:1: adm:o: adm:a:ok: adm:a:st: "
    "adm:i:c: adm:i:u: adm:i:xok: jr:x:c: jr:x:cs: jr:r: jr:rs: menu:mentor menu:team"
).split()
ODD = [
    "",
    " ",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "مرحبا بك في البوت",
    "שלום עולם",
    "👩‍👩‍👧‍👦🏳️‍🌈🧕🏿",
    "\x00\x01\x07\x1b[31m\x7f",
    "\r\n\t",
    "12",
    "0",
    "-5",
    "99999999999999999999",
    "today",
    "yesterday",
    "31.02.2025",
    "yes",
    "no",
    "Kallio",
    "need help",
    "I want to die",
    "/",
    "//",
    "/start",
    "/cancel",
    "@remap_test_bot",
    "1.5 h",
    "%s %d {name} {0}",
    "' OR 1=1; --",
]
GARBAGE_ARGS = ["", "0", "1", "2", "-1", "999999", "x", ":", "::", "1:2:3", "s1", "today", "yes"]

texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(ODD),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(4000, 5200)),
    st.builds(lambda a, b: a + b, st.sampled_from(ODD), st.text(max_size=20)),
)
commands = st.builds(
    lambda name, at, args: f"/{name}{at}{args}",
    st.one_of(st.sampled_from(COMMANDS), st.text(min_size=1, max_size=12)),
    st.sampled_from(["", "", "@remap_test_bot", "@other_bot"]),
    st.one_of(
        st.just(""),
        st.builds(lambda a: " " + a, st.sampled_from(GARBAGE_ARGS + ODD)),
        st.builds(lambda a: " " + a, st.text(max_size=30)),
    ),
)
choice_data = st.one_of(
    st.text(max_size=64),
    st.builds(lambda p, a: p + a, st.sampled_from(PREFIXES), st.sampled_from(GARBAGE_ARGS)),
    st.builds(lambda p, a: p + a, st.sampled_from(PREFIXES), st.text(max_size=20)),
)
PHOTO = {"id": "f-1", "kind": "photo", "name": "photo.jpg", "mime": "image/jpeg", "size": 2048}

# A walk: one person follows the bot's own buttons, answering typed questions now and then.
ANSWERS = ["Kallio youth club", "12", "today", "yes", "no", "90", "fine", "Amina", "1", "s1"]
walk = st.lists(
    st.tuples(st.integers(0, 30), st.one_of(st.sampled_from(ANSWERS), texts)),
    min_size=3,
    max_size=25,
)

# One action: (who, what, detail). who indexes the senders; detail depends on what.
actions = st.one_of(
    st.tuples(st.integers(0, 99), st.just("walk"), walk),
    st.tuples(st.integers(0, 99), st.just("text"), texts),
    st.tuples(st.integers(0, 99), st.just("command"), commands),
    st.tuples(st.integers(0, 99), st.just("choice"), choice_data),
    st.tuples(st.integers(0, 99), st.just("button"), st.integers(0, 30)),
    st.tuples(st.integers(0, 99), st.just("button"), st.integers(0, 30)),
    st.tuples(st.integers(0, 99), st.just("edited"), texts),
    st.tuples(st.integers(0, 99), st.just("sticker"), st.none()),
    st.tuples(st.integers(0, 99), st.just("photo"), st.one_of(st.none(), texts)),
    st.tuples(st.integers(0, 99), st.just("reply"), st.tuples(st.integers(0, 50), texts)),
    st.tuples(
        st.integers(0, 99),
        st.just("group"),
        st.tuples(st.one_of(st.none(), st.integers(0, 50)), st.one_of(texts, commands)),
    ),
    st.tuples(st.just(0), st.just("advance"), st.integers(1, 3 * 24 * 60)),
)


class Errors(logging.Handler):
    """Collects ERROR records of the bot's loggers (every caught handler or job exception)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    """The template database and the people in it."""

    template: Path
    known: list[User]


async def _build_template(directory: Path) -> World:
    path = directory / "template.db"
    h = Harness(path, make_config(path, CONFIG))
    await h.start()
    known = []
    for role, name, lang in ROLES:
        known.append(await h.onboard(role, name, lang=lang, cohort="2025-02"))
    code = await h.invite(Role.MENTOR)
    await h.say(f"/start {code}", ONBOARDING)
    await h.tap("onb:consent:yes", ONBOARDING)
    await h.stop()
    return World(path, [*known, ONBOARDING])


def _incoming(sender: User, what: str, detail, last_buttons: list[str], h: Harness) -> Incoming:
    base = {
        "address": sender.address,
        "sender_id": sender.sender_id,
        "sender_name": sender.name,
        "language_code": sender.language_code,
    }
    if what in ("text", "command"):
        return Incoming(text=detail, **base)
    if what == "choice":
        return Incoming(choice_id=detail, kind="choice", **base)
    if what == "button":
        choice = last_buttons[detail % len(last_buttons)] if last_buttons else "menu:home"
        return Incoming(choice_id=choice, kind="choice", **base)
    if what == "edited":
        return Incoming(text=detail, kind="edited", **base)
    if what == "sticker":
        return Incoming(kind="other", **base)
    if what == "photo":
        return Incoming(text=detail, kind="other", extra={"file": dict(PHOTO)}, **base)
    if what == "reply":  # a reply to one of the bot's messages in this chat (ticket posts too)
        number, text = detail
        mine = h.sent_to(sender)
        target = mine[number % len(mine)].message_id if mine else "424242"
        return Incoming(text=text, reply_to_message_id=target, **base)
    assert what == "group"  # the experts' group: anyone, with or without a reply to a post
    number, text = detail
    posts = [s for s in h.transport.sent if s.to == GROUP]
    target = posts[number % len(posts)].message_id if posts and number is not None else None
    return Incoming(
        **{**base, "address": GROUP}, text=text, reply_to_message_id=target, is_private=False
    )


def _flatten(steps: list[tuple]):
    """Actions one by one; a walk becomes one step per button or answer of the same person."""
    for who, what, detail in steps:
        if what == "walk":
            for part in detail:
                yield who, "walk", part
        else:
            yield who, what, detail


async def _run(world: World, steps: list[tuple]) -> int:
    directory = Path(tempfile.mkdtemp(prefix="random-updates-"))
    errors = Errors()
    logging.getLogger("bot").addHandler(errors)
    h = Harness(directory / "bot.db", make_config(directory / "bot.db", CONFIG))
    shutil.copy(world.template, h.db_path)
    await h.start()
    crash_texts = {i18n.t(lang, "common.error") for lang in i18n.LANGUAGES}
    senders = [*world.known, *STRANGERS]
    handled = 0
    try:
        people = h.app.db.repo(PeopleRepo)
        for who, what, detail in _flatten(steps):
            if what == "advance":
                await h.advance(timedelta(minutes=detail))
                continue
            sender = senders[who % len(senders)]
            mine = h.sent_to(sender)
            last_buttons = mine[-1].choice_ids if mine else []
            if what == "walk":  # a button of the last message, or the typed answer
                number, answer = detail
                what, detail = (
                    ("button", number) if last_buttons and number % 5 else ("text", answer)
                )
            incoming = _incoming(sender, what, detail, last_buttons, h)
            before = await people.by_identity("telegram", sender.sender_id)
            sent = await h.send(incoming)
            handled += 1
            crashes = [s.text for s in sent if s.text in crash_texts]
            assert not crashes, f"a handler crashed on {incoming!r}"
            assert not errors.records, f"logged error on {incoming!r}: {errors.records[0]!r}"
            replies = [s for s in sent if s.to.chat_id == incoming.address.chat_id]
            if incoming.is_private and (before is None or before.status != "deactivated"):
                assert replies, f"no reply to {incoming!r} (person: {before})"
        for stranger in STRANGERS:
            assert await h.person(stranger) is None
            count = await h.app.db.scalar(
                "SELECT COUNT(*) FROM identities WHERE external_id = ?", (stranger.sender_id,)
            )
            assert count == 0, f"something was stored about stranger {stranger.sender_id}"
        db = h.app.db
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        orphans = await db.scalar(
            "SELECT COUNT(*) FROM dialogs d LEFT JOIN people p ON p.id = d.person_id "
            "WHERE p.id IS NULL"
        )
        assert orphans == 0, "a dialog row without its person"
        assert not errors.records, errors.records
    finally:
        logging.getLogger("bot").removeHandler(errors)
        await h.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return handled


def test_random_updates_never_crash_or_go_unanswered(tmp_path):
    content_dir = make_config(tmp_path / "x.db").content_dir
    i18n.load(content_dir / "locales")
    loaded = content_module.load_content(content_dir)
    world = asyncio.run(_build_template(tmp_path))
    total = []

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(actions, min_size=30, max_size=120))
    def run(steps):
        total.append(asyncio.run(_run(world, steps)))

    # Content and UI strings are parsed once, not at every start of the app.
    with (
        mock.patch.object(content_module, "load_content", lambda _directory: loaded),
        mock.patch.object(i18n, "load", lambda *_args, **_kw: None),
    ):
        run()
    assert sum(total) >= 2000, f"only {sum(total)} updates were tried"
