"""Router: commands, choices (one typed id class per action) and free text by dialog step.

A feature declares its routes next to its handlers with a `Routes` collector:

    routes = Routes("learn")

    @routes.choice("learn:next", ids.NextBite)
    async def next_bite(ctx: Ctx, choice: ids.NextBite) -> None: ...

    @routes.step(Step.REFLECT)
    async def reflection_text(ctx: Ctx) -> None: ...

and its `setup(app)` calls `app.router.include(routes)`. Searching for a button's callback data
prefix ("learn:next") finds both the id class and its handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bot.ids import SEP, ChoiceId
from bot.messages import Choice
from bot.roles import Role

if TYPE_CHECKING:
    from bot.context import Ctx
    from bot.messages import Choice, Outgoing

Handler = Callable[["Ctx"], Awaitable[None]]
MenuLines = Callable[["Ctx"], Awaitable[list[Choice]]]  # buttons at the top of one person's menu
ChoiceHandler = Callable[["Ctx", Any], Awaitable[None]]
Hook = Callable[["Ctx"], Awaitable[bool]]  # True when it took the update
# The main menu's button rows for a person, or None for the registered items of their role.
MenuBuilder = Callable[["Ctx"], Awaitable["list[list[Choice]] | None"]]


class CrisisNet(Protocol):
    """Reads every text a person types before anything else (bot/features/safety)."""

    async def scan(self, ctx: Ctx) -> object | None:
        """A finding when the text carries a crisis signal, else None."""

    async def answer(self, ctx: Ctx, finding: object, held: list[Outgoing]) -> None:
        """Answer first; `held` are the replies the update's handler made meanwhile."""


@dataclass(frozen=True)
class Route:
    """A handler with the roles that may use it."""

    handler: Callable[..., Awaitable[None]]
    min_role: Role = Role.MENTOR
    only: frozenset[Role] | None = None  # when set, exactly these roles (still >= min_role)
    help_key: str | None = None  # i18n key of the one-line description in /help
    keep_dialog: bool = False  # a choice that does not end the dialog the person is in
    files: bool = False  # a dialog step that takes a photo or document (incoming.extra["file"])
    id_class: type[ChoiceId] | None = None  # a choice route: how its ids are parsed

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


def _roles(only: Iterable[Role] | None) -> frozenset[Role] | None:
    return frozenset(only) if only else None


class Routes:
    """The routes of one feature, collected by decorators; `Router.include` takes them in."""

    def __init__(
        self,
        feature: str,
        *,
        choice_prefix: str | None = None,
        steps: type[StrEnum] | None = None,
    ) -> None:
        self.feature = feature  # dialog steps of this feature are "<feature>.<name>"
        self.choice_prefix = choice_prefix or feature  # its choice ids are "<prefix>:..."
        self.step_enum = steps  # every member must get a text route (checked by Router.include)
        self.commands: dict[str, Route] = {}
        self.choices: dict[str, Route] = {}
        self.steps: dict[str, Route] = {}
        self.leave_hooks: dict[str, Handler] = {}

    def command(
        self,
        name: str,
        *,
        min_role: Role = Role.MENTOR,
        only: Iterable[Role] | None = None,
        help_key: str | None = None,
        keep_dialog: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Route `/name` to the decorated handler (`keep_dialog`: it does not end a dialog)."""

        def register(handler: Handler) -> Handler:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = Route(
                handler, min_role, _roles(only), help_key, keep_dialog=keep_dialog
            )
            return handler

        return register

    def choice(
        self,
        prefix: str,
        id_class: type[ChoiceId],
        *,
        min_role: Role = Role.MENTOR,
        only: Iterable[Role] | None = None,
        keep_dialog: bool = False,
    ) -> Callable[[ChoiceHandler], ChoiceHandler]:
        """Route the ids of `id_class` (whose prefix is `prefix`) to `handler(ctx, choice)`."""
        if id_class.prefix != prefix:
            raise ValueError(f"{id_class.__name__} has prefix {id_class.prefix!r}, not {prefix!r}")
        if prefix.split(SEP, 1)[0] != self.choice_prefix:
            raise ValueError(f"choice {prefix!r} is not in feature prefix {self.choice_prefix!r}")

        def register(handler: ChoiceHandler) -> ChoiceHandler:
            if prefix in self.choices:
                raise ValueError(f"choice {prefix!r} registered twice")
            self.choices[prefix] = Route(
                handler, min_role, _roles(only), keep_dialog=keep_dialog, id_class=id_class
            )
            return handler

        return register

    def step(
        self, *steps: StrEnum, min_role: Role = Role.GUEST, files: bool = False
    ) -> Callable[[Handler], Handler]:
        """Route free text (and files, when `files`) typed in these dialog steps."""

        for step in steps:
            self._check_step(step)

        def register(handler: Handler) -> Handler:
            for step in steps:
                if step.value in self.steps:
                    raise ValueError(f"step {step.value!r} registered twice")
                self.steps[step.value] = Route(handler, min_role, files=files)
            return handler

        return register

    def no_text(self, *steps: StrEnum) -> None:
        """Steps that wait for a button only: text typed there is handled as outside any dialog."""
        for step in steps:
            self._check_step(step)
            self.steps[step.value] = Route(_no_text_handler, files=False)

    def on_leave(self, *steps: StrEnum) -> Callable[[Handler], Handler]:
        """Call the decorated handler when a person leaves one of these steps (a draft to keep)."""

        for step in steps:
            self._check_step(step)

        def register(handler: Handler) -> Handler:
            for step in steps:
                self.leave_hooks[step.value] = handler
            return handler

        return register

    def _check_step(self, step: StrEnum) -> None:
        if not isinstance(step, StrEnum) or not step.value.startswith(self.feature + "."):
            raise ValueError(f"step {step!r} is not a Step of feature {self.feature!r}")


async def _no_text_handler(ctx: Ctx) -> None:  # never called: dispatch checks for it
    raise AssertionError("a step that takes no text")


def takes_text(route: Route | None) -> bool:
    """True when a step route handles typed text (not declared with `Routes.no_text`)."""
    return route is not None and route.handler is not _no_text_handler


@dataclass
class Router:
    """Where every update goes. Features add their `Routes` and hooks in `setup(app)`."""

    commands: dict[str, Route] = field(default_factory=dict)
    choices: dict[str, Route] = field(default_factory=dict)
    steps: dict[str, Route] = field(default_factory=dict)
    leave_hooks: dict[str, Handler] = field(default_factory=dict)
    menu_items: list[MenuItem] = field(default_factory=list)
    menu_lines: list[MenuLines] = field(default_factory=list)
    # Hooks, in the order dispatch calls them (docs/DEVELOPING.md: "The path of one update").
    gates: list[Hook] = field(default_factory=list)
    reply_handlers: list[Hook] = field(default_factory=list)
    loose_text_handlers: list[Hook] = field(default_factory=list)
    group_handlers: list[Handler] = field(default_factory=list)
    step_enums: list[type[StrEnum]] = field(default_factory=list)
    crisis_net: CrisisNet | None = None
    menu_builder: MenuBuilder | None = None

    def include(self, routes: Routes) -> None:
        """Take in a feature's routes (names must be unique across features)."""
        if routes.step_enum is not None:
            self.step_enums.append(routes.step_enum)
        for table, mine in (
            (self.commands, routes.commands),
            (self.choices, routes.choices),
            (self.steps, routes.steps),
        ):
            twice = set(table) & set(mine)
            if twice:
                raise ValueError(f"registered twice: {', '.join(sorted(twice))}")
            table.update(mine)
        self.leave_hooks.update(routes.leave_hooks)

    def validate(self) -> None:
        """After every feature is set up: each declared dialog step has a route (or `no_text`)."""
        missing = [s.value for e in self.step_enums for s in e if s.value not in self.steps]
        if missing:
            raise ValueError(f"dialog steps without a route: {', '.join(missing)}")

    def gate(self, handler: Hook) -> None:
        """See every private update of an active person first; True stops it (e.g. new consent)."""
        self.gates.append(handler)

    def on_reply(self, handler: Hook) -> None:
        """See private texts that reply to an earlier bot message first (e.g. a ticket)."""
        self.reply_handlers.append(handler)

    def on_loose_text(self, handler: Hook) -> None:
        """See free text that belongs to no dialog before the bot says it did not understand."""
        self.loose_text_handlers.append(handler)

    def crisis(self, net: CrisisNet) -> None:
        """The safety net that reads every typed text first (one per bot)."""
        self.crisis_net = net

    def group(self, handler: Handler) -> None:
        """Receive messages from group chats (e.g. the experts' group)."""
        self.group_handlers.append(handler)

    def menu_line(self, provider: MenuLines) -> None:
        """Buttons for one person at the top of the menu: where they are ("Continue: bite 3/10")."""
        self.menu_lines.append(provider)

    def build_menu(self, builder: MenuBuilder) -> None:
        """Let a feature lay out the main menu per role (None from it: the registered items)."""
        self.menu_builder = builder

    def menu(self, item: MenuItem) -> None:
        """Add a main-menu button."""
        self.menu_items.append(item)
        self.menu_items.sort(key=lambda m: m.order)

    def find_choice(self, choice_id: str) -> Route | None:
        """The route whose prefix is the longest whole-segment match for `choice_id`."""
        key = choice_id
        while key:
            route = self.choices.get(key)
            if route is not None:
                return route
            key = key.rpartition(SEP)[0]
        return None

    def find_step(self, step: str) -> Route | None:
        """The route of a dialog step (None for a step no feature knows, e.g. after an update)."""
        return self.steps.get(step)

    def find_leave_hook(self, step: str) -> Handler | None:
        """The leave hook for a dialog step, if any."""
        return self.leave_hooks.get(step)

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
