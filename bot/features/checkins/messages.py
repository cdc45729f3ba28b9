"""What a check-in says: the question with its 1-5 buttons to the mentor, and news to the expert."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot import i18n
from bot.features.checkins import ids
from bot.messages import Outgoing
from bot.roles import Role
from storage.checkins import Checkin
from storage.people import PeopleRepo, Person

if TYPE_CHECKING:
    from bot.app import App


def question_text(app: App, checkin: Checkin, lang: str) -> str:
    """The question: tailored to the workshop's first theme, else the default."""
    questions = app.content.checkin_questions
    for theme in checkin.themes:
        if theme in questions:
            return questions[theme].get(lang)
    if "default" in questions:
        return questions["default"].get(lang)
    return i18n.t(lang, "ck.default_question")


async def checkin_message(
    app: App, checkin: Checkin, mentor: Person, reminder: bool = False
) -> Outgoing:
    """The check-in as the mentor gets it: who asks, the question, 1-5 and Not now."""
    expert = await app.db.repo(PeopleRepo).get(checkin.expert_id) if checkin.expert_id else None
    return render_checkin(
        app, checkin, mentor, expert.display_name if expert else None, reminder=reminder
    )


def render_checkin(
    app: App, checkin: Checkin, mentor: Person, expert_name: str | None, reminder: bool = False
) -> Outgoing:
    """`checkin_message` with the expert's name already read (None: from the project)."""
    lang = mentor.language
    lines = []
    if reminder:
        lines.append(i18n.t(lang, "ck.reminder"))
    lines.append(
        i18n.t(lang, "ck.from_expert", name=expert_name)
        if expert_name is not None
        else i18n.t(lang, "ck.from_project")
    )
    if checkin.message:
        lines.append(checkin.message)
    lines.append(question_text(app, checkin, lang))
    lines.append(i18n.t(lang, "ck.scale_hint"))
    scale = [ids.Score(checkin.id, n).button(str(n)) for n in range(1, 6)]
    later = [ids.Later(checkin.id).button(i18n.t(lang, "ck.not_now"))]
    # Bullets where choices are numbered replies: the 3 typed is the score 3, not option 3.
    return replace(Outgoing.with_buttons("\n\n".join(lines), scale, later), numbered=False)


async def tell_expert(app: App, checkin: Checkin, key: str, mentor: Person, **values) -> None:
    """Tell the check-in's expert (or every expert when it has none)."""
    people = app.db.repo(PeopleRepo)
    if checkin.expert_id:
        expert = await people.get(checkin.expert_id)
        experts = [expert] if expert and expert.active else []
    else:
        experts = await people.with_role(Role.EXPERT)
    for expert in experts:
        text = i18n.t(expert.language, key, name=mentor.display_name, number=checkin.id, **values)
        await app.messenger.send_to_person(expert.id, Outgoing(text))
