"""Splitting long texts for messengers: every part fits, nothing is lost, cuts fall between words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.split import split_text, utf8_size

WORDS = st.sampled_from(["työpaja", "ääni", "gemenskap", "🌿", "a", "community", "\n", "\n\n"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(WORDS, min_size=1, max_size=400).map(" ".join),
    st.integers(min_value=20, max_value=300),
)
def test_parts_fit_and_keep_every_word_in_order(text, limit):
    for size in (len, utf8_size):
        parts = split_text(text, limit, size)
        assert all(size(p) <= limit for p in parts)
        assert " ".join(parts).split() == text.split()


def test_cuts_prefer_line_breaks_then_spaces():
    text = "first line here\n" + "word " * 10
    assert split_text(text, 30) == ["first line here", "word " * 5 + "word", "word " * 4]
    assert split_text("ä" * 10, 7, utf8_size) == ["äää", "äää", "äää", "ä"]
    assert split_text("", 10) == ["…"], "Telegram sends no empty message"
