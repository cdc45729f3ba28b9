"""People and invites in the chat: staff browse and search; admins change roles, (de)activate
and invite, every change confirmed first, with the last-admin and last-expert rules."""

from __future__ import annotations

from bot.messages import Incoming
from bot.roles import Role
from storage.audit import AuditRepo
from storage.invites import InvitesRepo
from tests.harness import Harness, make_config

PNG = b"\x89PNG\r\n\x1a\n"


async def test_staff_page_through_people_and_search_by_name(h):
    staff = await h.onboard(Role.STAFF, "Sari")
    for n in range(10):
        await h.onboard(Role.MENTOR, f"Mentor {n:02d}")
    asa_user = await h.onboard(Role.MENTOR, "Åsa Lindqvist", cohort="2026-01")
    await h.say("/people", staff)
    first = h.last(staff)
    assert "People (12)" in first.text and "#1 Sari — staff" not in first.text
    assert first.text.count("\n#") == 8 and "adm:p:1" in first.choice_ids
    # The next page replaces the list in place (Telegram sends the tapped message's id).
    tap = Incoming(
        address=staff.address,
        sender_id=staff.sender_id,
        choice_id="adm:p:1",
        kind="choice",
        message_id=first.message_id,
    )
    await h.send(tap)
    page = h.last(staff)
    assert page.edited and page.message_id == first.message_id
    assert "Åsa Lindqvist — mentor, 2026-01" in page.text and "adm:p:0" in page.choice_ids

    await h.tap("adm:s", staff)
    await h.say("x" * 41, staff)
    assert "at most 40" in h.last(staff).text, "a bad search is explained, still searching"
    await h.say("asa", staff)  # accents and case ignored
    found = h.last(staff)
    asa = await h.person(asa_user)
    assert f"#{asa.id} Åsa Lindqvist" in found.text and f"adm:o:{asa.id}" in found.choice_ids
    await h.tap(f"adm:o:{asa.id}", staff)
    card = h.last(staff)
    assert "Role: mentor · Cohort: 2026-01" in card.text and "Messenger: Telegram" in card.text
    assert not [c for c in card.choice_ids if c.startswith("adm:a:")], "staff only look"
    await h.tap(f"adm:a:ok:{asa.id}:expert", staff)
    assert "not available for your role" in h.last(staff).text
    await h.say("/people nobody-like-this", staff)
    assert 'Nobody found for "nobody-like-this"' in h.last(staff).text


async def test_admin_changes_a_role_only_after_confirming(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    mentor = await h.onboard(Role.MENTOR, "Mina")
    mentor_id = (await h.person(mentor)).id

    listing = (await h.say("/people", admin))[0].text
    assert f"#{mentor_id} Mina — mentor, 2025-02" in listing

    await h.say(f"/role {mentor_id} expert", admin)
    ask = h.last(admin)
    assert "Change the role of Mina to expert?" in ask.text and "Experts answer" in ask.text
    assert (await h.person(mentor)).role is Role.MENTOR, "nothing changes before Yes"
    await h.tap(f"adm:o:{mentor_id}", admin)  # "No, keep it as it is": back to the card
    assert (await h.person(mentor)).role is Role.MENTOR
    await h.tap(f"adm:a:ok:{mentor_id}:expert", admin)
    assert "Mina is now expert" in h.last(admin).text
    assert (await h.person(mentor)).role is Role.EXPERT
    assert h.transport.commands[-1][1], "the new role's commands are published"

    # Names and plurals, in any UI language; one match goes straight to the question.
    await h.say("/role mina mentors", admin)
    assert "Change the role of Mina to mentor?" in h.last(admin).text
    await h.say("/role Mina henkilöstö", admin)
    assert "Change the role of Mina to staff?" in h.last(admin).text
    await h.say("/role Mina experts", admin)
    assert "Nothing to change: Mina is already like that" in h.last(admin).text
    await h.say("/role Mina", admin)  # no role: the choice of roles
    assert "Which role should Mina have? Now: expert." in h.last(admin).text
    assert f"adm:a:r:{mentor_id}:staff" in h.last(admin).choice_ids
    await h.tap(f"adm:a:r:{mentor_id}:staff", admin)
    await h.tap(f"adm:a:ok:{mentor_id}:staff", admin)
    assert (await h.person(mentor)).role is Role.STAFF
    entries = await h.app.db.repo(AuditRepo).entries("person.role_changed")
    assert len(entries) == 2 and all(e["detail"]["via"] == "chat" for e in entries)


async def test_bad_admin_input_is_explained(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    await h.onboard(Role.MENTOR, "Omar One")
    await h.onboard(Role.MENTOR, "Omar Two")
    reply = await h.say("/role", admin)
    assert "Use: /role NUMBER ROLE" in reply[0].text and "People (3)" in reply[1].text
    assert 'the role "wizard"' in (await h.say("/role 3 wizard", admin))[0].text
    assert "no person number 999" in (await h.say("/role 999 staff", admin))[0].text
    several = (await h.say("/role omar expert", admin))[0]
    assert "Several people match" in several.text and len(several.choice_ids) == 2
    me = (await h.person(admin)).id
    assert "yourself" in (await h.say(f"/deactivate {me}", admin))[0].text
    assert "Use: /deactivate" in (await h.say("/deactivate", admin))[0].text


async def test_deactivating_and_reactivating_are_confirmed(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    mentor = await h.onboard(Role.MENTOR, "Mina")
    mentor_id = (await h.person(mentor)).id
    await h.say("/deactivate Mina", admin)
    ask = h.last(admin)
    assert "Deactivate Mina?" in ask.text and "Their data stays" in ask.text
    assert (await h.person(mentor)).status == "active", "nothing before Yes"
    await h.tap(f"adm:a:st:{mentor_id}:deactivated", admin)
    card = h.last(admin)
    assert "Mina is deactivated" in card.text and "Status: deactivated" in card.text
    (closed,) = await h.say("/menu", mentor)
    assert "has been closed" in closed.text and not closed.choice_ids
    assert f"adm:a:s:{mentor_id}:active" in card.choice_ids, "the card offers Reactivate"
    await h.tap(f"adm:a:s:{mentor_id}:active", admin)
    assert "Reactivate Mina?" in h.last(admin).text
    await h.tap(f"adm:a:st:{mentor_id}:active", admin)
    assert "Mina is active again" in h.last(admin).text
    assert (await h.say("/menu", mentor))[-1].choice_ids


async def test_staff_cannot_change_roles(h):
    staff = await h.onboard(Role.STAFF, "Sam")
    assert "not available for your role" in (await h.say("/role 1 admin", staff))[0].text
    assert "not available for your role" in (await h.say("/invite", staff))[0].text


async def test_the_last_admin_cannot_be_removed_and_the_last_expert_is_warned_about(h):
    first = await h.onboard(Role.ADMIN, "Ada")
    second = await h.onboard(Role.ADMIN, "Bea")
    expert = await h.onboard(Role.EXPERT, "Eero")
    first_id, second_id = (await h.person(first)).id, (await h.person(second)).id
    expert_id = (await h.person(expert)).id

    await h.tap(f"adm:a:ok:{second_id}:staff", first)  # two admins: fine
    assert (await h.person(second)).role is Role.STAFF
    await h.say(f"/role {first_id} mentor", second)
    assert "not available for your role" in h.last(second).text  # Bea is staff now
    # Ada is the only admin left: nobody can take that away, not even by a forged button.
    assert "yourself" in (await h.say(f"/role {first_id} staff", first))[0].text
    await h.tap(f"adm:a:ok:{first_id}:mentor", first)
    assert "yourself" in h.last(first).text and (await h.person(first)).role is Role.ADMIN

    await h.say(f"/deactivate {expert_id}", first)
    ask = h.last(first)
    assert "last active expert" in ask.text, "warned before, not only after"
    await h.tap(f"adm:a:st:{expert_id}:deactivated", first)
    assert "last active expert" in h.last(first).text
    assert (await h.person(expert)).status == "deactivated"


async def test_removing_the_only_admin_is_refused(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    other = await h.onboard(Role.ADMIN, "Bea")
    other_id = (await h.person(other)).id
    await h.tap(f"adm:a:st:{other_id}:deactivated", admin)
    ada = await h.person(admin)
    change = await h.app.services.people_admin.change_role(
        await h.person(other), ada.id, Role.MENTOR, "test"
    )
    assert change.refused.value == "last_admin"  # Bea is deactivated: Ada is the last admin
    change = await h.app.services.people_admin.preview_role(ada, ada.id, Role.MENTOR)
    assert change.refused.value == "yourself"
    bea = await h.person(other)
    change = await h.app.services.people_admin.preview_status(bea, ada.id, "deactivated")
    assert change.refused.value == "last_admin", "Ada is the last active admin"


async def test_an_invite_made_in_the_chat_brings_someone_in(tmp_path):
    config = make_config(tmp_path / "bot.db", "telegram:\n  bot_username: RemapTestBot\n")
    h = Harness(tmp_path / "bot.db", config)
    await h.start()
    try:
        admin = await h.onboard(Role.ADMIN, "Ada")
        await h.say("/invite", admin)
        assert h.last(admin).choice_ids[:3] == ["adm:i:r:mentor", "adm:i:r:expert", "adm:i:r:staff"]
        await h.tap("adm:i:r:expert", admin)
        assert "adm:i:c:0" in h.last(admin).choice_ids  # the cohort Ada is in
        await h.say("x" * 41, admin)
        again = h.last(admin)
        assert "at most 40" in again.text and "adm:i:nc" in again.choice_ids, "asked again"
        await h.say("Spring 2026", admin)
        uses = h.last(admin)
        assert not uses.out.numbered, "a number typed here is an answer, not option N"
        await h.say("0", admin)
        assert "from 1 to 500" in h.last(admin).text
        await h.say("12", admin)
        await h.tap("adm:i:d:14", admin)
        summary = h.last(admin).text
        assert "for: expert" in summary and "cohort: Spring 2026" in summary
        assert "people: 12" in summary and "valid until: 08.12.2026" in summary
        await h.tap("adm:i:ok", admin)
        made = h.last(admin)
        code = made.text.split("Code: ")[1].split()[0]
        assert f"https://t.me/RemapTestBot?start={code}" in made.text
        assert f"/start {code}" in made.text
        attachment = made.out.attachment
        assert attachment.kind == "photo" and attachment.data.startswith(PNG)
        await h.tap("adm:i:ok", admin)
        assert "no longer works" in h.last(admin).text, "one tap, one invite"

        newcomer = h.user("Nea")
        await h.say(f"/start {code}", newcomer)
        await h.tap("onb:lang:en", newcomer)
        await h.tap("onb:consent:yes", newcomer)
        await h.say("Nea", newcomer)
        nea = await h.person(newcomer)
        assert nea.role is Role.EXPERT and nea.cohort == "Spring 2026"

        await h.say("/invites", admin)
        listing = h.last(admin)
        invite = await h.app.db.repo(InvitesRepo).find(code)
        assert f"#{invite.id} · expert · Spring 2026 · used 1 of 12" in listing.text
        await h.tap(f"adm:i:x:{invite.id}", admin)
        assert f"Revoke invite #{invite.id}" in h.last(admin).text
        assert (await h.app.db.repo(InvitesRepo).check(code))[1] == "ok", "nothing before Yes"
        await h.tap(f"adm:i:xok:{invite.id}", admin)
        assert f"Invite #{invite.id} is revoked" in h.last(admin).text
        assert (await h.app.db.repo(InvitesRepo).check(code))[1] == "revoked"
        assert "No invite can be used right now" in h.last(admin).text
        actions = [e["action"] for e in await h.app.db.repo(AuditRepo).entries(limit=50)]
        assert "invite.created" in actions and "invite.revoked" in actions
    finally:
        await h.stop()


async def test_an_invite_without_a_telegram_username_still_has_its_code_and_qr(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    await h.tap("adm:i:new", admin)
    await h.tap("adm:i:r:mentor", admin)
    await h.tap("adm:i:nc", admin)
    await h.tap("adm:i:u:1", admin)
    await h.say("3", admin)  # three days, typed
    assert "valid until: 27.11.2026" in h.last(admin).text
    await h.tap("adm:i:ok", admin)
    made = h.last(admin)
    assert "No Telegram link yet" in made.text and "/start " in made.text
    assert made.out.attachment.data.startswith(PNG)
    await h.tap("adm:cancel", admin)
    assert "nothing was changed" in h.last(admin).text
