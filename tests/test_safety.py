"""Crisis signals in any free text: English, Finnish and Swedish, case and inflection tolerant."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_content
from bot.features.safety.detector import CrisisDetector
from bot.roles import Role
from storage.safety import SafetyRepo
from storage.tickets import TicketsRepo
from tests.harness import REPO

DETECTOR = CrisisDetector(load_content(REPO / "content").safety_signals)


@pytest.mark.parametrize(
    "text, category",
    [
        ("Sometimes I think about SUICIDE.", "self_harm"),
        ("I just want to die", "self_harm"),
        ("He said he is Killing Myself... no, I mean I am", "self_harm"),
        ("Mietin itsemurhaa viime viikolla", "self_harm"),  # inflected: itsemurha-a
        ("En jaksa elää enää näin", "self_harm"),
        ("Hän viilteli käsiään", "self_harm"),
        ("Jag har tänkt på självmord", "self_harm"),
        ("Jag orkar inte leva längre", "self_harm"),
        ("My neighbour threatened to kill his wife", "danger"),
        ("Naapuri uhkasi tappaa vaimonsa", "danger"),
        ("Han hotade att döda henne", "danger"),
        ("Someone in the group is planning an attack", "danger"),
        ("My friend says he wants to kill himself", "self_harm"),  # about someone else
        ("She doesn't want to live anymore", "self_harm"),
        ("Ystäväni sanoo että hän haluaa kuolla.", "self_harm"),
        ("Nuori puhui, että tappaa itsensä.", "self_harm"),
        ("Hän ei jaksa elää enää", "self_harm"),
        ("Han sa att han ska ta livet av sig.", "self_harm"),
        ("Hon skadar sig själv", "self_harm"),
    ],
)
def test_signals_are_found(text, category):
    signal = DETECTOR.scan(text)
    assert signal is not None and signal.category == category, text


@pytest.mark.parametrize(
    "text",
    [
        "We talked about how to support each other after a hard week.",
        "Workshop went well, 12 people came and shared their stories.",
        "Työpaja meni hyvin, keskustelimme yhteisön voimavaroista.",
        "Vi pratade om gemenskap och trygghet.",
    ],
)
def test_ordinary_texts_are_left_alone(text):
    assert DETECTOR.scan(text) is None


async def test_someone_else_in_danger_gets_fitting_guidance_and_nothing_is_lost(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    await h.tap("esc:new", mentor)
    await h.tap("esc:topic:community", mentor)
    await h.say("A boy in our club says his father threatened to kill him.", mentor)
    noticed = h.last(mentor)
    assert "112" in noticed.text
    assert noticed.choice_ids == ["safety:about:me", "safety:about:other", "safety:ok"]
    await h.tap("safety:about:other", mentor)
    assert "Don't promise to keep it secret" in h.last(mentor).text
    await h.tap("safety:expert:no", mentor)
    assert "ask an expert later" in h.last(mentor).text
    assert h.last(mentor).choice_ids == ["safety:done"], "'yes, contact me' is no longer offered"
    await h.tap("safety:done", mentor)
    assert "carry on where you were" in h.last(mentor).text
    assert await h.app.db.repo(TicketsRepo).get(1) is None, "no urgent request was made"
    # The question being written is still there: Send works.
    await h.tap("esc:send", mentor)
    assert "anonymously" in h.last(mentor).text
    flags = await h.app.db.fetchall("SELECT category, about FROM safety_flags")
    assert [(f["category"], f["about"]) for f in flags] == [("danger", "other")]
    assert await h.app.db.repo(SafetyRepo).latest((await h.person(mentor)).id) is not None


async def test_i_am_okay_is_respected_gently(h):
    mentor = await h.onboard(Role.MENTOR, "Amina")
    bite = h.app.content.section("s1").bites[0]
    await h.tap(f"learn:reflect:{bite.id}", mentor)
    await h.say(
        "In Finnish we say itsetuhoisuus when we mean self-harm; we discussed the word.", mentor
    )
    await h.tap("safety:ok", mentor)
    assert "kept as usual" in h.last(mentor).text and "112" in h.last(mentor).text


def _phrase_by_phrase(text: str):
    """The detector's walk without its one-regex shortcut (the reference behaviour)."""
    from bot.features.safety.detector import normalise

    return DETECTOR.walk(normalise(text))


def _inflected(parts: list[str]) -> str:
    """Words with endings added here and there, as inflected or typed text would have."""
    endings = ["", "a", "ing", "."]
    return " ".join(p + endings[i % len(endings)] for i, p in enumerate(parts))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([s for _, _, stems in DETECTOR._phrases for s in stems]),
            st.sampled_from(["I", "the", "ja", "och", "group", "hyvin", "-", "'", "…"]),
            st.text(min_size=1, max_size=6),
        ),
        max_size=12,
    ).map(_inflected)
)
def test_the_shortcut_finds_exactly_what_the_phrase_walk_finds(text):
    assert DETECTOR.scan(text) == _phrase_by_phrase(text)


async def test_anyone_can_ask_where_to_get_help(h):
    guest = h.user("Visitor")
    await h.say("/helplines", guest)
    text = h.last(guest).text
    assert "call 112" in text and "09 2525 0111" in text and "116 006" in text
    assert "/start" not in text, "no invite needed to see the helplines"
    assert "https://mieli.fi/en/support-and-help/crisis-helpline/" in text, "hours are on the page"

    mentor = await h.onboard(Role.MENTOR, "Amina", lang="sv")
    assert "help:lines" in h.last(mentor).choice_ids, "the menu offers it"
    await h.tap("help:lines", mentor)
    assert "Var du får hjälp i Finland" in h.last(mentor).text
    assert "MIELI Kristelefonen (på svenska): 09 2525 0112" in h.last(mentor).text
    await h.tap("help:victims", mentor)
    victims = h.app.content.resources
    text = h.last(mentor).text
    assert all(step.text.get("sv") in text for step in victims.victim_steps)
    assert "Brottsofferjouren (RIKU): 116 006" in text
    assert h.last(mentor).choice_ids == ["help:lines"]
