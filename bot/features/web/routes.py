"""/web in the chat: a one-time sign-in link to the web console (staff and admins)."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.features.web import ids
from bot.messages import Choice, Outgoing
from bot.roles import Role
from bot.router import Routes
from storage.web import WebLinksRepo, WebSessionsRepo

routes = Routes("web")

KEEP_USED_LINKS = timedelta(days=1)  # a reused link is told "already used" for a day


@routes.command("web", min_role=Role.STAFF, help_key="cmd.web")
async def web_link(ctx: Ctx) -> None:
    """/web: a sign-in link that works once, for a few minutes, only for this person."""
    settings = ctx.app.config.web
    links = ctx.repo(WebLinksRepo)
    await links.purge(ctx.now() - KEEP_USED_LINKS)
    await ctx.repo(WebSessionsRepo).purge(ctx.now())
    token = await links.create(ctx.person.id, ctx.now() + timedelta(minutes=settings.link_minutes))
    await ctx.audit("web.link_created")
    url = f"{settings.public_url}/login/{token}"
    button = Choice(ids.ConsoleLink().pack(), ctx.t("web.open_button"), url=url)
    await ctx.reply(
        Outgoing.with_buttons(ctx.t("web.link", minutes=settings.link_minutes), [button])
    )


@routes.choice("web:open", ids.Open, min_role=Role.STAFF)
async def open_console(ctx: Ctx, choice: ids.Open) -> None:
    """The menu's Web console."""
    await web_link(ctx)
