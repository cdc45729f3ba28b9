"""Privacy: /mydata, /forget leaves no trace, consent versions, retention of free text."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.roles import Role
from storage.audit import AuditRepo
from storage.checkins import CheckinsRepo
from storage.journal import JournalRepo
from storage.people import PeopleRepo
from storage.progress import ProgressRepo
from storage.tickets import TicketsRepo
from storage.workshops import Filter, WorkshopsRepo
from tests.harness import Harness, User, make_config

NAME = "Zyxwv Qvistberg"
SECRET = "my very private reflection 4711"
QUESTION = "a question only Zyxwv would ask 0815"
CHECKIN_WORDS = "checkin words 2357"
NOTE = "went well note 1113"
PERSON_COLUMNS = {"person_id", "mentor_id", "actor_id", "author_id", "expert_id"}


async def _rich_mentor(h) -> tuple[User, int]:
    """A mentor with something in every table group."""
    mentor = User("987654321987", NAME)
    code = await h.invite(Role.MENTOR, "2025-02")
    await h.say(f"/start {code}", mentor)
    await h.tap("onb:consent:yes", mentor)
    await h.tap("onb:lang:en", mentor)
    await h.say(NAME, mentor)
    pid = (await h.person(mentor)).id
    expert = await h.onboard(Role.EXPERT, "Eero")
    await h.tap("learn:go:s1", mentor)
    await h.app.db.repo(JournalRepo).add(pid, SECRET, shared=True)
    await h.app.db.repo(ProgressRepo).give_feedback(pid, "s1", "2025-02", 5)
    await h.tap("nudge:r:daily", mentor)
    await h.tap("nudge:t:12:00", mentor)
    await h.say("/settings", mentor)
    await h.tap("set:mute:news", mentor)
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Community of Zyxwv", mentor)
    await h.say("9", mentor)
    await h.tap("ws:th:s1", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:60", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.say(NOTE, mentor)
    await h.tap("ws:share:yes", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:no", mentor)
    await h.tap("ws:save", mentor)
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:s2", mentor)
    await h.say(QUESTION, mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:no", mentor)
    [ticket] = await h.app.db.repo(TicketsRepo).of_mentor(pid)
    await h.say(f"/answer {ticket.id} An answer for {NAME}", expert)
    await h.tap(f"esc:x:send:{ticket.id}", expert)  # answers are previewed before they go
    await h.advance(timedelta(days=8))  # the rule's check-in after the workshop
    [checkin] = [c for c in await h.app.db.repo(CheckinsRepo).of_mentor(pid) if c.status == "sent"]
    await h.tap(f"ck:s:{checkin.id}:4", mentor)
    await h.say(CHECKIN_WORDS, mentor)
    await h.say("/link", mentor)
    return mentor, pid


async def test_mydata_is_everything_as_json(h):
    mentor, _ = await _rich_mentor(h)
    await h.say("/mydata", mentor)
    sent = h.last(mentor)
    assert sent.out.attachment.filename == "my-data.json"
    data = json.loads(sent.out.attachment.data)
    assert data["profile"]["display_name"] == NAME
    assert data["reflections"][0]["text"] == SECRET
    assert data["workshops"][0]["went_well"] == NOTE
    assert data["questions_to_experts"][0]["messages"][0]["text"] == QUESTION
    assert data["check_ins"][0]["words"] == CHECKIN_WORDS
    assert data["identities"][0]["external_id"] == "987654321987"
    assert "1 reflections" in h.sent_to(mentor)[-2].text


async def _traces(db, pid: int, needles: list[str]) -> list[str]:
    """Every place in the database that still holds the person's id, name or words."""
    found = []
    tables = [
        r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    for table in tables:
        columns = [r["name"] for r in await db.fetchall(f"PRAGMA table_info({table})")]
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for column in columns:
                value = row[column]
                if column in PERSON_COLUMNS and value == pid:
                    found.append(f"{table}.{column} = {pid}")
                if isinstance(value, bytes):
                    value = value.decode(errors="ignore")
                if isinstance(value, str):
                    found += [f"{table}.{column}: {n!r}" for n in needles if n in value]
    return found


async def test_forget_leaves_no_trace_but_anonymous_counts(h):
    mentor, pid = await _rich_mentor(h)
    needles = [NAME, "Zyxwv", SECRET, QUESTION, CHECKIN_WORDS, NOTE, "987654321987"]
    before = await _traces(h.app.db, pid, needles)
    assert len(before) > 15, before  # the scan does see the person before
    await h.say("/forget", mentor)
    assert "cannot be undone" in h.last(mentor).text
    await h.tap("priv:forget:no", mentor)
    assert await h.person(mentor) is not None
    await h.say("/forget", mentor)
    await h.tap("priv:forget:yes", mentor)
    assert "erased" in h.last(mentor).text
    assert await h.person(mentor) is None
    assert await _traces(h.app.db, pid, needles) == []

    # Statistics stay, anonymously.
    db = h.app.db
    [workshop] = await db.repo(WorkshopsRepo).matching(Filter())
    assert (workshop.mentor_id, workshop.community, workshop.went_well, workshop.participants) == (
        None,
        "",
        None,
        9,
    )
    totals = await db.repo(ProgressRepo).feedback_totals()
    assert [(t.section_id, t.answers) for t in totals] == [("s1", 1)]
    [entry] = await db.repo(AuditRepo).entries("person.erased")
    assert entry["actor_id"] is None and entry["subject"] is None
    # The file itself: the deleted pages were overwritten and the log emptied.
    raw = h.db_path.read_bytes()
    wal = h.db_path.with_name(h.db_path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    for needle in needles:
        assert needle.encode() not in raw, f"{needle!r} is still in the database file"


async def test_a_new_consent_version_asks_again(tmp_path):
    h = Harness(tmp_path / "bot.db")
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Anna")
        await h.stop()
        h.config = make_config(tmp_path / "bot.db", "  consent_version: 2\n")
        await h.start()
        await h.say("/learn", mentor)
        assert "updated how the bot uses your data" in h.last(mentor).text
        assert h.last(mentor).choice_ids[0] == "priv:consent:yes"
        await h.say("/mydata", mentor)  # always allowed
        assert h.last(mentor).out.attachment is not None
        await h.tap("priv:consent:yes", mentor)
        assert (await h.person(mentor)).consent_version == 2
        await h.say("/learn", mentor)
        assert "learn:s:s1" in h.last(mentor).choice_ids
    finally:
        await h.stop()


async def test_old_free_text_is_deleted_daily(tmp_path):
    extra = "privacy:\n  retention_days:\n    reflections: 30\n    ticket_texts: 10\n    checkin_words: 10\n    workshop_notes: 10\n"
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", extra))
    await h.start()
    try:
        mentor, pid = await _rich_mentor(h)
        await h.advance(timedelta(days=5))
        assert await h.app.db.repo(JournalRepo).count(pid) == 1
        await h.advance(timedelta(days=10))
        [ticket] = await h.app.db.repo(TicketsRepo).of_mentor(pid)
        assert await h.app.db.repo(TicketsRepo).messages(ticket.id) == []
        [checkin] = [c for c in await h.app.db.repo(CheckinsRepo).of_mentor(pid) if c.score]
        assert (checkin.score, checkin.words) == (4, None)
        [workshop] = await h.app.db.repo(WorkshopsRepo).page(pid, 0, 1)
        assert workshop.went_well is None and workshop.participants == 9
        assert await h.app.db.repo(JournalRepo).count(pid) == 1  # 30 days for reflections
        await h.advance(timedelta(days=20))
        assert await h.app.db.repo(JournalRepo).count(pid) == 0
        assert (await h.app.db.repo(PeopleRepo).get(pid)).display_name == NAME
    finally:
        await h.stop()


async def test_erasing_needs_the_question_just_asked_and_is_said_in_the_persons_language(h):
    mentor = await h.onboard(Role.MENTOR, "Aino", lang="fi")
    await h.say("/forget", mentor)
    await h.tap("priv:forget:no", mentor)
    assert "learn:home" in h.last(mentor).choice_ids, "the menu replaces the yes/no choices"
    await h.tap("priv:forget:yes", mentor)  # the old button, or "1" typed on Signal
    assert await h.person(mentor) is not None, "nothing erased by an old answer"

    await h.say("/forget", mentor)
    await h.tap("priv:forget:yes", mentor)
    assert await h.person(mentor) is None
    from bot import i18n

    assert h.last(mentor).text == i18n.t("fi", "priv.forgotten")
