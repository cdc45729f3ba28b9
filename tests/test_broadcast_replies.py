"""Announcements: the team's header, an optional Reply button whose replies reach the team as
tickets, the summary once, and a Reply that waits while the recipient is in a form."""

from __future__ import annotations

import pytest

from bot.roles import Role
from storage.tickets import TicketsRepo
from tests.harness import Harness, make_config

FAST = (
    "features:\n  broadcasts:\n    rate_per_second: 0\n    workers: 2\n"
    "    progress_seconds: 0.05\n    backoff_seconds: 0.01\n    max_attempts: 3\n    retry_seconds: 0\n"
)


@pytest.fixture
async def b(tmp_path):
    """A harness with fast broadcast settings."""
    harness = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db", FAST))
    await harness.start()
    yield harness
    await harness.stop()


async def _send(b, staff, text, *, replies: bool):
    await b.say("/broadcast", staff)
    await b.say(text, staff)
    options = b.last(staff)
    assert "Replies: off" in options.text and "bc:replies" in options.choice_ids
    if replies:
        await b.tap("bc:replies", staff)
        assert "Replies: on" in b.last(staff).text
    await b.tap("bc:aud", staff)
    await b.tap("bc:a:all", staff)
    await b.tap("bc:go", staff)
    await b.app.services.broadcasts.fanout.idle()


async def test_a_reply_reaches_the_team_as_a_ticket_in_three_languages(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    expert = await b.onboard(Role.EXPERT, "Eero")
    fi = await b.onboard(Role.MENTOR, "Aino", lang="fi")
    sv = await b.onboard(Role.MENTOR, "Sven", lang="sv")
    await _send(b, staff, "Training on 5 December. Can you come?", replies=True)
    got = b.last(fi)
    assert got.text.startswith("📣 RE-MAP-tiimi\n\n")
    assert b.last(sv).text.startswith("📣 RE-MAP-teamet\n\n")
    assert b.last(sv).labels == ["Svara teamet"]
    [reply] = got.choice_ids
    await b.tap(reply, fi)
    assert "Kirjoita vastauksesi" in b.last(fi).text
    await b.say("Tulen mielelläni.", fi)
    await b.say("Otan ystävän mukaan.", fi)
    await b.tap("bc:r:send", fi)
    assert "RE-MAP-tiimille" in b.sent_to(fi)[-1].text
    person = await b.person(fi)
    [ticket] = await b.app.db.repo(TicketsRepo).of_mentor(person.id)
    [message] = await b.app.db.repo(TicketsRepo).messages(ticket.id)
    assert "Tulen mielelläni." in message.text and "Otan ystävän mukaan." in message.text
    assert ticket.source == "broadcast"
    assert any("Tulen mielelläni." in s.text for s in b.sent_to(expert))


async def test_no_reply_button_unless_chosen_and_the_summary_comes_once(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    mentor = await b.onboard(Role.MENTOR, "Anna")
    await _send(b, staff, "Plain news.", replies=False)
    assert b.last(mentor).text == "📣 RE-MAP team\n\nPlain news."
    assert b.last(mentor).choice_ids == []
    summaries = [s for s in b.sent_to(staff) if "is done" in s.text]
    assert len(summaries) == 1, [s.text for s in summaries]


async def test_a_reply_button_waits_in_the_menu_while_a_form_is_open(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    mentor = await b.onboard(Role.MENTOR, "Anna")
    await b.tap("ws:new", mentor)
    await b.tap("ws:date:today", mentor)
    await _send(b, staff, "Who can host in January?", replies=True)
    note = b.last(mentor)
    assert "Who can host in January?" in note.text and "waits in the menu" in note.text
    assert note.choice_ids == []
    await b.say("/menu", mentor)
    assert b.last(mentor).labels[0] == "📣 1 announcement you can reply to"
    await b.tap(b.last(mentor).choice_ids[0], mentor)
    assert b.last(mentor).choice_ids[0].startswith("bc:r:reply:")


async def test_the_preview_reply_button_explains_itself(b):
    staff = await b.onboard(Role.STAFF, "Sari")
    await b.say("/broadcast", staff)
    await b.say("Hello", staff)
    await b.tap("bc:replies", staff)
    await b.tap("bc:aud", staff)
    await b.tap("bc:a:all", staff)
    preview = next(s for s in reversed(b.sent_to(staff)) if s.text.endswith("Hello"))
    assert preview.choice_ids == ["bc:r:reply:0"]
    await b.tap("bc:r:reply:0", staff)
    assert "preview" in b.last(staff).text
