"""The experts' team chat: the same commands and buttons as a private chat, for experts only.

Group chats reach features only through `router.group` (bot/dispatch.py). Here the experts' chat
gets /queue, /open N, /tickets, /answer N text (also with the bot's @username), the ticket
buttons, and replies to a ticket's post. What needs typing in steps (writing an answer or a note)
continues in the expert's private chat, so the group is not filled with drafts.
"""

from __future__ import annotations

from dataclasses import replace

from bot.context import Ctx
from bot.features.escalations import answers, experts, ids, lists
from bot.messages import Address
from bot.roles import Role
from storage.dialogs import DialogsRepo
from storage.people import PeopleRepo
from storage.tickets import TicketsRepo

# Commands the team chat answers; any other command gets a short pointer to the private chat.
COMMANDS = {
    "queue": lists.queue_command,
    "open": experts.open_command,
    "tickets": lists.tickets_command,
    "answer": answers.answer_command,
}
# Buttons that start typing in steps: handled in the expert's private chat.
PRIVATE_CHOICES = (ids.Answer, ids.EditAnswer, ids.Note)
TEAM_PREFIX = "esc:x:"


async def on_team_chat_message(ctx: Ctx) -> None:
    """A message in a group chat: only the experts' chat, only from active experts and above."""
    incoming = ctx.incoming
    service = ctx.app.services.escalations
    if not service.in_team_chat(incoming.address):
        return
    if ctx.person is None or not ctx.person.active or ctx.role < Role.EXPERT:
        return  # strangers and mentors in the team chat are ignored
    ctx.dialog = await ctx.repo(DialogsRepo).get(ctx.person.id)
    text = ctx.text
    if incoming.choice_id:
        await _choice(ctx, incoming.choice_id)
    elif text.startswith("/"):
        await _command(ctx, text)
    elif incoming.reply_to_message_id and text:
        number = await ctx.repo(TicketsRepo).ticket_of_post(
            incoming.address.transport, incoming.address.chat_id, incoming.reply_to_message_id
        )
        if number is not None:
            await answers.start_draft(ctx, number, text)


async def _command(ctx: Ctx, text: str) -> None:
    head, _, rest = text[1:].partition(" ")
    name, _, addressed_to = head.partition("@")
    username = ctx.app.config.telegram.bot_username
    if addressed_to and username and addressed_to.lower() != username.lower():
        return  # a command for another bot in the same group
    handler = COMMANDS.get(name.lower())
    route = ctx.app.router.commands.get(name.lower())
    if handler is None or route is None:
        await ctx.reply(ctx.t("esc.team_chat_help", name=ctx.person.display_name))
        return
    if not route.permits(ctx.role):
        await ctx.reply(ctx.t("access.denied"))
        return
    ctx.args = rest.strip()
    await handler(ctx)


async def _choice(ctx: Ctx, choice_id: str) -> None:
    route = ctx.app.router.find_choice(choice_id)
    choice = route.id_class.parse(choice_id) if route and route.id_class else None
    if route is None or choice is None or not choice_id.startswith(TEAM_PREFIX):
        await ctx.audit("choice.invalid", subject=choice_id.split(":", 1)[0][:16])
        await ctx.reply(ctx.t("common.stale_button"))
        return
    if not route.permits(ctx.role):
        await ctx.reply(ctx.t("access.denied"))
        return
    if isinstance(choice, PRIVATE_CHOICES):
        private = await _private(ctx)
        if private is None:
            await ctx.reply(ctx.t("esc.team_chat_no_private", name=ctx.person.display_name))
            return
        await _leave_other_dialog(private)
        await route.handler(private, choice)
        await ctx.reply(ctx.t("esc.team_chat_went_private", name=ctx.person.display_name))
        return
    await route.handler(ctx, choice)


async def _leave_other_dialog(ctx: Ctx) -> None:
    """Starting to write here ends a dialog of another feature (its leave hook keeps a draft)."""
    if ctx.dialog is None or ctx.dialog.step.startswith("esc."):
        return
    hook = ctx.app.router.find_leave_hook(ctx.dialog.step)
    if hook is not None:
        await hook(ctx)
    await ctx.clear_step()


async def _private(ctx: Ctx) -> Ctx | None:
    """The same person's private chat on this messenger (where writing an answer continues)."""
    transport = ctx.incoming.address.transport
    identities = await ctx.repo(PeopleRepo).identities(ctx.person.id)
    mine = next((i for i in identities if i.transport == transport), None)
    if mine is None:
        return None
    incoming = replace(
        ctx.incoming,
        address=Address(transport, mine.chat_id),
        is_private=True,
        message_id=None,
        reply_to_message_id=None,
    )
    return Ctx(ctx.app, incoming, ctx.person, ctx.dialog)
