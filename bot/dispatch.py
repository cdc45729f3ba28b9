"""The path of one update: find the person and their dialog, read typed text for crisis signals
first, guard roles, call one handler. docs/DEVELOPING.md ("The path of one update") tells the order."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.messages import Incoming
from bot.roles import Role
from bot.router import takes_text
from storage.people import PeopleRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# Commands a person still onboarding may use; everything else continues onboarding.
ONBOARDING_COMMANDS = {"start", "help", "link", "helplines"}
# Commands a deactivated person may still use: where to get help is open to everyone.
DEACTIVATED_COMMANDS = {"helplines"}
# Control characters other than line breaks and tabs, and lone surrogates (invalid Unicode that
# breaks encoding to UTF-8 anywhere later: storage, logs, the messenger's API).
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


async def dispatch(app: App, incoming: Incoming) -> None:
    """Route one update to exactly one handler; errors get a kind reply, never silence."""
    incoming = normalised(incoming)
    transport, key = incoming.address.transport, incoming.update_id
    update = (transport, key) if key is not None else None
    people = app.db.repo(PeopleRepo)
    mark = app.person_locks.releases
    # One query: was it handled before, who sent it, where are they in a dialog.
    seen, person, dialog = await people.arrival(transport, incoming.sender_id, key)
    if seen:
        log.info("an update delivered again was not applied twice (%s)", transport)
        return
    if person is None:
        await _handle(app, Ctx(app, incoming, None), update)
        return
    # One at a time per person, whichever messenger they write from (App.handle already keeps one
    # chat in order; a person with two linked messengers has two chats).
    async with app.person_locks.hold(person.id) as waited:
        if waited or app.person_locks.released_since(person.id, mark):
            # An update before may have changed the person (onboarding, status) or the dialog.
            person, dialog = await people.with_dialog(person.id)
        ctx = Ctx(app, incoming, person)
        if person is not None and incoming.is_private and person.status != "deactivated":
            ctx.dialog = dialog  # where the dialog matters (group chats never load one)
        await _handle(app, ctx, update)


async def _handle(app: App, ctx: Ctx, update: tuple[str, str] | None) -> None:
    """Handle the update; its replies go out once it is recorded as handled."""
    # At the end of the block one statement stores the replies and records the update as
    # handled (bot/messenger.py): if the process dies after that, the replies wait in the
    # outbox and the update, offered again, is not applied twice.
    async with app.messenger.deferring(update):
        await _handle_update(app, ctx)


async def _handle_update(app: App, ctx: Ctx) -> None:
    incoming, person = ctx.incoming, ctx.person
    try:
        if not incoming.is_private:
            for handler in app.router.group_handlers:
                await handler(ctx)
            return
        if person is not None and person.status == "deactivated":
            await _deactivated(app, ctx)
            return
        if person is not None and person.active and await _first_taker(app.router.gates, ctx):
            return
        await _route(app, ctx)
    except Exception:
        log.exception("handling an update failed (kind=%s)", incoming.kind)
        if not incoming.is_private:
            return
        try:
            ctx.held = None
            await ctx.reply(ctx.t("common.error"))
        except Exception:  # noqa: BLE001 - the transport itself may be down
            log.exception("could not send the error notice")


def normalised(incoming: Incoming) -> Incoming:
    """Text in one Unicode form (NFC), without control characters or lone surrogates."""
    text = incoming.text
    if text is None:
        return incoming
    clean = unicodedata.normalize("NFC", _UNSAFE.sub("", text))
    return incoming if clean == text else replace(incoming, text=clean)


async def _route(app: App, ctx: Ctx) -> None:
    if ctx.incoming.choice_id:
        await _route_choice(app, ctx)
        return
    if len(ctx.text) > app.config.bot.max_text_length:
        # Read for safety first: a long message can carry a crisis too.
        finding = await _screen(app, ctx)
        if finding is not None:
            await app.router.crisis_net.answer(ctx, finding, [])
        await ctx.reply(
            ctx.t("common.too_long", length=len(ctx.text), max=app.config.bot.max_text_length)
        )
        return
    if ctx.text.startswith("/"):
        await _route_command(app, ctx)
        return
    finding = await _screen(app, ctx)
    if finding is None:
        await _route_message(app, ctx, quiet=False)
        return
    # The crisis answer comes first: what the handler says meanwhile is held back and delivered
    # when the person is ready (nothing they wrote is lost: the handler still runs).
    ctx.held = []
    await _route_message(app, ctx, quiet=True)
    held, ctx.held = ctx.held, None
    await app.router.crisis_net.answer(ctx, finding, held)


async def _screen(app: App, ctx: Ctx) -> object | None:
    net = app.router.crisis_net
    if net is None or not ctx.text:
        return None
    return await net.scan(ctx)


async def _route_message(app: App, ctx: Ctx, *, quiet: bool) -> None:
    """Anything but a choice or a command; `quiet`: a crisis answer follows, so no fallbacks."""
    incoming = ctx.incoming
    if incoming.kind == "edited":
        if not quiet:
            await ctx.reply(ctx.t("common.edit_ignored"))
    elif incoming.extra.get("file") and _step_takes_files(app, ctx):
        await app.router.find_step(ctx.dialog.step).handler(ctx)
    elif incoming.kind == "other" and not ctx.text:
        await ctx.reply(ctx.t("common.text_only"))
    else:
        await _route_text(app, ctx, quiet=quiet)


async def _route_command(app: App, ctx: Ctx) -> None:
    head, _, rest = ctx.text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    ctx.args = rest.strip()
    person = ctx.person
    onboarding = person is None or person.status == "onboarding"
    if onboarding and name not in ONBOARDING_COMMANDS:
        # Not yet in: anything else continues (or explains) onboarding.
        await _continue_onboarding(app, ctx)
        return
    route = app.router.commands.get(name)
    if route is None:
        await ctx.show_menu(lead=ctx.t("common.unknown_command", command=f"/{name[:32]}"))
        return
    if not route.permits(ctx.role):
        await _refuse(ctx, f"/{name}")
        return
    if ctx.dialog is not None and name != "start" and not route.keep_dialog:
        await _leave_dialog(app, ctx)
    await route.handler(ctx)


async def _route_choice(app: App, ctx: Ctx) -> None:
    choice_id = ctx.incoming.choice_id or ""
    route = app.router.find_choice(choice_id)
    person = ctx.person
    onboarding = person is None or person.status == "onboarding"
    if onboarding and not choice_id.startswith(("onb:", "help:")):
        await _continue_onboarding(app, ctx)
        return
    if route is not None and not route.permits(ctx.role):
        await _refuse(ctx, choice_id.split(":", 1)[0] + ":")
        return
    choice = route.id_class.parse(choice_id) if route is not None and route.id_class else None
    if route is None or choice is None:
        # Stale (an id from an older version) or forged: nothing is done with it.
        await ctx.audit("choice.invalid", subject=choice_id.split(":", 1)[0][:16])
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return
    if (
        ctx.dialog is not None
        and not route.keep_dialog
        and _feature_of_step(ctx.dialog.step) != choice_id.split(":", 1)[0]
    ):
        await _leave_dialog(app, ctx)
    await route.handler(ctx, choice)


async def _route_text(app: App, ctx: Ctx, *, quiet: bool) -> None:
    if ctx.person is None or ctx.person.status == "onboarding":
        if not quiet:  # a crisis text is not a name or an invite code
            await _continue_onboarding(app, ctx)
        return
    if ctx.incoming.reply_to_message_id and await _first_taker(app.router.reply_handlers, ctx):
        return
    if await _text_in_dialog(app, ctx) or await _loose_text(app, ctx):
        return
    if quiet:
        return
    out_of_range = ctx.incoming.extra.get("out_of_range")
    if out_of_range:
        await ctx.reply(ctx.t("numbered.out_of_range", last=out_of_range))
        return
    await ctx.reply(ctx.t("common.not_understood"))
    await ctx.show_menu()


async def _text_in_dialog(app: App, ctx: Ctx) -> bool:
    """Free text in a dialog step goes to that step's handler."""
    route = app.router.find_step(ctx.dialog.step) if ctx.dialog is not None else None
    if not takes_text(route) or not route.permits(ctx.role):
        return False
    await route.handler(ctx)
    return True


async def _loose_text(app: App, ctx: Ctx) -> bool:
    """Free text outside any dialog: a feature may take it (a reply to an expert's answer)."""
    if ctx.incoming.extra.get("out_of_range") or not (ctx.person.active and ctx.text):
        return False
    return await _first_taker(app.router.loose_text_handlers, ctx)


async def _first_taker(hooks, ctx: Ctx) -> bool:
    for hook in hooks:
        if await hook(ctx):
            return True
    return False


async def _deactivated(app: App, ctx: Ctx) -> None:
    """A deactivated person gets crisis help and where to reach the team, nothing else."""
    if ctx.text.startswith("/"):
        name = ctx.text[1:].partition(" ")[0].split("@", 1)[0].lower()
        if name in DEACTIVATED_COMMANDS:
            await app.router.commands[name].handler(ctx)
            return
    finding = await _screen(app, ctx) if not ctx.incoming.choice_id else None
    if finding is not None:
        await app.router.crisis_net.answer(ctx, finding, [])
        return
    await ctx.reply(ctx.t("common.deactivated", contact=_team_contact(app, ctx)))


def _team_contact(app: App, ctx: Ctx) -> str:
    contact = app.config.bot.team_contact
    return contact or ctx.t("common.team_contact_default")


async def _continue_onboarding(app: App, ctx: Ctx) -> None:
    route = app.router.find_step(ctx.dialog.step) if ctx.dialog else None
    if route is not None:
        await route.handler(ctx)
    else:
        # No dialog yet: /start handles unknown people (explains invites, bootstraps admins).
        await app.router.commands["start"].handler(ctx)


async def _refuse(ctx: Ctx, what: str) -> None:
    await ctx.audit("access.denied", subject=what[:40], role=ctx.role.label)
    if ctx.role == Role.GUEST:
        await ctx.reply(ctx.t("onboarding.need_invite"))
    else:
        await ctx.reply(ctx.t("access.denied"))


async def _leave_dialog(app: App, ctx: Ctx) -> None:
    ctx.left_step = ctx.dialog.step
    hook = app.router.find_leave_hook(ctx.dialog.step)
    if hook is not None:
        await hook(ctx)
    await ctx.clear_step()


def _step_takes_files(app: App, ctx: Ctx) -> bool:
    if ctx.dialog is None or ctx.person is None or not ctx.person.active:
        return False
    route = app.router.find_step(ctx.dialog.step)
    return route is not None and route.files and route.permits(ctx.role)


def _feature_of_step(step: str) -> str:
    return step.split(".", 1)[0]


# --- flood protection --------------------------------------------------------------------------


@dataclass
class _Window:
    times: deque = field(default_factory=deque)
    warned: bool = False


class FloodGuard:
    """Allows `limit` updates per `window` seconds per sender; tells the caller when to warn once."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._senders: dict[tuple[str, str], _Window] = {}

    def check(self, sender: tuple[str, str], now: float) -> str:
        """'ok' to handle, 'warn' to send the one notice, 'drop' to ignore quietly."""
        if len(self._senders) > 10_000:
            self.forget_idle(now)
        state = self._senders.setdefault(sender, _Window())
        while state.times and now - state.times[0] >= self.window:
            state.times.popleft()
        if len(state.times) < self.limit:
            state.times.append(now)
            state.warned = False
            return "ok"
        if state.warned:
            return "drop"
        state.warned = True
        return "warn"

    def forget_idle(self, now: float) -> None:
        """Drop senders with no recent updates (keeps memory flat)."""
        idle = [
            k for k, w in self._senders.items() if not w.times or now - w.times[-1] >= self.window
        ]
        for key in idle:
            del self._senders[key]
