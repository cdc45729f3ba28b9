"""Where to get help: /helplines, the menu's Helplines, support for victims; for anyone."""

from __future__ import annotations

from bot.context import Ctx
from bot.features.menu import ids as menu_ids
from bot.features.safety import ids
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes

routes = Routes("help")


def help_lines(ctx: Ctx, about: str = "self", *, short: bool = False) -> str:
    """Where to get help now, in the person's language (content/resources.yaml).

    112; the MIELI crisis line in the person's language (Swedish and English lines have limited
    hours); the Finnish line, the one open around the clock; the line for other languages, each
    named in its own script; and Victim Support Finland (RIKU) when the worry is about someone else.
    `short`: 112 and the crisis lines only (a reminder within the same exchange).
    """
    resources = ctx.app.content.resources if ctx.app.content else None
    if resources is None:
        return ctx.t("safety.emergency_only")
    by_id = {h.id: h for h in resources.helplines}
    own = [h for h in resources.helplines if h.id.startswith("mieli") and ctx.lang in h.languages]
    chosen = [by_id.get("emergency"), *own, by_id.get(resources.crisis_line)]
    chosen = list(dict.fromkeys(h for h in chosen if h is not None))
    if short:  # names and numbers only
        return "\n".join(f"• {h.name.get(ctx.lang)}: {h.number}" for h in chosen)
    lines = [_line(ctx, h) for h in chosen]
    natives = [h for h in resources.helplines if h.native]
    if natives:
        listed = " · ".join(f"{h.native} {h.number}" for h in natives)
        lines.append(ctx.t("safety.other_languages", lines=listed))
    if about == "other" and "riku" in by_id:
        lines.append(_line(ctx, by_id["riku"]))
    return "\n".join(lines)


# Anyone, even before onboarding, can ask where to get help.
@routes.command("helplines", min_role=Role.GUEST, help_key="cmd.helplines", keep_dialog=True)
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
            [ids.Victims().button(resources.victim_title.get(ctx.lang))],
            *_back(ctx),
        )
    )


@routes.choice("help:lines", ids.Helplines, min_role=Role.GUEST, keep_dialog=True)
async def helplines_button(ctx: Ctx, choice: ids.Helplines) -> None:
    """The menu's Helplines, and "all helplines" under the victims' support."""
    await show_helplines(ctx)


@routes.choice("help:victims", ids.Victims, min_role=Role.GUEST, keep_dialog=True)
async def victims(ctx: Ctx, choice: ids.Victims) -> None:
    """Support for victims and survivors of terrorism: steps and whom to contact."""
    resources = ctx.app.content.resources if ctx.app.content else None
    if resources is None:
        await show_helplines(ctx)
        return
    steps = [f"{s.title.get(ctx.lang)}: {s.text.get(ctx.lang)}" for s in resources.victim_steps]
    contacts = [_line(ctx, resources.helpline(i)) for i in resources.victim_contacts]
    text = "\n\n".join(
        [resources.victim_title.get(ctx.lang), resources.victim_intro.get(ctx.lang), *steps]
    )
    text += "\n\n" + "\n".join(contacts)
    await ctx.reply(Outgoing.with_buttons(text, [ids.Helplines().button(ctx.t("helplines.all"))]))


def _line(ctx: Ctx, helpline) -> str:
    return f"• {helpline.name.get(ctx.lang)}: {helpline.number} — {helpline.when.get(ctx.lang)}"


def _back(ctx: Ctx) -> list[list[Choice]]:
    """Back to the menu, for those who have one."""
    if ctx.person is None or not ctx.person.active:
        return []
    return [[menu_ids.Home().button(ctx.t("common.back_to_menu"))]]
