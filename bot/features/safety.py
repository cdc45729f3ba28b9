"""Safety: crisis signals in anything a person writes get immediate, gentle help and an expert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Ctx
from bot.crisis import CrisisDetector
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.safety import SafetyRepo

if TYPE_CHECKING:
    from bot.app import App


def setup(app: App) -> None:
    """Watch free text; offer help and an urgent expert contact."""
    signals = app.content.safety_signals if app.content else None
    app.services.safety = CrisisDetector(signals or {})
    app.router.observe_text(watch)
    # keep_dialog: answering the safety question never throws away what the person was writing
    app.router.choice("safety:", on_choice, min_role=Role.MENTOR, keep_dialog=True)
    # Anyone, even before onboarding, can ask where to get help.
    app.router.command("helplines", show_helplines, min_role=Role.GUEST, help_key="cmd.helplines")
    app.router.choice("help:", on_help_choice, min_role=Role.GUEST, keep_dialog=True)
    app.router.menu(MenuItem("help:lines", "menu.helplines", order=80))


async def watch(ctx: Ctx) -> None:
    """After any free text: if it carries a crisis signal, answer at once with help."""
    if ctx.person is None or not ctx.person.active:
        return
    signal = ctx.app.services.safety.scan(ctx.text)
    if signal is None:
        return
    await ctx.repo(SafetyRepo).flag(ctx.person.id, signal.category)
    await ctx.audit("safety.signal", category=signal.category)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t(f"safety.noticed_{signal.category}", help=help_lines(ctx)),
            [ctx.button("safety:about:me", "safety.about_me")],
            [ctx.button("safety:about:other", "safety.about_other")],
            [ctx.button("safety:ok", "safety.not_needed")],
        )
    )


async def on_choice(ctx: Ctx) -> None:
    """safety:about:me|other, safety:expert:yes|no, safety:ok."""
    flag = await ctx.repo(SafetyRepo).latest(ctx.person.id)
    parts = ctx.choice_parts
    if flag is None:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    if parts[1] == "ok":
        await ctx.reply(ctx.t("safety.ok", help=help_lines(ctx)))
    elif parts[1] == "about" and len(parts) > 2 and parts[2] in ("me", "other"):
        await ctx.repo(SafetyRepo).set_about(flag["id"], parts[2])
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t(f"safety.guidance_{parts[2]}", help=help_lines(ctx)),
                [ctx.button("safety:expert:yes", "safety.expert_yes")],
                [ctx.button("safety:expert:no", "safety.expert_no")],
            )
        )
    elif parts[1] == "expert" and len(parts) > 2 and parts[2] == "yes":
        await _open_urgent_ticket(ctx, flag)
    elif parts[1] == "expert":
        # A button of its own replaces "Yes, contact me", so a number typed next cannot pick it.
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("safety.expert_declined", help=help_lines(ctx)),
                [ctx.button("safety:done", "common.back_to_menu")],
            )
        )
    elif parts[1] == "done" and ctx.dialog is not None:
        await ctx.reply(ctx.t("safety.carry_on"))  # what they were writing is still open
    elif parts[1] == "done":
        await ctx.show_menu()
    else:
        await ctx.reply(ctx.t("common.stale_button"))


async def _open_urgent_ticket(ctx: Ctx, flag: dict) -> None:
    if flag.get("ticket_no"):
        await ctx.reply(ctx.t("safety.ticket_exists", number=flag["ticket_no"]))
        return
    escalations = ctx.app.services.escalations
    if escalations is None:
        await ctx.reply(ctx.t("safety.no_experts", help=help_lines(ctx)))
        return
    about = flag.get("about") or "me"
    number = await escalations.open_ticket(
        mentor_id=ctx.person.id,
        topic="wellbeing" if about == "me" else "community",
        text=ctx.t(f"safety.ticket_text_{about}", name=ctx.person.display_name),
        anonymous=False,
        urgent=True,
        source="safety",
    )
    await ctx.repo(SafetyRepo).set_ticket(flag["id"], number)
    await ctx.audit("safety.ticket", subject=str(number))
    await ctx.reply(ctx.t("safety.ticket_opened", number=number, help=help_lines(ctx)))


def help_lines(ctx: Ctx) -> str:
    """Emergency number and the crisis line(s) from content/resources.yaml, in the person's language."""
    resources = ctx.app.content.resources if ctx.app.content else None
    if resources is None:
        return ctx.t("safety.emergency_only")
    lines = []
    crisis = resources.helpline(resources.crisis_line)
    chosen = [h for h in resources.helplines if h.id == "emergency"] + [crisis]
    for line in resources.helplines:
        if line not in chosen and ctx.lang in line.languages and line.id != "emergency":
            if line.id.startswith("mieli"):
                chosen.append(line)
    lines += [_line(ctx, line) for line in chosen]
    return "\n".join(lines)


# --- where to get help (/helplines, the menu) ---------------------------------------------------


async def show_helplines(ctx: Ctx) -> None:
    """Every helpline in content/resources.yaml, and the way to support victims and survivors."""
    resources = ctx.app.content.resources if ctx.app.content else None
    if resources is None:
        await ctx.reply(ctx.t("safety.emergency_only"))
        return
    lines = [ctx.t("helplines.title"), ""]
    lines += [_line(ctx, h) for h in resources.helplines]
    pages = list(dict.fromkeys(h.url for h in resources.helplines if h.url))
    if pages:  # opening hours change: the services' own pages have them
        lines += ["", ctx.t("helplines.pages"), *pages]
    await ctx.reply(
        Outgoing.with_buttons(
            "\n".join(lines),
            [Choice("help:victims", resources.victim_title.get(ctx.lang))],
            *_back(ctx),
        )
    )


async def on_help_choice(ctx: Ctx) -> None:
    """help:lines (the menu) and help:victims."""
    resources = ctx.app.content.resources if ctx.app.content else None
    if ctx.incoming.choice_id == "help:victims" and resources is not None:
        steps = [f"{s.title.get(ctx.lang)}: {s.text.get(ctx.lang)}" for s in resources.victim_steps]
        contacts = [_line(ctx, resources.helpline(i)) for i in resources.victim_contacts]
        text = "\n\n".join(
            [resources.victim_title.get(ctx.lang), resources.victim_intro.get(ctx.lang), *steps]
        )
        text += "\n\n" + "\n".join(contacts)
        await ctx.reply(Outgoing.with_buttons(text, [ctx.button("help:lines", "helplines.all")]))
        return
    await show_helplines(ctx)


def _line(ctx: Ctx, helpline) -> str:
    return f"• {helpline.name.get(ctx.lang)}: {helpline.number} — {helpline.when.get(ctx.lang)}"


def _back(ctx: Ctx) -> list[list[Choice]]:
    """Back to the menu, for those who have one."""
    if ctx.person is None or not ctx.person.active:
        return []
    return [[ctx.button("menu:home", "common.back_to_menu")]]
