"""Privacy: /mydata (everything stored, as JSON), /forget (erase), consent versions, retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import local_at
from bot.context import Ctx
from bot.messages import Attachment, Outgoing
from storage.jobs import Job, JobsRepo
from storage.people import PeopleRepo
from storage.privacy import PrivacyRepo

if TYPE_CHECKING:
    from bot.app import App

RETENTION_JOB = "privacy.retention"


def setup(app: App) -> None:
    """Register /mydata, /forget, the consent gate and the daily clean-up."""
    app.router.command("mydata", my_data, help_key="cmd.mydata")
    app.router.command("forget", forget, help_key="cmd.forget")
    app.router.choice("priv:", on_choice)
    app.router.gate(consent_gate)
    app.scheduler.on(RETENTION_JOB, clean_up)
    app.on_started.append(lambda: ensure_clean_up(app))


async def my_data(ctx: Ctx) -> None:
    """/mydata: a JSON file of everything stored about the person, and a readable summary."""
    data = await ctx.repo(PrivacyRepo).export(ctx.person.id)
    await ctx.audit("privacy.export")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    summary = ctx.t(
        "priv.summary",
        name=ctx.person.display_name,
        reflections=len(data["reflections"]),
        workshops=len(data["workshops"]),
        questions=len(data["questions_to_experts"]),
        checkins=len(data["check_ins"]),
        bites=len(data["bites_read"]),
    )
    await ctx.reply(summary)
    await ctx.reply(
        Outgoing(
            ctx.t("priv.file_caption"),
            attachment=Attachment("my-data.json", body, "application/json", "document"),
        )
    )


FORGET_STEP = "priv.forget"


async def forget(ctx: Ctx) -> None:
    """/forget: ask once more, then erase."""
    await ctx.set_step(FORGET_STEP)  # "yes" counts only as the answer to this very question
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("priv.forget_confirm"),
            [ctx.button("priv:forget:yes", "priv.forget_yes")],
            [ctx.button("priv:forget:no", "priv.forget_no")],
        )
    )


async def on_choice(ctx: Ctx) -> None:
    """priv:forget:yes|no, priv:consent:yes|more|no."""
    parts = ctx.choice_parts
    what = parts[1] if len(parts) > 1 else ""
    answer = parts[2] if len(parts) > 2 else ""
    if what == "forget" and answer == "yes":
        if ctx.dialog is None or ctx.dialog.step != FORGET_STEP:
            # An old button or number: erasing everything needs the question asked again.
            await ctx.show_menu(lead=ctx.t("common.stale_button"))
            return
        said = ctx.t("priv.forgotten")  # in their language, before the person is gone
        await ctx.repo(PrivacyRepo).erase(ctx.person.id)
        await ctx.app.db.checkpoint()
        ctx.person = None
        ctx.dialog = None
        await ctx.reply(said)
    elif what == "forget":
        if ctx.dialog is not None and ctx.dialog.step == FORGET_STEP:
            await ctx.clear_step()
        await ctx.show_menu(lead=ctx.t("priv.not_forgotten"))  # new choices replace the old
    elif what == "consent":
        await _consent_answer(ctx, answer)
    else:
        await ctx.reply(ctx.t("common.stale_button"))


# --- consent versions --------------------------------------------------------------------------------


async def consent_gate(ctx: Ctx) -> bool:
    """A new consent version asks everyone again before anything else happens."""
    wanted = ctx.app.config.bot.consent_version
    if (ctx.person.consent_version or 0) >= wanted:
        return False
    choice = ctx.incoming.choice_id or ""
    if choice.startswith("priv:"):
        return False  # the answer to the question below, or /forget's confirmation
    if ctx.text.split(" ")[0] in ("/forget", "/mydata"):
        return False  # a person may always see and erase their data
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("priv.consent_changed") + "\n\n" + ctx.t("onboarding.consent"),
            [ctx.button("priv:consent:yes", "onboarding.consent_yes")],
            [ctx.button("priv:consent:more", "onboarding.consent_more_button")],
            [ctx.button("priv:consent:no", "onboarding.consent_no")],
        )
    )
    return True


async def _consent_answer(ctx: Ctx, answer: str) -> None:
    if answer == "more":
        await ctx.reply(ctx.t("onboarding.consent_details"))
    elif answer == "yes":
        version = ctx.app.config.bot.consent_version
        ctx.person = await ctx.repo(PeopleRepo).update(
            ctx.person.id, consent_version=version, consented_at=ctx.app.db.now_iso()
        )
        await ctx.audit("consent.given", version=version)
        await ctx.show_menu(lead=ctx.t("priv.consent_thanks"))
    elif answer == "no":
        await ctx.audit("consent.declined", version=ctx.app.config.bot.consent_version)
        await ctx.set_step(FORGET_STEP)
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("priv.consent_declined"),
                [ctx.button("priv:forget:yes", "priv.forget_yes")],
            )
        )
    else:
        await ctx.reply(ctx.t("common.stale_button"))


# --- retention -----------------------------------------------------------------------------------------


def _next_run(app: App, after: datetime) -> datetime:
    tz = app.config.tz
    day = after.astimezone(tz).date()
    at = app.config.privacy.cleanup_at
    candidate = local_at(day, at, tz)
    return candidate if candidate > after else local_at(day + timedelta(days=1), at, tz)


async def ensure_clean_up(app: App) -> None:
    """Keep exactly one pending clean-up job (a row like every other timed work)."""
    if not await app.db.repo(JobsRepo).pending_for(RETENTION_JOB, "daily"):
        await app.scheduler.add(RETENTION_JOB, "daily", _next_run(app, app.clock.now()))


async def clean_up(app: App, job: Job) -> datetime:
    """Delete free text older than its retention; runs daily."""
    now = app.clock.now()
    privacy = app.db.repo(PrivacyRepo)
    removed = {}
    for kind, days in app.config.privacy.retention_days.model_dump().items():
        if days:
            removed[kind] = await privacy.purge_older_than(kind, days, now)
    await app.db.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, NULL, ?, NULL, ?)",
        (app.db.now_iso(), "privacy.retention", json.dumps(removed)),
    )
    return _next_run(app, now)
