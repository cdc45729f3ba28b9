"""Shared fixtures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot import content as content_module
from tests.harness import Harness

# The longest files first (measured: subprocesses, fault proxies, the browser, hypothesis), so
# that with pytest-xdist no worker is left alone with one of them at the end.
SLOW_FIRST = (
    "test_faults.py",
    "test_random_updates.py",
    "test_web_browser.py",
    "test_console.py",
    "test_ops.py",
    "test_hardening.py",
    "test_outbox.py",
    "test_reports.py",
    "test_odd_input.py",
)

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest files first (each file's tests stay together and in order)."""
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


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
