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
    assert await h.say("/menu", mentor) == []
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
