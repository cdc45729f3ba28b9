"""Escalated questions through the router: the whole ticket life cycle, named and anonymous."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import Address, Incoming
from bot.roles import Role
from storage.tickets import TicketsRepo
from tests.harness import Harness, make_config

GROUP = "-100777"


async def _ask(h, mentor, text: str = "How do I talk about rumours after the attack?", anon=False):
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:s3", mentor)
    await h.say(text, mentor)
    await h.say("It is about a youth group.", mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:yes" if anon else "esc:anon:no", mentor)
    return int(h.last(mentor).text.split("#")[1].split(".")[0])


async def _answer(h, expert, number: int, text: str) -> None:
    """/answer N text shows a preview; Send passes it on."""
    await h.say(f"/answer {number} {text}", expert)
    preview = h.last(expert)
    assert text in preview.text and f"esc:x:send:{number}" in preview.choice_ids, preview.text
    await h.tap(f"esc:x:send:{number}", expert)


def _all_text_to(h, user) -> str:
    return "\n".join(s.text + " " + " ".join(s.labels) for s in h.sent_to(user))


async def test_named_question_travels_both_ways(h):
    mentor = await h.onboard(Role.MENTOR, "Amina", cohort="2025-02")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    assert "esc:new" in h.last(mentor).choice_ids

    number = await _ask(h, mentor)
    assert "ticket #" in h.last(mentor).text
    post = h.last(eero)
    assert f"Question #{number}" in post.text and "Amina (cohort 2025-02)" in post.text
    assert "How do I talk about rumours" in post.text and "youth group" in post.text
    assert f"esc:x:claim:{number}" in post.choice_ids

    await h.tap(f"esc:x:claim:{number}", eero)
    assert "You claimed" in h.last(eero).text
    await h.tap(f"esc:x:claim:{number}", liisa)
    assert "already claimed by Eero" in h.last(liisa).text
    edits = [s for s in h.sent_to(liisa) if s.edited]
    assert edits and "Claimed by Eero" in edits[-1].text

    await _answer(h, eero, number, "Start by listening to what they heard.")
    answer = h.last(mentor)
    assert "Eero from the project experts answered your question" in answer.text
    assert "Start by listening" in answer.text
    assert answer.choice_ids == [f"esc:reply:{number}", f"esc:solved:{number}"]

    await h.tap(f"esc:reply:{number}", mentor)
    await h.say("Thank you. What if they are angry?", mentor)
    await h.tap("esc:send", mentor)
    again = h.last(eero)
    assert "wrote again" in again.text and "What if they are angry?" in again.text

    # The expert answers by replying to that message.
    reply = Incoming(
        address=eero.address,
        sender_id=eero.sender_id,
        text="Anger often hides fear; name it calmly.",
        reply_to_message_id=again.message_id,
    )
    await h.send(reply)
    assert "Anger often hides fear" in h.last(eero).text, "a preview first"
    await h.tap(f"esc:x:send:{number}", eero)
    assert "Anger often hides fear" in h.last(mentor).text

    await h.tap(f"esc:solved:{number}", mentor)
    assert "is closed" in h.last(mentor).text
    assert "marked" in h.last(eero).text and "solved" in h.last(eero).text
    ticket = await h.app.db.repo(TicketsRepo).get(number)
    assert ticket.status == "closed" and ticket.expert_id == (await h.person(eero)).id
    messages = await h.app.db.repo(TicketsRepo).messages(number)
    assert [m.author for m in messages] == ["mentor", "expert", "mentor", "expert"]


async def test_anonymous_means_experts_never_see_the_name(h):
    mentor = await h.onboard(Role.MENTOR, "Zahra Uniquename")
    expert = await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    number = await _ask(h, mentor, anon=True)
    await h.tap(f"esc:x:claim:{number}", expert)
    await _answer(h, expert, number, "You are not alone with this.")
    await h.tap(f"esc:reply:{number}", mentor)
    await h.say("Thanks", mentor)
    await h.tap("esc:send", mentor)
    await h.say("/queue", expert)
    await h.say("/tickets", staff)
    seen = _all_text_to(h, expert)
    assert "anonymous mentor" in seen
    assert "Zahra" not in seen and "Uniquename" not in seen
    assert mentor.sender_id not in seen  # nor the messenger id
    assert "anonymous mentor" in h.last(staff).text


async def test_unclaimed_reminder_once_and_release_after_silence(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    number = await _ask(h, mentor)
    await h.advance(timedelta(hours=23))
    assert not any("Reminder" in s.text for s in h.sent_to(liisa))
    await h.advance(timedelta(hours=2))
    assert sum("Reminder" in s.text for s in h.sent_to(liisa)) == 1
    await h.advance(timedelta(hours=48))
    assert sum("Reminder" in s.text for s in h.sent_to(liisa)) == 1

    await h.tap(f"esc:x:claim:{number}", eero)
    await h.restart()  # timers are rows: a restart keeps them
    await h.advance(timedelta(hours=47))
    assert (await h.app.db.repo(TicketsRepo).get(number)).status == "claimed"
    await h.advance(timedelta(hours=2))
    assert (await h.app.db.repo(TicketsRepo).get(number)).status == "open"
    assert "went back to the other experts" in _all_text_to(h, eero)
    assert f"#{number} is open again" in _all_text_to(h, liisa)
    await h.tap(f"esc:x:claim:{number}", liisa)
    assert "You claimed" in h.last(liisa).text


async def test_experts_group_with_forum_topics(tmp_path):
    config = make_config(
        tmp_path / "bot.db",
        f'team:\n  experts_chat: "telegram:{GROUP}"\nfeatures:\n  escalations:\n'
        "    group_topics: {s3: 42}\n",
    )
    h = Harness(tmp_path / "bot.db", config)
    await h.start()
    try:
        mentor = await h.onboard(Role.MENTOR, "Amina")
        eero = await h.onboard(Role.EXPERT, "Eero")
        stranger = h.user("Stranger")
        number = await _ask(h, mentor)
        posts = [s for s in h.transport.sent if s.to.chat_id == GROUP]
        assert len(posts) == 1 and posts[0].to.thread_id == 42
        assert not [s for s in h.sent_to(eero) if "Question #" in s.text], "group only, no DMs"

        def in_group(user, **kw) -> Incoming:
            return Incoming(
                address=Address("telegram", GROUP, 42),
                sender_id=user.sender_id,
                is_private=False,
                **kw,
            )

        before = len(h.transport.sent)
        await h.send(in_group(stranger, choice_id=f"esc:x:claim:{number}", kind="choice"))
        await h.send(in_group(mentor, choice_id=f"esc:x:claim:{number}", kind="choice"))
        assert (await h.app.db.repo(TicketsRepo).get(number)).status == "open"
        assert len(h.transport.sent) == before

        await h.send(in_group(eero, choice_id=f"esc:x:claim:{number}", kind="choice"))
        edited = [s for s in h.transport.sent if s.to.chat_id == GROUP and s.edited]
        assert "Claimed by Eero" in edited[-1].text
        await h.send(
            in_group(eero, text="Listen first, then ask.", reply_to_message_id=posts[0].message_id)
        )
        preview = [s for s in h.transport.sent if s.to.chat_id == GROUP][-1]
        assert "Listen first, then ask." in preview.text and "esc:x:send:1" in preview.choice_ids
        assert "Listen first" not in h.last(mentor).text, "not before Send"
        await h.send(in_group(eero, choice_id=f"esc:x:send:{number}", kind="choice"))
        assert "Listen first, then ask." in h.last(mentor).text
        await h.send(in_group(eero, choice_id=f"esc:x:close:{number}", kind="choice"))
        assert "closed by the project experts" in h.last(mentor).text
    finally:
        await h.stop()


async def test_lists_and_guards(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    staff = await h.onboard(Role.STAFF, "Sari")
    await h.say("/queue", expert)
    assert "queue is empty" in h.last(expert).text
    first = await _ask(h, mentor)
    second = await _ask(h, mentor, text="Second question")
    await h.tap(f"esc:x:claim:{first}", expert)
    await h.say("/queue", expert)
    assert f"#{first}" in h.last(expert).text and f"#{second}" in h.last(expert).text
    assert f"esc:x:o:{second}" in h.last(expert).choice_ids
    await h.say("/tickets", staff)
    assert "Tickets · Not closed: 2" in h.last(staff).text
    await h.say("/queue", mentor)
    assert "not available for your role" in h.last(mentor).text
    await h.tap(f"esc:x:claim:{second}", mentor)
    assert "not available for your role" in h.last(mentor).text
    await h.say("/answer", expert)
    assert "Use: /answer" in h.last(expert).text
    await h.say("/answer 999 hello", expert)
    assert "no ticket #999" in h.last(expert).text
    other = await h.onboard(Role.MENTOR, "Omar")
    await h.tap(f"esc:solved:{first}", other)
    assert "no ticket" in h.last(other).text
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:practical", mentor)
    await h.tap("esc:send", mentor)
    assert "write something first" in h.last(mentor).text
    await h.say("/cancel", mentor)
    assert len(await h.app.db.repo(TicketsRepo).of_mentor((await h.person(mentor)).id)) == 2


async def test_crisis_words_lead_to_an_urgent_ticket_for_every_expert(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say("Sometimes I feel I want to die.", mentor)
    noticed = h.last(mentor)
    assert "112" in noticed.text and "09 2525 0111" in noticed.text
    await h.tap("safety:about:me", mentor)
    sent = await h.tap("safety:expert:yes", mentor)
    opened, held = [s for s in sent if s.to == mentor.address]
    assert "urgent request #" in opened.text
    assert "Got it" in held.text, "then what the reflection step had said, held back till now"
    for expert in (eero, liisa):
        assert "URGENT" in h.last(expert).text
    [ticket] = await h.app.db.repo(TicketsRepo).not_closed()
    assert ticket.urgent
    await h.tap(f"esc:x:claim:{ticket.id}", eero)
    await h.advance(timedelta(days=5))
    assert (await h.app.db.repo(TicketsRepo).get(ticket.id)).status == "claimed", "never released"
    # The reflection itself was not lost.
    await h.tap("learn:rdone", mentor)
    assert "Saved in your private journal" in h.last(mentor).text


async def test_support_after_a_workshop_goes_straight_to_asking(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    await h.tap("ws:new", mentor)
    await h.tap("ws:date:today", mentor)
    await h.say("Women's circle", mentor)
    await h.say("9", mentor)
    await h.tap("ws:th:s4", mentor)
    await h.tap("ws:th:done", mentor)
    await h.tap("ws:dur:90", mentor)
    await h.tap("ws:cof:no", mentor)
    await h.tap("ws:skip:well", mentor)
    await h.tap("ws:skip:hard", mentor)
    await h.tap("ws:sup:yes", mentor)
    await h.tap("ws:save", mentor)
    assert "esc:topic:s4" in h.last(mentor).choice_ids
    await h.tap("esc:topic:s4", mentor)
    await h.say("Two families argued; how do I follow up?", mentor)
    await h.tap("esc:send", mentor)
    await h.tap("esc:anon:no", mentor)
    assert "Two families argued" in h.last(expert).text
    [ticket] = await h.app.db.repo(TicketsRepo).not_closed()
    assert ticket.source == "workshop"


async def test_two_experts_claiming_at_once_exactly_one_wins(h):
    import asyncio

    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    number = await _ask(h, mentor)
    await asyncio.gather(
        h.tap(f"esc:x:claim:{number}", eero), h.tap(f"esc:x:claim:{number}", liisa)
    )
    replies = [
        "\n".join(s.text for s in h.sent_to(user) if not s.edited)[-200:] for user in (eero, liisa)
    ]
    assert sum("You claimed" in r for r in replies) == 1
    assert sum("already claimed by" in r for r in replies) == 1
    ticket = await h.app.db.repo(TicketsRepo).get(number)
    winner = eero if "You claimed" in replies[0] else liisa
    assert ticket.expert_id == (await h.person(winner)).id


async def test_an_answer_that_cannot_be_delivered_is_retried_and_kept(h):
    from bot.messages import DeliveryStatus, SendResult

    mentor = await h.onboard(Role.MENTOR, "Amina")
    expert = await h.onboard(Role.EXPERT, "Eero")
    number = await _ask(h, mentor)
    h.transport.fail_for[mentor.sender_id] = [SendResult(DeliveryStatus.FAILED, error="Network")]
    await _answer(h, expert, number, "Try a talking circle.")
    assert "could not be reached just now" in h.last(expert).text
    assert "Try a talking circle" not in "\n".join(s.text for s in h.sent_to(mentor))
    await h.advance(timedelta(minutes=3))
    assert "Try a talking circle." in h.last(mentor).text

    await h.say("/questions", mentor)
    assert f"#{number}" in h.last(mentor).text and "answered" in h.last(mentor).text
    await h.tap(f"esc:open:{number}", mentor)
    thread = h.last(mentor).text
    assert "You: How do I talk about rumours" in thread and "Eero: Try a talking circle." in thread
    other = await h.onboard(Role.MENTOR, "Omar")
    await h.tap(f"esc:open:{number}", other)
    assert "no ticket" in h.last(other).text


async def test_a_claimed_ticket_is_answered_and_closed_by_its_expert_and_no_answer_is_lost(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    number = await _ask(h, mentor)
    await h.tap(f"esc:x:claim:{number}", eero)

    await h.tap(f"esc:x:ans:{number}", liisa)
    assert "claimed by Eero" in h.last(liisa).text, "told before writing, not after"
    await h.tap(f"esc:x:close:{number}", liisa)
    assert "claimed by Eero" in h.last(liisa).text
    assert (await h.app.db.repo(TicketsRepo).get(number)).status != "closed"

    await h.say(f"/answer {number} Try asking the youth worker first.", liisa)
    assert "Your answer was not sent" in h.last(liisa).text
    assert "Try asking the youth worker first." in h.last(liisa).text
    await h.say("/answer 999 A careful answer to nobody.", eero)
    assert "There is no ticket #999" in h.last(eero).text
    assert "A careful answer to nobody." in h.last(eero).text

    await h.tap(f"esc:x:close:{number}", eero)
    assert (await h.app.db.repo(TicketsRepo).get(number)).status == "closed"


async def test_a_mentor_writing_back_without_the_button_is_asked_not_ignored(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    number = await _ask(h, mentor)
    await _answer(h, eero, number, "Ask the youth worker about the room.")

    await h.say("Thanks! But who do I ask about the drive?", mentor)
    assert f"answered your question #{number}" in h.last(mentor).text
    assert h.last(mentor).choice_ids == ["esc:send", "esc:cancel"]
    await h.tap("esc:send", mentor)
    again = h.last(eero)
    assert "wrote again" in again.text and "who do I ask about the drive?" in again.text

    await _answer(h, eero, number, "The coordinator, Sari.")
    await h.say("Never mind, sorry, wrong chat.", mentor)
    assert h.last(mentor).choice_ids == ["esc:send", "esc:cancel"]
    await h.tap("esc:cancel", mentor)
    assert "nothing was sent" in h.sent_to(mentor)[-1].text
    assert all("wrong chat" not in s.text for s in h.sent_to(eero))

    other = await h.onboard(Role.MENTOR, "Bo")  # nothing answered: "send this to the experts?"
    await h.say("hello?", other)
    assert "not sure where this message belongs" in h.last(other).text
    assert "menu:ask:no" in h.last(other).choice_ids


async def test_an_expert_who_is_one_no_more_gives_their_questions_back(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    eero = await h.onboard(Role.EXPERT, "Eero")
    liisa = await h.onboard(Role.EXPERT, "Liisa")
    admin = await h.onboard(Role.ADMIN, "Ari")
    number = await _ask(h, mentor)
    await h.tap(f"esc:x:claim:{number}", eero)
    eero_id = (await h.person(eero)).id
    await h.say(f"/role {eero_id} mentor", admin)
    await h.tap(f"adm:a:ok:{eero_id}:mentor", admin)
    assert f"open to the other experts again: #{number}" in h.last(admin).text
    ticket = await h.app.db.repo(TicketsRepo).get(number)
    assert (ticket.status, ticket.expert_id) == ("open", None)
    await _answer(h, liisa, number, "Here is what I suggest.")
    assert "Here is what I suggest." in h.last(mentor).text
