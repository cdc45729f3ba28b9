"""The experts' helpdesk: the queue, Open #N, previews, notes, ratings, staff's lists, the team chat."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.messages import Address, Incoming
from bot.roles import Role
from storage.db import Database, available_migrations
from storage.tickets import TicketsRepo
from storage.workshops import WorkshopsRepo
from tests.harness import Harness, make_config

GROUP = "-100555"


async def _ask(h, mentor, text: str, *, topic: str = "s3", anon: bool = False) -> int:
    await h.tap("esc:new", mentor)
    await h.tap(f"esc:topic:{topic}", mentor)
    await h.say(text, mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:yes" if anon else "esc:anon:no", mentor)
    return max(t.id for t in await h.app.db.repo(TicketsRepo).not_closed())


async def test_the_queue_shows_each_question_and_opens_it_with_its_context(h):
    eero = await h.onboard(Role.EXPERT, "Eero")
    amina = await h.onboard(Role.MENTOR, "Amina", cohort="2025-02")
    zahra = await h.onboard(Role.MENTOR, "Zahra Secretname")
    amina_id = (await h.person(amina)).id
    await h.app.db.repo(WorkshopsRepo).add(
        amina_id,
        "2025-02",
        {"held_on": "2026-11-20", "community": "Kallio youth club", "participants": 12,
         "themes": ["s3"], "duration_min": 90, "went_well": "a private note"},
    )  # fmt: skip
    await h.tap("learn:go:s1", amina)
    first = await _ask(h, amina, "How do I talk about rumours after the attack?")
    h.clock.advance(timedelta(hours=5))
    second = await _ask(h, zahra, "Someone in my group is very withdrawn.", anon=True)
    urgent = await h.app.services.escalations.open_ticket(
        mentor_id=amina_id, topic="wellbeing", text="URGENT: Amina asked to be contacted.",
        urgent=True, source="safety",
    )  # fmt: skip

    await h.say("/queue", eero)
    queue = h.last(eero)
    text = queue.text
    assert "3 waiting for an answer" in text
    # Urgent first, then the oldest; each with its age, theme, mentor and the question itself.
    assert text.index(f"#{urgent}") < text.index(f"#{first}") < text.index(f"#{second}")
    assert f"#{first} · 5 h ago · Prevention of radicalisation · Amina (cohort 2025-02)" in text
    assert "“How do I talk about rumours after the attack?”" in text
    assert "anonymous mentor" in text and "Secretname" not in text
    assert f"❗ #{urgent}" in text and "🤖 “URGENT: Amina asked" in text
    # Buttons name their ticket, never a place in the list.
    assert queue.choice_ids[:3] == [f"esc:x:o:{urgent}", f"esc:x:o:{first}", f"esc:x:o:{second}"]

    await h.tap(f"esc:x:o:{first}", eero)
    opened = h.last(eero)
    assert "Mentor: How do I talk about rumours" in opened.text
    assert "About Amina: cohort 2025-02 · sections completed: 0 of 4" in opened.text
    assert "Workshops logged: 1" in opened.text and "20.11.2026" in opened.text
    assert "12 participants" in opened.text and "private note" not in opened.text
    assert "Kallio" not in opened.text, "no community names or notes, only what helps"
    assert opened.choice_ids == [
        f"esc:x:claim:{first}", f"esc:x:ans:{first}", f"esc:x:note:{first}",
        f"esc:x:close:{first}", "esc:x:q",
    ]  # fmt: skip
    await h.tap(f"esc:x:o:{second}", eero)
    assert "asked anonymously" in h.last(eero).text and "Zahra" not in h.last(eero).text

    await h.tap(f"esc:x:claim:{first}", eero)
    await h.say(f"/open {first}", eero)
    mine = h.last(eero)
    assert "Claimed by you." in mine.text and "Claimed by Eero" not in mine.text
    assert f"esc:x:rel:{first}" in mine.choice_ids and f"esc:x:claim:{first}" not in mine.choice_ids
    posts = [s for s in h.sent_to(eero) if s.edited and f"Question #{first}" in s.text]
    assert "Claimed by you." in posts[-1].text, "the direct post says 'you' to its owner"
    await h.say("/open", eero)
    assert "Use: /open NUMBER" in h.last(eero).text
    await h.say("/open 999", eero)
    assert "There is no ticket #999" in h.last(eero).text


async def test_an_answer_is_previewed_edited_and_only_then_sent(h):
    mentor = await h.onboard(Role.MENTOR, "Aino", lang="fi")
    eero = await h.onboard(Role.EXPERT, "Eero")
    number = await _ask(h, mentor, "Miten puhun huhuista?")
    await h.tap(f"esc:x:ans:{number}", eero)
    prompt = h.last(eero)
    assert "Write your answer to Aino" in prompt.text and "Miten puhun huhuista?" in prompt.text
    assert prompt.choice_ids == [f"esc:x:cr:{number}", f"esc:x:drop:{number}"]
    await h.say("Start by listening.", eero)
    preview = h.last(eero)
    assert "as it will be sent" in preview.text and "Start by listening." in preview.text
    assert preview.choice_ids == [
        f"esc:x:send:{number}", f"esc:x:edit:{number}", f"esc:x:drop:{number}",
    ]  # fmt: skip
    await h.say("Then ask what they heard.", eero)  # more text is added to the end
    assert "Start by listening.\n\nThen ask what they heard." in h.last(eero).text
    await h.tap(f"esc:x:edit:{number}", eero)
    assert "Start by listening." in h.last(eero).text, "the draft is there to copy"
    await h.say("Listen first, then ask.", eero)
    assert "Then ask" not in h.last(eero).text, "Edit replaces the draft"
    # A canned reply is added in the mentor's language (Aino uses Finnish).
    await h.tap(f"esc:x:cr:{number}", eero)
    assert f"esc:x:cu:{number}:self-care" in h.last(eero).choice_ids
    await h.tap(f"esc:x:cu:{number}:self-care", eero)
    assert "Kuvaamasi kuulostaa raskaalta" in h.last(eero).text
    assert not [s for s in h.sent_to(mentor) if "Listen first" in s.text], "nothing before Send"

    await h.say("/menu", eero)  # leaving with a draft gives it back
    assert any("Listen first, then ask." in s.text for s in h.sent_to(eero)[-2:])
    await h.tap(f"esc:x:send:{number}", eero)
    assert "No answer to #" in h.last(eero).text, "the draft was left: Send is stale"

    await h.say(f"/answer {number} Listen first, then ask.", eero)
    await h.tap(f"esc:x:drop:{number}", eero)
    assert "was not sent" in h.last(eero).text and "Listen first" in h.last(eero).text
    await h.say(f"/answer {number} Listen first, then ask.", eero)
    await h.tap(f"esc:x:send:{number}", eero)
    assert "Listen first, then ask." in h.last(mentor).text
    ticket = await h.app.db.repo(TicketsRepo).get(number)
    assert ticket.status == "answered" and ticket.expert_id == (await h.person(eero)).id


async def test_internal_notes_stay_among_experts(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    number = await _ask(h, mentor, "How do I follow up with a family?")
    await h.tap(f"esc:x:claim:{number}", eero)
    await h.tap(f"esc:x:note:{number}", liisa)
    await h.say("", liisa)
    await h.say("I know this community well; ask me before answering.", liisa)
    assert "Note added" in h.last(liisa).text
    told = h.last(eero)
    assert "Liisa added an internal note" in told.text and "I know this community" in told.text
    await h.say(f"/open {number}", eero)
    assert "🔒 Internal note from Liisa: I know this community" in h.last(eero).text
    await h.say(f"/answer {number} Let's talk on the phone.", eero)
    await h.tap(f"esc:x:send:{number}", eero)
    mentor_sees = "\n".join(s.text for s in h.sent_to(mentor))
    await h.say("/questions", mentor)
    await h.tap(f"esc:open:{number}", mentor)
    thread = h.last(mentor).text
    assert "Let's talk on the phone." in thread
    assert "I know this community" not in thread + mentor_sees
    messages = await h.app.db.repo(TicketsRepo).messages(number)
    assert [m.author for m in messages] == ["mentor", "note", "expert"]


async def test_release_close_and_was_it_helpful(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    staff = await h.onboard(Role.STAFF, "Sari")
    number = await _ask(h, mentor, "Where do I find the workshop slides?")
    await h.tap(f"esc:x:claim:{number}", eero)
    await h.tap(f"esc:x:rel:{number}", liisa)
    assert "claimed by Eero" in h.last(liisa).text
    await h.tap(f"esc:x:rel:{number}", eero)
    assert "open to the other experts again" in h.last(eero).text
    assert f"#{number} is open again" in h.last(liisa).text
    await h.tap(f"esc:x:claim:{number}", liisa)
    await h.tap(f"esc:x:rel:{number}", staff)  # staff may give anyone's claim back
    assert (await h.app.db.repo(TicketsRepo).get(number)).status == "open"

    await h.say(f"/answer {number} They are under Learn, section 2.", liisa)
    await h.tap(f"esc:x:send:{number}", liisa)
    await h.tap(f"esc:x:close:{number}", liisa)
    closed = h.last(mentor)
    assert "Was the answer helpful?" in closed.text
    assert closed.choice_ids == [f"esc:rate:{number}:yes", f"esc:rate:{number}:partly",
                                 f"esc:rate:{number}:no"]  # fmt: skip
    other = await h.onboard(Role.MENTOR, "Omar")
    await h.tap(f"esc:rate:{number}:no", other)
    assert "no ticket" in h.last(other).text
    await h.tap(f"esc:rate:{number}:yes", mentor)
    assert "let the expert know" in h.last(mentor).text
    assert f"found your answer to #{number} helpful" in h.last(liisa).text
    await h.tap(f"esc:rate:{number}:no", mentor)
    assert "already answered" in h.last(mentor).text
    assert (await h.app.db.repo(TicketsRepo).get(number)).helpful == "yes"
    await h.say(f"/open {number}", staff)
    assert "The mentor found the answer helpful." in h.last(staff).text


async def test_no_active_expert_the_mentor_is_told_and_staff_get_the_question(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    number = await _ask(h, mentor, "Is anyone there?")
    assert "nobody from the project team is available" in h.last(mentor).text
    staff = await h.onboard(Role.STAFF, "Sari")
    admin = await h.onboard(Role.ADMIN, "Ada")
    second = await _ask(h, mentor, "A second question.")
    assert second == number + 1
    assert "passed it to the project staff" in h.last(mentor).text
    for person in (staff, admin):
        alert = [s for s in h.sent_to(person) if f"Question #{second}" in s.text][-1]
        assert "No active expert" in alert.text and "A second question." in alert.text
        assert f"esc:x:claim:{second}" in alert.choice_ids
    await h.advance(timedelta(hours=25))  # still nobody: staff are reminded, not only experts
    assert any(f"Reminder: #{second}" in s.text for s in h.sent_to(staff))
    # The first question waits in the queue for the first expert, with its text.
    eero = await h.onboard(Role.EXPERT, "Eero")
    assert "Queue (2)" in h.last(eero).labels
    await h.say("/queue", eero)
    assert "“Is anyone there?”" in h.last(eero).text
    third = await _ask(h, mentor, "And now?")
    assert f"ticket #{third}" in h.last(mentor).text
    assert "usually answers within 2 working days" in h.last(mentor).text


async def test_the_answer_time_comes_from_the_config(tmp_path):
    config = make_config(
        tmp_path / "bot.db", "features:\n  escalations:\n    answer_within_days: 1\n"
    )
    h = Harness(tmp_path / "bot.db", config)
    await h.start()
    try:
        await h.onboard(Role.EXPERT, "Eero")
        mentor = await h.onboard(Role.MENTOR, "Amina", lang="sv")
        await _ask(h, mentor, "En fråga")
        assert "svarar vanligtvis inom en arbetsdag" in h.last(mentor).text
    finally:
        await h.stop()


async def test_the_urgent_contact_note_is_the_bots_not_the_mentors(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    mentor_id = (await h.person(mentor)).id
    number = await h.app.services.escalations.open_ticket(
        mentor_id=mentor_id, topic="wellbeing", urgent=True, source="safety",
        text="URGENT: Amina wrote something that may signal a crisis.",
    )  # fmt: skip
    [message] = await h.app.db.repo(TicketsRepo).messages(number)
    assert (message.author, message.author_id) == ("bot", None)
    assert "🤖 Note from the bot: URGENT" in h.last(eero).text
    await h.tap(f"esc:open:{number}", mentor)
    thread = h.last(mentor).text
    assert "Sent by the bot to the experts for you: URGENT" in thread
    assert "You: URGENT" not in thread


async def test_staff_filter_tickets_in_place(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    old = await _ask(h, mentor, "An old question")
    h.clock.advance(timedelta(hours=30))
    new = await _ask(h, mentor, "A new question")
    urgent = await h.app.services.escalations.open_ticket(
        mentor_id=(await h.person(mentor)).id, topic="wellbeing", text="URGENT", urgent=True,
        source="safety",
    )  # fmt: skip
    await h.say("/tickets", staff)
    listing = h.last(staff)
    assert "Tickets · Not closed: 3" in listing.text
    assert listing.choice_ids[:4] == [
        "esc:x:tk:open:0", "esc:x:tk:unclaimed:0", "esc:x:tk:urgent:0", "esc:x:tk:late:0",
    ]  # fmt: skip

    async def tap_in_place(choice_id: str) -> str:
        before = h.last(staff)
        await h.send(
            Incoming(address=staff.address, sender_id=staff.sender_id, choice_id=choice_id,
                     kind="choice", message_id=before.message_id)
        )  # fmt: skip
        after = h.last(staff)
        assert after.edited and after.message_id == before.message_id
        return after.text

    text = await tap_in_place("esc:x:tk:urgent:0")
    assert "Urgent: 1" in text and f"#{urgent}" in text and f"#{old} " not in text
    text = await tap_in_place("esc:x:tk:late:0")
    assert "Unclaimed over 24 h: 1" in text and f"#{old} " in text and f"#{new} " not in text
    text = await tap_in_place("esc:x:tk:unclaimed:0")
    assert "Unclaimed: 3" in text
    await h.tap(f"esc:x:o:{old}", staff)
    assert "An old question" in h.last(staff).text and "esc:x:tl" in h.last(staff).choice_ids
    assert "Tickets (3)" in (await h.say("/menu", staff))[0].labels


async def test_the_queue_pages_in_place(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    numbers = [await _ask(h, mentor, f"Question number {n}") for n in range(8)]
    await h.say("/queue", eero)
    first = h.last(eero)
    assert "esc:x:qp:1" in first.choice_ids and f"esc:x:o:{numbers[6]}" not in first.choice_ids
    await h.send(
        Incoming(address=eero.address, sender_id=eero.sender_id, choice_id="esc:x:qp:1",
                 kind="choice", message_id=first.message_id)
    )  # fmt: skip
    page = h.last(eero)
    assert page.edited and f"esc:x:o:{numbers[6]}" in page.choice_ids
    assert "Question number 7" in page.text


async def test_the_experts_group_answers_commands_and_buttons(tmp_path):
    config = make_config(
        tmp_path / "bot.db",
        f'team:\n  experts_chat: "telegram:{GROUP}"\ntelegram:\n  bot_username: RemapTestBot\n',
    )
    h = Harness(tmp_path / "bot.db", config)
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Amina")
        eero = await h.onboard(Role.EXPERT, "Eero")
        number = await _ask(h, mentor, "How do I start a talking circle?")

        def in_group(user, **kw) -> Incoming:
            return Incoming(address=Address("telegram", GROUP), sender_id=user.sender_id,
                            is_private=False, **kw)  # fmt: skip

        def group_sent():
            return [s for s in h.transport.sent if s.to.chat_id == GROUP]

        before = len(group_sent())
        await h.send(in_group(eero, text="/queue@RemapTestBot"))
        queue = group_sent()[-1]
        assert len(group_sent()) == before + 1
        assert "“How do I start a talking circle?”" in queue.text
        assert f"esc:x:o:{number}" in queue.choice_ids and "menu:home" not in queue.choice_ids
        await h.send(in_group(eero, text=f"/open@remaptestbot {number}"))
        assert "Mentor: How do I start a talking circle?" in group_sent()[-1].text
        await h.send(in_group(eero, choice_id=f"esc:x:o:{number}", kind="choice"))
        assert f"esc:x:claim:{number}" in group_sent()[-1].choice_ids, "the same buttons"

        count = len(group_sent())
        await h.send(in_group(eero, text="/queue@SomeOtherBot"))  # another bot's command
        await h.send(in_group(mentor, text="/queue"))  # mentors are not served here
        await h.send(in_group(h.user("Stranger"), text="/queue@RemapTestBot"))
        await h.send(in_group(eero, text="just chatting with colleagues"))
        assert len(group_sent()) == count
        await h.send(in_group(eero, text="/learn@RemapTestBot"))
        assert "/queue, /open NUMBER" in group_sent()[-1].text
        await h.send(in_group(eero, text="/tickets"))
        assert "not available for your role" in group_sent()[-1].text

        # Answer in the group: writing continues in the expert's private chat.
        await h.send(in_group(eero, choice_id=f"esc:x:ans:{number}", kind="choice"))
        assert "private chat" in group_sent()[-1].text
        assert "Write your answer to Amina" in h.last(eero).text
        await h.say("Sit in a circle and pass a talking piece.", eero)
        await h.tap(f"esc:x:send:{number}", eero)
        assert "pass a talking piece" in h.last(mentor).text
        await h.send(in_group(eero, text=f"/answer@RemapTestBot {number} And listen."))
        preview = group_sent()[-1]
        assert "And listen." in preview.text and f"esc:x:send:{number}" in preview.choice_ids
        await h.send(in_group(eero, choice_id=f"esc:x:send:{number}", kind="choice"))
        assert "And listen." in h.last(mentor).text
        await h.send(in_group(eero, choice_id="learn:home", kind="choice"))
        assert "no longer works" in group_sent()[-1].text, "only the helpdesk's buttons here"
    finally:
        await h.stop()


async def test_a_database_from_before_marks_the_urgent_note_as_the_bots(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    for number, migration in available_migrations():
        if number < 20:
            con.executescript(migration.read_text(encoding="utf-8"))
            con.execute(f"PRAGMA user_version = {number}")
    now = "2026-11-24T10:00:00+00:00"
    con.execute(
        "INSERT INTO people (id, display_name, role, status, created_at) "
        "VALUES (1, 'Amina', 'mentor', 'active', ?)",
        (now,),
    )
    for ticket, source in ((1, "safety"), (2, "ask")):
        con.execute(
            "INSERT INTO tickets (id, mentor_id, topic, source, created_at, updated_at) "
            "VALUES (?, 1, 'wellbeing', ?, ?, ?)",
            (ticket, source, now, now),
        )
        for text in ("first", "second"):
            con.execute(
                "INSERT INTO ticket_messages (ticket_id, author, author_id, text, created_at) "
                "VALUES (?, 'mentor', 1, ?, ?)",
                (ticket, text, now),
            )
    con.commit()
    con.close()
    db = Database(path)
    await db.open()
    try:
        tickets = db.repo(TicketsRepo)
        assert [m.author for m in await tickets.messages(1)] == ["bot", "mentor"]
        assert [m.author for m in await tickets.messages(2)] == ["mentor", "mentor"]
        indexes = {r["name"] for r in await db.fetchall("PRAGMA index_list(ticket_messages)")}
        assert {"ticket_messages_ticket", "ticket_messages_author", "ticket_messages_created"} <= (
            indexes
        )
    finally:
        await db.close()
