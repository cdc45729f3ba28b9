"""Privacy: /mydata, /forget leaves no trace, consent versions, retention of free text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import i18n
from bot.messages import Address, DeliveryStatus, Outgoing, SendResult
from bot.roles import Role
from storage.audit import AuditRepo
from storage.broadcasts import BroadcastsRepo
from storage.checkins import CheckinsRepo
from storage.dialogs import DialogsRepo
from storage.invites import InvitesRepo
from storage.journal import JournalRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.privacy import PARTS, PrivacyRepo
from storage.progress import ProgressRepo
from storage.safety import SafetyRepo
from storage.tickets import TicketsRepo
from storage.workshops import DraftsRepo, Filter, WorkshopsRepo
from tests.harness import Harness, User, make_config

NAME = "Zyxwv Qvistberg"
SECRET = "my very private reflection 4711"
QUESTION = "a question only Zyxwv would ask 0815"
CHECKIN_WORDS = "checkin words 2357"
NOTE = "went well note 1113"
DRAFT = "Draft community 6661"
HALF_TYPED = "a half-typed question 5417"
COMMENT = "a feedback comment 9931"
HELD = "a held reply 7727"
ANSWER = "an answer from Eero 3141"


async def _rich_mentor(h) -> tuple[User, int]:
    """A mentor with something in every table group."""
    mentor, pid, _ = await _rich_pair(h)
    return mentor, pid


async def _rich_pair(h) -> tuple[User, int, User]:
    """A mentor with something in every table group, and the expert who answered them."""
    mentor = User("987654321987", NAME)
    code = await h.invite(Role.MENTOR, "2025-02")
    await h.say(f"/start {code}", mentor)
    await h.tap("onb:lang:en", mentor)
    await h.tap("onb:consent:yes", mentor)
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
    await h.tap(f"esc:x:send:{ticket.id}", expert)  # answers are previewed
    await h.advance(timedelta(days=8))  # the rule's check-in after the workshop
    [checkin] = [c for c in await h.app.db.repo(CheckinsRepo).of_mentor(pid) if c.status == "sent"]
    await h.tap(f"ck:s:{checkin.id}:4", mentor)
    await h.say(CHECKIN_WORDS, mentor)
    await h.say("/link", mentor)
    return mentor, pid, expert


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
    assert "reflections: 1;" in h.sent_to(mentor)[-2].text


async def _traces(db, pid: int, needles: list[str]) -> list[str]:
    """Every place in the database that still holds the person's id, name or words."""
    found = []
    person_columns = await db.repo(PrivacyRepo).person_columns() | {("people", "id")}
    tables = [
        r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    for table in tables:
        columns = [r["name"] for r in await db.fetchall(f"PRAGMA table_info({table})")]
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for column in columns:
                value = row[column]
                if (table, column) in person_columns and value == pid:
                    found.append(f"{table}.{column} = {pid}")
                if isinstance(value, bytes):
                    value = value.decode(errors="ignore")
                if isinstance(value, str):
                    found += [f"{table}.{column}: {n!r}" for n in needles if n in value]
    return found


async def test_forget_leaves_no_trace_but_anonymous_counts(h):
    mentor, pid, _, _ = await _everything(h)
    needles = [NAME, "Zyxwv", SECRET, QUESTION, CHECKIN_WORDS, NOTE, "987654321987"]
    needles += [DRAFT, HALF_TYPED, COMMENT, HELD, ANSWER]
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
    assert [(t.section_id, t.answers) for t in totals] == [("s1", 1), ("s2", 1)]
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
    extra = (
        "privacy:\n  retention_days:\n    reflections: 30\n    ticket_texts: 10\n"
        "    checkin_words: 10\n    workshop_notes: 10\n    unfinished: 10\n"
        "    feedback_comments: 10\n    held_replies: 10\n"
    )
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", extra))
    await h.start()
    try:
        mentor, pid, _, _ = await _everything(h)
        db = h.app.db
        newcomer = h.user("New")  # onboarding, stopped at the consent question: keeps its place
        await h.say(f"/start {await h.invite()}", newcomer)
        newcomer_id = (await h.person(newcomer)).id
        await h.advance(timedelta(days=5))
        assert await db.repo(JournalRepo).count(pid) == 1
        assert await db.repo(DraftsRepo).take(pid) is not None
        assert await db.repo(DialogsRepo).get(pid) is not None
        await h.advance(timedelta(days=10))
        [ticket] = await db.repo(TicketsRepo).of_mentor(pid)
        assert await db.repo(TicketsRepo).messages(ticket.id) == []
        [checkin] = [c for c in await db.repo(CheckinsRepo).of_mentor(pid) if c.score]
        assert (checkin.score, checkin.words) == (4, None)
        [workshop] = await db.repo(WorkshopsRepo).page(pid, 0, 1)
        assert workshop.went_well is None and workshop.participants == 9
        assert await db.repo(DraftsRepo).take(pid) is None
        assert await db.repo(DialogsRepo).get(pid) is None
        assert (await db.repo(DialogsRepo).get(newcomer_id)).step == "onb.language"
        feedback = await db.fetchall("SELECT score, comment FROM section_feedback")
        assert sorted(tuple(f) for f in feedback) == [(4, None), (5, None)]
        assert await db.scalar("SELECT COUNT(*) FROM safety_flags WHERE held IS NOT NULL") == 0
        assert await db.repo(JournalRepo).count(pid) == 1  # 30 days for reflections
        [run] = await db.repo(AuditRepo).entries("privacy.retention", limit=1)
        assert run["detail"]["unfinished"] == 2 and run["detail"]["held_replies"] == 1
        await h.advance(timedelta(days=20))
        assert await db.repo(JournalRepo).count(pid) == 0
        assert (await db.repo(PeopleRepo).get(pid)).display_name == NAME
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


# --- /mydata covers every table that holds a person's data -----------------------------------------


async def _everything(h) -> tuple[User, int, User, int]:
    """A mentor and an expert with a row in every table that can point to a person."""
    mentor, pid, eero = await _rich_pair(h)
    db = h.app.db
    eero_id = (await h.person(eero)).id
    [ticket] = await db.repo(TicketsRepo).of_mentor(pid)
    await h.say(f"/answer {ticket.id} {ANSWER}", eero)
    await h.tap(f"esc:x:send:{ticket.id}", eero)  # answers are previewed
    await db.repo(CheckinsRepo).add(pid, eero_id, h.clock.now() + timedelta(days=3))
    await db.repo(InvitesRepo).create(role=Role.MENTOR, cohort="2025-02", created_by=eero_id)
    cast = await db.repo(BroadcastsRepo).create(eero_id, "news", {"en": "Hello"}, {"type": "all"})
    await db.repo(BroadcastsRepo).start(cast.id, [pid, eero_id], [])
    await db.repo(ProgressRepo).complete(pid, "s1")
    await db.repo(ProgressRepo).answer_check(pid, "s1", "a", True)
    # An answer kept until a form is done, and a message waiting in the outbox.
    from storage.held import HeldRepo

    await db.repo(HeldRepo).keep(pid, "answer", "1", Outgoing("An answer for later"))
    from storage.web import WebLinksRepo, WebSessionsRepo

    reflection = await db.scalar("SELECT id FROM reflections WHERE person_id = ?", (pid,))
    await db.execute(
        "INSERT INTO reflection_comments (reflection_id, author, author_id, text, created_at) "
        "VALUES (?, 'expert', ?, 'A thought back', ?)",
        (reflection, eero_id, db.now_iso()),
    )
    soon = h.clock.now() + timedelta(minutes=10)
    await db.repo(WebLinksRepo).create(eero_id, soon)  # as if Eero were staff, for the check
    await db.repo(WebSessionsRepo).create(eero_id, soon)
    await db.repo(OutboxRepo).add(
        Address("signal", "+358401234999"),
        '{"text": "See you on Friday", "rows": []}',
        person_id=pid,
    )
    feedback = await db.repo(ProgressRepo).give_feedback(pid, "s2", "2025-02", 4)
    await db.repo(ProgressRepo).add_feedback_comment(feedback, COMMENT)
    await db.repo(SafetyRepo).flag(pid, "self", held=[{"text": HELD}])
    await db.repo(DraftsRepo).keep(pid, {"form": {"community": DRAFT}})
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:s3", mentor)
    await h.say(HALF_TYPED, mentor)  # typed, not sent yet: only in the dialog's data
    await h.say("/link", eero)
    return mentor, pid, eero, eero_id


async def test_mydata_covers_every_column_that_points_to_a_person(h):
    privacy = h.app.db.repo(PrivacyRepo)
    assert await privacy.uncovered() == [], "add these tables to storage/privacy.py PARTS"

    # The check is derived from the schema: a new table with people's data is noticed at once.
    db = h.app.db
    await db.execute(
        "CREATE TABLE t_notes (id INTEGER PRIMARY KEY, who INTEGER REFERENCES people(id))"
    )
    await db.execute("CREATE TABLE t_votes (reviewer_id INTEGER, score INTEGER)")
    try:
        assert await privacy.uncovered() == ["t_notes.who", "t_votes.reviewer_id"]
    finally:
        await db.execute("DROP TABLE t_notes")
        await db.execute("DROP TABLE t_votes")

    # Every such column holds data in this fixture, and the export shows it for its person.
    mentor, pid, eero, eero_id = await _everything(h)
    columns = await privacy.person_columns()
    filled = set()
    for person in (pid, eero_id):
        data = await privacy.export(person)
        for table, column in sorted(columns):
            count = await db.scalar(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (person,))
            if not count:
                continue
            filled.add((table, column))
            parts = [p.key for p in PARTS if (table, column) in p.covers]
            assert any(data[key] for key in parts), f"{table}.{column} of {person}: not in {parts}"
    assert filled == columns, f"the fixture leaves out {sorted(columns - filled)}"


async def test_mydata_has_drafts_dialog_text_comments_and_held_replies(h):
    mentor, pid, eero, eero_id = await _everything(h)
    data = await h.app.db.repo(PrivacyRepo).export(pid)
    assert data["workshop_draft"][0]["data"]["form"]["community"] == DRAFT
    assert HALF_TYPED in json.dumps(data["current_dialog"], ensure_ascii=False)
    assert COMMENT in [f["comment"] for f in data["section_feedback"]]
    assert data["safety_notices"][-1]["held"] == [{"text": HELD}]
    assert data["link_codes"][0]["shown_on"] == "telegram"
    expert = await h.app.db.repo(PrivacyRepo).export(eero_id)
    assert [a["text"] for a in expert["answers_given"]] == [f"An answer for {NAME}", ANSWER]
    assert expert["announcements_written"][0]["texts"] == {"en": "Hello"}
    assert expert["invites_created"][0]["cohort"] == "2025-02"
    assert expert["check_ins_scheduled"] and expert["questions_taken"]

    await h.say("/mydata", mentor)  # the same through the command
    sent = json.loads(h.last(mentor).out.attachment.data)
    assert sent["workshop_draft"][0]["data"]["form"]["community"] == DRAFT


# --- /forget: experts' posts, tombstones -----------------------------------------------------------


def _edits(h, chat_id: str) -> list:
    return [s for s in h.transport.sent if s.edited and s.to.chat_id == chat_id]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
async def test_forget_turns_the_posts_of_questions_into_erased(tmp_path, lang):
    """Team chat and direct messages to experts: every post of the mentor's questions is edited."""
    db = tmp_path / "bot.db"
    config = make_config(
        db,
        'team:\n  experts_chat: "telegram:-100777"\n'
        "features:\n  escalations:\n    direct_messages: true\n",
    )
    bot = config.bot.model_copy(update={"default_language": lang})
    h = Harness(db, config.model_copy(update={"bot": bot}))
    await h.start()
    try:
        eero = await h.onboard(Role.EXPERT, "Eero", lang=lang)
        mentor = await h.onboard(Role.MENTOR, NAME)
        await h.tap("esc:new", mentor)
        await h.tap("esc:topic:s2", mentor)
        await h.say(QUESTION, mentor)
        await h.tap("esc:send", mentor)
        await h.tap("esc:anon:no", mentor)
        posts = [s for s in h.transport.sent if QUESTION in s.text and not s.edited]
        assert {p.to.chat_id for p in posts} == {"-100777", eero.sender_id}
        # Telegram is busy for the first edit: that post is tried again half an hour later.
        edit = h.transport.edit
        busy = [SendResult(DeliveryStatus.RETRY, retry_after=30)]

        async def flaky(to, message_id, out):
            return busy.pop() if busy else await edit(to, message_id, out)

        h.transport.edit = flaky
        await h.say("/forget", mentor)
        await h.tap("priv:forget:yes", mentor)
        erased = i18n.t(lang, "priv.erased_post")
        done = {
            (e.to.chat_id, e.message_id) for e in h.transport.sent if e.edited and e.text == erased
        }
        assert len(done) == 1
        await h.advance(timedelta(minutes=31))
        done = {
            (e.to.chat_id, e.message_id) for e in h.transport.sent if e.edited and e.text == erased
        }
        assert done == {(p.to.chat_id, p.message_id) for p in posts}
        [ticket] = [t for t in await h.app.db.repo(TicketsRepo).not_closed()] or [None]
        assert ticket is None, "the erased mentor's question left the experts' queue"
        assert await h.app.db.repo(TicketsRepo).posts(1) == []
    finally:
        await h.stop()


async def test_erasing_an_expert_redraws_the_posts_they_answered(tmp_path):
    db = tmp_path / "bot.db"
    h = Harness(db, make_config(db, 'team:\n  experts_chat: "telegram:-100777"\n'))
    await h.start()
    try:
        # An id too long to turn up by chance in a random code's hash (the harness's own ids,
        # 1000, 1001 ..., did: "invites.code_hash: '1000'").
        eero = await h.onboard(Role.EXPERT, "Eero", user=User("918273645501", "Eero"))
        mentor = await h.onboard(Role.MENTOR, "Mira")
        await h.tap("esc:new", mentor)
        await h.tap("esc:topic:s2", mentor)
        await h.say(QUESTION, mentor)
        await h.tap("esc:send", mentor)
        await h.tap("esc:anon:no", mentor)
        await h.say(f"/answer 1 {ANSWER}", eero)
        await h.tap("esc:x:send:1", eero)  # answers are previewed
        team = [s for s in h.transport.sent if s.to.chat_id == "-100777"]
        assert "Eero" in team[-1].text and ANSWER in team[-1].text
        await h.tap("esc:new", mentor)  # a second question, claimed by Eero, not yet answered
        await h.tap("esc:topic:s1", mentor)
        await h.say("Another question", mentor)
        await h.tap("esc:send", mentor)
        await h.tap("esc:anon:no", mentor)
        await h.tap("esc:x:claim:2", eero)
        eero_id = (await h.person(eero)).id
        await h.say("/forget", eero)
        await h.tap("priv:forget:yes", eero)
        second = await h.app.db.repo(TicketsRepo).get(2)
        assert (second.status, second.expert_id) == ("open", None), "back to every expert"
        assert (
            "esc:x:claim:2"
            in [s for s in h.transport.sent if s.to.chat_id == "-100777"][-1].choice_ids
        )
        redrawn = [s for s in h.transport.sent if s.edited and s.message_id == team[0].message_id][
            -1
        ]
        assert "Eero" not in redrawn.text and ANSWER not in redrawn.text
        assert QUESTION in redrawn.text, "the mentor's question stays for the other experts"
        assert await _traces(h.app.db, eero_id, ["Eero", ANSWER, eero.sender_id]) == []
    finally:
        await h.stop()


async def test_tombstones_list_erasures_outside_the_database(h):
    mentor, pid = await _rich_mentor(h)
    created = await h.app.db.scalar("SELECT created_at FROM people WHERE id = ?", (pid,))
    await h.say("/forget", mentor)
    await h.tap("priv:forget:yes", mentor)
    tombstones = h.db_path.with_name(h.db_path.name + ".erased")
    [line] = tombstones.read_text().splitlines()
    assert json.loads(line) == {
        "person": pid,
        "created": created,
        "erased": h.app.db.now_iso(),
    }
    assert oct(tombstones.stat().st_mode & 0o777) == "0o600"
    assert NAME not in line and mentor.sender_id not in line
