"""The learning journey: sections with progress, bites, reflections, the check and section feedback."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.content import Bite, Content, Section, reflection_question
from bot.context import Ctx
from bot.features.learning_feedback import (
    answer_check,
    answer_feedback,
    section_done,
    section_end,
    show_feedback,
)
from bot.messages import Attachment, Choice, Outgoing
from bot.roles import Role
from bot.router import MenuItem
from storage.journal import JournalRepo
from storage.people import Person
from storage.progress import ProgressRepo

if TYPE_CHECKING:
    from bot.app import App

REFLECTION_MAX = 20_000  # several messages together; each one is within the messenger's limit
COMMENT_MAX = 1000


def setup(app: App) -> None:
    """Register /learn, /feedback, the learn: buttons and the reflection steps."""
    app.router.command("learn", show_sections, help_key="cmd.learn")
    app.router.command("feedback", show_feedback, min_role=Role.STAFF, help_key="cmd.feedback")
    app.router.choice("learn:", on_choice)
    app.router.step("learn.", on_text)
    app.router.step("learn.reflect", on_reflection_text)
    app.router.on_leave("learn.reflect", _keep_draft)
    app.router.menu(MenuItem("learn:home", "menu.learn", order=10))
    app.services["learning"] = LearningService(app)


class LearningService:
    """What other features (nudges, reports) may ask of the learning journey."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def next_bite(self, person: Person) -> Bite | None:
        """The first unread bite, section by section; None when everything is read."""
        seen = await self.app.db.repo(ProgressRepo).seen(person.id)
        for section in self.app.content.sections:
            for bite in section.bites:
                if bite.id not in seen:
                    return bite
        return None

    async def bite_message(self, person: Person, bite: Bite, intro: str = "") -> Outgoing:
        """A bite as the mentor sees it, marked as read."""
        section = self.app.content.section(bite.section_id)
        await self.app.db.repo(ProgressRepo).mark_seen(person.id, bite.id, section.id)
        return render_bite(self.app.content, section, bite, person.language, intro)


# --- showing things ---------------------------------------------------------------------------


def _t(lang: str, key: str, **values: object) -> str:
    from bot import i18n

    return i18n.t(lang, key, **values)


def render_bite(
    content: Content, section: Section, bite: Bite, lang: str, intro: str = ""
) -> Outgoing:
    """A bite with its buttons: Next, Reflect on this, (a link), Back to sections."""
    position = section.bites.index(bite) + 1
    text = f"{bite.title.get(lang)}\n\n{bite.text.get(lang)}\n\n" + _t(
        lang,
        "learn.position",
        section=section.title.get(lang),
        n=position,
        total=len(section.bites),
    )
    if intro:
        text = f"{intro}\n\n{text}"
    rows: list[list[Choice]] = [
        [Choice(f"learn:next:{bite.id}", _t(lang, "learn.next"))],
        [Choice(f"learn:reflect:{bite.id}", _t(lang, "learn.reflect"))],
    ]
    if bite.link is not None:
        rows.append([Choice(f"learn:link:{bite.id}", bite.link.label.get(lang), url=bite.link.url)])
    rows.append([Choice("learn:home", _t(lang, "learn.back_to_sections"))])
    out = Outgoing.with_buttons(text, *rows)
    if bite.image is not None:
        mime = "image/png" if bite.image.suffix.lower() == ".png" else "image/jpeg"
        out = replace(
            out, attachment=Attachment(bite.image.name, bite.image.read_bytes(), mime, "photo")
        )
    return out


async def show_sections(ctx: Ctx) -> None:
    """/learn: every section with the mentor's progress, e.g. "2/9"."""
    progress = ctx.repo(ProgressRepo)
    seen = await progress.seen(ctx.person.id)
    completed = await progress.completed(ctx.person.id)
    nudges = ctx.app.services.get("nudges")
    if nudges is not None:
        await nudges.welcome_back(ctx.person)
    rows = []
    for section in ctx.app.content.sections:
        done = sum(1 for b in section.bites if b.id in seen)
        mark = " ✓" if section.id in completed else ""
        label = f"{section.title.get(ctx.lang)} ({done}/{len(section.bites)}){mark}"
        rows.append([Choice(f"learn:s:{section.id}", label)])
    if "nudges" in ctx.app.services:
        rows.append([ctx.button("nudge:home", "learn.reminders")])
    rows.append([ctx.button("menu:home", "common.back_to_menu")])
    await ctx.reply(Outgoing.with_buttons(ctx.t("learn.sections_title"), *rows))


async def on_choice(ctx: Ctx) -> None:
    """Every learn: button."""
    parts = ctx.choice_parts
    action = parts[1] if len(parts) > 1 else "home"
    arg = parts[2] if len(parts) > 2 else ""
    if (
        ctx.dialog is not None
        and ctx.dialog.step == "learn.reflect"
        and action
        not in (
            "rdone",
            "rcancel",
        )
    ):
        await _keep_draft(ctx)
        await ctx.clear_step()
    elif ctx.dialog is not None and ctx.dialog.step == "learn.comment" and action != "fbskip":
        await ctx.clear_step()
    content = ctx.app.content
    if action != "home":  # show_sections does it itself
        nudges = ctx.app.services.get("nudges")
        if nudges is not None:
            await nudges.welcome_back(ctx.person)
    if action == "home":
        await show_sections(ctx)
    elif action == "s" and content.section(arg):
        await _section_overview(ctx, content.section(arg))
    elif action == "go" and content.section(arg):
        await _continue_section(ctx, content.section(arg))
    elif action in ("next", "bite", "reflect") and content.bite(arg):
        bite = content.bite(arg)
        if action == "bite":
            await _send_bite(ctx, bite)
        elif action == "next":
            await _after_bite(ctx, bite)
        else:
            await _start_reflection(ctx, bite)
    elif action == "rdone":
        await _finish_reflection(ctx)
    elif action == "rcancel":
        await _cancel_reflection(ctx)
    elif action == "share" and len(parts) == 4 and parts[2].isdecimal():
        await _share_choice(ctx, int(parts[2]), parts[3] == "yes")
    elif action == "check" and len(parts) == 4 and content.section(arg):
        await answer_check(ctx, content.section(arg), parts[3])
    elif action == "fb" and len(parts) == 4 and content.section(arg) and parts[3].isdecimal():
        await answer_feedback(ctx, content.section(arg), int(parts[3]))
    elif action == "fbskip":
        await ctx.clear_step()
        if content.section(arg):
            await section_done(ctx, content.section(arg))
    elif action == "end" and content.section(arg):
        await section_end(ctx, content.section(arg))
    else:
        await ctx.reply(ctx.t("common.stale_button"))
        await show_sections(ctx)


async def _section_overview(ctx: Ctx, section: Section) -> None:
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    done = sum(1 for b in section.bites if b.id in seen)
    key = "learn.start" if done == 0 else "learn.continue"
    rows = [[ctx.button(f"learn:go:{section.id}", key)]]
    if done:
        rows.append([ctx.button(f"learn:bite:{section.bites[0].id}", "learn.from_start")])
    rows.append([ctx.button("learn:home", "learn.back_to_sections")])
    text = f"{section.title.get(ctx.lang)}\n\n{section.intro.get(ctx.lang)}\n\n" + ctx.t(
        "learn.progress", done=done, total=len(section.bites)
    )
    await ctx.reply(Outgoing.with_buttons(text, *rows))


async def _send_bite(ctx: Ctx, bite: Bite) -> None:
    service: LearningService = ctx.app.services["learning"]
    await ctx.reply(await service.bite_message(ctx.person, bite))


async def _continue_section(ctx: Ctx, section: Section) -> None:
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    for bite in section.bites:
        if bite.id not in seen:
            await _send_bite(ctx, bite)
            return
    await section_end(ctx, section)


async def _after_bite(ctx: Ctx, bite: Bite) -> None:
    section = ctx.app.content.section(bite.section_id)
    index = section.bites.index(bite)
    if index + 1 < len(section.bites):
        await _send_bite(ctx, section.bites[index + 1])
        return
    seen = await ctx.repo(ProgressRepo).seen(ctx.person.id)
    unread = [b for b in section.bites if b.id not in seen]
    if unread:  # they skipped ahead by re-reading: offer what is still unread
        await _send_bite(ctx, unread[0])
        return
    await section_end(ctx, section)


# --- the end of a section: completion, the check, feedback ------------------------------------


# --- reflections ---------------------------------------------------------------------------------


async def _start_reflection(ctx: Ctx, bite: Bite) -> None:
    prompt_text = reflection_question(ctx.app.content, ctx.lang, bite.prompt_id, bite)
    await ctx.set_step(
        "learn.reflect",
        {
            "prompt_id": bite.prompt_id,
            "bite_id": bite.id,
            "section_id": bite.section_id,
            "parts": [],
        },
    )
    await ctx.reply(
        Outgoing.with_buttons(
            prompt_text + "\n\n" + ctx.t("learn.reflect_how"),
            [ctx.button("learn:rcancel", "learn.reflect_cancel")],
        )
    )


async def on_text(ctx: Ctx) -> None:
    """Free text in a learn.* step other than a reflection: the feedback comment."""
    step = ctx.dialog.step
    if step == "learn.comment":
        comment = (ctx.incoming.text or "").strip()
        if len(comment) > COMMENT_MAX:
            await ctx.reply(ctx.t("learn.comment_too_long", max=COMMENT_MAX, length=len(comment)))
            return
        data = ctx.dialog.data
        await ctx.repo(ProgressRepo).add_feedback_comment(data["feedback_id"], comment)
        await ctx.clear_step()
        await ctx.reply(ctx.t("learn.comment_thanks"))
        section = ctx.app.content.section(data["section_id"])
        if section is not None:
            await section_done(ctx, section)
    else:
        await ctx.clear_step()
        await ctx.show_menu()


async def on_reflection_text(ctx: Ctx) -> None:
    """One more part of a reflection (several messages until Done)."""
    data = dict(ctx.dialog.data)
    parts = [*data.get("parts", []), ctx.incoming.text or ""]
    if sum(len(p) for p in parts) > REFLECTION_MAX:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("learn.reflect_full", max=REFLECTION_MAX),
                [ctx.button("learn:rdone", "learn.reflect_done")],
            )
        )
        return
    data["parts"] = parts
    await ctx.set_step("learn.reflect", data)
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_got", count=len(parts)),
            [ctx.button("learn:rdone", "learn.reflect_done")],
            [ctx.button("learn:rcancel", "learn.reflect_cancel")],
        )
    )


async def _store_reflection(ctx: Ctx) -> int | None:
    data = ctx.dialog.data if ctx.dialog else {}
    text = "\n\n".join(p.strip() for p in data.get("parts", []) if p.strip())
    if not text:
        return None
    reflection_id = await ctx.repo(JournalRepo).add(
        ctx.person.id,
        text,
        prompt_id=data.get("prompt_id"),
        bite_id=data.get("bite_id"),
        section_id=data.get("section_id"),
    )
    await ctx.audit("journal.added", subject=str(reflection_id))
    return reflection_id


async def _keep_draft(ctx: Ctx) -> None:
    """Leaving a reflection half-way: what was typed is kept as a private journal entry."""
    if await _store_reflection(ctx) is not None:
        await ctx.reply(ctx.t("learn.draft_kept"))


async def _finish_reflection(ctx: Ctx) -> None:
    if ctx.dialog is None or ctx.dialog.step != "learn.reflect":
        await ctx.reply(ctx.t("common.stale_button"))
        return
    bite_id = ctx.dialog.data.get("bite_id")
    reflection_id = await _store_reflection(ctx)
    if reflection_id is None:
        await ctx.reply(
            Outgoing.with_buttons(
                ctx.t("learn.reflect_empty"), [ctx.button("learn:rcancel", "learn.reflect_cancel")]
            )
        )
        return
    await ctx.clear_step()
    await ctx.reply(
        Outgoing.with_buttons(
            ctx.t("learn.reflect_saved"),
            [ctx.button(f"learn:share:{reflection_id}:no", "learn.keep_private")],
            [ctx.button(f"learn:share:{reflection_id}:yes", "learn.share_with_experts")],
            [ctx.button(f"learn:next:{bite_id}", "learn.next")],
        )
    )


async def _cancel_reflection(ctx: Ctx) -> None:
    if ctx.dialog is not None and ctx.dialog.step == "learn.reflect":
        bite_id = ctx.dialog.data.get("bite_id")
        written = any(p.strip() for p in ctx.dialog.data.get("parts", []))
        if written:
            await _keep_draft(ctx)
        await ctx.clear_step()
        if not written:
            await ctx.reply(ctx.t("learn.reflect_cancelled"))
        bite = ctx.app.content.bite(bite_id) if bite_id else None
        if bite is not None:
            await ctx.reply(
                Outgoing.with_buttons(
                    ctx.t("learn.where_next"),
                    [ctx.button(f"learn:next:{bite.id}", "learn.next")],
                    [ctx.button("learn:home", "learn.back_to_sections")],
                )
            )
            return
    await show_sections(ctx)


async def _share_choice(ctx: Ctx, reflection_id: int, shared: bool) -> None:
    journal = ctx.repo(JournalRepo)
    reflection = await journal.get(ctx.person.id, reflection_id)
    if reflection is None:
        await ctx.reply(ctx.t("common.stale_button"))
        return
    await journal.set_shared(ctx.person.id, reflection_id, shared)
    await ctx.audit("journal.shared" if shared else "journal.private", subject=str(reflection_id))
    rows = []
    if reflection.bite_id and ctx.app.content.bite(reflection.bite_id):
        rows.append([ctx.button(f"learn:next:{reflection.bite_id}", "learn.next")])
    rows.append([ctx.button("learn:home", "learn.back_to_sections")])
    key = "learn.shared" if shared else "learn.kept_private"
    await ctx.reply(Outgoing.with_buttons(ctx.t(key), *rows))


# --- staff: section feedback -------------------------------------------------------------------
