"""Ask an expert: the buttons (choice ids) and dialog steps of mentors and of experts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, OneOf
from storage.tickets import TOPICS

TicketNumber = Annotated[int, Int(1)]  # a ticket's row id


class Step(StrEnum):
    """Where a mentor (or an expert writing an answer) is in a question's dialog."""

    TOPIC = "esc.topic"  # choosing what the question is about
    WRITE = "esc.write"  # writing the question, message by message, until Send
    ANON = "esc.anon"  # by name or anonymously
    REPLY = "esc.reply"  # the mentor writes again on an answered ticket
    ANSWER = "esc.answer"  # an expert writes an answer in their private chat


# --- the mentor's buttons ------------------------------------------------------------------------


class NewQuestion(ChoiceId, prefix="esc:new"):
    """Ask an expert: start with the topic."""


class Topic(ChoiceId, prefix="esc:topic"):
    """What the question is about."""

    topic: Annotated[str, OneOf(*TOPICS)]


class Send(ChoiceId, prefix="esc:send"):
    """Send what was written: a new question (then by name or not) or a reply on a ticket."""


class Anonymous(ChoiceId, prefix="esc:anon"):
    """Open the ticket anonymously ("yes") or by name ("no")."""

    answer: Annotated[str, OneOf("yes", "no")]


class Cancel(ChoiceId, prefix="esc:cancel"):
    """Stop asking, replying or answering; back to the menu."""


class Reply(ChoiceId, prefix="esc:reply"):
    """The mentor writes again on their ticket."""

    ticket: TicketNumber


class Solved(ChoiceId, prefix="esc:solved"):
    """The mentor marks their ticket solved (it closes)."""

    ticket: TicketNumber


class MyQuestions(ChoiceId, prefix="esc:mine"):
    """The mentor's own questions with their state."""


class OpenQuestion(ChoiceId, prefix="esc:open"):
    """One of the mentor's questions with the whole conversation."""

    ticket: TicketNumber


# --- the experts' buttons ------------------------------------------------------------------------


class Claim(ChoiceId, prefix="esc:x:claim"):
    """An expert takes a ticket on (the others see who)."""

    ticket: TicketNumber


class Close(ChoiceId, prefix="esc:x:close"):
    """The expert who claimed a ticket (or staff) closes it."""

    ticket: TicketNumber


class Answer(ChoiceId, prefix="esc:x:ans"):
    """Write an answer in the private chat, message by message."""

    ticket: TicketNumber


class SendAnswer(ChoiceId, prefix="esc:x:send"):
    """Send the answer being written to the mentor."""
