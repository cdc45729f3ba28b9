"""Bad input at the router: unknown commands, stale buttons, huge texts, edits, stickers, floods."""

from __future__ import annotations

from bot.messages import Incoming
from bot.roles import Role
from tests.harness import Harness, make_config


async def test_unknown_command_gets_help_and_menu(h):
    user = await h.onboard()
    replies = await h.say("/frobnicate now", user)
    assert "/frobnicate" in replies[0].text
    assert replies[-1].choice_ids


async def test_unknown_button_from_an_old_message(h):
    user = await h.onboard()
    replies = await h.tap("zz:gone:42", user)
    assert "earlier message" in replies[0].text
    assert replies[-1].choice_ids


async def test_free_text_without_a_dialog_is_not_silently_dropped(h):
    user = await h.onboard()
    replies = await h.say("hello there", user)  # a mentor: kept, and offered to the experts
    assert "“hello there”" in replies[0].text and "Nothing is sent unless" in replies[0].text
    expert = await h.onboard(Role.EXPERT, "Eero")
    replies = await h.say("hello there", expert)
    assert "haven't saved it" in replies[0].text


async def test_huge_text_is_refused_kindly(h):
    user = await h.onboard()
    replies = await h.say("ä" * 5000, user)
    assert "5000 characters" in replies[0].text


async def test_edits_and_stickers_get_an_explanation(h):
    user = await h.onboard()
    edited = await h.send(
        Incoming(address=user.address, sender_id=user.sender_id, text="fixed", kind="edited")
    )
    assert "new message" in edited[0].text
    sticker = await h.send(Incoming(address=user.address, sender_id=user.sender_id, kind="other"))
    assert "text" in sticker[0].text


async def test_group_messages_from_strangers_are_ignored(h):
    from bot.messages import Address

    replies = await h.send(
        Incoming(
            address=Address("telegram", "-100500"), sender_id="77", text="hi", is_private=False
        )
    )
    assert replies == []


async def test_mentor_cannot_use_admin_only_routes(h):
    from bot.router import Routes
    from storage.audit import AuditRepo

    routes = Routes("secret")

    @routes.command("secretstaff", min_role=Role.STAFF)
    async def secret(ctx):
        await ctx.reply("secret")

    h.app.router.include(routes)
    user = await h.onboard(Role.MENTOR)
    replies = await h.say("/secretstaff", user)
    assert "not available for your role" in replies[0].text
    denied = await h.app.db.repo(AuditRepo).entries("access.denied")
    assert denied and denied[0]["subject"] == "/secretstaff"
    staff = await h.onboard(Role.STAFF, "Sam")
    assert (await h.say("/secretstaff", staff))[0].text == "secret"


async def test_deactivated_people_get_only_the_way_to_the_team_and_help(h):
    from storage.people import PeopleRepo

    user = await h.onboard()
    person = await h.person(user)
    await h.app.db.repo(PeopleRepo).update(person.id, status="deactivated")
    for sent in (await h.say("/menu", user), await h.tap("menu:home", user)):
        assert len(sent) == 1 and not sent[0].choice_ids
        assert "access to the RE-MAP mentor bot has been closed" in sent[0].text
        assert "/helplines" in sent[0].text
    helplines = (await h.say("/helplines", user))[0].text
    assert "112" in helplines and "09 2525 0111" in helplines


async def test_a_flood_gets_one_notice(tmp_path):
    harness = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db"))
    harness.config = harness.config.model_copy(
        update={
            "bot": harness.config.bot.model_copy(
                update={
                    "rate_limit": harness.config.bot.rate_limit.model_copy(update={"messages": 5})
                }
            )
        }
    )
    await harness.start()
    try:
        user = harness.user()
        replies = []
        for _ in range(12):
            replies += await harness.say("/start", user)
        notices = [r for r in replies if "a lot of messages" in r.text]
        assert len(notices) == 1
        assert len(replies) == 5 + 1  # five answered, one notice, the rest quietly dropped
    finally:
        await harness.stop()
