"""The journal's buttons (choice ids)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.ids import ChoiceId, Int, OneOf


class Step(StrEnum):
    """An expert writing a comment on a shared reflection, or the mentor writing a reply."""

    COMMENT = "jr.comment"  # the expert's comment (a preview before it is sent)
    REPLY = "jr.reply"  # the mentor's reply to a comment (a preview before it is sent)


ReflectionNumber = Annotated[int, Int(1)]
PageNumber = Annotated[int, Int(0, 10_000)]


class Page(ChoiceId, prefix="jr:p"):
    """A page of the mentor's reflections, newest first."""

    page: PageNumber


class Open(ChoiceId, prefix="jr:o"):
    """One reflection in full, with what it answered."""

    reflection: ReflectionNumber


class Share(ChoiceId, prefix="jr:sh"):
    """Share a reflection with the experts ("1") or make it private again ("0")."""

    reflection: ReflectionNumber
    shared: Annotated[str, OneOf("1", "0")]


class Delete(ChoiceId, prefix="jr:del"):
    """Ask whether to delete a reflection."""

    reflection: ReflectionNumber


class DeleteConfirmed(ChoiceId, prefix="jr:delok"):
    """Delete the reflection."""

    reflection: ReflectionNumber


class SharedPage(ChoiceId, prefix="jr:x"):
    """Experts: a page of the reflections mentors shared, newest first."""

    page: PageNumber


class Comment(ChoiceId, prefix="jr:x:c"):
    """Experts: write a short comment on a shared reflection (or write it again)."""

    reflection: ReflectionNumber


class SendComment(ChoiceId, prefix="jr:x:cs"):
    """Experts: send the previewed comment to the mentor."""

    reflection: ReflectionNumber


class DropComment(ChoiceId, prefix="jr:x:cx"):
    """Experts: do not send the comment."""

    reflection: ReflectionNumber


class ReplyComment(ChoiceId, prefix="jr:r"):
    """The mentor replies to an expert's comment on their reflection (or writes it again)."""

    reflection: ReflectionNumber


class SendReply(ChoiceId, prefix="jr:rs"):
    """The mentor sends the previewed reply."""

    reflection: ReflectionNumber


class DropReply(ChoiceId, prefix="jr:rx"):
    """The mentor does not send the reply."""

    reflection: ReflectionNumber
