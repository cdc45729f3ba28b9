"""Shared fixtures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot import content as content_module
from tests.harness import Harness

_load_content = content_module.load_content
_loaded: dict[tuple, content_module.Content] = {}


def _cached_load_content(directory: Path | str) -> content_module.Content:
    """load_content, validated once per content tree: Content is immutable (frozen models)."""
    root = Path(directory).resolve()
    # By the files' bytes, not their times: a test may edit a copy twice within a clock tick.
    files = sorted(p for p in root.rglob("*") if p.is_file())
    key = (root, *((str(p), hashlib.sha256(p.read_bytes()).digest()) for p in files))
    if key not in _loaded:
        _loaded[key] = _load_content(root)  # raises ContentError on invalid files: not kept
    return _loaded[key]


@pytest.fixture(autouse=True, scope="session")
def _content_validated_once():
    """Every app start in this process shares one validated Content per unchanged content tree."""
    content_module.load_content = _cached_load_content
    yield
    content_module.load_content = _load_content


@pytest.fixture
async def h(tmp_path):
    """A started harness on a fresh database."""
    harness = Harness(tmp_path / "bot.db")
    await harness.start()
    yield harness
    await harness.stop()
