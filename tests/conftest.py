"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.harness import Harness


@pytest.fixture
async def h(tmp_path):
    """A started harness on a fresh database."""
    harness = Harness(tmp_path / "bot.db")
    await harness.start()
    yield harness
    await harness.stop()
