"""Router: commands, choices (by id prefix) and free text by dialog step, with role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.roles import Role

if TYPE_CHECKING:
    from bot.context import Ctx

Handler = Callable[["Ctx"], Awaitable[None]]
ReplyHandler = Callable[["Ctx"], Awaitable[bool]]  # True when it took the reply


@dataclass(frozen=True)
class Route:
    """A handler with the lowest role that may use it."""

    handler: Handler
    min_role: Role = Role.MENTOR
    only: frozenset[Role] | None = None  # when set, exactly these roles (still >= min_role)
    help_key: str | None = None  # i18n key of the one-line description in /help
    keep_dialog: bool = False  # a choice that does not end the dialog the person is in
    files: bool = False  # a dialog step that takes a photo or document (incoming.extra["file"])

    def permits(self, role: Role) -> bool:
        """True when a person of `role` may use this route."""
        if role < self.min_role:
            return False
        return self.only is None or role in self.only


@dataclass(frozen=True)
class MenuItem:
    """One button of the main menu."""

    choice_id: str
    label_key: str
    order: int
    min_role: Role = Role.MENTOR
    only: frozenset[Role] | None = None

    def permits(self, role: Role) -> bool:
        """True when the item is shown to `role`."""
        return role >= self.min_role and (self.only is None or role in self.only)


@dataclass
class Router:
    """Where every update goes. Features register their routes in `setup(app)`."""

    commands: dict[str, Route] = field(default_factory=dict)
    choices: dict[str, Route] = field(default_factory=dict)
    steps: dict[str, Route] = field(default_factory=dict)
    group_handlers: list[Handler] = field(default_factory=list)
    menu_items: list[MenuItem] = field(default_factory=list)
    leave_hooks: dict[str, Handler] = field(default_factory=dict)
    text_observers: list[Handler] = field(default_factory=list)
    reply_handlers: list[ReplyHandler] = field(default_factory=list)
    gates: list[ReplyHandler] = field(default_factory=list)
    loose_text_handlers: list[ReplyHandler] = field(default_factory=list)

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        min_role: Role = Role.MENTOR,
        only: set[Role] | None = None,
        help_key: str | None = None,
    ) -> None:
        """Route `/name` to `handler`."""
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = Route(handler, min_role, frozenset(only) if only else None, help_key)

    def choice(
        self,
        prefix: str,
        handler: Handler,
        *,
        min_role: Role = Role.MENTOR,
        only=None,
        keep_dialog: bool = False,
    ) -> None:
        """Route choice ids starting with `prefix` (e.g. "learn:") to `handler`."""
        if prefix in self.choices:
            raise ValueError(f"choice prefix {prefix!r} registered twice")
        self.choices[prefix] = Route(
            handler, min_role, frozenset(only) if only else None, keep_dialog=keep_dialog
        )

    def step(
        self, prefix: str, handler: Handler, *, min_role: Role = Role.GUEST, files: bool = False
    ) -> None:
        """Route free text (and files, when `files`) of people whose dialog step starts with `prefix`."""
        self.steps[prefix] = Route(handler, min_role, files=files)

    def on_leave(self, prefix: str, handler: Handler) -> None:
        """Call `handler` when a person leaves a dialog step starting with `prefix`."""
        self.leave_hooks[prefix] = handler

    def observe_text(self, handler: Handler) -> None:
        """Also see every free text an active person writes, after its handler ran (safety)."""
        self.text_observers.append(handler)

    def gate(self, handler: ReplyHandler) -> None:
        """See every private update of an active person first; True stops it (e.g. new consent)."""
        self.gates.append(handler)

    def on_reply(self, handler: ReplyHandler) -> None:
        """See private texts that reply to an earlier bot message first (e.g. a ticket)."""
        self.reply_handlers.append(handler)

    def on_loose_text(self, handler: ReplyHandler) -> None:
        """See free text that belongs to no dialog before the bot says it did not understand."""
        self.loose_text_handlers.append(handler)

    def group(self, handler: Handler) -> None:
        """Receive messages from group chats (e.g. the experts' group)."""
        self.group_handlers.append(handler)

    def menu(self, item: MenuItem) -> None:
        """Add a main-menu button."""
        self.menu_items.append(item)
        self.menu_items.sort(key=lambda m: m.order)

    def find_choice(self, choice_id: str) -> Route | None:
        """The route whose prefix is the longest match for `choice_id`."""
        best = None
        for prefix, route in self.choices.items():
            if choice_id.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, route)
        return best[1] if best else None

    def find_step(self, step: str) -> Route | None:
        """The route whose prefix is the longest match for a dialog step."""
        return _longest(self.steps, step)

    def find_leave_hook(self, step: str) -> Handler | None:
        """The leave hook for a dialog step, if any."""
        return _longest(self.leave_hooks, step)

    def menu_for(self, role: Role) -> list[MenuItem]:
        """Main-menu items a role sees, in order."""
        return [m for m in self.menu_items if m.permits(role)]

    def commands_for(self, role: Role) -> list[tuple[str, str]]:
        """(command, help_key) pairs a role may use and that have a description."""
        return [
            (name, route.help_key)
            for name, route in self.commands.items()
            if route.help_key and route.permits(role)
        ]


def _longest(table: dict, key: str):
    best = None
    for prefix, value in table.items():
        if key.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, value)
    return best[1] if best else None
