"""The team side: menus per role, experts' comments on shared reflections, the numbered path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.roles import Role
from storage.journal import JournalRepo
from tests.fakes import cli_zygote

REPO = Path(__file__).resolve().parent.parent
SHARED = ["Where to get help", "Settings", "Language", "Help"]


async def test_each_role_sees_its_own_work_first(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    admin = await h.onboard(Role.ADMIN, "Ada")
    menus = {}
    for user in (mentor, expert, staff, admin):
        await h.say("/menu", user)
        menus[user] = h.last(user).labels
    assert menus[mentor][0] == "Learn" and "Queue" not in " ".join(menus[mentor])
    assert menus[expert] == [
        "Queue", "Check-ins", "Shared reflections", "Reports", "Mentor tools", *SHARED,
    ]  # fmt: skip
    assert menus[staff][:5] == ["Send an announcement", "Reports", "Export", "Tickets", "People"]
    assert "Invites" not in menus[staff] and "Mentor tools" in menus[staff]
    assert menus[admin][:6] == [*menus[staff][:5], "Invites"]
    for user in (expert, staff, admin):
        assert "Learn" not in menus[user] and menus[user][-4:] == SHARED

    await h.tap("menu:mentor", expert)  # mentor items stay one tap away
    tools = h.last(expert).labels
    assert tools[:5] == ["Learn", "My journal", "Log a workshop", "My workshops", "Ask an expert"]
    await h.tap("learn:home", expert)
    assert "not available" not in h.last(expert).text

    await h.tap("menu:team", staff)
    assert h.last(staff).labels[:4] == [
        "Queue",
        "Check-ins",
        "Shared reflections",
        "Good practices",
    ]


@pytest.mark.parametrize("role", [Role.EXPERT, Role.STAFF, Role.ADMIN])
async def test_every_team_menu_button_leads_somewhere(h, role):
    user = await h.onboard(role, "Tea")
    await h.say("/menu", user)
    menu = h.last(user).choice_ids
    for choice_id in menu + (["menu:team"] if role > Role.EXPERT else []):
        await h.tap(choice_id, user)
        reply = h.last(user)
        assert "not available for your role" not in reply.text, choice_id
        assert "no longer works" not in reply.text, choice_id
        await h.say("/cancel", user)


async def test_the_queue_button_counts_what_waits(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    for text in ("One", "Two"):
        await h.tap("esc:new", mentor)
        await h.tap("esc:topic:s1", mentor)
        await h.say(text, mentor)
        await h.tap("esc:send", mentor)
        await h.tap("esc:anon:no", mentor)
    await h.say("/menu", eero)
    assert h.last(eero).labels[0] == "Queue (2)"
    await h.tap("esc:x:q", eero)
    assert "2 waiting for an answer" in h.last(eero).text


async def test_the_check_ins_entry_lists_and_schedules(h):
    await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await h.tap("ck:x:list", expert)
    assert "no scheduled check-ins" in h.last(expert).text
    assert h.last(expert).choice_ids == ["ck:x:new"]
    await h.tap("ck:x:new", expert)
    assert "Which mentor" in h.last(expert).text


async def test_an_expert_responds_to_a_shared_reflection_and_the_mentor_replies(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", lang="fi")
    eero = await h.onboard(Role.EXPERT, "Eero")
    mentor_id = (await h.person(mentor)).id
    journal = h.app.db.repo(JournalRepo)
    rid = await journal.add(mentor_id, "Minua jännitti ryhmän edessä.", shared=True)
    private = await journal.add(mentor_id, "Tämä on vain minulle.")

    await h.say("/reflections", eero)
    listing = h.last(eero)
    assert f"jr:x:c:{rid}" in listing.choice_ids and f"jr:x:c:{private}" not in listing.choice_ids
    await h.tap(f"jr:x:c:{rid}", eero)
    assert "Write a short comment for Amina" in h.last(eero).text
    await h.say("x" * 501, eero)
    assert "501 characters" in h.last(eero).text
    await h.say("Thank you for sharing. Nerves show you care.", eero)
    preview = h.last(eero)
    assert "as it will be sent" in preview.text and preview.choice_ids[0] == f"jr:x:cs:{rid}"
    assert not [s for s in h.sent_to(mentor) if "Nerves show" in s.text], "nothing before Send"
    await h.tap(f"jr:x:cs:{rid}", eero)
    assert "Sent to Amina" in h.last(eero).text
    got = h.last(mentor)
    assert "Eero hankkeen asiantuntijoista kommentoi" in got.text and "Nerves show" in got.text
    assert got.choice_ids == [f"jr:r:{rid}", f"jr:o:{rid}"]

    await h.tap(f"jr:r:{rid}", mentor)
    await h.say("Kiitos, tämä auttoi!", mentor)
    assert h.last(mentor).choice_ids[0] == f"jr:rs:{rid}"
    await h.tap(f"jr:rs:{rid}", mentor)
    back = h.last(eero)
    assert "Amina replied" in back.text and "Kiitos, tämä auttoi!" in back.text
    assert back.choice_ids == [f"jr:x:c:{rid}"]
    await h.tap(f"jr:o:{rid}", mentor)
    entry = h.last(mentor).text
    assert "Eero: Thank you for sharing." in entry and "Sinä: Kiitos, tämä auttoi!" in entry
    assert [c.author for c in await journal.comments(rid)] == ["expert", "mentor"]

    # Made private again: no more comments, and a half-written one is given back.
    await h.tap(f"jr:x:c:{rid}", eero)
    await h.say("One more thought.", eero)
    await h.tap(f"jr:sh:{rid}:0", mentor)
    await h.tap(f"jr:x:cs:{rid}", eero)
    assert "no longer shared" in h.last(eero).text or "was not sent" in h.last(eero).text
    assert not [s for s in h.sent_to(mentor) if "One more thought." in s.text]
    await h.tap(f"jr:x:c:{rid}", eero)
    assert "no longer shared" in h.last(eero).text


def test_a_new_user_on_the_numbered_console_sees_the_question_and_invites(tmp_path):
    """Onboard a mentor, ask, then as expert /queue: the question is there; an admin invites."""
    script = "\n".join(
        [
            "/start WELCOME",
            "1",
            "1",
            "Anna",
            "/ask",
            "3",
            "How do I talk about rumours after the attack?",
            "1",
            "1",
            ":as expert",
            "/queue",
            "1",  # Open #1
            "2",  # Answer
            "Start by listening to what they heard.",
            "1",  # Send
            ":as admin",
            "/invite",
            "2",  # expert
            "2",  # no cohort
            "12",  # twelve people: typed, not option 12
            "14",  # fourteen days
            "1",  # Create
            "",
        ]
    )
    result = cli_zygote.run(
        [sys.executable, "-m", "bot", "demo"],
        input=script,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    queue = out[out.index("Your queue: 1 waiting") :]
    assert "“How do I talk about rumours after the attack?”" in queue[:400]
    assert "1. Open #1" in queue
    assert "Your answer to Anna (#1" in out and "1. Send" in out
    assert "Demo Expert from the project experts answered your question #1" in out
    assert "• people: 12" in out and "Code: " in out
    assert "[photo: invite-" in out
