"""Ask an expert: the buttons (choice ids) and dialog steps of mentors and of experts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, Key, OneOf
from storage.tickets import HELPFUL, LISTINGS, TOPICS

TicketNumber = Annotated[int, Int(1)]  # a ticket's row id
PageNumber = Annotated[int, Int(0, 10_000)]


class Step(StrEnum):
    """Where a mentor (or an expert writing an answer) is in a question's dialog."""

    TOPIC = "esc.topic"  # choosing what the question is about
    WRITE = "esc.write"  # writing the question, message by message, until Send
    ANON = "esc.anon"  # by name or anonymously
    REPLY = "esc.reply"  # the mentor writes again on an answered ticket
    ANSWER = "esc.answer"  # an expert writes an answer (a preview with Send / Edit / Cancel)
    NOTE = "esc.note"  # an expert writes an internal note for the other experts


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


class Rate(ChoiceId, prefix="esc:rate"):
    """The mentor's answer to "Was this helpful?" after the ticket closed."""

    ticket: TicketNumber
    helpful: Annotated[str, OneOf(*HELPFUL)]


# --- the experts' buttons (every one names its ticket: never a position in a list) ----------------


class Queue(ChoiceId, prefix="esc:x:q"):
    """The expert's queue (from the menu or a ticket: a new message)."""


class QueuePage(ChoiceId, prefix="esc:x:qp"):
    """Another page of the queue (the list is replaced in place)."""

    page: PageNumber


class Open(ChoiceId, prefix="esc:x:o"):
    """A ticket in full: the thread, who asked (unless anonymous), and its actions."""

    ticket: TicketNumber


class Claim(ChoiceId, prefix="esc:x:claim"):
    """An expert takes a ticket on (the others see who)."""

    ticket: TicketNumber


class Release(ChoiceId, prefix="esc:x:rel"):
    """Give a claimed ticket back to every expert (the expert who has it, or staff)."""

    ticket: TicketNumber


class Close(ChoiceId, prefix="esc:x:close"):
    """The expert who claimed a ticket (or staff) closes it."""

    ticket: TicketNumber


class Answer(ChoiceId, prefix="esc:x:ans"):
    """Write an answer in the private chat; a preview comes before anything is sent."""

    ticket: TicketNumber


class SendAnswer(ChoiceId, prefix="esc:x:send"):
    """Send the previewed answer to the mentor."""

    ticket: TicketNumber


class EditAnswer(ChoiceId, prefix="esc:x:edit"):
    """Write the answer again (it replaces the draft)."""

    ticket: TicketNumber


class DropAnswer(ChoiceId, prefix="esc:x:drop"):
    """Do not send the answer (the draft is shown once more to copy)."""

    ticket: TicketNumber


class Canned(ChoiceId, prefix="esc:x:cr"):
    """The canned replies an answer can start from."""

    ticket: TicketNumber


class UseCanned(ChoiceId, prefix="esc:x:cu"):
    """Add a canned reply (in the mentor's language) to the answer."""

    ticket: TicketNumber
    reply: Annotated[str, Key(24)]


class Note(ChoiceId, prefix="esc:x:note"):
    """Write an internal note for the other experts (the mentor never sees it)."""

    ticket: TicketNumber


class TicketList(ChoiceId, prefix="esc:x:tl"):
    """Staff: the list of tickets (from the menu or a ticket: a new message)."""


class Tickets(ChoiceId, prefix="esc:x:tk"):
    """Staff: a filter or page of the list (not closed, unclaimed, urgent, late), in place."""

    kind: Annotated[str, OneOf(*LISTINGS)]
    page: PageNumber = 0
