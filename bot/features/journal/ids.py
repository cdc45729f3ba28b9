"""The journal's buttons (choice ids)."""

from __future__ import annotations

from typing import Annotated

from bot.ids import ChoiceId, Int, OneOf

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
