"""Admins change roles and deactivate people in the chat."""

from __future__ import annotations

from bot.roles import Role


async def test_admin_changes_a_role_and_deactivates(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    mentor = await h.onboard(Role.MENTOR, "Mina")
    mentor_id = (await h.person(mentor)).id

    listing = await h.say("/people", admin)
    assert f"#{mentor_id} Mina — mentor, 2025-02" in listing[0].text

    changed = await h.say(f"/role {mentor_id} expert", admin)
    assert "Mina is now expert" in changed[0].text
    assert (await h.person(mentor)).role is Role.EXPERT

    await h.say(f"/deactivate {mentor_id}", admin)
    (closed,) = await h.say("/menu", mentor)
    assert "has been closed" in closed.text and not closed.choice_ids
    await h.say(f"/reactivate {mentor_id}", admin)
    assert (await h.say("/menu", mentor))[-1].choice_ids


async def test_bad_admin_input_is_explained(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    assert "Use: /role NUMBER ROLE" in (await h.say("/role", admin))[0].text
    assert "Use: /role NUMBER ROLE" in (await h.say("/role 3 wizard", admin))[0].text
    assert "no person number 999" in (await h.say("/role 999 staff", admin))[0].text
    me = (await h.person(admin)).id
    assert "yourself" in (await h.say(f"/deactivate {me}", admin))[0].text


async def test_staff_cannot_change_roles(h):
    staff = await h.onboard(Role.STAFF, "Sam")
    assert "not available for your role" in (await h.say("/role 1 admin", staff))[0].text


async def test_the_last_admin_cannot_be_removed_and_the_last_expert_is_warned_about(h):
    first = await h.onboard(Role.ADMIN, "Ada")
    second = await h.onboard(Role.ADMIN, "Bea")
    expert = await h.onboard(Role.EXPERT, "Eero")
    first_id, second_id = (await h.person(first)).id, (await h.person(second)).id
    expert_id = (await h.person(expert)).id

    await h.say(f"/role {second_id} staff", first)  # two admins: fine
    assert (await h.person(second)).role is Role.STAFF
    await h.say(f"/role {second_id} admin", first)
    await h.say(f"/deactivate {first_id}", second)  # Bea removes Ada: Bea is still an admin
    reply = (await h.say(f"/reactivate {first_id}", second))[0].text
    assert "active again" in reply
    await h.say(f"/role {first_id} mentor", second)
    # Ada is a mentor now; Bea is the only admin left and nobody can remove her.
    await h.say(f"/role {first_id} admin", second)
    await h.say(f"/role {second_id} mentor", first)
    reply = await h.say(f"/role {first_id} staff", (second))
    assert "not available for your role" in reply[0].text  # Bea is a mentor now
    refused = (await h.say(f"/deactivate {first_id}", first))[0].text
    assert "yourself" in refused

    warned = (await h.say(f"/deactivate {expert_id}", first))[0].text
    assert "last active expert" in warned
    assert (await h.person(expert)).status == "deactivated"


async def test_removing_the_only_admin_is_refused(h):
    admin = await h.onboard(Role.ADMIN, "Ada")
    other = await h.onboard(Role.ADMIN, "Bea")
    other_id = (await h.person(other)).id
    await h.say(f"/deactivate {other_id}", admin)
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
