"""Typed choice ids and routes: bounds, round trips, the 64-byte limit, steps that must exist."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ids import ChoiceId, Int, Key, OneOf
from bot.messages import CALLBACK_DATA_LIMIT
from bot.roles import Role
from bot.router import Routes


class Sample(ChoiceId, prefix="test:sample"):
    """A sample id."""

    row: Annotated[int, Int(1)]
    answer: Annotated[str, OneOf("yes", "no")]
    page: Annotated[int | None, Int(0, 99)] = None


def test_pack_and_parse_round_trip_with_an_optional_last_field():
    assert Sample(5, "yes").pack() == "test:sample:5:yes"
    assert Sample(5, "no", 3).pack() == "test:sample:5:no:3"
    assert Sample.parse("test:sample:5:no:3") == Sample(5, "no", 3)
    assert Sample.parse("test:sample:5:yes") == Sample(5, "yes")


@pytest.mark.parametrize(
    "data",
    [
        "test:sample",  # fields missing
        "test:sample:0:yes",  # below the bound
        "test:sample:9223372036854775808:yes",  # beyond SQLite's integers
        "test:sample:" + "9" * 60 + ":yes",
        "test:sample:-1:yes",
        "test:sample:1:maybe",
        "test:sample:1:yes:100",
        "test:sample:1:yes:2:extra",
        "test:sample:1.5:yes",
        "test:samplex:1:yes",
        "test:sample:１:yes",  # a full-width digit
    ],
)
def test_malformed_or_out_of_range_ids_do_not_parse(data):
    assert Sample.parse(data) is None


def test_building_an_id_out_of_bounds_fails():
    with pytest.raises(ValueError):
        Sample(0, "yes").pack()
    with pytest.raises(ValueError):
        Sample(1, "perhaps").pack()


def test_a_class_that_could_exceed_64_bytes_fails_when_it_is_defined():
    with pytest.raises(TypeError, match="64"):

        class TooLong(ChoiceId, prefix="test:long"):
            a: Annotated[str, Key(30)]
            b: Annotated[str, Key(30)]


def test_fields_need_bounds():
    with pytest.raises(TypeError, match="annotate"):

        class Unbounded(ChoiceId, prefix="test:unbounded"):
            a: int


def test_a_route_must_use_its_class_prefix_and_its_feature():
    routes = Routes("test")
    with pytest.raises(ValueError):
        routes.choice("test:other", Sample)
    with pytest.raises(ValueError):
        Routes("else").choice("test:sample", Sample)


def test_steps_must_belong_to_the_feature():
    class Step(StrEnum):
        ONE = "other.one"

    with pytest.raises(ValueError):
        Routes("test").step(Step.ONE)


def _every_id_class(h):
    return [route.id_class for route in h.app.router.choices.values()]


@settings(max_examples=25, deadline=None)
@given(data=st.data())
async def test_every_registered_id_packs_within_64_bytes_and_parses_back(data, tmp_path_factory):
    from tests.harness import Harness

    harness = Harness(tmp_path_factory.mktemp("ids") / "bot.db")
    await harness.start()
    try:
        for cls in _every_id_class(harness):
            values = {}
            for name, bound, optional in cls._bounds:
                if optional and data.draw(st.booleans()):
                    break
                values[name] = data.draw(_values_of(bound))
            choice = cls(**values)
            packed = choice.pack()
            assert len(packed.encode()) <= CALLBACK_DATA_LIMIT
            assert cls.parse(packed) == choice
            assert harness.app.router.find_choice(packed).id_class is cls
    finally:
        await harness.stop()


def _values_of(bound):
    if isinstance(bound, Int):
        return st.integers(bound.lo, bound.hi)
    if isinstance(bound, OneOf):
        return st.sampled_from(bound.values)
    alphabet = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_")
    return st.text(alphabet, min_size=1, max_size=bound.max_len)


async def test_a_step_typo_fails_loudly(h):
    user = await h.onboard(Role.MENTOR, "Anna")
    from bot.context import Ctx

    ctx = Ctx(h.app, None, await h.person(user))

    class Typo(StrEnum):
        REFLCT = "learn.reflct"

    with pytest.raises(ValueError, match="unknown dialog step"):
        await ctx.set_step(Typo.REFLCT, {})
    with pytest.raises(ValueError, match="unknown dialog step"):
        await ctx.set_step("learn.reflect", {})  # a plain string is not a Step
