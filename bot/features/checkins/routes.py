"""Check-ins, the mentor's side: the 1-5 answer, optional words, "Not now" (at most twice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.context import Ctx
from bot.features.checkins import ids
from bot.features.checkins.ids import Step
from bot.features.checkins.messages import checkin_message, tell_expert
from bot.features.menu import ids as menu_ids
from bot.messages import NOTE_MAX, Choice, Outgoing, clean_text
from bot.roles import Role
from bot.router import Routes
from storage.checkins import Checkin, CheckinsRepo

MAX_SNOOZES = 2
LOW_SCORE = 2
SNOOZE_FOR = {"3h": timedelta(hours=3), "1d": timedelta(days=1), "3d": timedelta(days=3)}
NEED_HELP = ("need help", "tarvitsen apua", "behöver hjälp", "apua", "help me")
FIND_AGAIN_DAYS = 14  # a check-in sent or missed this recently can be opened from the menu

routes = Routes("ck", steps=Step)


@routes.choice("ck:s", ids.Score)
async def score(ctx: Ctx, choice: ids.Score) -> None:
    """The score: thanks (and a ticket when it is low), then the optional words."""
    checkin = await _open_checkin(ctx, choice.checkin)
    if checkin is None:
        return
    repo = ctx.repo(CheckinsRepo)
    if not await repo.answer(checkin.id, choice.score):
        await ctx.reply(ctx.t("ck.already_answered"))
        return
    await ctx.app.scheduler.cancel_for("checkin.followup", str(checkin.id))
    await ctx.audit("checkin.answered", subject=str(checkin.id), score=choice.score)
    checkin = await repo.get(checkin.id)
    low = choice.score <= LOW_SCORE
    await ctx.reply(ctx.t("ck.thanks_low" if low else "ck.thanks"))
    if low:
        await _escalate(ctx, checkin, "")
    await ctx.set_step(Step.WORDS, {"checkin": checkin.id})
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ck.ask_words"), [ids.SkipWords(checkin.id).button(ctx.t("ck.skip"))]
        )
    )


@routes.step(Step.WORDS)
async def words_text(ctx: Ctx) -> None:
    """The mentor's optional words after the score."""
    words, problem = clean_text(ctx.incoming.text or "", NOTE_MAX)
    if problem == "too_long":
        await ctx.reply(ctx.t("ck.words_too_long", max=NOTE_MAX, length=len(words)))
        return
    checkin = await ctx.repo(CheckinsRepo).get(ctx.dialog.data["checkin"])
    await ctx.clear_step()
    if checkin is not None:
        await _finish(ctx, checkin, words)


@routes.choice("ck:skip", ids.SkipWords)
async def skip_words(ctx: Ctx, choice: ids.SkipWords) -> None:
    """No words: the answer is complete."""
    checkin = await _own_checkin(ctx, choice.checkin)
    if checkin is None:
        return
    in_words = ctx.dialog is not None and ctx.dialog.step == Step.WORDS
    if not in_words or ctx.dialog.data.get("checkin") != checkin.id:
        # Only right after this check-in's score: an old Skip (or a forged one) does nothing,
        # and the expert is not told the answer once more.
        await ctx.show_menu(lead=ctx.t("ck.already_answered"))
        return
    await ctx.clear_step()
    await _finish(ctx, checkin, "")


@routes.choice("ck:later", ids.Later)
async def later(ctx: Ctx, choice: ids.Later) -> None:
    """Not now: when to ask again (after two postponements, the scale once more)."""
    checkin = await _open_checkin(ctx, choice.checkin)
    if checkin is not None:
        await _offer_snooze(ctx, checkin)


@routes.choice("ck:snz", ids.Snooze)
async def snooze(ctx: Ctx, choice: ids.Snooze) -> None:
    """Ask again later: the check-in moves, its reminder waits."""
    checkin = await _open_checkin(ctx, choice.checkin)
    if checkin is None:
        return
    if checkin.snoozes >= MAX_SNOOZES:
        await _offer_snooze(ctx, checkin)
        return
    due = ctx.now() + SNOOZE_FOR[choice.when]
    await ctx.app.scheduler.cancel_for("checkin.followup", str(checkin.id))
    await ctx.app.scheduler.cancel_for("checkin", str(checkin.id))
    await ctx.repo(CheckinsRepo).reschedule(checkin.id, due, snooze=True)
    await ctx.app.scheduler.add("checkin", str(checkin.id), due)
    await ctx.audit("checkin.snoozed", subject=str(checkin.id))
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("ck.snoozed", when=due.astimezone(ctx.tz).strftime("%d.%m. %H:%M")),
            [menu_ids.Home().button(ctx.t("common.back_to_menu"))],
        )
    )


@routes.choice("ck:open", ids.OpenCheckin)
async def open_checkin(ctx: Ctx, choice: ids.OpenCheckin) -> None:
    """A check-in found again from the menu: the question with its scale."""
    checkin = await _open_checkin(ctx, choice.checkin)
    if checkin is not None:
        await ctx.reply(await checkin_message(ctx.app, checkin, ctx.person))


async def waiting_line(ctx: Ctx) -> list[Choice]:
    """The menu's "A check-in is waiting for you" (also one that was missed)."""
    if ctx.person is None or not ctx.person.active or ctx.role != Role.MENTOR:
        return []
    since = ctx.now() - timedelta(days=FIND_AGAIN_DAYS)
    waiting = await ctx.repo(CheckinsRepo).waiting(ctx.person.id, since)
    if not waiting:
        return []
    return [ids.OpenCheckin(waiting[0].id).button(ctx.t("ck.waiting", count=len(waiting)))]


async def _offer_snooze(ctx: Ctx, checkin: Checkin) -> None:
    if checkin.snoozes >= MAX_SNOOZES:
        out = await checkin_message(ctx.app, checkin, ctx.person)
        await ctx.reply(ctx.t("ck.no_more_snoozes"))
        await ctx.reply(replace(out, choices=out.choices[:1]))
        return
    rows = [[ids.Snooze(checkin.id, key).button(ctx.t(f"ck.snooze_{key}"))] for key in SNOOZE_FOR]
    await ctx.reply(Outgoing.with_buttons(ctx.t("ck.when_later"), *rows))


async def _finish(ctx: Ctx, checkin: Checkin, words: str) -> None:
    """Store the words, open a ticket when help is asked for, and tell the expert."""
    repo = ctx.repo(CheckinsRepo)
    if words:
        await repo.add_words(checkin.id, words)
    checkin = await repo.get(checkin.id)
    asks_help = any(phrase in words.casefold() for phrase in NEED_HELP)
    if checkin.ticket_id is None and asks_help:
        await _escalate(ctx, checkin, words)
    elif checkin.ticket_id is not None and words:
        escalations = ctx.app.services.escalations
        if escalations is not None:
            await escalations.tickets.add_message(checkin.ticket_id, "mentor", ctx.person.id, words)
    await tell_expert(
        ctx.app,
        checkin,
        "ck.answer_to_expert",
        ctx.person,
        score=checkin.score or "-",
        words=words or "-",
    )
    await ctx.show_menu(lead=ctx.t("ck.saved"))


async def _escalate(ctx: Ctx, checkin: Checkin, words: str) -> None:
    escalations = ctx.app.services.escalations
    if escalations is None:
        return
    text = ctx.t("ck.ticket_text", score=checkin.score or "-", words=words or "-")
    number = await escalations.open_ticket(
        mentor_id=ctx.person.id, topic="wellbeing", text=text, source="checkin"
    )
    await ctx.repo(CheckinsRepo).set_ticket(checkin.id, number)
    await ctx.reply(ctx.t("ck.ticket_opened", number=number))


async def _own_checkin(ctx: Ctx, checkin_id: int) -> Checkin | None:
    """The mentor's own check-in; otherwise (said) the button is stale."""
    checkin = await ctx.repo(CheckinsRepo).get(checkin_id)
    if checkin is None or checkin.mentor_id != ctx.person.id:
        await ctx.show_menu(lead=ctx.t("common.stale_button"))
        return None
    return checkin


async def _open_checkin(ctx: Ctx, checkin_id: int) -> Checkin | None:
    """The mentor's own check-in while it waits for an answer; otherwise says why not."""
    checkin = await _own_checkin(ctx, checkin_id)
    if checkin is None:
        return None
    if checkin.status not in ("sent", "missed"):  # a missed one can still be answered
        key = "ck.already_answered" if checkin.status == "answered" else "ck.no_longer_open"
        await ctx.show_menu(lead=ctx.t(key))  # never a screen without a way on
        return None
    return checkin
