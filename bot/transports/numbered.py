"""Choices as numbered replies, for messengers without buttons (Signal) and the console."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.i18n import t
from bot.messages import Address, Choice, Outgoing

_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Pending:
    """The choices last offered in a chat, and whether a typed number picks one."""

    choices: tuple[Choice, ...] = ()
    numbered: bool = True


class ChoiceMemory(Protocol):
    """Remembers the choices last offered in a chat, so a number can be mapped back."""

    async def remember(
        self, address: Address, choices: Sequence[Choice], numbered: bool = True
    ) -> None:
        """Store the choices now pending in this chat ([] clears them)."""

    async def recall(self, address: Address) -> Pending:
        """The choices pending in this chat, in their numbered order."""


async def remember_offer(memory: ChoiceMemory, address: Address, out: Outgoing) -> None:
    """After sending: a message with choices replaces the pending ones; one without keeps them.

    Like inline keyboards on Telegram, earlier choices stay valid until new ones are offered,
    so a number typed after a short notice (e.g. "please type a date") still picks a button.
    """
    choices = tappable(out)
    if choices:
        await memory.remember(address, choices, out.numbered)


def tappable(out: Outgoing) -> list[Choice]:
    """The choices of a message that a number can tap (links are not tapped)."""
    return [c for c in out.all_choices() if not c.url]


def render(out: Outgoing, lang: str = "en") -> str:
    """The message text followed by its choices as a numbered list and a hint."""
    lang = out.lang or lang
    numbered = tappable(out)
    links = [c for c in out.all_choices() if c.url]
    lines = [out.text] if out.text else []
    if numbered and not out.numbered:
        lines.append("")
        lines.extend(f"• {c.label}" for c in numbered)
    elif numbered:
        lines.append("")
        lines.extend(f"{i}. {c.label}" for i, c in enumerate(numbered, start=1))
    if links:
        lines.append("")
        lines.extend(f"{c.label}: {c.url}" for c in links)
    if numbered:
        lines.append("")
        if not out.numbered:
            hint = t(lang, "numbered.hint_labels")
        elif len(numbered) == 1:
            hint = t(lang, "numbered.hint_one")  # not "a number from 1 to 1"
        else:
            hint = t(lang, "numbered.hint", last=len(numbered))
        lines.append(hint)
    return "\n".join(lines)


def interpret(text: str, choices: Sequence[Choice], numbered: bool = True) -> Choice | int | None:
    """Map a reply to a pending choice.

    Returns the Choice for a valid number ("2", " 2 ", "2.") or a label's text, the number of
    choices when the reply is a bare number out of range, and None for any other text. When
    `numbered` is False only a label's text picks a choice.
    """
    if not choices:
        return None
    match = _NUMBER.match(text) if numbered else None
    if match:
        n = int(match.group(1))
        return choices[n - 1] if 1 <= n <= len(choices) else len(choices)
    wanted = _fold(text)
    for choice in choices:
        if _fold(choice.label) == wanted:
            return choice
    return None


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
